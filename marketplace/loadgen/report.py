"""Render a run summary or the fault state for people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from marketplace.output import table_box


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_summary(summary: Mapping[str, Any], console: Console) -> None:
    """Print the headline figures, errors, flows and the per-route latency table."""
    latency = summary["latency"]
    console.print(
        f"[bold]{summary['requests']} requests[/bold] in {summary['elapsed_seconds']:.1f} s: "
        f"{summary['achieved_rate']:.1f}/s achieved of {summary['target_rate']:g}/s target "
        f"(stopped by {summary.get('stopped_by', '?')})"
    )
    console.print(
        f"latency p50 {_ms(latency['p50_ms'])} ms, p95 {_ms(latency['p95_ms'])} ms, "
        f"p99 {_ms(latency['p99_ms'])} ms, max {_ms(latency['max_ms'])} ms"
    )
    shed = summary.get("shed") or {}
    if shed.get("requests"):
        served = summary["served_latency"]
        console.print(
            f"served (not 503) p95 {_ms(served['p95_ms'])} ms; {shed['requests']} answered "
            f"503 (shed or unavailable), p95 {_ms(shed['p95_ms'])} ms"
        )
    errors = summary["errors_by_status"]
    listed = ", ".join(f"{label}: {count}" for label, count in errors.items()) or "none"
    console.print(f"errors {summary['errors']} ({summary['error_ratio']:.3%}) by status: {listed}")
    limited = summary.get("rate_limited_by") or {}
    if limited:
        console.print(
            "rate limited by: " + ", ".join(f"{name} {count}" for name, count in limited.items())
        )
    not_sent = summary.get("not_sent") or {}
    if any(not_sent.values()):
        console.print(
            "not sent: "
            + ", ".join(f"{reason.replace('_', ' ')} {count}" for reason, count in not_sent.items())
        )
    lag = summary.get("send_lag") or {}
    if lag.get("over_100ms"):
        console.print(
            f"sent late (the generator fell behind): {lag['over_100ms']} requests over 100 ms "
            f"after their time, at most {lag['max_ms']:.0f} ms"
        )
    scenario = summary.get("scenario") or {}
    if scenario:
        finished = scenario.get("flows_finished") or {}
        console.print(
            f"job posts sent {scenario['job_posts_sent']}, flows "
            + ", ".join(f"{result.replace('_', ' ')} {n}" for result, n in finished.items())
            + f", in progress {scenario['flows_in_progress']}"
        )
    table = Table(title="per route, latency in ms", title_justify="left", box=table_box(console))
    table.add_column("route", no_wrap=True)
    for column in ("requests", "errors", "p50", "p95", "p99"):
        table.add_column(column, justify="right")
    for route, stats in summary["routes"].items():
        table.add_row(
            route,
            str(stats["requests"]),
            str(stats["errors"]),
            _ms(stats["p50_ms"]),
            _ms(stats["p95_ms"]),
            _ms(stats["p99_ms"]),
        )
    console.print(table)


def render_faults(faults: Mapping[str, Any], console: Console) -> None:
    """Print the injected faults in force."""
    outage = "ON" if faults.get("payment_provider_outage") else "off"
    console.print(f"payment provider outage: {outage}")
    routes = faults.get("routes") or []
    if not routes:
        console.print("route faults: none")
        return
    table = Table(title="route faults", title_justify="left", box=table_box(console))
    for column in ("route", "error ratio", "status", "latency s"):
        table.add_column(column, justify="left" if column == "route" else "right")
    for fault in routes:
        table.add_row(
            str(fault.get("route")),
            f"{float(fault.get('error_ratio', 0)):.2f}",
            str(fault.get("error_status")),
            f"{float(fault.get('latency_seconds', 0)):g}",
        )
    console.print(table)
