"""`ftw-observe status`: the SLO table from a running engine, for terminals and scripts."""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

DEFAULT_URL = "http://127.0.0.1:8080"
STATUS_STYLES = {
    "ok": "green",
    "burning": "bold red",
    "exhausted": "bold magenta",
    "no_data": "yellow",
    "unknown": "bold yellow",
}


def _percent(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def _burn(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if days else f"{hours}h {minutes}m" if hours else f"{minutes}m"


def status_table(slos: list[dict[str, Any]]) -> Table:
    """Return a rich table of SLO instances, in the order the engine sorted them."""
    table = Table(title="SLOs by remaining budget", header_style="bold")
    for column in ("SLO", "instance", "objective", "SLI", "budget left", "minutes left"):
        table.add_column(column, justify="left" if column in ("SLO", "instance") else "right")
    for window in ("5m", "1h", "6h", "1d", "3d"):
        table.add_column(f"burn {window}", justify="right")
    table.add_column("exhausts in", justify="right")
    table.add_column("status")
    for slo in slos:
        burns = slo.get("burn_rates") or {}
        status = str(slo.get("status", "unknown"))
        minutes = slo.get("remaining_minutes")
        table.add_row(
            f"{slo['service']}/{slo['slo']}",
            slo.get("instance") or "",
            f"{slo['objective']:g} %",
            _percent(slo.get("sli"), 3),
            _percent(slo.get("remaining"), 1),
            "—" if minutes is None else f"{minutes:.1f}",
            *(_burn(burns.get(window)) for window in ("5m", "1h", "6h", "1d", "3d")),
            _duration(slo.get("seconds_to_exhaustion")),
            f"[{STATUS_STYLES.get(status, 'white')}]{status}[/]",
        )
    return table


def status(
    url: Annotated[
        str, typer.Option(envvar="FTW_OBSERVE_URL", help="Base URL of the engine.")
    ] = DEFAULT_URL,
    as_json: Annotated[bool, typer.Option("--json", help="Print the engine's JSON.")] = False,
) -> None:
    """Show every SLO's budget and burn rates from a running engine."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/api/slos", timeout=10)
        response.raise_for_status()
    except httpx.HTTPError as error:
        typer.echo(f"error: cannot read {url}/api/slos: {type(error).__name__}: {error}", err=True)
        raise typer.Exit(1) from None
    slos = response.json()
    if as_json:
        typer.echo(json.dumps(slos, indent=2, sort_keys=True))
        return
    Console().print(status_table(slos))
