"""Steady past traffic for a new demo, so its long burn-rate windows hold days of data.

A fresh Prometheus knows only the minutes since it started: a 6-hour or 3-day window then
holds so few events that one failed request is a large share of them, the slow tiers fire
within seconds of any outage, and the status page shows budgets spent many times over. The
demo therefore backfills the counters its SLOs read with days of error-free history at the
rates it measures on the live targets, through `promtool tsdb create-blocks-from openmetrics`.
The period's budget also sums recorded 5-minute series, which Prometheus records only from its
start on: promtool records those over the backfilled hours too (`ftw_observe.backfill`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx
from prometheus_client.parser import text_string_to_metric_families

Labels = tuple[tuple[str, str], ...]
CUMULATIVE_SUFFIXES = ("_total", "_bucket", "_count", "_sum")


@dataclass(frozen=True)
class Target:
    """A scrape target as Prometheus labels it.

    Usage::

        Target(job="marketplace", address="127.0.0.1:8000")
    """

    job: str
    address: str

    @property
    def url(self) -> str:
        """Return the target's metrics URL."""
        return f"http://{self.address}/metrics"


def cumulative_samples(
    text: str, prefixes: tuple[str, ...] = ("",)
) -> dict[tuple[str, Labels], float]:
    """Return the counter and histogram samples of a scrape whose names start with a prefix."""
    samples: dict[tuple[str, Labels], float] = {}
    for family in text_string_to_metric_families(text):
        if family.type not in ("counter", "histogram") or not family.name.startswith(prefixes):
            continue
        for sample in family.samples:
            if sample.name.endswith(CUMULATIVE_SUFFIXES) and math.isfinite(sample.value):
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def rates(
    first: Mapping[tuple[str, Labels], float],
    second: Mapping[tuple[str, Labels], float],
    seconds: float,
) -> dict[tuple[str, Labels], float]:
    """Return each series' increase per second between two scrapes (0 after a reset)."""
    return {key: max(0.0, value - first.get(key, 0.0)) / seconds for key, value in second.items()}


def write_history(
    out: TextIO,
    series_rates: Mapping[tuple[str, Labels], float],
    target: Target,
    *,
    start: float,
    end: float,
    step: float,
) -> int:
    """Write OpenMetrics samples of steady counters from `start` to `end`; return the count."""
    written = 0
    steps = int((end - start) // step) + 1
    for (name, labels), rate in sorted(series_rates.items()):
        all_labels = dict(labels) | {"job": target.job, "instance": target.address}
        text = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(all_labels.items()))
        out.write(f"# TYPE {name} unknown\n")
        for i in range(steps):
            at = start + i * step
            out.write(f"{name}{{{text}}} {rate * (at - start):.6g} {at:.3f}\n")
            written += 1
    return written


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def measure_rates(
    target: Target, seconds: float, prefixes: tuple[str, ...]
) -> dict[tuple[str, Labels], float]:
    """Scrape a target twice, `seconds` apart, and return each cumulative series' rate."""
    first = cumulative_samples(_scrape(target), prefixes)
    began = time.monotonic()
    time.sleep(seconds)
    second = cumulative_samples(_scrape(target), prefixes)
    return rates(first, second, time.monotonic() - began)


def _scrape(target: Target) -> str:
    response = httpx.get(target.url, timeout=10)
    response.raise_for_status()
    return response.text


def history_lines(
    targets: list[Target],
    *,
    hours: float,
    step: float,
    measure_seconds: float,
    prefixes: tuple[str, ...],
    out: Path,
    end: float | None = None,
) -> Iterator[str]:
    """Measure every target, write the backfill file, and say what was done, line by line.

    History ends at `end`, by default a minute after the rates are measured: before the
    first sample Prometheus will scrape, as it starts only afterwards.
    """
    measured = {target: measure_rates(target, measure_seconds, prefixes) for target in targets}
    end = math.floor(time.time() - 60) if end is None else end
    start = end - hours * 3600
    total = 0
    with out.open("w") as stream:
        for target, series in measured.items():
            total += write_history(stream, series, target, start=start, end=end, step=step)
        stream.write("# EOF\n")
    for target, series in measured.items():
        yield f"{target.job}: {len(series)} series at the rates measured over {measure_seconds:g} s"
    yield f"wrote {total} samples over {hours:g} h to {out}"
