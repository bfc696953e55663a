"""Throughput and p99 of the marketplace with and without the metrics middleware.

Both variants are the same app (`marketplace.app.create_app`) under uvicorn with one worker,
rate limits off, on an SQLite file; only `metrics_enabled` differs. They run one at a time,
alternating over several rounds, and wrk loads each over loopback; medians cancel drift. The
middleware's own CPU cost is also timed in process, where other load on the machine barely
matters, and turned into the throughput ratio it predicts.

Run:
    .venv/bin/python benchmarks/instrumentation_overhead.py [--rounds 3] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
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


def busy_seconds() -> float:
    """Return CPU seconds every process on the machine has used, summed over cores."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def run_wrk(
    wrk: str, script: Path, url: str, seconds: float, server: psutil.Process, variant: str
) -> tuple[Sample, float]:
    """Load `url` for `seconds`; return the figures and the CPU % other processes used."""
    command = [wrk, "-t1", "-c16", f"-d{seconds:g}s", "-s", str(script), url]
    busy, server_before = busy_seconds(), sum(server.cpu_times()[:2])
    children_before = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
    started = time.monotonic()
    output = subprocess.run(
        pinned(1, command), capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    elapsed = time.monotonic() - started
    server_cpu = sum(server.cpu_times()[:2]) - server_before
    wrk_cpu = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]) - children_before
    others = max(0.0, busy_seconds() - busy - server_cpu - wrk_cpu) / elapsed * 100
    match = re.search(r"WRK_RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", output)
    if match is None:
        sys.exit(f"could not read wrk's output:\n{output}")
    requests, duration_us, p50_us, p99_us, errors = (int(g) for g in match.groups())
    endpoint = "/" + url.split("/", 3)[3]
    rps = requests / (duration_us / 1e6)
    cpu = server_cpu / elapsed * 100
    return Sample(variant, endpoint, rps, p50_us / 1000, p99_us / 1000, errors, cpu), others


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
    """Print medians and ratios side by side; return whether the goal was met everywhere."""
    print(f"\n{'endpoint':<16} {'variant':<13} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} errors")
    met = True
    for endpoint in dict.fromkeys(sample.endpoint for sample in samples):
        medians = {}
        for variant in VARIANTS:
            chosen = [s for s in samples if s.variant == variant and s.endpoint == endpoint]
            rps, p50, p99, cpu = (
                statistics.median(getattr(s, f) for s in chosen)
                for f in ("rps", "p50_ms", "p99_ms", "server_cpu")
            )
            medians[variant] = (rps, p99, cpu)
            errors = sum(s.errors for s in chosen)
            print(f"{endpoint:<16} {variant:<13} {rps:7.0f} {p50:7.2f} {p99:7.2f} {errors}")
        (bare_rps, bare_p99, bare_cpu), (rps, p99, _cpu) = medians["bare"], medians["instrumented"]
        ratio = rps / bare_rps
        met = met and ratio >= GOAL
        # CPU per request of the bare server, plus the middleware's cost, predicts the ratio.
        per_request_us = bare_cpu / 100 / bare_rps * 1e6
        predicted = per_request_us / (per_request_us + cost_us)
        print(
            f"{endpoint:<16} instrumented/bare: throughput {ratio:.3f} "
            f"[{'meets' if ratio >= GOAL else 'MISSES'} >= {GOAL}], p99 {p99 / bare_p99:.3f}; "
            f"predicted from CPU cost {predicted:.3f} ({cost_us:.1f} of {per_request_us:.0f} µs)"
        )
    return met


def main() -> None:
    """Run the rounds and print the comparison."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
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
    job_id: int | None = None
    with tempfile.TemporaryDirectory(prefix="ftw-overhead-") as tmp:
        database_url = f"sqlite:///{tmp}/bench.db"
        homeowner_key = seed_homeowner(database_url)
        script = Path(tmp) / "report.lua"
        script.write_text(WRK_SCRIPT)
        for round_number in range(1, args.rounds + 1):
            # Alternate which variant goes first, so neither always gets the warmer machine.
            order = VARIANTS if round_number % 2 else VARIANTS[::-1]
            for variant in order:
                port = free_port()
                command = [sys.executable, __file__, "--serve", variant, "--port", str(port)]
                command += ["--database-url", database_url]
                process = subprocess.Popen(pinned(0, command))
                try:
                    base = f"http://127.0.0.1:{port}"
                    wait_ready(f"{base}/healthz", process, deadline_seconds=30)
                    job_id = job_id or post_job(base, homeowner_key)
                    server = psutil.Process(process.pid)
                    run_wrk(wrk, script, f"{base}/healthz", 2, server, variant)  # warm-up
                    for path in ("/healthz", f"/api/jobs/{job_id}"):
                        sample, others = run_wrk(
                            wrk, script, base + path, args.seconds, server, variant
                        )
                        samples.append(sample)
                        print(
                            f"round {round_number} {variant:<13} {path:<12} {sample.rps:7.0f} "
                            f"req/s  p99 {sample.p99_ms:6.2f} ms  errors {sample.errors}  "
                            f"CPU %: server {sample.server_cpu:.0f}, other processes {others:.0f}",
                            flush=True,
                        )
                finally:
                    process.terminate()
                    process.wait(timeout=15)
    met = report(samples, cost_us)
    print(f"\ngoal: instrumented throughput >= {GOAL} x bare: {'met' if met else 'NOT met'}")
    print("rerun: " + RERUN.format(args.rounds, args.seconds))


if __name__ == "__main__":
    main()
