"""Time to page and time to resolve of the drills, on fresh demo stacks.

Each run starts `ftw-observe demo` with its own home, ports, Postgres database and Redis
prefix (fake PagerDuty and Slack) and the engine's production timeouts (the watchdog and
the Prometheus meta-alert at their defaults, never shortened here), runs one drill and stops
the stack. The drills:

- engine: every engine replica killed; Alertmanager pages FTWObserveEngineDown straight to
  PagerDuty and Slack. Goal: page within 3 min.
- alertmanager: stopped; the engine misses the watchdog and pages FTWObserveWatchdogMissing.
  Goal: page within 5 min.
- prometheus: stopped; the engine pages FTWObservePrometheusUnreachable. Goal: 5 min.
- slo: job posting fails (100 % errors) for --outage, then heals. Goals: page within 90 s
  (the Workbook bound of the 1 h / 5 m tier is printed beside it) and exactly one page per
  page receiver from the break to the resolve (PagerDuty triggers, #incidents top-level
  messages; other channels' messages are tickets, counted beside), with the time to resolve
  after healing.

The break drills time the page from the break and the resolve from the restart. Printed:
every run, then per drill the medians against the goals, and the command to rerun.

Run:
    .venv/bin/python benchmarks/time_to_page.py [--break engine|alertmanager|prometheus|slo|all]
        [--outage 15m] [--runs 3] [--rate 20] [--jobs 1]

--jobs runs that many drills at once, each on its own stack: the SLO drill mostly waits on
the burn-rate windows, so three at once take the time of one on two cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ftw_observe.demo.chain import EXPECTED, BreakPlan, Component
from ftw_observe.demo.chain_drill import break_stack
from ftw_observe.demo.drill import DrillPlan, DrillResult, run_drill
from ftw_observe.demo.render import PAGE_GOAL_SECONDS, RESOLVE_GOAL_SECONDS
from ftw_observe.demo.stack import DemoStack, StartedStack
from ftw_observe.demo.waits import DrillError
from ftw_observe.durations import format_duration, parse_duration
from tests.support.drill import demo_environment
from tests.support.services import create_database, delete_redis_keys, drop_database

T = TypeVar("T")
SLO = "slo"
CHOICES = [*(c.value for c in Component), SLO, "all"]
# Production timeouts: the stack must page with the defaults, so none may leak in from here.
ENGINE_TIMEOUTS = ("FTW_WATCHDOG_TIMEOUT_SECONDS", "FTW_META_ALERT_AFTER_SECONDS")
PAGE_RECEIVERS = ("pagerduty", "slack #incidents")


@dataclass(frozen=True)
class Run:
    """One drill's figures, or the reason it failed."""

    to_page: float | None = None
    to_resolve: float | None = None
    sender: str = ""
    dedup_key: str = ""
    pages: dict[str, int] | None = None  # top-level pages per receiver during an SLO outage
    bound: float | None = None  # the SLO drill's Workbook bound
    error: str = ""


def on_fresh_stack(index: int, rate: float, history: bool, drill: Callable[[DemoStack], T]) -> T:
    """Start a fresh stack, run `drill` on it, stop it, drop its database."""
    database = create_database()
    prefix = f"ftw-bench-drill-{os.getpid()}-{index}:"
    env = demo_environment(database, prefix) | {"DEMO_RATE": f"{rate:g}"}
    if not history:
        env["DEMO_HISTORY_HOURS"] = "0"  # a break drill needs no SLO history
    try:
        with tempfile.TemporaryDirectory(prefix="ftw-drill-") as home:
            started = StartedStack.start(Path(home), timeout=300, env=env)
            try:
                return drill(started.stack)
            finally:
                started.stop()
    finally:
        drop_database(database)
        delete_redis_keys(prefix)


def pages_during(result: DrillResult) -> dict[str, int]:
    """Count the top-level pages each receiver got from the break to the drill's end."""
    counted = Counter(
        r.receiver
        for r in result.receipts
        if r.message and r.kind == "trigger" and result.fault_at <= r.at
    )
    return {receiver: counted.get(receiver, 0) for receiver in (*PAGE_RECEIVERS, *counted)}


def break_run(index: int, rate: float, component: Component) -> Run:
    """Break one component on a fresh stack."""
    try:
        result = on_fresh_stack(
            index, rate, False, lambda stack: break_stack(stack, BreakPlan(component))
        )
    except DrillError as error:
        return Run(error=str(error))
    page = result.page
    return Run(result.time_to_page, result.time_to_resolve, page.sender, page.dedup_key)


def slo_run(index: int, rate: float, outage: float) -> Run:
    """Break job posting for `outage` seconds on a fresh stack."""
    plan = DrillPlan(min_outage_seconds=outage, resolve_timeout=max(900.0, 2 * outage))
    try:
        result = on_fresh_stack(index, rate, True, lambda stack: run_drill(stack, plan))
    except DrillError as error:
        return Run(error=str(error))
    return Run(
        result.time_to_page,
        result.time_to_resolve,
        "ftw-observe",
        result.dedup_key,
        pages_during(result),
        result.bound_seconds,
    )


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def summary(name: str, runs: list[Run], outage: float) -> str:
    """Return the medians of one drill's runs against its goals."""
    done = [r for r in runs if not r.error]
    failed = (
        f"; {len(runs) - len(done)} of {len(runs)} runs failed" if len(done) < len(runs) else ""
    )
    if not done:
        return f"{name:<13} no run finished{failed}"
    page = statistics.median(r.to_page or 0.0 for r in done)
    resolve = statistics.median(r.to_resolve or 0.0 for r in done)
    if name != SLO:
        goal = EXPECTED[Component(name)].goal_seconds
        return (
            f"{name:<13} median time to page {page:7.1f} s  goal <= {goal:g} s "
            f"({_verdict(page <= goal)}); median time to resolve {resolve:.1f} s after the "
            f"restart{failed}"
        )
    bound = statistics.median(r.bound or 0.0 for r in done)
    line = (
        f"{'slo':<13} median time to page {page:7.1f} s  goal <= {PAGE_GOAL_SECONDS:g} s "
        f"({_verdict(page <= PAGE_GOAL_SECONDS)}), Workbook bound {bound:.1f} s; "
        f"median time to resolve {resolve:.1f} s"
    )
    if outage == 0:
        met = _verdict(resolve <= RESOLVE_GOAL_SECONDS)
        return f"{line}  goal <= {RESOLVE_GOAL_SECONDS:g} s ({met}){failed}"
    counts = [r.pages or {} for r in done]
    # The goal is on the receivers that page; a ticket channel's messages are shown beside.
    exact = all(all(c.get(name, 0) == 1 for name in PAGE_RECEIVERS) for c in counts)
    shown = "; ".join(", ".join(f"{k} {v}" for k, v in c.items()) for c in counts)
    return (
        f"{line} after healing\n{'':<13} pages from the {format_duration(int(outage))} outage "
        f"to the resolve, per run: {shown}  goal: exactly 1 per page receiver "
        f"({', '.join(PAGE_RECEIVERS)}) ({_verdict(exact)})"
        f"{failed}"
    )


def show(name: str, index: int, run: Run) -> None:
    """Print one run's figures, or why it failed."""
    if run.error:
        print(f"{name:<13} {index + 1:>3} failed: {run.error}", flush=True)
        return
    pages = ", ".join(f"{k} {v}" for k, v in (run.pages or {}).items())
    print(
        f"{name:<13} {index + 1:>3} {run.to_page or 0:>8.1f}s {run.to_resolve or 0:>10.1f}s"
        f"  {run.sender:<13} {run.dedup_key}{'  ' + pages if pages else ''}",
        flush=True,
    )


def main() -> None:
    """Run the drills and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--break", dest="drill", choices=CHOICES, default="all")
    parser.add_argument("--outage", default="15m", help="how long the slo drill breaks job posting")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=20.0, help="load generator requests/s")
    parser.add_argument(
        "--jobs", type=int, default=1, help="runs at once, each on its own stack (default 1)"
    )
    args = parser.parse_args()
    try:
        outage = float(parse_duration(args.outage))
    except ValueError as error:
        parser.error(f"--outage: {error}")
    for name in ENGINE_TIMEOUTS:
        os.environ.pop(name, None)
    drills = [c.value for c in Component] + [SLO] if args.drill == "all" else [args.drill]
    print(f"{'drill':<13} {'run':>3} {'to page':>9} {'to resolve':>11}  {'paged by':<13} page")
    runs: dict[str, list[Run]] = {}
    for name in drills:

        def one(index: int, name: str = name) -> Run:
            if name == SLO:
                return slo_run(index, args.rate, outage)
            return break_run(index, args.rate, Component(name))

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for index, run in enumerate(pool.map(one, range(args.runs))):
                runs.setdefault(name, []).append(run)
                show(name, index, run)
    print()
    for name, done in runs.items():
        print(summary(name, done, outage))
    outage_option = f"--outage {args.outage} " if args.drill in ("slo", "all") else ""
    print(
        f"\nrerun: .venv/bin/python benchmarks/time_to_page.py --break {args.drill} "
        f"{outage_option}--runs {args.runs} --rate {args.rate:g} --jobs {args.jobs}"
    )


if __name__ == "__main__":
    main()
