"""`ftw-marketplace`: serve the marketplace, migrate its database, seed demo users."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from marketplace.output import EXIT_CODES, Output, OutputOption, wants_json
from marketplace.version import version_option

if TYPE_CHECKING:
    from marketplace.config import Settings

app = typer.Typer(
    help="The FairTradeWorker marketplace service.", no_args_is_help=True, epilog=EXIT_CODES
)

DEFAULT_MULTIPROC_DIR = Path(".ftw") / "prometheus-multiproc"


@app.callback()
def cli(
    show_version: Annotated[bool, version_option("ftw-marketplace")] = False,
) -> None:
    """The FairTradeWorker marketplace service."""


def _single_process_metrics() -> None:
    # Only `serve` exposes metrics; other commands must not write into a server's
    # multiprocess directory, nor fail when it does not exist yet.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


@app.command(epilog=EXIT_CODES)
def serve(
    host: Annotated[str, typer.Option(envvar="MARKETPLACE_HOST", help="Address to bind.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(envvar="MARKETPLACE_PORT", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes; each has its own SO_REUSEPORT socket, so the kernel "
            "spreads connections evenly over them.",
        ),
    ] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply database migrations first.")] = True,
    multiproc_dir: Annotated[
        Path,
        typer.Option(
            envvar="PROMETHEUS_MULTIPROC_DIR",
            help="Metrics directory shared by workers; emptied at start.",
        ),
    ] = DEFAULT_MULTIPROC_DIR,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the marketplace API and /metrics."""
    # Set before prometheus_client is imported below, so workers and this process agree.
    from marketplace.metrics.exposition import MULTIPROC_ENV, reset_multiprocess_dir

    if workers > 1 or MULTIPROC_ENV in os.environ:
        reset_multiprocess_dir(multiproc_dir)
        os.environ[MULTIPROC_ENV] = str(multiproc_dir.resolve())

    import uvicorn

    settings = _settings()
    if migrate:
        _migrate(settings)
    from marketplace.workers import Workers, freeze_startup_heap

    if workers == 1:
        from marketplace.app import create_app

        served = create_app(settings)
        freeze_startup_heap()
        uvicorn.run(served, host=host, port=port, log_level=log_level)
        return

    config = uvicorn.Config(
        "marketplace.app:create_app", factory=True, host=host, port=port, log_level=log_level
    )
    try:
        code = Workers(config, count=workers).run()
    except OSError as error:
        raise typer.BadParameter(
            f"cannot listen on {host}:{port}: {error}", param_hint="--port"
        ) from None
    raise typer.Exit(code)


@app.command(epilog=EXIT_CODES)
def migrate() -> None:
    """Bring the database in DATABASE_URL to the newest schema."""
    _single_process_metrics()
    _migrate(_settings())
    typer.echo("database schema is up to date")


@app.command(epilog=EXIT_CODES)
def seed(
    homeowners: Annotated[int, typer.Option(min=0, max=1000)] = 3,
    contractors: Annotated[int, typer.Option(min=0, max=1000)] = 5,
    output: OutputOption = Output.TABLE,
    as_json: Annotated[bool, typer.Option("--json", help="Same as -o json.")] = False,
) -> None:
    """Create demo users (or give existing ones new keys) and print their API keys."""
    _single_process_metrics()
    from marketplace.db.session import Database
    from marketplace.seed import seed_users

    settings = _settings()
    _migrate(settings)
    database = Database(settings)
    try:
        with database.session() as session:
            users = seed_users(session, homeowners, contractors)
    finally:
        database.dispose()
    if wants_json(output, as_json):
        operator = next(user for user in users if user.role == "operator")
        typer.echo(
            json.dumps(
                {
                    "operator": {"id": operator.id, "api_key": operator.api_key},
                    "users": [
                        {
                            "id": user.id,
                            "email": user.email,
                            "role": user.role.value,
                            "tier": user.tier,
                            "api_key": user.api_key,
                        }
                        for user in users
                    ],
                },
                indent=2,
            )
        )
        return
    typer.echo("Demo users (keys are shown only now):")
    for user in users:
        row = f"{user.id:>4}  {user.role.value:<10}  {user.tier:<13}  {user.email:<32}"
        typer.echo(f"  {row}  {user.api_key}")


@app.command(epilog=EXIT_CODES)
def watch(
    url: Annotated[str, typer.Option(help="Base URL of the marketplace.")] = (
        "http://127.0.0.1:8000"
    ),
    interval: Annotated[float, typer.Option(min=0.5, help="Seconds between scrapes.")] = 5.0,
    count: Annotated[int, typer.Option(min=0, help="Stop after this many updates; 0: never.")] = 0,
) -> None:
    """Print live request rate, 5xx ratio and p95 per route from /metrics."""
    import time

    import httpx
    from rich.console import Console

    from marketplace.watch import parse_scrape, render_table, route_rates

    console = Console()

    def scrape() -> tuple[float, str]:
        try:
            response = httpx.get(f"{url.rstrip('/')}/metrics", timeout=5)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            console.print(f"[red]cannot scrape {url}/metrics: {exc}[/red]")
            raise typer.Exit(1) from None
        return time.monotonic(), response.text

    started, text = scrape()
    previous = parse_scrape(text)
    updates = 0
    while count == 0 or updates < count:
        time.sleep(interval)
        now, text = scrape()
        current = parse_scrape(text)
        rows = route_rates(previous, current, now - started)
        console.print(render_table(url, rows, now - started))
        previous, started = current, now
        updates += 1


def _settings() -> Settings:
    from marketplace.config import Settings, SettingsError

    try:
        return Settings.from_env()
    except SettingsError as exc:
        typer.echo(f"ftw-marketplace: {exc}", err=True)
        raise typer.Exit(2) from None


def _migrate(settings: Settings) -> None:
    from marketplace.db.migrate import upgrade_url

    upgrade_url(settings.database_url)


def main() -> None:
    """Run the command line."""
    app()
