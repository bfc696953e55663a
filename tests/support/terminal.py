"""Run a console script with its stdout on a pseudo-terminal of a given width, or on a pipe."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BOX = set("─│┃━┏┓┗┛┡┩└┘┌┐├┤┬┴┼╇╈═║╔╗╚╝")


@dataclass(frozen=True)
class Ran:
    """What a script printed, with terminal escapes removed, and its exit status."""

    returncode: int
    stdout: str
    stderr: str


def script(name: str) -> str:
    """Return the path of an installed console script beside this interpreter."""
    return str(Path(sys.executable).parent / name)


def _environment(columns: int, env: Mapping[str, str] | None) -> dict[str, str]:
    return {**os.environ, "COLUMNS": str(columns), "TERM": "xterm-256color", **(env or {})}


def run_in_terminal(
    argv: Sequence[str],
    columns: int = 80,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> Ran:
    """Run argv with stdout on a terminal `columns` wide; stderr goes to a pipe."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=child,
        stderr=subprocess.PIPE,
        env=_environment(columns, env),
    )
    os.close(child)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                process.kill()
                raise TimeoutError(f"{argv[0]} did not finish within {timeout} s")
            ready, _, _ = select.select([main], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: the child's side is closed, all output read
                break
            if not data:
                break
            chunks.append(data)
        _, stderr = process.communicate(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(main)
    text = b"".join(chunks).decode().replace("\r\n", "\n")
    return Ran(process.returncode, ANSI.sub("", text), stderr.decode())


def run_piped(
    argv: Sequence[str],
    columns: int = 80,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> Ran:
    """Run argv with stdout on a pipe, as `cmd | grep` would."""
    done = subprocess.run(
        list(argv),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=_environment(columns, env),
        timeout=timeout,
        check=False,
    )
    return Ran(done.returncode, done.stdout.decode(), done.stderr.decode())
