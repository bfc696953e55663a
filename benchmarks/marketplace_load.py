"""Mixed marketplace workload at rising rates on the real Postgres and Redis of this machine.

Starts `ftw-marketplace serve --workers 2` on a fresh, uniquely named Postgres database and
its own Redis key prefix, drives it with `ftw-loadgen run` at each rate, and prints what each
rate achieved, where the time went (CPU of each process, DB pool wait, per-route p95), how the
API requests split between the workers, and the highest rate held with p95 < 500 ms and error
ratio < 0.1 %. What it created is dropped after.

Run:
    .venv/bin/python benchmarks/marketplace_load.py [--rates 50,100,200,300,400,600] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import redis
from instrumentation_overhead import free_port, wait_ready  # a sibling, on sys.path when run
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql


def busy_seconds() -> float:
    """Return CPU seconds every process on the machine has used, summed over cores."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


POSTGRES_ADMIN = os.environ.get("FTW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("FTW_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
P95_GOAL_MS, ERROR_RATIO_GOAL, HELD_SHARE = 500.0, 0.001, 0.95
BIN = Path(sys.executable).parent
POOL_WAIT = "ftw_marketplace_db_pool_wait_seconds"
RERUN = ".venv/bin/python benchmarks/marketplace_load.py --rates {rates} --seconds {seconds:g}"
Histogram = tuple[float, float, dict[float, float]]


@dataclass
class Step:
    """What one rate achieved and what it cost.

    Usage::

        step = run_step(200.0, args, url, env)
        step.held, step.p95_ms
    """

    rate: float
    summary: dict[str, Any]
    cpu: dict[str, float]
    pool_wait: tuple[float | None, float | None]
    by_worker: dict[int, float]  # API requests each worker served during the step
    seconds: float  # how long the CPU was sampled

    def cpu_per_request_us(self, prefix: str) -> float | None:
        """Return the CPU µs per answered request of the processes whose name starts `prefix`."""
        used = sum(v for name, v in self.cpu.items() if name.startswith(prefix))
        answered = self.summary["requests"]
        return used / 100 * self.seconds / answered * 1e6 if answered else None

    @property
    def p95_ms(self) -> float:
        """Return the overall client-side p95 in ms (infinite when nothing was answered)."""
        value = self.summary["latency"]["p95_ms"]
        return float("inf") if value is None else float(value)

    @property
    def held(self) -> bool:
        """Tell whether the rate was achieved within the latency and error goals."""
        achieved = self.summary["achieved_rate"] >= HELD_SHARE * self.rate
        few_errors = self.summary["error_ratio"] < ERROR_RATIO_GOAL
        return achieved and few_errors and self.p95_ms < P95_GOAL_MS


class CpuSampler(threading.Thread):
    """Samples CPU seconds of named process groups twice a second while a step runs.

    Sampling, rather than reading once at each end, also counts processes that start or end
    inside the window, such as Postgres backends of overflow pool connections.

    Usage::

        sampler = CpuSampler(lambda: {"server": [psutil.Process(pid)]})
        sampler.start()
        ...
        cpu = sampler.finish()  # {"server": 87.0, "other processes": 12.5}
    """

    def __init__(self, groups: Callable[[], dict[str, list[psutil.Process]]]) -> None:
        super().__init__(daemon=True)
        self.groups = groups
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.done = threading.Event()
        self.elapsed = 0.0
        self.started_at = time.monotonic()
        self.busy_before = busy_seconds()
        self.sample(initial=True)

    def sample(self, initial: bool = False) -> None:
        """Record the CPU seconds used so far by every process of every group."""
        for name, procs in self.groups().items():
            for proc in procs:
                try:
                    times = proc.cpu_times()
                except psutil.Error:
                    continue
                key = (name, proc.pid)
                self.first.setdefault(key, times.user + times.system if initial else 0.0)
                self.last[key] = times.user + times.system

    def run(self) -> None:
        """Sample until stopped."""
        while not self.done.wait(0.5):
            self.sample()

    def finish(self) -> dict[str, float]:
        """Stop sampling; return each group's CPU as % of one core, and everyone else's."""
        self.done.set()
        self.join()
        self.sample()
        elapsed = time.monotonic() - self.started_at
        cpu: dict[str, float] = {}
        for (name, pid), seconds in self.last.items():
            used = (seconds - self.first.get((name, pid), 0.0)) / elapsed * 100
            cpu[name] = cpu.get(name, 0.0) + used
        busy = (busy_seconds() - self.busy_before) / elapsed * 100
        cpu["other processes"] = max(0.0, busy - sum(cpu.values()))
        self.elapsed = elapsed
        return cpu


def process_groups(server: psutil.Process, database: str) -> dict[str, list[psutil.Process]]:
    """Return the processes to report: server workers, Postgres backends, Redis."""
    groups: dict[str, list[psutil.Process]] = {"server supervisor": [server]}
    for child in server.children(recursive=True):
        try:
            tracker = "resource_tracker" in " ".join(child.cmdline())
        except psutil.Error:
            continue
        groups["server resource tracker" if tracker else f"server worker {child.pid}"] = [child]
    groups["postgres backends"], groups["redis"] = [], []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and f" {database} " in cmdline:
            groups["postgres backends"].append(proc)
        elif proc.info["name"] == "redis-server":
            groups["redis"].append(proc)
    return groups


def pool_wait(url: str) -> Histogram | None:
    """Return the DB pool wait histogram (sum, count, buckets), None if /metrics is stuck."""
    try:
        # An overloaded server answers a scrape only after its backlog, so wait long enough.
        text = httpx.get(f"{url}/metrics", timeout=30).text
    except httpx.HTTPError:
        return None
    total, count, buckets = 0.0, 0.0, dict[float, float]()
    for family in text_string_to_metric_families(text):
        for sample in family.samples if family.name == POOL_WAIT else []:
            if sample.name.endswith("_sum"):
                total += sample.value
            elif sample.name.endswith("_count"):
                count += sample.value
            elif sample.name.endswith("_bucket"):
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return total, count, buckets


def wait_figures(
    before: Histogram | None, after: Histogram | None
) -> tuple[float | None, float | None]:
    """Return the mean and the p95 bucket bound of the pool wait between two scrapes, in ms."""
    if before is None or after is None:
        return None, None
    count = after[1] - before[1]
    if count <= 0:
        return None, None
    mean = (after[0] - before[0]) / count * 1000
    for bound in sorted(after[2]):
        if after[2][bound] - before[2].get(bound, 0.0) >= 0.95 * count:
            return mean, bound * 1000
    return mean, None


def requests_by_worker(multiproc: Path, workers: list[int]) -> dict[int, float]:
    """Return the API requests each worker has counted so far, read from its own metrics file.

    With several workers prometheus-client keeps one file per process; the exposition sums
    them, so the split between workers is only in the files.
    """
    counted: dict[int, float] = {}
    for pid in workers:
        path = multiproc / f"counter_{pid}.db"
        if not path.exists():
            continue  # a helper process of the server, not a worker
        total = 0.0
        for key, value, _at, _pos in MmapedDict.read_all_values_from_file(str(path)):
            _metric, name, labels, _help = json.loads(key)
            if name == "http_requests_total" and labels.get("route", "").startswith("/api/"):
                total += value
        counted[pid] = total
    return counted


def start_loadgen(
    rate: float, seconds: float, url: str, env: dict[str, str] | None = None, *extra: str
) -> tuple[subprocess.Popen[str], list[str]]:
    """Start `ftw-loadgen run` at `rate`; return it once it sends, and what it printed so far.

    Measuring starts there: before, it creates its users.
    """
    command = [str(BIN / "ftw-loadgen"), "run", "--url", url, "--rate", f"{rate:g}"]
    command += ["--duration", f"{seconds:g}", "--json", "--progress-interval", "0"]
    command += ["--seed", str(int(rate)), *extra]
    loadgen = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert loadgen.stderr is not None
    early: list[str] = []
    for line in loadgen.stderr:
        early.append(line)
        if line.startswith("sending"):
            break
    return loadgen, early


def run_step(rate: float, args: argparse.Namespace, url: str, env: dict[str, str]) -> Step:
    """Run the load generator at `rate` and measure every process while it sends."""
    loadgen, early = start_loadgen(rate, args.seconds, url, env)
    loadgen_proc = psutil.Process(loadgen.pid)

    def groups() -> dict[str, list[psutil.Process]]:
        found = process_groups(args.server, args.database)
        found["ftw-loadgen"] = [loadgen_proc] if loadgen.poll() is None else []
        return found

    sampler = CpuSampler(groups)
    sampler.start()
    workers = [child.pid for child in args.server.children(recursive=True)]
    served_before = requests_by_worker(args.multiproc, workers)
    wait_before = pool_wait(url)
    stdout, stderr = loadgen.communicate(timeout=args.seconds + 120)
    cpu = sampler.finish()
    if loadgen.returncode != 0:
        told = ("".join(early) + stderr).strip()
        sys.exit(f"ftw-loadgen failed at {rate:g}/s ({loadgen.returncode}): {told}")
    served = requests_by_worker(args.multiproc, workers)
    by_worker = {pid: served[pid] - served_before.get(pid, 0.0) for pid in served}
    waits = wait_figures(wait_before, pool_wait(url))
    return Step(rate, json.loads(stdout), cpu, waits, by_worker, sampler.elapsed)


def print_step(step: Step) -> None:
    """Print one rate's figures and where its time went."""
    s, latency = step.summary, step.summary["latency"]
    print(
        f"\n{step.rate:>5g}/s target: achieved {s['achieved_rate']:.1f}/s, "
        f"p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, p99 {latency['p99_ms']} ms, "
        f"error ratio {s['error_ratio']:.4%} {s['errors_by_status'] or ''}"
        f"  [{'held' if step.held else 'NOT held'}]"
    )
    shed = s.get("shed") or {}
    if shed.get("requests"):
        print(
            f"  served (not 503): p95 {s['served_latency']['p95_ms']} ms; overload 503s: "
            f"{shed['requests'] / s['requests']:.1%} of the answers, p95 {shed['p95_ms']} ms"
        )
    cpu = ", ".join(f"{name} {value:.0f}" for name, value in step.cpu.items() if value >= 0.5)
    print(f"  CPU, % of one core (machine has {psutil.cpu_count()}): {cpu}")
    server, loadgen = step.cpu_per_request_us("server"), step.cpu_per_request_us("ftw-loadgen")
    if server is not None and loadgen is not None:
        print(
            f"  CPU per request: server {server:.0f} µs, load generator {loadgen:.0f} µs "
            f"(one core of it would offer about {1e6 / loadgen:.0f} req/s)"
        )
    total = sum(step.by_worker.values())
    if total:
        split = ", ".join(f"{pid} {n / total:.0%}" for pid, n in sorted(step.by_worker.items()))
        print(f"  API requests per worker: {split} (of {total:.0f})")
    mean, p95 = step.pool_wait
    if mean is None:
        print("  DB pool wait: unknown, /metrics did not answer within 30 s")
    else:
        bound = "over the largest bucket" if p95 is None else f"<= {p95:g} ms"
        print(f"  DB pool wait: mean {mean:.2f} ms, p95 {bound}")
    routes = sorted(s["routes"].items(), key=lambda item: -(item[1]["p95_ms"] or 0))
    print("  slowest routes by p95: " + ", ".join(f"{r} {v['p95_ms']} ms" for r, v in routes[:4]))
    failing = {route: v["errors"] for route, v in s["routes"].items() if v["errors"]}
    if failing:
        print(f"  errors by route: {failing}; rate limits hit: {s.get('rate_limited_by')}")
    if any((s.get("not_sent") or {}).values()):
        print(f"  not sent by the load generator: {s['not_sent']}")


def parse_args() -> argparse.Namespace:
    """Read the rates and step length."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rates", default="50,100,200,300,400,600")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    try:
        args.rate_list = [float(r) for r in args.rates.split(",")]
    except ValueError:
        parser.error(f"--rates must be numbers separated by commas, got {args.rates!r}")
    if min(args.rate_list) <= 0 or args.seconds <= 0:
        parser.error("--rates must all be > 0 and --seconds > 0")
    return args


def run_all(args: argparse.Namespace, env: dict[str, str], log: Path) -> list[Step]:
    """Seed, serve, run every rate until far past saturation; stop the server."""
    marketplace = str(BIN / "ftw-marketplace")
    seeded = subprocess.run(
        [marketplace, "seed", "--json"], env=env, check=True, capture_output=True, text=True
    )
    env["FTW_OPERATOR_KEY"] = json.loads(seeded.stdout)["operator"]["api_key"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    serve = [marketplace, "serve", "--host", "127.0.0.1", "--port", str(port)]
    serve += ["--workers", str(args.workers), "--log-level", "warning"]
    steps: list[Step] = []
    with log.open("w") as log_file:
        server = subprocess.Popen(serve, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_ready(f"{url}/readyz", server, deadline_seconds=60)
            args.server = psutil.Process(server.pid)
            print(f"marketplace on {url}: {args.workers} workers, database {args.database}")
            for rate in args.rate_list:
                steps.append(run_step(rate, args, url, env))
                print_step(steps[-1])
                if steps[-1].summary["achieved_rate"] < 0.7 * rate or steps[-1].p95_ms > 2000:
                    print("  far past saturation: higher rates skipped")
                    break
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return steps


def _admin_sql(statement: sql.Composed) -> None:
    with psycopg.connect(f"{POSTGRES_ADMIN}/postgres", autocommit=True) as conn:
        conn.execute(statement)


@contextmanager
def private_marketplace(kind: str) -> Iterator[tuple[str, dict[str, str], Path]]:
    """Yield a new database's name, a marketplace's environment on it and a scratch directory.

    The environment has a Redis key prefix of its own; everything is dropped afterwards.
    """
    run_id = uuid.uuid4().hex[:10]
    name, prefix = f"ftw_{kind}_{run_id}", f"ftw:{kind}:{run_id}:"
    cache = redis.Redis.from_url(REDIS_URL)
    cache.ping()
    database = sql.Identifier(name)
    _admin_sql(sql.SQL("CREATE DATABASE {}").format(database))
    with tempfile.TemporaryDirectory(prefix=f"ftw-{kind}-") as tmp:
        multiproc = Path(tmp) / "metrics"
        # `seed` records metrics too and needs the directory to exist; `serve` empties it.
        multiproc.mkdir()
        env = {
            **os.environ,
            "DATABASE_URL": f"{POSTGRES_ADMIN}/{name}",
            "REDIS_URL": REDIS_URL,
            "REDIS_KEY_PREFIX": prefix,
            "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        }
        try:
            yield name, env, Path(tmp)
        finally:
            _admin_sql(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
            keys = list(cache.scan_iter(match=f"{prefix}*", count=1000))
            for start in range(0, len(keys), 500):
                cache.delete(*keys[start : start + 500])


def main() -> None:
    """Create a private database and key prefix, run every rate, clean up, report."""
    args = parse_args()
    with private_marketplace("bench") as (args.database, env, tmp):
        args.multiproc = Path(env["PROMETHEUS_MULTIPROC_DIR"])
        log = tmp / "server.log"
        steps = run_all(args, env, log)
        errors = [line for line in log.read_text().splitlines() if "Error" in line]
    if errors:
        print(f"\nthe server logged {len(errors)} error lines; last: {errors[-1][:200]}")
    print("\n rate  achieved   p95 ms  error ratio")
    for step in steps:
        achieved, errors_ratio = step.summary["achieved_rate"], step.summary["error_ratio"]
        print(f"{step.rate:>5g} {achieved:>9.1f} {step.p95_ms:>8.1f} {errors_ratio:>12.4%}")
    best = max((step.rate for step in steps if step.held), default=None)
    verdict = f"{best:g} req/s" if best is not None else "none of the rates"
    print(f"\nhighest rate held with p95 < 500 ms and error ratio < 0.1 %: {verdict}")
    rates = ",".join(f"{r:g}" for r in args.rate_list)
    print("rerun: " + RERUN.format(rates=rates, seconds=args.seconds))


if __name__ == "__main__":
    main()
