"""Files the demo writes whole: replaced atomically, private ones readable by the owner only."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace `path` with `text` so that readers see the old file or the new, never half."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def write_private(path: Path, text: str) -> None:
    """Replace `path` atomically with `text`, readable by its owner only (mode 0600)."""
    write_atomic(path, text, mode=0o600)


def kept_token(path: Path) -> str:
    """Return the token in `path`, made private; write a fresh one when there is none.

    Kept across runs, so that a shell that exported it (`export FTW_API_TOKEN=$(cat …)`)
    stays valid when the demo restarts.
    """
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if token := path.read_text(encoding="utf-8").strip():
            write_private(path, token + "\n")  # back to mode 0600 if someone widened it
            return token
    token = secrets.token_urlsafe(32)
    write_private(path, token + "\n")
    return token
