"""The drills' results for people (a rich report) and for programs (JSON)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from ftw_observe.demo.chain import BreakResult
from ftw_observe.demo.drill import DrillResult
from ftw_observe.demo.inbox import Receipt

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
        "error_cap": _cap(result),
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
        "receipts": [_receipt(r) for r in result.receipts],
    }


def break_as_json(result: BreakResult) -> dict[str, Any]:
    """Return a break drill's result as plain JSON values."""
    expected = result.expected
    return {
        "break": result.component.value,
        "how": expected.stop,
        "expected_alerts": list(expected.alerts),
        "expected_sender": expected.sender,
        "dedup_key": result.page.dedup_key,
        "sender": result.page.sender,
        "broke_at": _iso(result.broke_at),
        "paged_at": _iso(result.page.at),
        "slack_at": _iso(result.slack_page.at),
        "restored_at": _iso(result.restored_at),
        "resolved_at": _iso(result.resolve.at),
        "slack_resolved_at": _iso(result.slack_resolve.at),
        "time_to_page_seconds": round(result.time_to_page, 3),
        "time_to_resolve_seconds": round(result.time_to_resolve, 3),
        "goal_seconds": expected.goal_seconds,
        "met": result.met,
        "inbox": result.inbox,
        "receipts": [_receipt(r) for r in result.receipts],
    }


def print_break_report(result: BreakResult, console: Console) -> None:
    """Print what arrived where after the break, and the times against the goal."""
    name, expected = result.component.value, result.expected
    console.print(
        f"\n[bold]What arrived at {result.inbox}[/bold] (seconds after the break: "
        f"{expected.stop}; restored at {result.restored_at - result.broke_at:.1f} s)"
    )
    for r in result.receipts:
        kind = r.kind if r.message or r.kind == "resolve" else f"{r.kind} (in thread)"
        console.print(
            f"  {r.at - result.broke_at:7.1f} s  {r.receiver:<18} {kind:<8} {r.sender:<13} "
            f"{r.dedup_key or '(no dedup key)'}",
            highlight=False,
        )
        if r.text:
            console.print(f"             {r.text}", highlight=False, markup=False)
    console.print(f"\n[bold]Drill result: {name} broken[/bold]")
    times = Table(show_edge=False)
    for column in ("measure", "value", "goal"):
        times.add_column(column)
    times.add_row(
        "time to page (from the break)",
        f"{result.time_to_page:.1f} s",
        _goal(result.time_to_page, expected.goal_seconds),
    )
    times.add_row("time to resolve (from the restart)", f"{result.time_to_resolve:.1f} s", "")
    console.print(times)
    console.print(
        f"paged by {result.page.sender} (expected {' or '.join(expected.alerts)} from "
        f"{expected.sender}), dedup key {result.page.dedup_key}",
        highlight=False,
    )


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
    if result.cap is not None:
        cap = result.cap
        console.print(
            f"healed at {cap.errors:.0f} failed job posts: the fastest page tier needs "
            f"{cap.needed:.0f}, {cap.tolerated_by} fires at {cap.tolerated:.0f}",
            highlight=False,
        )
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


def _cap(result: DrillResult) -> dict[str, Any] | None:
    cap = result.cap
    if cap is None:
        return None
    return {
        "errors": round(cap.errors, 1),
        "needed": round(cap.needed, 1),
        "tolerated": round(cap.tolerated, 1),
        "tolerated_by": cap.tolerated_by,
    }


def _receipt(r: Receipt) -> dict[str, Any]:
    return {
        "receiver": r.receiver,
        "kind": r.kind,
        "dedup_key": r.dedup_key,
        "sender": r.sender,
        "at": _iso(r.at),
        "message": r.message,
        "text": r.text,
    }


def _goal(value: float, goal: float) -> str:
    mark = "[green]met[/green]" if value <= goal else "[red]missed[/red]"
    return f"≤ {goal:g} s {mark}"


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
