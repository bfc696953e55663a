"""Alert timelines of three outages of `job-posting-availability`, as promtool evaluates them.

Each scenario is traffic on `POST /api/jobs` (1,000 posts a minute: the ratios, not the rate,
decide when tiers fire; a round rate keeps every count whole), three days of clean history
so that every window up to 3d is full, then the outage, then clean traffic long enough for
every tier to resolve. promtool evaluates the committed rule group of the SLO minute by minute
and, at every minute from just before the outage to the end, reports which burn-rate tiers
fire (Prometheus's `ALERTS`) and the recorded error and event counts the engine reads.

The timelines are kept under `tests/ftw_observe/notify/timelines/` with a fingerprint of the
rule group and the scenarios; a test fails when they are stale. Regenerate them with

    .venv/bin/python -m tests.support.outages

(about a minute and a half on two cores: promtool evaluates three days of one-minute steps
per scenario, the three in parallel).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ftw_observe.rules import names

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "alerts" / "marketplace.rules.yml"
TIMELINES = REPO / "tests" / "ftw_observe" / "notify" / "timelines"
COMMAND = ".venv/bin/python -m tests.support.outages"

SERVICE, SLO = "marketplace", "job-posting-availability"
GROUP = f"ftw-slo-{SERVICE}-{SLO}"
SERIES = 'http_requests_total{{job="marketplace",route="/api/jobs",method="POST",status="{}"}}'
PER_MINUTE = 1000
HISTORY_MINUTES = 3 * 24 * 60  # fills the 3d window with clean traffic
LEAD_MINUTES = 5  # recorded before the outage starts
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period")


@dataclass(frozen=True)
class Phase:
    """Some minutes of traffic with a constant share of failed posts (1.0: all fail)."""

    minutes: int
    error_ratio: float


@dataclass(frozen=True)
class Scenario:
    """An outage: its phases after the clean history, and how long clean traffic follows."""

    name: str
    description: str
    phases: tuple[Phase, ...]
    after_minutes: int  # clean traffic recorded after the last phase

    @property
    def outage_minutes(self) -> int:
        """Return how long the phases last."""
        return sum(phase.minutes for phase in self.phases)


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
)


@dataclass(frozen=True)
class Minute:
    """What promtool found at one minute, counted from the start of the outage."""

    at: int
    firing: tuple[str, ...]  # tiers Prometheus reports firing
    errors: dict[str, float]  # per window, as the engine reads them
    events: dict[str, float]


@dataclass(frozen=True)
class Timeline:
    """A scenario's minutes, the labels of each tier's alert, and the fingerprint of its inputs."""

    scenario: Scenario
    minutes: tuple[Minute, ...]
    alert_labels: dict[str, dict[str, str]]
    fingerprint: str


def _values(increments: list[tuple[int, int]]) -> str:
    """Return promtool's expanding notation for a counter from 0 growing by (amount, minutes)."""
    parts, total = ["0"], 0
    for amount, minutes in increments:
        if minutes <= 0:
            continue
        parts.append(f"{total + amount}+{amount}x{minutes - 1}")
        total += amount * minutes
    return " ".join(parts)


def _input_series(scenario: Scenario) -> list[dict[str, str]]:
    good = [(PER_MINUTE, HISTORY_MINUTES)]
    bad = [(0, HISTORY_MINUTES)]
    for phase in scenario.phases:
        failed = round(PER_MINUTE * phase.error_ratio)
        good.append((PER_MINUTE - failed, phase.minutes))
        bad.append((failed, phase.minutes))
    good.append((PER_MINUTE, scenario.after_minutes))
    bad.append((0, scenario.after_minutes))
    return [
        {"series": SERIES.format("201"), "values": _values(good)},
        {"series": SERIES.format("500"), "values": _values(bad)},
    ]


def rule_group() -> dict[str, Any]:
    """Return the committed rule group of the SLO the scenarios break."""
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    (group,) = [g for g in document["groups"] if g["name"] == GROUP]
    return dict(group)


def fingerprint(scenario: Scenario) -> str:
    """Return a digest of what a timeline depends on: the rule group and the scenario."""
    inputs = {"rules": rule_group(), "series": _input_series(scenario), "lead": LEAD_MINUTES}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


QUERY = (
    f'ALERTS{{alertname="{names.BURN_ALERT}",alertstate="firing",slo="{SLO}"}}'
    f' or {{__name__=~"ftw_slo:(errors|events):.+",slo="{SLO}"}}'
)


def suite(scenario: Scenario) -> dict[str, Any]:
    """Return a promtool unit-test file that fails at every minute, printing what it found."""
    start = HISTORY_MINUTES - LEAD_MINUTES
    end = HISTORY_MINUTES + scenario.outage_minutes + scenario.after_minutes
    return {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": _input_series(scenario),
                "promql_expr_test": [
                    {"expr": QUERY, "eval_time": f"{minute}m", "exp_samples": []}
                    for minute in range(start, end + 1)
                ],
            }
        ],
    }


_FOUND = re.compile(
    r"time: (?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?,\n\s+exp: .*\n\s+got: (.*)"
)
_SAMPLE = re.compile(r"\{([^}]*)\} ([-+0-9.E]+|NaN|[+-]Inf)")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse(output: str) -> tuple[list[Minute], dict[str, dict[str, str]]]:
    """Read promtool's failure report: per minute, the firing tiers and the recorded counts."""
    minutes, labels_of = [], {}
    for match in _FOUND.finditer(output):
        weeks, days, hours, mins, got = match.groups()
        days_total = int(weeks or 0) * 7 + int(days or 0)
        at = days_total * 1440 + int(hours or 0) * 60 + int(mins or 0) - HISTORY_MINUTES
        firing: list[str] = []
        errors: dict[str, float] = {}
        events: dict[str, float] = {}
        for sample in _SAMPLE.finditer(got):
            labels = dict(_LABEL.findall(sample.group(1)))
            name = labels.pop("__name__")
            if name == "ALERTS":
                labels.pop("alertstate")
                firing.append(labels["tier"])
                labels_of[labels["tier"]] = labels
                continue
            kind, _, suffix = name.removeprefix("ftw_slo:").partition(":")
            window = suffix.removeprefix("increase")
            (errors if kind == "errors" else events)[window] = float(sample.group(2))
        minutes.append(Minute(at, tuple(sorted(firing)), errors, events))
    return sorted(minutes, key=lambda minute: minute.at), labels_of


def run_promtool(scenario: Scenario) -> Timeline:
    """Evaluate the rule group over the scenario with promtool; return what it found."""
    executable = shutil.which("promtool")
    if executable is None:
        raise SystemExit("promtool is missing: install Debian's prometheus package")
    with tempfile.TemporaryDirectory(prefix="ftw-outage-") as directory:
        folder = Path(directory)
        (folder / "rules.yml").write_text(yaml.safe_dump({"groups": [rule_group()]}))
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


def dump(timeline: Timeline) -> str:
    """Return a timeline as compact, stable JSON: one line per minute."""
    scenario = timeline.scenario
    head = {
        "scenario": scenario.name,
        "description": scenario.description,
        "command": COMMAND,
        "fingerprint": timeline.fingerprint,
        "posts_per_minute": PER_MINUTE,
        "windows": list(WINDOWS),
        "alert_labels": timeline.alert_labels,
    }
    rows = [
        json.dumps(
            {
                "at": minute.at,
                "firing": list(minute.firing),
                "errors": [minute.errors.get(window) for window in WINDOWS],
                "events": [minute.events.get(window) for window in WINDOWS],
            },
            separators=(",", ":"),
        )
        for minute in timeline.minutes
    ]
    body = json.dumps(head, indent=1, sort_keys=True)[:-2]
    return body + ',\n "minutes": [\n' + ",\n".join(rows) + "\n ]\n}\n"


def load(scenario: Scenario) -> Timeline:
    """Return a scenario's committed timeline."""
    document = json.loads(path(scenario).read_text(encoding="utf-8"))
    windows = document["windows"]
    minutes = tuple(
        Minute(
            row["at"],
            tuple(row["firing"]),
            {w: v for w, v in zip(windows, row["errors"], strict=True) if v is not None},
            {w: v for w, v in zip(windows, row["events"], strict=True) if v is not None},
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
