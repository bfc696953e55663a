"""Synthetic `http_requests_total` traffic for the rule-cost benchmark: history and live exporters.

Every series has a base rate with a daily swing and Poisson noise; 2xx dominate, 5xx are sparse
(0.1-0.5 %). Each instance restarts once in the history (its counters reset), and a few series
only begin part way through it. The history is written as OpenMetrics text, one file per day,
for `promtool tsdb create-blocks-from openmetrics`; live exporters then continue every series
from its last historic value, one exporter (one scrape target, one `instance`) per instance.
"""

from __future__ import annotations

import math
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from tests.support.services import free_port

STEP = 60  # seconds between historic samples
BLOCK = 7_200  # seconds: promtool's block length, aligned to multiples of it
DAY = 86_400
ROUTES = (
    *(f"/api/{name}" for name in ("jobs", "bids", "payouts", "contractors", "homeowners")),
    *(f"/api/jobs/{name}" for name in ("search", "photos", "messages", "invoices")),
    *(f"/api/{name}" for name in ("reviews", "quotes", "disputes", "notifications")),
    *(f"/api/{name}" for name in ("profile", "session", "uploads", "schedule", "estimates")),
    *(f"/api/admin/{name}" for name in ("users", "refunds", "audit", "flags")),
    "/healthz",
    "/",
    "/static",
)
METHODS = (("GET", 0.75), ("POST", 0.25))
# Share of each status among a route's requests; the 5xx share is drawn per series.
STATUSES = (("200", 0.86), ("201", 0.08), ("400", 0.035), ("404", 0.02), ("500", 0.6), ("503", 0.4))
INSTANCE_RATE = 120.0  # requests per second per instance, before the daily swing


@dataclass(frozen=True)
class Series:
    """One counter: its labels, base rate, seed, first historic step and reset step."""

    instance: int
    route: str
    method: str
    status: str
    rate: float
    seed: int
    first_step: int
    reset_step: int


def plan_series(instances: int, steps: int, seed: int = 11) -> list[Series]:
    """Return every series of `instances` instances with its rate, reset and start."""
    assert len(ROUTES) == 25
    rng = np.random.default_rng(seed)
    weights = np.array([1 / (i + 1) for i in range(len(ROUTES))])
    weights /= weights.sum()
    planned: list[Series] = []
    for instance in range(instances):
        reset = int(rng.integers(steps // 10, steps - steps // 10))
        for route, weight in zip(ROUTES, weights, strict=True):
            errors = float(rng.uniform(0.001, 0.005))
            for method, method_share in METHODS:
                for status, share in STATUSES:
                    share = share * errors if status.startswith("5") else share * (1 - errors)
                    late = rng.random() < 0.01  # a route or status first seen part way through
                    first = int(rng.integers(steps // 4, steps // 2)) if late else 0
                    planned.append(
                        Series(
                            instance,
                            route,
                            method,
                            status,
                            INSTANCE_RATE * float(weight) * method_share * share,
                            len(planned) + seed * 1_000_003,
                            first,
                            reset,
                        )
                    )
    return planned


def daily_swing(at: np.ndarray | float) -> np.ndarray | float:
    """Return the traffic factor at Unix time `at`: quiet nights, busy afternoons."""
    return 1 + 0.5 * np.sin(2 * math.pi * (np.asarray(at) / DAY - 0.375))


def counter_values(series: Series, start: int, steps: int) -> np.ndarray:
    """Return the counter at each historic step (NaN before it exists), reset once."""
    times = start + STEP * np.arange(steps + 1)
    rng = np.random.default_rng(series.seed)
    increments = rng.poisson(series.rate * STEP * daily_swing(times)).astype(np.float64)
    increments[: series.first_step + 1] = 0
    increments[series.reset_step] = 0
    counts = np.cumsum(increments)
    counts[series.reset_step :] -= counts[series.reset_step]
    counts[: series.first_step] = np.nan
    return counts


@dataclass
class History:
    """Three days (by default) of history ending at `end`, at one-minute steps."""

    series: list[Series]
    addresses: list[str]
    end: int
    days: int = 3
    last: list[float] = field(default_factory=list)

    @property
    def steps(self) -> int:
        """Return the number of steps between the first and last sample."""
        return self.days * DAY // STEP

    @property
    def start(self) -> int:
        """Return the Unix time of the first sample."""
        return self.end - self.days * DAY

    def labels(self, series: Series) -> str:
        """Return a series' label text as the live target will be scraped."""
        return (
            f'instance="{self.addresses[series.instance]}",job="marketplace",'
            f'method="{series.method}",route="{series.route}",status="{series.status}"'
        )

    def chunks(self) -> list[tuple[int, int]]:
        """Return the step ranges of the 2-hour blocks promtool writes, aligned as promtool does."""
        first_block = self.start // BLOCK * BLOCK
        bounds = []
        for block in range(first_block, self.end + 1, BLOCK):
            first = max(0, (block - self.start + STEP - 1) // STEP)
            last = min(self.steps + 1, (block + BLOCK - self.start + STEP - 1) // STEP)
            if first < last:
                bounds.append((first, last))
        return bounds

    def write_chunks(self, paths: list[Path]) -> int:
        """Write each 2-hour chunk's samples as OpenMetrics text, one file each; return how many.

        promtool reads its whole input once per 2-hour block: one file per block reads it once.
        """
        times = [f" {self.start + STEP * step}\n" for step in range(self.steps + 1)]
        bounds = self.chunks()
        outs = [path.open("w") for path in paths]
        written = 0
        self.last = []
        try:
            for out in outs:
                out.write("# TYPE http_requests_total unknown\n")
            for series in self.series:
                values = counter_values(series, self.start, self.steps)
                self.last.append(float(values[-1]))
                prefix = f"http_requests_total{{{self.labels(series)}}} "
                counts = np.nan_to_num(values, nan=-1).astype(np.int64).tolist()
                for out, (first, last) in zip(outs, bounds, strict=True):
                    first = max(first, series.first_step)
                    lines = [prefix + str(counts[i]) + times[i] for i in range(first, last)]
                    out.write("".join(lines))
                    written += len(lines)
            for out in outs:
                out.write("# EOF\n")
        finally:
            for out in outs:
                out.close()
        return written

    def to_blocks(self, workdir: Path, data: Path, promtool: str) -> int:
        """Write the 2-hour chunks, then turn them into blocks, two promtool runs at a time."""
        data.mkdir(parents=True, exist_ok=True)
        paths = [workdir / f"history-{index}.om" for index in range(len(self.chunks()))]
        total = self.write_chunks(paths)
        running: list[subprocess.Popen[bytes]] = []
        try:
            for path in paths:
                if len(running) == 2:
                    _finish(running[0])
                    running.pop(0)
                command = ["tsdb", "create-blocks-from", "openmetrics", "-q", str(path), str(data)]
                running.append(
                    subprocess.Popen(
                        [promtool, *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                    )
                )
            while running:
                _finish(running[0])
                running.pop(0)
        finally:
            for process in running:  # only when interrupted: stop what is still converting
                process.kill()
                process.wait()
        for path in paths:
            path.unlink(missing_ok=True)
        return total


def _finish(process: subprocess.Popen[bytes]) -> None:
    _, error = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"promtool failed: {error.decode()[-2000:]}")


class LiveCounters(Collector):
    """One instance's counters, continuing from the history's last values at its base rates."""

    def __init__(self, series: list[tuple[Series, float]], since: int) -> None:
        self.series = series
        self.since = since
        self.rate_factor = float(daily_swing(since))

    def collect(self) -> Iterator[CounterMetricFamily]:
        """Yield the counters as of now."""
        elapsed = time.time() - self.since
        family = CounterMetricFamily(
            "http_requests", "Requests.", labels=["route", "method", "status"]
        )
        for series, last in self.series:
            value = (0.0 if math.isnan(last) else last) + math.floor(
                series.rate * self.rate_factor * elapsed
            )
            family.add_metric([series.route, series.method, series.status], value)
        yield family


class Exporters:
    """One HTTP exporter per instance on 127.0.0.1, each on a free port."""

    def __init__(self, instances: int) -> None:
        self.ports = [free_port() for _ in range(instances)]
        self.servers: list[object] = []

    @property
    def addresses(self) -> list[str]:
        """Return the scrape targets, one per instance."""
        return [f"127.0.0.1:{port}" for port in self.ports]

    def start(self, history: History) -> None:
        """Serve every instance's series from the history's last values on."""
        for instance, port in enumerate(self.ports):
            registry = CollectorRegistry()
            own = [
                (series, last)
                for series, last in zip(history.series, history.last, strict=True)
                if series.instance == instance
            ]
            registry.register(LiveCounters(own, history.end))
            server, _ = start_http_server(port, addr="127.0.0.1", registry=registry)
            self.servers.append(server)

    def close(self) -> None:
        """Stop every exporter."""
        for server in self.servers:
            server.shutdown()  # type: ignore[attr-defined]
            server.server_close()  # type: ignore[attr-defined]
