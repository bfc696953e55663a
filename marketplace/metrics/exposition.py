"""Render /metrics for one process or for every worker of a multiprocess server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from starlette.responses import Response

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """Return the multiprocess metrics directory, or None in single-process mode."""
    return os.environ.get(MULTIPROC_ENV) or None


def render_latest() -> bytes:
    """Render the current metrics in the text exposition format."""
    directory = multiprocess_dir()
    if directory is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


async def metrics_endpoint() -> Response:
    """Serve the metrics to a Prometheus scrape.

    Async on purpose: scrapes must not queue behind request threads when the service is
    overloaded, which is exactly when they matter.
    """
    return Response(render_latest(), media_type=CONTENT_TYPE_LATEST)


def reset_multiprocess_dir(directory: Path) -> None:
    """Empty the multiprocess directory so files of dead workers do not pile up."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)


def mark_worker_dead(pid: int) -> None:
    """Drop a stopping worker's live gauges from the multiprocess directory."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid)
