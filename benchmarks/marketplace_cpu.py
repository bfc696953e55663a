"""Server CPU per request, route by route, on the real Postgres and Redis of this machine.

Starts `ftw-marketplace serve` (one worker, rate limits on, metrics on) on a fresh, uniquely
named Postgres database and its own Redis key prefix, seeds enough users to stay inside every
rate limit, then sends each route's requests one after another on one keep-alive connection
and divides the CPU time the server, the database's backends and Redis used by the requests
sent. One request at a time, so nothing queues and every microsecond is the request's own;
a warm-up round per route goes first. What it created is dropped after.

Run:
    .venv/bin/python benchmarks/marketplace_cpu.py [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from instrumentation_overhead import free_port, wait_ready  # siblings, on sys.path when run
from marketplace_load import BIN, private_marketplace, process_groups

RERUN = ".venv/bin/python benchmarks/marketplace_cpu.py --requests {}"
# Seeded users: enough that the probes stay under the hourly write limits (10 jobs and 50
# bids per user) and the per-minute tier limit (200 requests per user).
HOMEOWNERS, CONTRACTORS = 40, 40
Request = tuple[str, str, str | None, dict[str, Any] | None]  # method, path, API key, body


@dataclass
class RouteCost:
    """CPU microseconds per request that one route cost each part of the stack."""

    route: str
    sent: int
    failed: int
    microseconds: dict[str, float]  # part -> CPU µs per request


def cpu_seconds(groups: dict[str, list[psutil.Process]]) -> dict[str, float]:
    """Return the CPU seconds each part has used so far."""
    parts = {"server": 0.0, "postgres": 0.0, "redis": 0.0}
    for name, procs in groups.items():
        part = "server" if name.startswith("server") else name.split()[0]
        for proc in procs:
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            parts[part] = parts.get(part, 0.0) + times.user + times.system
    return parts


def measure(
    route: str,
    requests: list[Request],
    client: httpx.Client,
    groups: Callable[[], dict[str, list[psutil.Process]]],
) -> RouteCost:
    """Send `requests` one at a time; return what they cost per request."""
    found = groups()
    before = cpu_seconds(found)
    failed = 0
    for method, path, key, body in requests:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = client.request(method, path, headers=headers, json=body)
        failed += response.status_code >= 400
    after = cpu_seconds(found)
    sent = len(requests)
    used = {part: (after[part] - before[part]) / sent * 1e6 for part in before}
    return RouteCost(route, sent, failed, used)


def probes(
    seeded: dict[str, Any], client: httpx.Client, count: int
) -> Iterator[tuple[str, list[Request]]]:
    """Yield each route with `count` requests that exercise it, spread over the users."""
    homeowners = [u["api_key"] for u in seeded["users"] if u["role"] == "homeowner"]
    contractors = [u["api_key"] for u in seeded["users"] if u["role"] == "contractor"]
    operator = seeded["operator"]["api_key"]

    def job(i: int) -> dict[str, Any]:
        return {"territory_id": 1 + i % 254, "title": f"Fix the fence {i}", "budget_cents": 50_000}

    yield "GET /healthz", [("GET", "/healthz", None, None)] * count
    yield "GET /api/me", [("GET", "/api/me", homeowners[i % 40], None) for i in range(count)]
    yield (
        "POST /api/jobs",
        [("POST", "/api/jobs", homeowners[i % 40], job(i)) for i in range(count)],
    )
    listed = client.get("/api/jobs", headers={"Authorization": f"Bearer {operator}"}).json()
    ids = [item["id"] for item in listed["items"]]  # the newest 20 jobs
    yield "GET /api/jobs", [("GET", "/api/jobs", homeowners[i % 40], None) for i in range(count)]
    yield (
        "GET /api/jobs/{job_id}",
        [("GET", f"/api/jobs/{ids[i % len(ids)]}", homeowners[i % 40], None) for i in range(count)],
    )
    # Each contractor bids once on a job: (contractor, job) pairs never repeat.
    yield (
        "POST /api/jobs/{job_id}/bids",
        [
            ("POST", f"/api/jobs/{ids[i // 40 % len(ids)]}/bids", contractors[i % 40], bid)
            for i in range(count)
            for bid in [{"amount_cents": 40_000 + i}]
        ],
    )


def run(args: argparse.Namespace, env: dict[str, str], log: Path) -> list[RouteCost]:
    """Seed, serve with one worker, measure every route twice (warm-up, then counted)."""
    marketplace = str(BIN / "ftw-marketplace")
    seed = [marketplace, "seed", "--json", "--homeowners", str(HOMEOWNERS)]
    seed += ["--contractors", str(CONTRACTORS)]
    seeded = json.loads(
        subprocess.run(seed, env=env, check=True, capture_output=True, text=True).stdout
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    serve = [marketplace, "serve", "--host", "127.0.0.1", "--port", str(port)]
    serve += ["--log-level", "warning"]
    costs: list[RouteCost] = []
    with log.open("w") as log_file:
        server = subprocess.Popen(serve, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_ready(f"{url}/readyz", server, deadline_seconds=60)
            process = psutil.Process(server.pid)

            def groups() -> dict[str, list[psutil.Process]]:
                return process_groups(process, args.database)

            with httpx.Client(base_url=url, timeout=30) as client:
                warm = args.requests // 5
                for route, requests in probes(seeded, client, args.requests + warm):
                    measure(route, requests[:warm], client, groups)
                    costs.append(measure(route, requests[warm:], client, groups))
        finally:
            server.terminate()
            server.wait(timeout=20)
    return costs


def main() -> None:
    """Create a private database and key prefix, measure, clean up, report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="counted requests per route")
    args = parser.parse_args()
    if not 50 <= args.requests <= 320:
        parser.error("--requests must be between 50 and 320 (the seeded users' write limits)")
    with private_marketplace("cpu") as (args.database, env, tmp):
        costs = run(args, env, tmp / "server.log")
    print(f"\nCPU µs per request, one request at a time ({args.requests} per route)")
    print(f"{'route':<32} {'server':>8} {'postgres':>9} {'redis':>7}  failed")
    for cost in costs:
        us = cost.microseconds
        print(
            f"{cost.route:<32} {us['server']:>8.0f} {us['postgres']:>9.0f} {us['redis']:>7.0f}"
            f"  {cost.failed}/{cost.sent}"
        )
    print("rerun: " + RERUN.format(args.requests))
    if any(cost.failed for cost in costs):
        sys.exit("some requests failed: the figures above include their (cheaper) answers")


if __name__ == "__main__":
    main()
