"""How the demo finds its programs and shows paths and URLs to people."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ftw_observe.demo.settings import DemoError
from ftw_observe.demo.tools import console_script, shown, shown_url


def test_console_scripts_are_those_beside_this_python() -> None:
    assert console_script("ftw-observe") == Path(sys.executable).parent / "ftw-observe"


def test_a_missing_console_script_is_named() -> None:
    with pytest.raises(DemoError, match="ftw-nothing is neither beside"):
        console_script("ftw-nothing")


def test_paths_below_the_working_directory_are_shown_relative() -> None:
    assert shown(Path("/srv/app/.venv/bin"), Path("/srv/app")) == ".venv/bin"
    assert shown(Path("/opt/venv/bin"), Path("/srv/app")) == "/opt/venv/bin"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////srv/.ftw/marketplace.db", "sqlite:////srv/.ftw/marketplace.db"),
        ("postgresql://postgres@127.0.0.1:5432/ftw", "postgresql://postgres@127.0.0.1:5432/ftw"),
        ("postgresql://ftw:s3cret@db:5432/ftw?sslmode=require", "postgresql://ftw:***@db:5432/ftw"),
        ("redis://:s3cret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ],
)
def test_urls_are_shown_without_passwords_or_queries(url: str, expected: str) -> None:
    assert shown_url(url) == expected
