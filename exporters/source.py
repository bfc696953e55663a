"""What every exporter source provides: a name and a blocking read of its metric families."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from prometheus_client.core import Metric


class SourceError(RuntimeError):
    """A source could not be read; the message says why without secrets."""


class Source(Protocol):
    """A database, cache or host the exporter reads on every scrape.

    `read()` does the I/O and returns complete metric families; it raises on failure. It may
    keep state between calls (high-water marks), and must be safe to call again after a
    failure. It is never called concurrently with itself.
    """

    name: str

    def read(self) -> Sequence[Metric]: ...

    def close(self) -> None: ...
