"""`ftw-exporter`: business and infrastructure metrics of the marketplace on /metrics."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Prometheus exporter for the FairTradeWorker marketplace.")

DEFAULT_DATABASE_URL = "sqlite:///.ftw/marketplace.db"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"ftw-exporter {version('ftw-observe')}")
        raise typer.Exit()


@app.command(epilog="Exit status: 0 stopped, 1 failed, 2 a usage error (bad option or argument).")
def serve(
    host: Annotated[str, typer.Option(envvar="EXPORTER_HOST", help="Address to bind.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(envvar="EXPORTER_PORT", min=1, max=65535)] = 9464,
    database_url: Annotated[
        str, typer.Option(envvar="DATABASE_URL", help="The marketplace database (read only).")
    ] = DEFAULT_DATABASE_URL,
    redis_url: Annotated[
        str | None, typer.Option(envvar="REDIS_URL", help="Redis to report on; none if unset.")
    ] = None,
    data_dir: Annotated[
        Path, typer.Option(envvar="FTW_DATA_DIR", help="Directory whose disk usage is reported.")
    ] = Path(".ftw"),
    timeout: Annotated[
        float,
        typer.Option(
            envvar="FTW_EXPORTER_TIMEOUT_SECONDS", min=0.1, help="Deadline of each source read."
        ),
    ] = 2.0,
    overlap: Annotated[
        float,
        typer.Option(
            envvar="FTW_EXPORTER_OVERLAP_SECONDS",
            min=0.0,
            help="How far back each read looks again for rows committed late.",
        ),
    ] = 30.0,
    timezone: Annotated[
        str,
        typer.Option(envvar="FTW_BUSINESS_TIMEZONE", help="Time zone of 'same-day' payouts."),
    ] = "America/Chicago",
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Serve /metrics until interrupted."""
    from exporters.server import ExporterConfig, start

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config = ExporterConfig(
        database_url=database_url,
        redis_url=redis_url,
        data_dir=data_dir,
        timeout=timeout,
        overlap=timedelta(seconds=overlap),
        timezone=timezone,
    )
    try:
        exporter = start(config, host, port)
    except ValueError as exc:
        typer.echo(f"ftw-exporter: {exc}", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(
            f"ftw-exporter: cannot listen on {host}:{port}: {exc.strerror}; "
            "choose another with --port or EXPORTER_PORT",
            err=True,
        )
        raise typer.Exit(2) from None
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo(f"ftw-exporter: serving http://{host}:{exporter.port}/metrics")
    stop.wait()
    exporter.stop()


def main() -> None:
    """Run the command line."""
    app()
