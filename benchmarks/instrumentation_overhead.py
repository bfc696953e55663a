"""Throughput and p99 of the marketplace with and without the metrics middleware.

Both variants are the same app (`marketplace.app.create_app`) under uvicorn with one worker,
rate limits off, on one SQLite file; only `metrics_enabled` differs. They run side by side,
both pinned to the same core, while two wrk processes on the other core load them at the same
time over loopback: whatever the machine does to that core (other tenants, frequency changes)
it does to both, so the ratio of what each served measures the middleware's cost alone. Each
round gives one paired ratio per endpoint; the median over rounds is compared with the goal on
the API routes (a job by id, a page of jobs); /healthz, which does nothing, shows the floor.
The middleware's CPU cost is also timed in process and turned into the ratio it predicts.

Run:
    .venv/bin/python benchmarks/instrumentation_overhead.py [--rounds 7] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import psutil

GOAL = 0.95
VARIANTS = ("bare", "instrumented")
RERUN = ".venv/bin/python benchmarks/instrumentation_overhead.py --rounds {} --seconds {:g}"
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


@dataclass(frozen=True)
class Sample:
    """One wrk run against one variant and endpoint, with the server's CPU use.

    Usage::

        sample, others = run_wrk(wrk, script, url, 10.0, server, "bare")
        sample.rps, sample.p99_ms
    """

    variant: str
    endpoint: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu: float
    cpu_us_per_request: float
    round_number: int = 0


def serve(variant: str, port: int, database_url: str) -> None:
    """Serve one variant in this process (the benchmark starts it as a subprocess)."""
    import uvicorn

    from marketplace.app import create_app
    from marketplace.config import Settings
    from marketplace.ratelimit.policy import RateLimitPolicy

    settings = Settings(
        database_url=database_url,
        metrics_enabled=variant == "instrumented",
        rate_limits=RateLimitPolicy(enabled=False),
    )
    app = create_app(settings)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def middleware_cost_us(calls: int = 50_000) -> float:
    """Return the CPU the metrics middleware adds per request, in µs, timed without I/O."""
    from marketplace.metrics.middleware import MetricsMiddleware

    async def endpoint(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        return None

    route = SimpleNamespace(path="/api/jobs/{job_id}")
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/api/jobs/1", "route": route}

    async def timed(app: Any) -> float:
        started = time.process_time()
        for _ in range(calls):
            await app(scope, receive, send)
        return time.process_time() - started

    bare = asyncio.run(timed(endpoint))
    instrumented = asyncio.run(timed(MetricsMiddleware(endpoint)))
    return max(0.0, instrumented - bare) / calls * 1e6


def ensure_wrk() -> str:
    """Return the wrk binary, installing Debian's package when running as root."""
    if not shutil.which("wrk") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk: apt-get install -y wrk", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed: sudo apt-get update && sudo apt-get install -y wrk")
    return found


def free_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int, command: list[str]) -> list[str]:
    """Pin `command` to one CPU when taskset exists, so server and client do not swap cores."""
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(cpu), *command]
    return command


def wait_ready(url: str, process: subprocess.Popen[bytes], deadline_seconds: float) -> None:
    """Poll `url` until it answers 200, the server exits, or the deadline passes."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    sys.exit(f"no answer from {url} within {deadline_seconds:g} s")


def start_wrk(wrk: str, script: Path, url: str, seconds: float) -> subprocess.Popen[str]:
    """Start loading `url` for `seconds` on the client core."""
    command = [wrk, "-t1", "-c8", f"-d{seconds:g}s", "-s", str(script), url]
    return subprocess.Popen(pinned(1, command), stdout=subprocess.PIPE, text=True)


def parse_wrk(output: str, variant: str, endpoint: str, server_cpu_seconds: float) -> Sample:
    """Turn a wrk report into a sample."""
    match = re.search(r"WRK_RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", output)
    if match is None:
        sys.exit(f"could not read wrk's output:\n{output}")
    requests, duration_us, p50_us, p99_us, errors = (int(g) for g in match.groups())
    seconds = duration_us / 1e6
    return Sample(
        variant=variant,
        endpoint=endpoint,
        rps=requests / seconds,
        p50_ms=p50_us / 1000,
        p99_ms=p99_us / 1000,
        errors=errors,
        server_cpu=server_cpu_seconds / seconds * 100,
        cpu_us_per_request=server_cpu_seconds / max(1, requests) * 1e6,
    )


def cpu_seconds(process: psutil.Process) -> float:
    """Return the CPU time a server process has used, all threads together."""
    times = process.cpu_times()
    return float(times.user + times.system)


def run_round(
    wrk: str,
    script: Path,
    bases: dict[str, str],
    servers: dict[str, psutil.Process],
    path: str,
    seconds: float,
) -> list[Sample]:
    """Load both variants at once on `path`; return one sample per variant."""
    before = {variant: cpu_seconds(servers[variant]) for variant in VARIANTS}
    runs = {variant: start_wrk(wrk, script, bases[variant] + path, seconds) for variant in VARIANTS}
    outputs = {
        variant: process.communicate(timeout=seconds + 60)[0] for variant, process in runs.items()
    }
    return [
        parse_wrk(outputs[variant], variant, path, cpu_seconds(servers[variant]) - before[variant])
        for variant in VARIANTS
    ]


def seed_homeowner(database_url: str) -> str:
    """Create the schema and one homeowner; return the homeowner's API key."""
    from marketplace.config import Settings
    from marketplace.db.migrate import upgrade_url
    from marketplace.db.session import Database
    from marketplace.seed import seed_users

    upgrade_url(database_url)
    database = Database(Settings(database_url=database_url))
    try:
        with database.session() as session:
            users = seed_users(session, homeowners=1, contractors=0)
    finally:
        database.dispose()
    return next(user.api_key for user in users if user.role.value == "homeowner")


def post_job(base: str, homeowner_key: str) -> int:
    """Post the job the benchmark reads back, and return its id."""
    job = {"territory_id": 1, "title": "Fix a tap", "description": "Kitchen", "budget_cents": 900}
    response = httpx.post(
        f"{base}/api/jobs",
        headers={"authorization": f"Bearer {homeowner_key}"},
        json=job,
        timeout=10,
    )
    response.raise_for_status()
    return int(response.json()["id"])


def report(samples: list[Sample], cost_us: float) -> bool:
    """Print medians and paired ratios side by side; return whether the goal was met everywhere.

    Each round runs both variants back to back, so the ratio within a round cancels most of
    the machine's drift; the median over rounds is the figure compared with the goal. The
    server's CPU time per request is immune to time stolen by other processes, so its ratio
    is printed beside the throughput ratio as a cross-check.
    """
    header = f"{'endpoint':<16} {'variant':<13} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
    print(f"\n{header} {'CPU µs/req':>10} errors")
    met = True
    for endpoint in dict.fromkeys(sample.endpoint for sample in samples):
        chosen = [s for s in samples if s.endpoint == endpoint]
        by_variant: dict[str, dict[int, Sample]] = {v: {} for v in VARIANTS}
        for sample in chosen:
            by_variant[sample.variant][sample.round_number] = sample
        for variant in VARIANTS:
            runs = list(by_variant[variant].values())
            rps, p50, p99, cpu_us = (
                statistics.median(getattr(s, f) for s in runs)
                for f in ("rps", "p50_ms", "p99_ms", "cpu_us_per_request")
            )
            errors = sum(s.errors for s in runs)
            print(
                f"{endpoint:<16} {variant:<13} {rps:7.0f} {p50:7.2f} {p99:7.2f} "
                f"{cpu_us:10.0f} {errors}"
            )
        rounds = sorted(set(by_variant["bare"]) & set(by_variant["instrumented"]))
        pairs = [(by_variant["bare"][r], by_variant["instrumented"][r]) for r in rounds]
        ratios = [inst.rps / bare.rps for bare, inst in pairs]
        cpu_ratios = [bare.cpu_us_per_request / inst.cpu_us_per_request for bare, inst in pairs]
        p99_ratios = [inst.p99_ms / bare.p99_ms for bare, inst in pairs]
        ratio = statistics.median(ratios)
        counted = endpoint.startswith("/api/")
        met = met and (ratio >= GOAL or not counted)
        verdict = ("meets" if ratio >= GOAL else "MISSES") if counted else "floor, not counted:"
        bare_cpu_us = statistics.median(bare.cpu_us_per_request for bare, _ in pairs)
        predicted = bare_cpu_us / (bare_cpu_us + cost_us)
        print(
            f"{endpoint:<16} instrumented/bare, median of {len(pairs)} paired rounds: "
            f"throughput {ratio:.3f} (range {min(ratios):.3f}-{max(ratios):.3f}) "
            f"[{verdict} >= {GOAL}]; "
            f"CPU per request {statistics.median(cpu_ratios):.3f}; "
            f"p99 {statistics.median(p99_ratios):.3f}; "
            f"predicted from in-process cost {predicted:.3f} "
            f"({cost_us:.1f} of {bare_cpu_us:.0f} µs)"
        )
    return met


def main() -> None:
    """Run the rounds and print the comparison."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # Single-process metrics in every process here, whatever the caller's environment says.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if args.serve:
        serve(args.serve, args.port, args.database_url)
        return
    if args.rounds < 1 or args.seconds <= 0:
        parser.error("--rounds must be >= 1 and --seconds > 0")
    wrk = ensure_wrk()
    cost_us = middleware_cost_us()
    print(f"metrics middleware CPU cost, in process: {cost_us:.1f} µs per request")
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="ftw-overhead-") as tmp:
        database_url = f"sqlite:///{tmp}/bench.db"
        homeowner_key = seed_homeowner(database_url)
        script = Path(tmp) / "report.lua"
        script.write_text(WRK_SCRIPT)
        processes: dict[str, subprocess.Popen[bytes]] = {}
        try:
            bases: dict[str, str] = {}
            for variant in VARIANTS:
                port = free_port()
                command = [sys.executable, __file__, "--serve", variant, "--port", str(port)]
                command += ["--database-url", database_url]
                processes[variant] = subprocess.Popen(pinned(0, command))
                bases[variant] = f"http://127.0.0.1:{port}"
            for variant in VARIANTS:
                wait_ready(f"{bases[variant]}/healthz", processes[variant], deadline_seconds=30)
            job_id = post_job(bases["bare"], homeowner_key)
            paths = ("/healthz", f"/api/jobs/{job_id}", "/api/jobs?territory_id=1&limit=20")
            servers = {variant: psutil.Process(processes[variant].pid) for variant in VARIANTS}
            for path in paths:  # warm-up: imports, caches, connection pools
                run_round(wrk, script, bases, servers, path, 2)
            for round_number in range(1, args.rounds + 1):
                for path in paths:
                    for sample in run_round(wrk, script, bases, servers, path, args.seconds):
                        samples.append(dataclasses.replace(sample, round_number=round_number))
                        print(
                            f"round {round_number} {sample.variant:<13} {path:<34} "
                            f"{sample.rps:7.0f} req/s  p99 {sample.p99_ms:6.2f} ms  "
                            f"CPU {sample.cpu_us_per_request:5.0f} µs/req  "
                            f"errors {sample.errors}",
                            flush=True,
                        )
        finally:
            for process in processes.values():
                process.terminate()
                process.wait(timeout=15)
    met = report(samples, cost_us)
    verdict = "met" if met else "NOT met"
    print(f"\ngoal: instrumented throughput >= {GOAL} x bare on the API routes: {verdict}")
    print(
        "/healthz does no work at all, so it shows the middleware's whole cost as a share of "
        "the cheapest possible request: the floor, printed for the record."
    )
    print("rerun: " + RERUN.format(args.rounds, args.seconds))


if __name__ == "__main__":
    main()
