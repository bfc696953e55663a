"""Files the demo writes: the API token is private, and kept across runs."""

from __future__ import annotations

from pathlib import Path

from ftw_observe.demo.files import kept_token


def test_a_missing_token_is_written_fresh_and_private(tmp_path: Path) -> None:
    path = tmp_path / "api-token"

    token = kept_token(path)

    assert len(token) >= 32
    assert path.read_text() == token + "\n"
    assert path.stat().st_mode & 0o777 == 0o600


def test_an_existing_token_is_kept_and_made_private_again(tmp_path: Path) -> None:
    path = tmp_path / "api-token"
    path.write_text("kept-token\n")
    path.chmod(0o644)

    assert kept_token(path) == "kept-token"
    assert path.stat().st_mode & 0o777 == 0o600


def test_an_empty_token_file_gets_a_fresh_token(tmp_path: Path) -> None:
    path = tmp_path / "api-token"
    path.write_text("\n")

    assert kept_token(path) == path.read_text().strip() != ""
