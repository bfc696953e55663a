"""The drill's result for people (a rich report) and for programs (JSON)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from ftw_observe.demo.drill import DrillResult

PAGE_GOAL_SECONDS = 90.0
RESOLVE_GOAL_SECONDS = 360.0


def as_json(result: DrillResult) -> dict[str, Any]:
    """Return the result as plain JSON values."""
    budget = result.budget
    return {
        "dedup_key": result.dedup_key,
        "fault_at": _iso(result.fault_at),
        "paged_at": _iso(result.paged_at),
        "cleared_at": _iso(result.cleared_at),
        "resolved_at": _iso(result.resolved_at),
        "time_to_page_seconds": round(result.time_to_page, 3),
        "time_to_resolve_seconds": round(result.time_to_resolve, 3),
        "workbook_bound_seconds": round(result.bound_seconds, 3),
        "budget": {
            "objective": budget.objective,
            "period": budget.period,
            "period_events": budget.period_events,
            "api_errors": budget.api_errors,
            "marketplace_errors": budget.marketplace_errors,
            "marketplace_requests": budget.marketplace_requests,
            "consumed": _finite(budget.consumed),
            "expected": _finite(budget.expected),
        },
        "inbox": result.inbox,
        "receipts": [
            {
                "receiver": r.receiver,
                "kind": r.kind,
                "dedup_key": r.dedup_key,
                "at": _iso(r.at),
                "message": r.message,
                "text": r.text,
            }
            for r in result.receipts
        ],
    }


def print_report(result: DrillResult, console: Console) -> None:
    """Print what arrived where, the times against their goals, and the budget spent."""
    console.print(f"\n[bold]What arrived at {result.inbox}[/bold] (seconds after the fault)")
    for r in result.receipts:
        kind = r.kind if r.message or r.kind == "resolve" else f"{r.kind} (in thread)"
        console.print(
            f"  {r.at - result.fault_at:7.1f} s  {r.receiver:<18} {kind:<8} {r.dedup_key}",
            highlight=False,
        )
        if r.text:
            console.print(f"             {r.text}", highlight=False, markup=False)
    console.print("\n[bold]Drill result[/bold]")
    times = Table(show_edge=False)
    for column in ("measure", "value", "goal", "Workbook bound"):
        times.add_column(column)
    times.add_row(
        "time to page",
        f"{result.time_to_page:.1f} s",
        _goal(result.time_to_page, PAGE_GOAL_SECONDS),
        f"{result.bound_seconds:.1f} s",
    )
    times.add_row(
        "time to resolve",
        f"{result.time_to_resolve:.1f} s",
        _goal(result.time_to_resolve, RESOLVE_GOAL_SECONDS),
        "",
    )
    console.print(times)
    budget = result.budget
    console.print(
        f"budget consumed: {budget.consumed:.2%} of the {budget.period} error budget "
        f"({budget.api_errors:.0f} failed job posts of the {budget.period_events:.0f} the "
        f"period holds, at a {budget.objective:g} % objective)",
        highlight=False,
    )
    console.print(
        f"the marketplace itself counted {budget.marketplace_errors:.0f} failed of "
        f"{budget.marketplace_requests:.0f} job posts during the drill: "
        f"{budget.expected:.2%} of the budget",
        highlight=False,
    )


def _goal(value: float, goal: float) -> str:
    mark = "[green]met[/green]" if value <= goal else "[red]missed[/red]"
    return f"≤ {goal:g} s {mark}"


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
