"""Time to page and time to resolve of the incident drill, on fresh demo stacks.

Each run starts `ftw-observe demo` with its own home, ports, Postgres database and Redis
prefix (fake PagerDuty and Slack), runs the drill (100 % errors on job posting until the page
arrives, then healed) and stops the stack. Printed: every run, then the medians against the
Workbook bound (the 1 h / 5 m tier at 100 % errors: 14.4 x 0.1 % x 1 h = 51.8 s, plus the
scrape and rule evaluation intervals) and the goals.

Goals: median time to page <= 90 s; median time to resolve <= 6 min.

Run:
    .venv/bin/python benchmarks/time_to_page.py [--runs 3] [--rate 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ftw_observe.demo.drill import DrillPlan, DrillResult, run_drill
from ftw_observe.demo.render import PAGE_GOAL_SECONDS, RESOLVE_GOAL_SECONDS
from ftw_observe.demo.stack import StartedStack
from tests.support.drill import demo_environment
from tests.support.services import create_database, delete_redis_keys, drop_database


def one_run(index: int, rate: float) -> DrillResult:
    """Start a fresh stack, drill it, stop it."""
    database = create_database()
    prefix = f"ftw-bench-drill-{os.getpid()}-{index}:"
    env = demo_environment(database, prefix) | {"DEMO_RATE": f"{rate:g}"}
    try:
        with tempfile.TemporaryDirectory(prefix="ftw-drill-") as home:
            started = StartedStack.start(Path(home), timeout=300, env=env)
            try:
                return run_drill(started.stack, DrillPlan())
            finally:
                started.stop()
    finally:
        drop_database(database)
        delete_redis_keys(prefix)


def main() -> None:
    """Run the drills and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=20.0, help="load generator requests/s")
    args = parser.parse_args()
    results = []
    print(f"{'run':>4} {'to page':>9} {'to resolve':>11} {'bound':>8} {'budget':>9}  page")
    for index in range(args.runs):
        result = one_run(index, args.rate)
        results.append(result)
        print(
            f"{index + 1:>4} {result.time_to_page:>8.1f}s {result.time_to_resolve:>10.1f}s "
            f"{result.bound_seconds:>7.1f}s {result.budget.consumed:>9.2%}  {result.dedup_key}",
            flush=True,
        )
    page = statistics.median(r.time_to_page for r in results)
    resolve = statistics.median(r.time_to_resolve for r in results)
    bound = statistics.median(r.bound_seconds for r in results)
    print()
    print(
        f"median time to page     {page:7.1f} s  goal <= {PAGE_GOAL_SECONDS:g} s  "
        f"({'met' if page <= PAGE_GOAL_SECONDS else 'MISSED'}); Workbook bound {bound:.1f} s, "
        f"page / bound = {page / bound:.2f}"
    )
    print(
        f"median time to resolve  {resolve:7.1f} s  goal <= {RESOLVE_GOAL_SECONDS:g} s  "
        f"({'met' if resolve <= RESOLVE_GOAL_SECONDS else 'MISSED'})"
    )
    print(
        f"\nrerun: .venv/bin/python benchmarks/time_to_page.py --runs {args.runs} "
        f"--rate {args.rate:g}"
    )


if __name__ == "__main__":
    main()
