"""Alert timelines of marketplace outages, as promtool evaluates the committed rules.

Three outages of `job-posting-availability` alone (1,000 job posts a minute, evaluated by that
SLO's rule group), and one outage of job posting seen by the whole service: the same job posts
among 5,000 clean API requests a minute on other routes, evaluated by the rule groups of both
SLOs that count them (`job-posting-availability`, `api-availability`) and by the service's
threshold alerts (`MarketplaceHighErrorRatio`). The traffic and the rule groups are in
`tests.support.outage_series`. At every minute from just before the outage to the end,
promtool reports which alerts fire (Prometheus's `ALERTS`) and the recorded error and event
counts of each SLO that the engine reads.

An alert is named `<slo>/<tier>` when it is a burn-rate tier, else `<alertname>/<severity>`
(with its SLO between the two, if it has one).

The timelines are kept under `tests/ftw_observe/notify/timelines/` with a fingerprint of the
rule groups and the scenarios; a test fails when they are stale. Regenerate them with

    .venv/bin/python -m tests.support.outages

(about a minute and a half on two cores: promtool evaluates three days of one-minute steps per
scenario, the scenarios in parallel).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from ftw_observe.rules import names
from tests.support.outage_series import (
    HISTORY_MINUTES,
    JOB_POSTS,
    LEAD_MINUTES,
    REPO,
    Phase,
    Scenario,
    Stream,
    rule_groups,
    suite,
)
from tests.support.outage_series import fingerprint as fingerprint

TIMELINES = REPO / "tests" / "ftw_observe" / "notify" / "timelines"
COMMAND = ".venv/bin/python -m tests.support.outages"
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period")

SCENARIOS = (
    Scenario(
        "outage-15m",
        "a 15-minute total outage: every job post fails, then all succeed again",
        (Phase(15, 1.0),),
        after_minutes=7 * 60,
    ),
    Scenario(
        "intermittent-5-in-10",
        "intermittent errors for an hour: every job post fails 5 minutes out of every 10",
        tuple(Phase(5, ratio) for _ in range(6) for ratio in (1.0, 0.0)),
        after_minutes=7 * 60,
    ),
    Scenario(
        "slow-burn-7x",
        "a slow burn for 8 hours: 0.7 % of job posts fail (7 times the 99.9 % budget rate)",
        (Phase(8 * 60, 0.007),),
        after_minutes=60,
    ),
    Scenario(
        "service-outage-15m",
        "a 15-minute outage of job posting among the marketplace's other API traffic: every "
        "job post fails (1,000 a minute), 5,000 other API requests a minute succeed",
        (Phase(15, 1.0),),
        after_minutes=7 * 60,
        traffic=(
            JOB_POSTS,
            Stream("GET", "/api/jobs", 3000, "200", broken=False),
            Stream("POST", "/api/jobs/{job_id}/bids", 2000, "201", broken=False),
        ),
        slos=("job-posting-availability", "api-availability"),
        thresholds=True,
    ),
)

Counts = dict[str, dict[str, float]]  # per SLO, per window


@dataclass(frozen=True)
class Minute:
    """What promtool found at one minute, counted from the start of the outage."""

    at: int
    firing: tuple[str, ...]  # alerts Prometheus reports firing, by name (see `alert_name`)
    errors: Counts  # as the engine reads them
    events: Counts


@dataclass(frozen=True)
class Timeline:
    """A scenario's minutes, the labels of each alert, and the fingerprint of its inputs."""

    scenario: Scenario
    minutes: tuple[Minute, ...]
    alert_labels: dict[str, dict[str, str]]
    fingerprint: str


def alert_name(labels: Mapping[str, str]) -> str:
    """Return how timelines name an alert: `<slo>/<tier>`, else `<alertname>/[<slo>/]<severity>`.

    >>> alert_name({"alertname": "MarketplaceHighErrorRatio", "severity": "critical"})
    'MarketplaceHighErrorRatio/critical'
    """
    if labels.get("alertname") == names.BURN_ALERT:
        return f"{labels.get('slo')}/{labels.get('tier')}"
    parts = (labels.get("alertname", ""), labels.get("slo", ""), labels.get("severity", ""))
    return "/".join(part for part in parts if part)


_FOUND = re.compile(
    r"time: (?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?,\n\s+exp: .*\n\s+got: (.*)"
)
_SAMPLE = re.compile(r"\{([^}]*)\} ([-+0-9.E]+|NaN|[+-]Inf)")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse(output: str) -> tuple[list[Minute], dict[str, dict[str, str]]]:
    """Read promtool's failure report: per minute, the firing alerts and the recorded counts."""
    minutes, labels_of = [], {}
    for match in _FOUND.finditer(output):
        weeks, days, hours, mins, got = match.groups()
        days_total = int(weeks or 0) * 7 + int(days or 0)
        at = days_total * 1440 + int(hours or 0) * 60 + int(mins or 0) - HISTORY_MINUTES
        firing: list[str] = []
        counts: dict[str, Counts] = {"errors": {}, "events": {}}
        for sample in _SAMPLE.finditer(got):
            labels = dict(_LABEL.findall(sample.group(1)))
            name = labels.pop("__name__")
            if name == "ALERTS":
                labels.pop("alertstate")
                firing.append(alert_name(labels))
                labels_of[alert_name(labels)] = labels
                continue
            kind, _, suffix = name.removeprefix("ftw_slo:").partition(":")
            window = suffix.removeprefix("increase")
            counts[kind].setdefault(labels["slo"], {})[window] = float(sample.group(2))
        minutes.append(Minute(at, tuple(sorted(firing)), counts["errors"], counts["events"]))
    return sorted(minutes, key=lambda minute: minute.at), labels_of


def run_promtool(scenario: Scenario) -> Timeline:
    """Evaluate the rule groups over the scenario with promtool; return what it found."""
    executable = shutil.which("promtool")
    if executable is None:
        raise SystemExit("promtool is missing: install Debian's prometheus package")
    with tempfile.TemporaryDirectory(prefix="ftw-outage-") as directory:
        folder = Path(directory)
        (folder / "rules.yml").write_text(yaml.safe_dump({"groups": rule_groups(scenario)}))
        (folder / "suite.yml").write_text(yaml.safe_dump(suite(scenario), sort_keys=False))
        result = subprocess.run(
            [executable, "test", "rules", "suite.yml"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
    minutes, labels = parse(result.stdout + result.stderr)
    expected = LEAD_MINUTES + scenario.outage_minutes + scenario.after_minutes + 1
    if len(minutes) != expected:
        raise SystemExit(f"{scenario.name}: promtool reported {len(minutes)} of {expected} minutes")
    return Timeline(scenario, tuple(minutes), labels, fingerprint(scenario))


def path(scenario: Scenario) -> Path:
    """Return where a scenario's timeline is kept."""
    return TIMELINES / f"{scenario.name}.json"


def _row(counts: Counts) -> dict[str, list[float | None]]:
    return {slo: [values.get(window) for window in WINDOWS] for slo, values in counts.items()}


def dump(timeline: Timeline) -> str:
    """Return a timeline as compact, stable JSON: one line per minute."""
    scenario = timeline.scenario
    head = {
        "scenario": scenario.name,
        "description": scenario.description,
        "command": COMMAND,
        "fingerprint": timeline.fingerprint,
        "traffic_per_minute": {f"{s.method} {s.route}": s.per_minute for s in scenario.traffic},
        "broken": [f"{s.method} {s.route}" for s in scenario.traffic if s.broken],
        "rule_groups": list(scenario.groups),
        "windows": list(WINDOWS),
        "alert_labels": timeline.alert_labels,
    }
    rows = [
        json.dumps(
            {
                "at": minute.at,
                "firing": list(minute.firing),
                "errors": _row(minute.errors),
                "events": _row(minute.events),
            },
            separators=(",", ":"),
            sort_keys=True,
        )
        for minute in timeline.minutes
    ]
    body = json.dumps(head, indent=1, sort_keys=True)[:-2]
    return body + ',\n "minutes": [\n' + ",\n".join(rows) + "\n ]\n}\n"


def _counts(windows: list[str], row: dict[str, list[float | None]]) -> Counts:
    return {
        slo: {w: v for w, v in zip(windows, values, strict=True) if v is not None}
        for slo, values in row.items()
    }


def load(scenario: Scenario) -> Timeline:
    """Return a scenario's committed timeline."""
    document = json.loads(path(scenario).read_text(encoding="utf-8"))
    windows = document["windows"]
    minutes = tuple(
        Minute(
            row["at"],
            tuple(row["firing"]),
            _counts(windows, row["errors"]),
            _counts(windows, row["events"]),
        )
        for row in document["minutes"]
    )
    return Timeline(scenario, minutes, document["alert_labels"], document["fingerprint"])


def main() -> None:
    """Regenerate every timeline with promtool, in parallel."""
    TIMELINES.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=len(SCENARIOS)) as pool:
        for timeline in pool.map(run_promtool, SCENARIOS):
            path(timeline.scenario).write_text(dump(timeline), encoding="utf-8")
            print(f"wrote {path(timeline.scenario).relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
