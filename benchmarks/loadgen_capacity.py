"""How much of the launch-plan mix the load generator offers from one core.

Runs `ftw-loadgen run` pinned to one core against a sink on another core: a tiny server that
answers every route of the mix at once with a plausible body, so the generator, not a
marketplace, is what is measured. Prints, for each rate, what was achieved, how late arrivals
left against their schedule, what the generator could not send, and its CPU per request and
share of its core while sending.

Run:
    .venv/bin/python benchmarks/loadgen_capacity.py [--rates 500,1000,1500] [--seconds 20]
        [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
from typing import Any, cast

import psutil
import uvloop
from instrumentation_overhead import free_port, wait_ready  # a sibling, on sys.path when run
from marketplace_load import CpuSampler, start_loadgen  # siblings too

RERUN = (
    ".venv/bin/python benchmarks/loadgen_capacity.py --rates {rates} --seconds {seconds:g} "
    "--latency-ms {latency:g}"
)
ENOUGH_SHARE = 0.98  # of the target rate, for a rate to count as offered


class SinkProtocol(asyncio.Protocol):
    """Answers each HTTP/1.1 request on a keep-alive connection with a canned JSON body."""

    ids = itertools.count(1)
    latency = 0.02

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to answer on."""
        # uvloop's transports are not asyncio.Transport subclasses, but speak its interface.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        """Answer every whole request in the buffer."""
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            method, path = head.split(" ", 2)[:2]
            assert self.transport is not None
            reply = self.answer(method, path.split("?", 1)[0])
            # Answers in order, each after the sink's latency, as a busy server's would come.
            asyncio.get_running_loop().call_later(self.latency, self.transport.write, reply)

    def answer(self, method: str, path: str) -> bytes:
        """Return the whole response to one request."""
        new_id = next(self.ids)
        status = "201 Created" if method == "POST" else "200 OK"
        body: dict[str, Any] = {"id": new_id, "status": "paid"}
        if path == "/api/users":
            body = {"user": {"id": new_id}, "api_key": f"sink-key-{new_id}"}
        elif path == "/api/me":
            body = {"id": 1, "role": "operator"}
        elif path == "/api/jobs" and method == "GET":
            body = {"items": [{"id": new_id % 5000 + 1}], "next_cursor": None}
        elif method == "POST" and path.endswith(("/accept", "/complete", "/cancel")):
            status = "200 OK"
        payload = json.dumps(body).encode()
        head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        return f"{head}content-length: {len(payload)}\r\n\r\n".encode() + payload


def serve_sink(port: int, latency_ms: float) -> None:
    """Serve the sink on 127.0.0.1:`port`, answering after `latency_ms`, until killed."""
    SinkProtocol.latency = latency_ms / 1000

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(SinkProtocol, "127.0.0.1", port, backlog=4096)
        await server.serve_forever()

    uvloop.run(main())


def pin(proc: psutil.Process, core: int) -> None:
    """Keep `proc` on one core when the machine has more than one."""
    if (psutil.cpu_count() or 1) > 1:
        proc.cpu_affinity([core])


def run_rate(rate: float, seconds: float, url: str) -> tuple[dict[str, Any], float, float]:
    """Run the generator at `rate`; return its summary, CPU s and wall s while it sent."""
    loadgen, early = start_loadgen(rate, seconds, url, None, "--operator-key", "sink-operator")
    proc = psutil.Process(loadgen.pid)
    # Pinned once it sends: its users were created on any core, which is not measured.
    pin(proc, 0)
    sampler = CpuSampler(lambda: {"ftw-loadgen": [proc] if loadgen.poll() is None else []})
    sampler.start()
    stdout, stderr = loadgen.communicate(timeout=seconds + 120)
    cpu = sampler.finish()["ftw-loadgen"] / 100 * sampler.elapsed
    if loadgen.returncode != 0:
        sys.exit(f"ftw-loadgen failed at {rate:g}/s: {(''.join(early) + stderr).strip()}")
    return json.loads(stdout), cpu, sampler.elapsed


def main() -> None:
    """Start the sink, run every rate, print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rates", default="500,1000,1500")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--latency-ms", type=float, default=20.0, help="how long the sink takes to answer"
    )
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        serve_sink(args.sink, args.latency_ms)
        return
    try:
        rates = [float(r) for r in args.rates.split(",")]
    except ValueError:
        parser.error(f"--rates must be numbers separated by commas, got {args.rates!r}")
    if min(rates) <= 0 or args.seconds <= 0:
        parser.error("--rates must all be > 0 and --seconds > 0")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sink_command = [sys.executable, __file__, "--sink", str(port)]
    sink = subprocess.Popen([*sink_command, "--latency-ms", f"{args.latency_ms:g}"])
    try:
        pin(psutil.Process(sink.pid), 1)
        wait_ready(f"{url}/healthz", sink, deadline_seconds=30)
        print(
            f"sink on {url} answering after {args.latency_ms:g} ms; "
            "the load generator on core 0, the sink on core 1"
        )
        print("\n  rate  achieved  late>100ms  max lag ms  not sent  CPU µs/req  core busy")
        for rate in rates:
            summary, cpu_seconds, wall = run_rate(rate, args.seconds, url)
            # Versions before the lag report lack it: shown as -1.
            lag = summary.get("send_lag") or {"over_100ms": -1, "max_ms": -1.0}
            not_sent = sum(summary["not_sent"].values())
            per_request = cpu_seconds / summary["requests"] * 1e6 if summary["requests"] else 0
            offered = summary["achieved_rate"] >= ENOUGH_SHARE * rate
            print(
                f"{rate:>6g} {summary['achieved_rate']:>9.1f} {lag['over_100ms']:>11} "
                f"{lag['max_ms']:>11.1f} {not_sent:>9} {per_request:>11.0f} "
                f"{cpu_seconds / wall:>9.0%}  {'offered' if offered else 'NOT offered'}"
            )
            time.sleep(1)
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    joined = ",".join(f"{r:g}" for r in rates)
    print("\nrerun: " + RERUN.format(rates=joined, seconds=args.seconds, latency=args.latency_ms))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
