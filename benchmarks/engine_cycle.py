"""Engine cycle and 30-day report at 100 SLOs, against a real Prometheus.

A synthetic exporter serves counters for 100 generated SLOs (every twentieth grouped by route,
four routes each, so 115 instances); Prometheus scrapes it and evaluates the generated rules every
15 s (the deployment's default scrape interval; --interval). Then, side by side in one run:

- one engine cycle as it runs in production: ONE query for every recorded count at a pinned
  time, evaluation of every instance, alert states, and the cycle saved to the store;
- the same figures read the naive way, one query per SLO (what a per-SLO evaluator does),
  to show what the single query buys;
- a 30-day report over 100 SLOs' snapshot history (5-minute resolution, as retention keeps
  it), read from the store and rendered.

Goals: cycle <= 1 s, report <= 10 s.

Run:
    .venv/bin/python benchmarks/engine_cycle.py [--slos 100] [--cycles 20] [--database URL]
        [--interval 15s] [--starts N]

--starts N first starts Prometheus afresh N times and prints how long each took until every
instance had its 5-minute counts and its period.
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml
from prometheus_client import CollectorRegistry, Counter, start_http_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ftw_observe.engine.cycle import Engine
from ftw_observe.engine.evaluate import series_query, targets
from ftw_observe.model import AlertKey, AlertState, EngineHealth, Evaluation
from ftw_observe.prometheus import PrometheusClient, Sample
from ftw_observe.rules.compile import compile_service
from ftw_observe.rules.render import render_yaml
from ftw_observe.spec.load import validate_text
from ftw_observe.spec.model import ServiceSpec
from ftw_observe.store import Store, make_store_engine, upgrade_url
from tests.support.prometheus import PrometheusServer, is_ready, start_prometheus
from tests.support.rule_readiness import cost, rule_costs, wait_ready

ROUTES = ("/a", "/b", "/c", "/d")
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_spec(count: int, directory: Path) -> ServiceSpec:
    slos = []
    for index in range(count):
        name = f"slo-{index:03d}"
        slo = {
            "name": name,
            "description": f"Synthetic SLO {index}.",
            "objective": 99.9,
            "sli": {
                "ratio": {
                    "errors": f'bench_requests_total{{slo="{name}",status="500"}}',
                    "total": f'bench_requests_total{{slo="{name}"}}',
                }
            },
            "alerting": {"min_events": 10},
        }
        if index % 20 == 0:
            slo["group_by"] = ["route"]
        slos.append(slo)
    text = yaml.safe_dump({"service": "bench", "team": "sre", "slos": slos})
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "bench.yaml").write_text(text)
    spec, issues = validate_text(text, "bench.yaml")
    assert spec is not None, issues
    return spec


def serve_traffic(count: int, port: int) -> None:
    """Serve counters for every SLO and route, incremented once a second; some SLOs burn."""
    registry = CollectorRegistry()
    counter = Counter("bench_requests", "Requests.", ["slo", "route", "status"], registry=registry)
    start_http_server(port, addr="127.0.0.1", registry=registry)
    rng = random.Random(7)
    while True:
        time.sleep(1.0)
        for index in range(count):
            for route in ROUTES:
                counter.labels(f"slo-{index:03d}", route, "200").inc(rng.randint(50, 150))
                errors = 5 if index % 10 == 3 else rng.randint(0, 1)
                counter.labels(f"slo-{index:03d}", route, "500").inc(errors)


class Traffic:
    """The synthetic exporter, in a process of its own: its scrapes do not share the engine's
    interpreter, as they would not in production."""

    def __init__(self, count: int) -> None:
        self.port = free_port()
        command = [sys.executable, __file__, "--serve-traffic", str(count), str(self.port)]
        self.process = subprocess.Popen(command)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Timer:
    """Seconds one cycle spent reading and saving, summed over calls."""

    def __init__(self) -> None:
        self.read = self.save = 0.0

    def reset(self) -> None:
        self.read = self.save = 0.0


class TimedQuerier:
    """A Prometheus client that adds its query time to the timer's reads."""

    def __init__(self, client: PrometheusClient, timer: Timer) -> None:
        self.client, self.timer = client, timer

    def query(self, promql: str, *, at: float) -> list[Sample]:
        started = time.perf_counter()
        try:
            return self.client.query(promql, at=at)
        finally:
            self.timer.read += time.perf_counter() - started


class TimedStore:
    """The cycle's store calls, reads and the save timed apart."""

    def __init__(self, store: Store, timer: Timer) -> None:
        self.store, self.timer = store, timer

    def _read(self, call: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return call()
        finally:
            self.timer.read += time.perf_counter() - started

    def health(self) -> EngineHealth:
        return self._read(self.store.health)

    def alert_states(self) -> dict[AlertKey, AlertState]:
        return self._read(self.store.alert_states)

    def latest_evaluations(self) -> list[Evaluation]:
        return self._read(self.store.latest_evaluations)

    def watchdog_received_at(self) -> datetime | None:
        return self._read(self.store.watchdog_received_at)

    def save_cycle(self, **cycle: Any) -> None:
        started = time.perf_counter()
        try:
            self.store.save_cycle(**cycle)
        finally:
            self.timer.save += time.perf_counter() - started


def seconds(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(values) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def seed_history(store: Store, days: int) -> int:
    """Copy the latest evaluations back over `days` at 5-minute steps, as retention keeps them."""
    from dataclasses import replace

    latest = store.latest_evaluations()
    now = datetime.now(UTC)
    rows = 0
    steps_per_day = 288
    for day in range(days, 0, -1):
        batch = []
        for step in range(steps_per_day):
            at = now - timedelta(days=day) + timedelta(minutes=5 * step)
            progress = 1 - (day * steps_per_day - step) / (days * steps_per_day)
            for evaluation in latest:
                remaining = 1 - 0.6 * progress if evaluation.remaining is not None else None
                batch.append(replace(evaluation, evaluated_at=at, remaining=remaining))
        store.save_cycle(
            evaluations=batch, states=[], transitions=[], notifications=[], health=store.health()
        )
        rows += len(batch)
    return rows


def main() -> None:
    if sys.argv[1:2] == ["--serve-traffic"]:
        serve_traffic(int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=100)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--database", help="store URL (default: an SQLite file in a temp dir)")
    parser.add_argument("--interval", default="15s", help="Prometheus evaluation interval")
    parser.add_argument("--read-rounds", type=int, default=3, help="rounds of the read comparison")
    parser.add_argument(
        "--ready-timeout", type=float, default=300, help="seconds to wait for the rules"
    )
    parser.add_argument(
        "--starts", type=int, default=0, help="fresh Prometheus starts to time before the run"
    )
    args = parser.parse_args()

    if not shutil.which("prometheus"):
        sys.exit("prometheus is not installed: run `make setup`")
    workdir = Path(tempfile.mkdtemp(prefix="ftw-bench-"))
    spec = make_spec(args.slos, workdir / "slo")
    rules = workdir / "bench.rules.yml"
    rules.write_text(render_yaml(compile_service(spec), "bench.yaml"))
    traffic = Traffic(args.slos)
    instances = sum(4 if i % 20 == 0 else 1 for i in range(args.slos))
    server: PrometheusServer | None = None
    url = args.database or f"sqlite:///{workdir / 'store.db'}"
    try:
        if args.starts:
            time_starts(args, workdir, rules, traffic, instances)
        server = start_prometheus(
            workdir / "prometheus",
            free_port(),
            jobs={"bench": [f"127.0.0.1:{traffic.port}"]},
            rule_files=[rules],
            interval=args.interval,
        )
        started_at = time.monotonic()
        wait_answering(server)
        print(f"{args.slos} SLOs, {instances} instances; waiting for recorded series ...")
        wait_ready(server, "bench", instances, timeout=args.ready_timeout)
        period = server.query('count(ftw_slo:events:period{service="bench"})')
        print(
            f"ready {time.monotonic() - started_at:.1f} s after start "
            f"(period series for {int(float(period[0]['value'][1])) if period else 0} instances)"
        )

        upgrade_url(url)
        database = make_store_engine(url)
        client = PrometheusClient(server.url)
        timer = Timer()
        store = TimedStore(Store(database), timer)
        engine = Engine(targets([spec]), TimedQuerier(client, timer), store)
        engine.run_cycle()  # warm connections and the store

        cycles, cpu, one_query, per_slo = [], [], [], []
        splits: dict[str, list[float]] = {"read": [], "evaluate": [], "save": []}
        before = cost(server)
        run_started = time.monotonic()
        for _ in range(args.cycles):
            timer.reset()
            started, started_cpu = time.perf_counter(), time.process_time()
            result = engine.run_cycle()
            cycles.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            splits["read"].append(timer.read)
            splits["save"].append(timer.save)
            splits["evaluate"].append(cycles[-1] - timer.read - timer.save)
            assert len(result.evaluations) == instances, len(result.evaluations)
        after = cost(server)
        elapsed = time.monotonic() - run_started
        print(f"engine cycle (query, evaluate, save)   {seconds(cycles)}")
        print(f"  of which engine CPU                  {seconds(cpu)}")
        for name, values in splits.items():
            print(f"  {name:<36} {seconds(values)}")
        print(f"goal cycle <= 1 s: median/goal = {statistics.median(cycles) / 1.0:.3f}")
        print(
            f"prometheus ({after.groups} rule groups, evaluation every {args.interval}, "
            f"{elapsed:.0f} s run):"
        )
        load = after.evaluation_seconds_per_second
        print(f"  rule group seconds per second        {load:7.3f}   (wall time, waits included)")
        prometheus_cpu = (after.cpu_seconds - before.cpu_seconds) / elapsed
        print(f"  Prometheus CPU seconds per second    {prometheus_cpu:7.3f}")
        missed = after.missed_iterations - before.missed_iterations
        print(f"  missed group iterations during run   {missed:7.0f}   (goal 0)")
        rss = after.resident_bytes
        print(
            f"  resident memory                      {rss / 2**20:7.1f} MiB   "
            f"{rss / args.slos / 2**10:.1f} KiB per SLO"
        )
        costs = sorted(rule_costs(server).items(), key=lambda item: -item[1][1])
        print("  costliest rules (evaluation seconds per second, all SLOs):")
        for name, (count, load) in costs[:8]:
            print(f"    {name:<44} {load:7.3f}   ({count} rules)")
        # The naive reads cost a query per SLO: a few rounds show the ratio.
        for _ in range(args.read_rounds):
            at = time.time()
            started = time.perf_counter()
            client.query(series_query(targets([spec])), at=at)
            one_query.append(time.perf_counter() - started)
            started = time.perf_counter()
            for slo in spec.slos:
                client.query(
                    f'{{__name__=~"ftw_slo:(errors|events):.+",service="bench",slo="{slo.name}"}}',
                    at=at,
                )
            per_slo.append(time.perf_counter() - started)

        if per_slo:
            print(f"read: one query for all SLOs           {seconds(one_query)}")
            print(f"read: one query per SLO                {seconds(per_slo)}")
            ratio = statistics.median(per_slo) / statistics.median(one_query)
            print(f"ratio per-SLO reads / one read: {ratio:.1f}")

        rows = seed_history(store.store, args.days)
        print(f"seeded {rows} snapshots ({args.days} days at 5-minute resolution)")
        report_seconds = time_report(url, args.days, workdir / "slo")
        if report_seconds is not None:
            print(f"{args.days}-day report (markdown)            {report_seconds:7.2f} s")
            print(f"goal report <= 10 s: time/goal = {report_seconds / 10:.3f}")
        client.close()
        database.dispose()
    finally:
        if server is not None:
            server.stop()
        traffic.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print("rerun: .venv/bin/python benchmarks/engine_cycle.py", " ".join(sys.argv[1:]))


def wait_answering(server: PrometheusServer, seconds: float = 60) -> None:
    """Wait until Prometheus answers, or exit saying it did not."""
    deadline = time.monotonic() + seconds
    while not is_ready(server):
        if time.monotonic() > deadline:
            sys.exit(f"prometheus did not become ready within {seconds:g} s")
        time.sleep(0.2)


def time_starts(
    args: argparse.Namespace, workdir: Path, rules: Path, traffic: Traffic, instances: int
) -> None:
    """Start Prometheus afresh `args.starts` times; print how long after each start every
    instance had its 5-minute counts (ready) and its period, within --ready-timeout."""
    failures = 0
    for attempt in range(1, args.starts + 1):
        server = start_prometheus(
            workdir / f"start-{attempt}",
            free_port(),
            jobs={"bench": [f"127.0.0.1:{traffic.port}"]},
            rule_files=[rules],
            interval=args.interval,
        )
        try:
            started = time.monotonic()
            wait_answering(server)
            try:
                wait_ready(server, "bench", instances, timeout=args.ready_timeout)
            except SystemExit as failed:
                failures += 1
                print(f"start {attempt}: {failed}")
                continue
            ready = time.monotonic() - started
            period = None
            while period is None and time.monotonic() - started < args.ready_timeout:
                found = server.query('count(ftw_slo:events:period{service="bench"})')
                if found and int(float(found[0]["value"][1])) >= instances:
                    period = time.monotonic() - started
                time.sleep(1)
            every = "not" if period is None else f"{period:.1f} s"
            print(f"start {attempt}: every instance's 5m counts {ready:.1f} s, periods {every}")
        finally:
            server.stop()
            shutil.rmtree(workdir / f"start-{attempt}", ignore_errors=True)
    print(
        f"starts: {args.starts - failures} of {args.starts} ready within {args.ready_timeout:g} s"
    )


def time_report(url: str, days: int, slo_dir: Path) -> float | None:
    """Time `ftw-observe report` end to end, process start included; None if it failed."""
    started = time.perf_counter()
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "ftw-observe"),
            "report",
            "--period",
            f"{days}d",
            "--format",
            "markdown",
        ],
        env={"FTW_OBSERVE_DATABASE_URL": url, "FTW_SLO_DIR": str(slo_dir), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        print(f"report failed: {completed.stderr[-500:]}")
        return None
    return elapsed


if __name__ == "__main__":
    main()
