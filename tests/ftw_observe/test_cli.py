"""The `ftw-observe` command line."""

from __future__ import annotations

from typer.testing import CliRunner

from ftw_observe import __version__
from ftw_observe.cli import app


def test_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__


def test_an_unknown_command_is_refused() -> None:
    result = CliRunner().invoke(app, ["generate"])
    assert result.exit_code == 2
