"""`ftw-observe status`: the SLO table from a running engine, for terminals and scripts."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import typer

from ftw_observe.display import format as fmt
from ftw_observe.display.terminal import (
    Column,
    JsonAlias,
    Output,
    OutputOption,
    chosen,
    is_terminal,
    print_json,
    print_table,
)

DEFAULT_URL = "http://127.0.0.1:8080"
STATUS_STYLES = {
    "ok": "green",
    "burning": "bold red",
    "exhausted": "bold magenta",
    "no_data": "yellow",
    "unknown": "bold yellow",
}
WINDOWS = ("5m", "1h", "6h", "1d", "3d")
# Beside a budget measured over part of its period, in the narrow table; -o wide says how much.
PARTIAL = "*"
PARTIAL_NOTE = f"{PARTIAL} budget measured over part of the period only; -o wide shows how much"


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


def partial_coverage(slo: dict[str, Any]) -> float | None:
    """Return the share of the period that has data when it is under 1, else None."""
    coverage = slo.get("coverage")
    if not isinstance(coverage, int | float) or coverage >= 1:
        return None
    return max(float(coverage), 0.0)


def covered(slo: dict[str, Any]) -> str:
    """Return how much of the period the budget is measured over: `1d 12h of 30d`, or ""."""
    coverage = partial_coverage(slo)
    if coverage is None:
        return ""
    days = float(slo.get("period_days") or 0)
    return f"{fmt.duration(coverage * days * 86_400)} of {days:g}d"


def _remaining(slo: dict[str, Any], wide: bool) -> str:
    text = _percent(slo.get("remaining"), 1)
    if partial_coverage(slo) is None:
        return text
    return f"{text} ({covered(slo)})" if wide else f"{text} {PARTIAL}"


def _columns(wide: bool, stacked: bool) -> list[Column]:
    columns = [Column("SLO", identity=True)]
    if not stacked:
        columns.append(Column("instance", identity=True))
    if wide:
        columns += [Column(name, justify="right") for name in ("objective", "SLI")]
    columns.append(Column("budget left", justify="right"))
    if wide:
        columns.append(Column("minutes left", justify="right"))
        columns += [Column(f"burn {window}", justify="right") for window in WINDOWS]
        columns.append(Column("exhausts in", justify="right"))
    else:
        columns.append(Column("burn 1h", justify="right"))
    columns.append(Column("status"))
    return columns


def _identity(slo: dict[str, Any], stacked: bool) -> list[str]:
    name, instance = f"{slo['service']}/{slo['slo']}", slo.get("instance") or ""
    if not stacked:
        return [name, instance]
    # Stacked, the longest line is the longer name, not both side by side: 80 columns hold it.
    return [f"{name}\n  {instance}" if instance else name]


def status_rows(slos: list[dict[str, Any]], wide: bool, stacked: bool = False) -> list[list[str]]:
    """Return the table's cells, in the order the engine sorted the SLO instances.

    Stacked, the instance goes on a line of its own under the SLO's name, in one column.
    """
    rows = []
    for slo in slos:
        burns = slo.get("burn_rates") or {}
        minutes = slo.get("remaining_minutes")
        row = _identity(slo, stacked)
        if wide:
            row += [f"{slo['objective']:g} %", _percent(slo.get("sli"), 3)]
        row.append(_remaining(slo, wide))
        if wide:
            row.append("—" if minutes is None else f"{minutes:.1f}")
            row += [_burn(burns.get(window)) for window in WINDOWS]
            row.append(_duration(slo.get("seconds_to_exhaustion")))
        else:
            row.append(_burn(burns.get("1h")))
        row.append(str(slo.get("status", "unknown")))
        rows.append(row)
    return rows


def _styles(slos: list[dict[str, Any]], width: int) -> list[list[str]]:
    return [
        [""] * (width - 1) + [STATUS_STYLES.get(str(slo.get("status")), "white")] for slo in slos
    ]


def status(
    url: Annotated[
        str, typer.Option(envvar="FTW_OBSERVE_URL", help="Base URL of the engine.")
    ] = DEFAULT_URL,
    output: OutputOption = Output.TABLE,
    as_json: JsonAlias = False,
) -> None:
    """Show every SLO's budget and burn rates from a running engine."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/api/slos", timeout=10)
        response.raise_for_status()
    except httpx.HTTPError as error:
        typer.echo(f"error: cannot read {url}/api/slos: {type(error).__name__}: {error}", err=True)
        raise typer.Exit(1) from None
    slos = response.json()
    shown = chosen(output, as_json)
    if shown is Output.JSON:
        print_json(slos)
        return
    wide = shown is Output.WIDE
    stacked = not wide and is_terminal()
    columns = _columns(wide, stacked)
    print_table(
        columns,
        status_rows(slos, wide, stacked),
        title="SLOs by remaining budget",
        styles=_styles(slos, len(columns)),
        fit=not wide,
    )
    if not wide and any(partial_coverage(slo) is not None for slo in slos):
        typer.echo(PARTIAL_NOTE)
