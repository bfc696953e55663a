"""Two months of synthetic history with known outages, for the executive dashboard's queries.

The demo keeps 36 hours of history, too little for a query over the 30 days before the last
30. This writes 61 days of series the executive queries read, with outages whose incidents,
downtime minutes, availability, p95 and budget are known, backfills them with promtool and
starts a real Prometheus over them. `python -m tests.support.executive_history OUT.png` also
runs every query of dashboards/ftw-executive.json there and screenshots the answers.

Known figures (`EXPECTED`), the last 30 days and the 30 before:
- last 30 days: a marketplace outage 10 days ago fires two page tiers, a critical threshold
  alert and a ticket tier (1 incident), and a payments page 3 days ago (1 more): 2 incidents.
  Route `a` of api-availability fails half its requests for 30 minutes while route `b` stays
  clean: a quarter of the SLO's events for 30 minutes, 7.5 minutes of downtime.
- the 30 days before: a marketplace page fires, clears for 20 minutes and fires again: 2
  incidents; route `a` fails every request for 10 minutes: 5 minutes of downtime.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ftw_observe.dashboards.variables import DEMO_VALUES, substitute
from tests.conftest import free_port, wait_until
from tests.support.prometheus import PrometheusServer, is_ready, start_prometheus

REPO = Path(__file__).resolve().parents[2]
EXECUTIVE = REPO / "dashboards" / "ftw-executive.json"
MINUTE, STEP, DAY = 60, 300, 86400
HISTORY_DAYS = 61
# A few large blocks rather than promtool's 2-hour ones: Prometheus opens 700 of those slowly.
BLOCKS = ("--max-block-duration=744h",)
EVENTS_PER_STEP = 1000
BUCKETS = ("0.1", "0.25", "0.5", "0.8", "1", "+Inf")
# Requests per step in each bucket (not cumulative): the last 30 days, then the 30 before.
LAST_LATENCY = (90, 10, 0, 0, 0, 0)  # p95 = 0.1 + 0.15 * 5 / 10 = 0.175 s
BEFORE_LATENCY = (80, 0, 0, 20, 0, 0)  # p95 = 0.5 + 0.3 * 15 / 20 = 0.725 s
# Error budget left per SLO instance: (the last 30 days, the 30 before).
BUDGET = {
    ("marketplace", "api-availability", "a"): (0.6, 0.8),
    ("marketplace", "api-availability", "b"): (0.9, 0.95),
    ("marketplace", "bid-response", ""): (1.0, 1.0),
}
# Grafana's values for a 30-day range: its rate interval grows with the step.
VALUES = {**DEMO_VALUES, "__range": "30d", "__rate_interval": "10m"}
PAGE = {"alertstate": "firing", "alertname": "SLOErrorBudgetBurn", "severity": "page"}


@dataclass(frozen=True)
class Firing:
    """An alert firing from `start` to `end` (seconds before the end of history)."""

    labels: Mapping[str, str]
    start: int
    end: int


FIRINGS = (
    # The last 30 days: one marketplace outage firing four alerts, one payments page.
    Firing(
        {**PAGE, "alertstate": "pending", "service": "marketplace", "tier": "page-1h"},
        10 * DAY,
        10 * DAY - 4 * MINUTE,
    ),
    Firing(
        {**PAGE, "service": "marketplace", "tier": "page-1h"},
        10 * DAY - 5 * MINUTE,
        10 * DAY - 45 * MINUTE,
    ),
    Firing(
        {**PAGE, "service": "marketplace", "tier": "page-6h"},
        10 * DAY - 15 * MINUTE,
        10 * DAY - 70 * MINUTE,
    ),
    Firing(
        {
            "alertstate": "firing",
            "alertname": "HighErrorRatio",
            "severity": "critical",
            "service": "marketplace",
        },
        10 * DAY - 10 * MINUTE,
        10 * DAY - 25 * MINUTE,
    ),
    Firing(
        {**PAGE, "severity": "ticket", "service": "marketplace", "tier": "ticket-1d"},
        10 * DAY - 20 * MINUTE,
        10 * DAY - 180 * MINUTE,
    ),
    Firing({**PAGE, "service": "payments", "tier": "page-1h"}, 3 * DAY, 3 * DAY - 20 * MINUTE),
    # The 30 days before: one marketplace page that clears for 20 minutes and fires again.
    Firing({**PAGE, "service": "marketplace", "tier": "page-1h"}, 45 * DAY, 45 * DAY - 20 * MINUTE),
    Firing(
        {**PAGE, "service": "marketplace", "tier": "page-1h"},
        45 * DAY - 40 * MINUTE,
        45 * DAY - 55 * MINUTE,
    ),
)
# Route `a`'s failed requests per 5-minute step: (seconds before the end, errors).
ERRORS = {10 * DAY - k * STEP: EVENTS_PER_STEP // 2 for k in range(6)} | {
    45 * DAY - k * STEP: EVENTS_PER_STEP for k in range(2)
}
EXPECTED = {
    "incidents": (2, 2),
    "downtime": (7.5, 5.0),
    "availability bad events": (6 * 500, 2 * 1000),
    "p95": (0.175, 0.725),
    "budget api-availability": (0.6, 0.8),
}


@dataclass(frozen=True)
class History:
    """A Prometheus serving the synthetic history, and the instant its history ends."""

    server: PrometheusServer
    end: int

    def query(self, promql: str, *, ago: int = 0) -> list[dict[str, Any]]:
        """Run an instant query `ago` seconds before the end of history."""
        return self.server.query(promql, at=self.end - ago)


def _labels(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if v) + "}"


def _series(
    out: TextIO, name: str, labels: Mapping[str, str], points: Iterator[tuple[int, float]]
) -> None:
    text = _labels(labels)
    for at, value in points:
        out.write(f"{name}{text} {value:g} {at}\n")


def write_history(out: TextIO, end: int) -> None:
    """Write 61 days of OpenMetrics samples ending at `end`, every 5 minutes."""
    start = end - HISTORY_DAYS * DAY
    steps = range(start, end + 1, STEP)
    boundary = end - 30 * DAY  # samples after it belong to the last 30 days
    recorded: dict[str, list[tuple[Mapping[str, str], list[tuple[int, float]]]]] = {}
    for (service, slo, route), (last, before) in BUDGET.items():
        labels = {"service": service, "slo": slo, "route": route}
        events = [(t, float(EVENTS_PER_STEP)) for t in steps]
        errors = [(t, float(ERRORS.get(end - t, 0) if route == "a" else 0)) for t in steps]
        budget = [(t, last if t > boundary else before) for t in steps]
        recorded.setdefault("ftw_slo:events:increase5m", []).append((labels, events))
        recorded.setdefault("ftw_slo:errors:increase5m", []).append((labels, errors))
        recorded.setdefault("ftw_slo:error_budget_remaining:ratio", []).append((labels, budget))
    for name, series in recorded.items():
        out.write(f"# TYPE {name} gauge\n")
        for instance, points in series:
            _series(out, name, instance, iter(points))
    _latency(out, steps, boundary)
    _counters(out, steps)
    out.write("# TYPE ALERTS gauge\n")
    watchdog = {"alertstate": "firing", "alertname": "FTWObserveWatchdog", "severity": "none"}
    _series(out, "ALERTS", watchdog, ((t, 1.0) for t in steps))
    firing_at: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for firing in FIRINGS:
        minutes = range(end - firing.start, end - firing.end + 1, MINUTE)
        firing_at.setdefault(tuple(sorted(firing.labels.items())), []).extend(minutes)
    for alert, times in firing_at.items():  # one series, in time order, however often it fired
        _series(out, "ALERTS", dict(alert), ((t, 1.0) for t in sorted(times)))
    out.write("# EOF\n")


def _latency(out: TextIO, steps: range, boundary: int) -> None:
    out.write("# TYPE http_request_duration_seconds_bucket unknown\n")
    for index, le in enumerate(BUCKETS):
        total, points = 0, []
        for t in steps:
            shares = LAST_LATENCY if t > boundary else BEFORE_LATENCY
            total += sum(shares[: index + 1])
            points.append((t, float(total)))
        _series(
            out,
            "http_request_duration_seconds_bucket",
            {"job": "marketplace", "le": le},
            iter(points),
        )


def _counters(out: TextIO, steps: range) -> None:
    """Write the launch-plan counters: steady jobs, bids, payouts and requests."""
    per_step = {
        ("ftw_jobs_posted_total", (("job", "ftw-exporter"),)): 5.0,
        ("ftw_bids_submitted_total", (("job", "ftw-exporter"),)): 26.0,
        ("ftw_payouts_total", (("job", "ftw-exporter"), ("status", "paid"))): 4.0,
        ("http_requests_total", (("job", "marketplace"), ("status", "200"))): 60000.0,
        ("http_requests_total", (("job", "marketplace"), ("status", "500"))): 120.0,
    }
    for (name, labels), increment in per_step.items():
        out.write(f"# TYPE {name} unknown\n")
        first = steps[0]
        _series(out, name, dict(labels), ((t, increment * (t - first) / STEP) for t in steps))


@contextmanager
def history_prometheus(directory: Path) -> Iterator[History]:
    """Backfill the synthetic history and serve it from a real Prometheus until the block exits."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool is not installed: `make test` installs Debian's package"
    end = _now_hour() - 3600
    samples = directory / "history.om"
    with samples.open("w") as out:
        write_history(out, end)
    data = directory / "prometheus" / "data"
    data.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", *BLOCKS, str(samples), str(data)],
        check=True,
        capture_output=True,
    )
    server = start_prometheus(
        directory / "prometheus", free_port(), jobs={}, rule_files=[], retention="90d"
    )
    try:
        wait_until(lambda: is_ready(server), timeout=60)
        history = History(server, end)
        wait_until(lambda: history.query("ALERTS", ago=HISTORY_DAYS * DAY - STEP), timeout=60)
        yield history
    finally:
        server.stop()


def _now_hour() -> int:
    return int(time.time()) // 3600 * 3600


def executive_answers(history: History) -> list[tuple[str, str, str]]:
    """Run every query of the executive dashboard at the end of history: (panel, legend, value)."""
    dashboard = json.loads(EXECUTIVE.read_text())
    rows = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            result = history.query(substitute(target["expr"], VALUES))
            if not result:
                rows.append((panel["title"], "", "no data"))
            for item in result:
                metric = item["metric"]
                assert isinstance(metric, dict)
                assert isinstance(item["value"], list)
                legend = "/".join(str(metric[k]) for k in ("service", "slo") if k in metric)
                rows.append((panel["title"], legend, _format(float(item["value"][1]), panel)))
    return rows


def _format(value: float, panel: Mapping[str, object]) -> str:
    defaults = panel.get("fieldConfig", {})
    unit = defaults.get("defaults", {}).get("unit", "") if isinstance(defaults, dict) else ""
    if unit == "percentunit":
        return f"{value * 100:.3f} %"
    if unit == "s":
        return f"{value * 1000:.0f} ms"
    if unit == "m":
        return f"{value:.1f} min"
    return f"{value:,.1f}".removesuffix(".0")


def render_html(rows: list[tuple[str, str, str]], end: int) -> str:
    """Return a plain HTML table of panel title, series and value."""
    cells = "".join(
        f"<tr><td>{html.escape(title)}</td><td>{html.escape(legend)}</td><td>{html.escape(value)}</td></tr>"
        for title, legend, value in rows
    )
    return (
        "<!doctype html><meta charset=utf-8><title>FTW executive summary: queries</title>"
        "<style>body{font:14px sans-serif;margin:16px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 10px;text-align:left}"
        "td:last-child{text-align:right}</style>"
        "<h3>FTW executive summary: every query against 61 days of synthetic history "
        f"(ending {end}, Unix time)</h3>"
        f"<table><tr><th>panel</th><th>series</th><th>value</th></tr>{cells}</table>"
    )


def main(output: str) -> None:
    """Answer every executive query over the synthetic history and screenshot the table."""
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        with history_prometheus(directory) as history:
            rows = executive_answers(history)
        page = directory / "executive-queries.html"
        page.write_text(render_html(rows, history.end))
        screenshot = REPO / "scripts" / "screenshot.sh"
        subprocess.run([str(screenshot), page.as_uri(), output], check=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/executive-queries.png")
