"""The side effects of a backfill: find promtool, reach Prometheus, run promtool, list blocks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from ftw_observe.prometheus import safe_url

EXIT_FAILED = 1
EXIT_USAGE = 2
LOG_TAIL = 20
# Since 2.39 Prometheus merges overlapping blocks without --storage.tsdb.allow-overlapping-blocks.
OVERLAP_VERSION = (2, 39)


class BackfillError(Exception):
    """Raised with a message fit to print and the exit status it calls for."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Block:
    """A TSDB block promtool wrote: its directory, time range (Unix ms) and series count."""

    path: Path
    min_time: int
    max_time: int
    series: int


def find_promtool(option: str | None) -> str:
    """Return the promtool to run: `--promtool` if given, else the one on PATH."""
    name = option or "promtool"
    found = shutil.which(name)
    if found is None or not os.access(found, os.X_OK):
        where = f"--promtool {option}" if option else "promtool on PATH"
        raise BackfillError(
            f"{where}: not found or not executable (install Prometheus' promtool "
            "or give its path with --promtool)",
            EXIT_USAGE,
        )
    return found


def split_userinfo(url: str) -> tuple[str, httpx.BasicAuth | None]:
    """Return the URL without its user and password, and basic auth made of them."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    bare = urlunsplit(parts._replace(netloc=host))
    return bare, httpx.BasicAuth(unquote(user), unquote(password))


def prometheus_version(url: str) -> str:
    """Return the version Prometheus at `url` reports; raise BackfillError if it cannot be read."""
    bare, auth = split_userinfo(url)
    shown = safe_url(url)
    if urlsplit(bare).scheme not in ("http", "https"):
        raise BackfillError(f"--prometheus-url {shown}: not an http:// or https:// URL", EXIT_USAGE)
    try:
        response = httpx.get(f"{bare.rstrip('/')}/api/v1/status/buildinfo", auth=auth, timeout=10)
    except httpx.HTTPError as error:
        # The error's text can hold the URL: name only its kind.
        raise BackfillError(
            f"--prometheus-url {shown}: Prometheus is unreachable ({type(error).__name__})"
        ) from None
    if response.status_code != 200:
        raise BackfillError(
            f"--prometheus-url {shown}: Prometheus answered HTTP {response.status_code} "
            "to /api/v1/status/buildinfo"
        )
    try:
        return str(response.json()["data"]["version"])
    except (ValueError, KeyError, TypeError):
        raise BackfillError(
            f"--prometheus-url {shown}: the answer is not Prometheus' build information"
        ) from None


def merges_overlaps(version: str) -> bool:
    """Tell whether a Prometheus version loads blocks that overlap its own without a flag."""
    numbers = []
    for part in version.split("+")[0].split("-")[0].split(".")[:2]:
        if not part.isdigit():
            return True  # an unusual version string: assume a recent build
        numbers.append(int(part))
    return tuple(numbers) >= OVERLAP_VERSION


def check_output(output: Path) -> None:
    """Make sure `output` is an empty directory, creating it if needed."""
    if output.exists() and not output.is_dir():
        raise BackfillError(f"--output {output}: not a directory", EXIT_USAGE)
    if output.is_dir() and any(output.iterdir()):
        raise BackfillError(
            f"--output {output}: not empty; give a new or empty directory, so that only "
            "the new blocks are copied into Prometheus",
            EXIT_USAGE,
        )
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackfillError(f"--output {output}: {error.strerror}", EXIT_USAGE) from None


def scrub(text: str, url: str) -> str:
    """Return `text` with the URL's user and password masked."""
    if not url:
        return text
    text = text.replace(url, safe_url(url))
    password = urlsplit(url).password
    for secret in {password, unquote(password)} if password else ():
        text = text.replace(secret, "***")
    return text


def run_promtool(command: Sequence[str], prometheus_url: str) -> str:
    """Run promtool and return its output; raise BackfillError with its log's tail on failure."""
    try:
        done = subprocess.run(  # noqa: S603 - promtool with our own arguments, no shell
            list(command),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        raise BackfillError(f"--promtool {command[0]}: {error.strerror}", EXIT_USAGE) from None
    log = scrub(done.stdout + done.stderr, prometheus_url)
    if done.returncode != 0:
        tail = "\n".join(log.strip().splitlines()[-LOG_TAIL:])
        raise BackfillError(f"promtool failed (exit status {done.returncode}); its log:\n{tail}")
    return log


def remove_leftovers(output: Path) -> None:
    """Remove the empty directories promtool leaves beside the blocks (`chunks_head`, `wal`).

    Copied into Prometheus' data directory with the blocks, they would land on its own.
    """
    for path in output.iterdir():
        if path.is_dir() and not (path / "meta.json").exists() and not any(path.iterdir()):
            path.rmdir()


def blocks(output: Path) -> list[Block]:
    """Return the blocks in `output`, oldest first."""
    found = []
    for meta in output.glob("*/meta.json"):
        data = json.loads(meta.read_text(encoding="utf-8"))
        series = int((data.get("stats") or {}).get("numSeries", 0))
        found.append(Block(meta.parent, int(data["minTime"]), int(data["maxTime"]), series))
    return sorted(found, key=lambda block: (block.min_time, block.path.name))
