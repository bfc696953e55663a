"""Engine cycle and 30-day report at 100 SLOs, against a real Prometheus.

A synthetic exporter serves counters for 100 generated SLOs (every twentieth grouped by route,
four routes each, so 115 instances); Prometheus scrapes it and evaluates the generated rules every
5 s. Then, side by side in one run:

- one engine cycle as it runs in production: ONE query for every recorded count at a pinned
  time, evaluation of every instance, alert states, and the cycle saved to the store;
- the same figures read the naive way, one query per SLO (what a per-SLO evaluator does),
  to show what the single query buys;
- a 30-day report over 100 SLOs' snapshot history (5-minute resolution, as retention keeps
  it), read from the store and rendered.

Goals: cycle <= 1 s, report <= 10 s.

Run:
    .venv/bin/python benchmarks/engine_cycle.py [--slos 100] [--cycles 20] [--database URL]
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from prometheus_client import CollectorRegistry, Counter, start_http_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ftw_observe.engine.cycle import Engine
from ftw_observe.engine.evaluate import series_query, targets
from ftw_observe.prometheus import PrometheusClient
from ftw_observe.rules.compile import compile_service
from ftw_observe.rules.render import render_yaml
from ftw_observe.spec.load import validate_text
from ftw_observe.spec.model import ServiceSpec
from ftw_observe.store import Store, make_store_engine, upgrade_url
from tests.support.prometheus import is_ready, start_prometheus

ROUTES = ("/a", "/b", "/c", "/d")


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


class Traffic:
    """Counters for every SLO and route, incremented once a second; some SLOs burn."""

    def __init__(self, count: int) -> None:
        self.registry = CollectorRegistry()
        self.counter = Counter(
            "bench_requests", "Requests.", ["slo", "route", "status"], registry=self.registry
        )
        self.count = count
        self.port = free_port()
        self.server, _ = start_http_server(self.port, addr="127.0.0.1", registry=self.registry)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        rng = random.Random(7)
        while not self.stop.wait(1.0):
            for index in range(self.count):
                for route in ROUTES:
                    self.counter.labels(f"slo-{index:03d}", route, "200").inc(rng.randint(50, 150))
                    errors = 5 if index % 10 == 3 else rng.randint(0, 1)
                    self.counter.labels(f"slo-{index:03d}", route, "500").inc(errors)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.server.shutdown()
        self.server.server_close()


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=100)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--database", help="store URL (default: an SQLite file in a temp dir)")
    args = parser.parse_args()

    if not shutil.which("prometheus"):
        sys.exit("prometheus is not installed: run `make setup`")
    workdir = Path(tempfile.mkdtemp(prefix="ftw-bench-"))
    spec = make_spec(args.slos, workdir / "slo")
    rules = workdir / "bench.rules.yml"
    rules.write_text(render_yaml(compile_service(spec), "bench.yaml"))
    traffic = Traffic(args.slos)
    server = start_prometheus(
        workdir / "prometheus",
        free_port(),
        jobs={"bench": [f"127.0.0.1:{traffic.port}"]},
        rule_files=[rules],
        interval="5s",
    )
    url = args.database or f"sqlite:///{workdir / 'store.db'}"
    try:
        deadline = time.monotonic() + 60
        while not is_ready(server):
            if time.monotonic() > deadline:
                sys.exit("prometheus did not become ready")
            time.sleep(0.2)
        instances = sum(4 if i % 20 == 0 else 1 for i in range(args.slos))
        print(f"{args.slos} SLOs, {instances} instances; waiting for recorded series ...")
        deadline = time.monotonic() + 180
        while True:
            found = server.query("count(ftw_slo:events:period)")
            if found and float(found[0]["value"][1]) >= instances:
                break
            if time.monotonic() > deadline:
                sys.exit("the rules did not record every instance within 3 minutes")
            time.sleep(1)

        upgrade_url(url)
        database = make_store_engine(url)
        store = Store(database)
        client = PrometheusClient(server.url)
        engine = Engine(targets([spec]), client, store)
        engine.run_cycle()  # warm connections and the store

        cycles, one_query, per_slo = [], [], []
        for _ in range(args.cycles):
            started = time.perf_counter()
            result = engine.run_cycle()
            cycles.append(time.perf_counter() - started)
            assert len(result.evaluations) == instances, len(result.evaluations)
            at = time.time()
            started = time.perf_counter()
            client.query(series_query(["bench"]), at=at)
            one_query.append(time.perf_counter() - started)
            started = time.perf_counter()
            for slo in spec.slos:
                client.query(
                    f'{{__name__=~"ftw_slo:(errors|events):.+",service="bench",slo="{slo.name}"}}',
                    at=at,
                )
            per_slo.append(time.perf_counter() - started)

        print(f"engine cycle (query, evaluate, save)   {seconds(cycles)}")
        print(f"  read: one query for all SLOs         {seconds(one_query)}")
        print(f"  read: one query per SLO              {seconds(per_slo)}")
        ratio = statistics.median(per_slo) / statistics.median(one_query)
        print(f"ratio per-SLO reads / one read: {ratio:.1f}")
        print(f"goal cycle <= 1 s: median/goal = {statistics.median(cycles) / 1.0:.3f}")

        rows = seed_history(store, args.days)
        print(f"seeded {rows} snapshots ({args.days} days at 5-minute resolution)")
        report_seconds = time_report(url, args.days, workdir / "slo")
        if report_seconds is not None:
            print(f"{args.days}-day report (markdown)            {report_seconds:7.2f} s")
            print(f"goal report <= 10 s: time/goal = {report_seconds / 10:.3f}")
        client.close()
        database.dispose()
    finally:
        server.stop()
        traffic.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print("rerun: .venv/bin/python benchmarks/engine_cycle.py", " ".join(sys.argv[1:]))


def time_report(url: str, days: int, slo_dir: Path) -> float | None:
    """Time `ftw-observe report` end to end, process start included; None if it failed."""
    import subprocess

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
