"""Rule evaluation cost of FTW Observe's generated rules against Sloth's, in one Prometheus.

For each size: three days of `http_requests_total` history (2 or 20 instances x 25 routes x 2
methods x 6 statuses = 600 or 6,000 series) are turned into TSDB blocks; FTW's recorded series
that its long windows and period read are backfilled over those days with promtool (Sloth's
5-minute ratio too, which its period reads), and live exporters continue every series. One
Prometheus (scrape and evaluation every 30 s) then loads FTW's rules for `api-availability`
(slo/marketplace.yaml) and Sloth's for the same SLI, side by side. Printed per side: rule
evaluation seconds per 30 s of wall time (sum over groups of duration x 30 / interval, median
over evaluations), missed iterations, and each window's burn rate against the raw computation.

Goals: FTW / Sloth <= 0.2 at 6,000 series; long windows within 1 % of raw, short windows exact.

Run:
    .venv/bin/python benchmarks/rule_cost.py [--series 600] [--series 6000] [--evaluations 10]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rule_cost_prometheus import (  # a sibling too
    CYCLE,
    measure,
    missed,
    per_side,
    promtool_rules,
    wait_compacted,
    wait_until,
)
from rule_cost_traffic import (  # a sibling, on sys.path when run
    STEP,
    Exporters,
    History,
    plan_series,
)
from sloth_rules import sloth_rule_file, sloth_selector  # a sibling too

from ftw_observe.backfill.rules import history_rule_file
from ftw_observe.burnrate import WINDOWS, promql_number
from ftw_observe.durations import format_duration
from ftw_observe.rules import names
from ftw_observe.rules.compile import compile_service
from ftw_observe.rules.identity import identity_selector
from ftw_observe.rules.render import render_yaml
from ftw_observe.spec.load import load_specs
from ftw_observe.spec.model import ServiceSpec, SLOSpec
from tests.support.prometheus import PrometheusServer, is_ready, start_prometheus
from tests.support.services import free_port

REPO = Path(__file__).resolve().parents[1]
SLO_NAME = "api-availability"
SHORT = {"5m", "30m", "1h"}  # windows both sides compute from raw counters: must match exactly
GOAL_RATIO = 0.2
GOAL_LONG = 0.01
EXACT = 1e-9


def load_slo() -> tuple[ServiceSpec, SLOSpec]:
    """Return a service holding only the marketplace's `api-availability` SLO."""
    (loaded,) = [s for s in load_specs([REPO / "slo" / "marketplace.yaml"])]
    slo = next(slo for slo in loaded.spec.slos if slo.name == SLO_NAME)
    return loaded.spec.model_copy(update={"slos": [slo]}), slo


def query(server: PrometheusServer, promql: str, at: float | None = None) -> list[dict[str, Any]]:
    """Run an instant query; raw counts over days of 6,000 series take longer than tests allow."""
    data = {"query": promql} if at is None else {"query": promql, "time": f"{at:.3f}"}
    response = httpx.post(f"{server.url}/api/v1/query", data=data, timeout=300)
    response.raise_for_status()
    result: list[dict[str, Any]] = response.json()["data"]["result"]
    return result


def by_group(result: list[dict[str, Any]], slo: SLOSpec) -> dict[tuple[str, ...], float]:
    """Return an instant query's values keyed by the SLO's group_by labels."""
    return {
        tuple(item["metric"].get(label, "") for label in slo.group_by): float(item["value"][1])
        for item in result
    }


def largest_difference(measured: dict[Any, float], raw: dict[Any, float]) -> float:
    """Return the largest relative difference from raw over the SLO's instances."""
    if not raw or set(measured) != set(raw):
        return float("inf")
    return max(abs(measured[k] - raw[k]) / abs(raw[k]) if raw[k] else abs(measured[k]) for k in raw)


def accuracy(
    server: PrometheusServer, service: ServiceSpec, slo: SLOSpec
) -> list[tuple[str, float, float]]:
    """Return (window, FTW, Sloth): relative differences from raw, each at its evaluation time."""
    assert slo.sli.ratio is not None
    assert slo.sli.ratio.errors is not None
    budget = promql_number(slo.error_budget)
    by = f" by ({', '.join(slo.group_by)})" if slo.group_by else ""
    ftw_of = identity_selector(service, slo)
    sloth_of = sloth_selector(service, slo)
    ftw_at = float(
        query(server, f"timestamp({names.windowed(names.BURN_RATE, WINDOWS[0])}{ftw_of})")[0][
            "value"
        ][1]
    )
    sloth_at = float(
        query(server, f"timestamp(slo:sli_error:ratio_rate5m{sloth_of})")[0]["value"][1]
    )
    period = format_duration(slo.period)
    rows = []
    for seconds in [*WINDOWS, slo.period]:
        window = format_duration(seconds)
        raw = (
            f"sum{by}(increase({slo.sli.ratio.errors}[{window}])) / "
            f"sum{by}(increase({slo.sli.ratio.total}[{window}])) / {budget}"
        )
        ftw = (
            f"{names.PERIOD_BURN_RATE}{ftw_of}"
            if window == period
            else f"{names.windowed(names.BURN_RATE, seconds)}{ftw_of}"
        )
        sloth = f"slo:sli_error:ratio_rate{window}{sloth_of} / {budget}"
        ftw_diff = largest_difference(
            by_group(query(server, ftw, ftw_at), slo), by_group(query(server, raw, ftw_at), slo)
        )
        sloth_diff = largest_difference(
            by_group(query(server, sloth, sloth_at), slo),
            by_group(query(server, raw, sloth_at), slo),
        )
        rows.append((window, ftw_diff, sloth_diff))
    return rows


def write_rules(workdir: Path, service: ServiceSpec, slo: SLOSpec) -> tuple[Path, Path, Path]:
    """Write FTW's and Sloth's rule files, and the groups promtool backfills; return the paths."""
    ftw_doc = compile_service(service)
    sloth_doc = sloth_rule_file(service, slo)
    ftw = workdir / "ftw.rules.yml"
    ftw.write_text(render_yaml(ftw_doc, "marketplace.yaml"))
    sloth = workdir / "sloth.rules.yml"
    sloth.write_text(yaml.safe_dump(sloth_doc, sort_keys=False))
    backfill = history_rule_file([service])
    # Sloth's period is the mean of its recorded 5-minute ratio: give it the same history.
    sli = sloth_doc["groups"][0]
    backfill["groups"].append({"name": sli["name"], "rules": sli["rules"][:1]})
    backfill_path = workdir / "backfill.rules.yml"
    backfill_path.write_text(yaml.safe_dump(backfill, sort_keys=False))
    return ftw, sloth, backfill_path


def run(size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Build one size's TSDB, run both rule sets in one Prometheus, and return the figures."""
    instances = size // 300
    service, slo = load_slo()
    workdir = Path(tempfile.mkdtemp(prefix="ftw-rulecost-"))
    home = workdir / "prometheus"
    exporters = Exporters(instances)
    servers: list[PrometheusServer] = []
    figures: dict[str, Any] = {"series": size}
    begun = time.perf_counter()
    try:
        ftw_rules, sloth_rules, backfill_rules = write_rules(workdir, service, slo)
        # History ends before Prometheus starts, as its head refuses older samples. The live
        # counters go on from there, so the gap until the first scrape lacks samples, not
        # events; it falls in the last hour, which FTW reads from raw counters in any layout.
        # On 5-minute steps, as the recorded 5-minute series are summed at those steps.
        end = int(time.time()) // 300 * 300
        history = History(plan_series(instances, 3 * 86_400 // STEP), exporters.addresses, end)
        started = time.perf_counter()
        figures["samples"] = history.to_blocks(workdir, home / "data", args.promtool)
        figures["history_s"] = time.perf_counter() - started
        exporters.start(history)

        started = time.perf_counter()
        setup = start_prometheus(home, free_port(), jobs={}, rule_files=[], retention="31d")
        servers.append(setup)
        wait_until(lambda: is_ready(setup), 120, "the setup Prometheus", 0.2)
        recorded = workdir / "recorded"
        promtool_rules(setup, backfill_rules, history, recorded)
        setup.stop()
        for block in sorted(path for path in recorded.iterdir() if path.is_dir()):
            block.rename(home / "data" / block.name)
        figures["backfill_s"] = time.perf_counter() - started

        server = start_prometheus(
            home,
            free_port(),
            jobs={"marketplace": exporters.addresses},
            rule_files=[ftw_rules, sloth_rules],
            interval=f"{CYCLE:g}s",
            retention="31d",
        )
        servers.append(server)
        wait_until(lambda: is_ready(server), 120, "Prometheus", 0.2)
        started = time.perf_counter()
        wait_compacted(server)
        figures["compaction_s"] = time.perf_counter() - started
        costs = measure(server, args.warmup, args.evaluations)
        sides = [per_side(cost) for cost in costs]
        figures["cost"] = {name: statistics.median(s[name] for s in sides) for name in sides[0]}
        figures["groups"] = {name: statistics.median(c[name] for c in costs) for name in costs[0]}
        figures["evaluations"] = len(costs)
        figures["missed"] = missed(server)
        show_cost(figures, time.perf_counter() - begun)
        figures["accuracy"] = accuracy(server, service, slo)
        show_accuracy(figures)
        return figures
    finally:
        for started_server in servers:
            started_server.stop()
        exporters.close()
        shutil.rmtree(workdir, ignore_errors=True)


def show_cost(figures: dict[str, Any], seconds: float) -> None:
    """Print one size's setup times and rule evaluation costs."""
    size = figures["series"]
    print(f"\n== {size:,} series, {figures['samples']:,} historic samples ==")
    print(
        f"setup: history blocks {figures['history_s']:.0f} s, rule backfill "
        f"{figures['backfill_s']:.0f} s, compaction wait {figures['compaction_s']:.0f} s; "
        f"to the end of the cost run {seconds:.0f} s"
    )
    ftw, sloth = figures["cost"]["ftw"], figures["cost"]["sloth"]
    print(f"rule seconds per {CYCLE:g} s (median of {figures['evaluations']} evaluations):")
    print(f"  FTW    {ftw * 1000:8.2f} ms   missed iterations {figures['missed']['ftw']:g}")
    print(f"  Sloth  {sloth * 1000:8.2f} ms   missed iterations {figures['missed']['sloth']:g}")
    for name, cost in sorted(figures["groups"].items()):
        print(f"    {name:<55} {cost * 1000:8.2f} ms")
    ratio = ftw / sloth if sloth else float("inf")
    print(
        f"  FTW / Sloth = {ratio:.3f}   goal <= {GOAL_RATIO} at 6,000 series: "
        f"ratio/goal = {ratio / GOAL_RATIO:.2f}"
    )


def show_accuracy(figures: dict[str, Any]) -> None:
    """Print each window's largest difference from the raw ratio."""
    print("largest relative difference of the burn rate from raw increase ratios:")
    print(f"  {'window':>6}  {'FTW':>10}  {'Sloth':>10}  FTW's goal")
    for window, ftw_diff, sloth_diff in figures["accuracy"]:
        # "Exact" allows floating-point rounding only.
        limit, goal = (EXACT, "exact") if window in SHORT else (GOAL_LONG, f"<= {GOAL_LONG:.0%}")
        verdict = "met" if ftw_diff <= limit else "MISSED"
        print(f"  {window:>6}  {ftw_diff:10.2e}  {sloth_diff:10.2e}  {goal:<6} {verdict}")


def main() -> None:
    """Run every size and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, action="append", choices=(600, 6000))
    parser.add_argument("--evaluations", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    args.promtool = shutil.which("promtool")
    # A terminated run unwinds like an interrupted one, stopping what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which("prometheus") or not args.promtool:
        sys.exit("prometheus and promtool are needed: run `make setup`")
    print(f"{datetime.now():%Y-%m-%d %H:%M}: FTW vs Sloth rules for {SLO_NAME}")
    for size in args.series or [600, 6000]:
        started = time.perf_counter()
        run(size, args)
        print(f"whole size: {time.perf_counter() - started:.0f} s")
    print("\nrerun: .venv/bin/python benchmarks/rule_cost.py", " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
