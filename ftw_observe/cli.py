"""`ftw-observe`: the SLO service's command line."""

from __future__ import annotations

import typer

from ftw_observe import __version__

app = typer.Typer(
    help="FTW Observe: SLOs, error budgets and burn-rate alerts.", no_args_is_help=True
)


@app.callback()
def cli() -> None:
    """FTW Observe: SLOs, error budgets and burn-rate alerts."""


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    """Run the command line."""
    app()
