"""The traffic of an outage scenario as promtool input, and the rule groups it is evaluated by.

A scenario is marketplace traffic on one or more routes, three days of clean history so that
every window up to 3d is full, then the outage (phases in which the broken routes fail a share
of their requests), then clean traffic long enough for every alert to resolve. Counts are per
minute and round, so every recorded count is whole. The committed rule groups the scenario
names (SLO groups of `alerts/marketplace.rules.yml`, threshold groups of
`alerts/thresholds.rules.yml`) are evaluated over it minute by minute.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ftw_observe.rules import names

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = (REPO / "alerts" / "marketplace.rules.yml", REPO / "alerts" / "thresholds.rules.yml")
SERVICE = "marketplace"
HISTORY_MINUTES = 3 * 24 * 60  # fills the 3d window with clean traffic
LEAD_MINUTES = 5  # recorded before the outage starts
SERIES = 'http_requests_total{{job="marketplace",route="{}",method="{}",status="{}"}}'
FAILED_STATUS = "500"


@dataclass(frozen=True)
class Phase:
    """Some minutes of traffic with a constant share of failed requests (1.0: all fail)."""

    minutes: int
    error_ratio: float


@dataclass(frozen=True)
class Stream:
    """Requests on one route, a round number a minute; the outage fails them if `broken`."""

    method: str
    route: str
    per_minute: int
    status: str  # of a request that succeeds
    broken: bool = True


JOB_POSTS = Stream("POST", "/api/jobs", 1000, "201")


@dataclass(frozen=True)
class Scenario:
    """An outage: its traffic, its phases after the clean history, and what evaluates it."""

    name: str
    description: str
    phases: tuple[Phase, ...]
    after_minutes: int  # clean traffic recorded after the last phase
    traffic: tuple[Stream, ...] = (JOB_POSTS,)
    slos: tuple[str, ...] = ("job-posting-availability",)  # of SERVICE, whose groups evaluate
    thresholds: bool = False  # the service's threshold group evaluates too

    @property
    def outage_minutes(self) -> int:
        """Return how long the phases last."""
        return sum(phase.minutes for phase in self.phases)

    @property
    def groups(self) -> tuple[str, ...]:
        """Return the names of the committed rule groups that evaluate the scenario."""
        main = tuple(f"ftw-slo-{SERVICE}-{slo}" for slo in self.slos)
        # Each budget group after the main groups, whose windows it adds up into the period.
        found = (*main, *(f"{group}-budget" for group in main))
        return (*found, f"ftw-thresholds-{SERVICE}") if self.thresholds else found


def _values(increments: list[tuple[int, int]]) -> str:
    """Return promtool's expanding notation for a counter from 0 growing by (amount, minutes)."""
    parts, total = ["0"], 0
    for amount, minutes in increments:
        if minutes <= 0:
            continue
        parts.append(f"{total + amount}+{amount}x{minutes - 1}")
        total += amount * minutes
    return " ".join(parts)


def input_series(scenario: Scenario) -> list[dict[str, str]]:
    """Return promtool's input series: per stream its successes, and its failures if broken."""
    found = []
    for stream in scenario.traffic:
        good = [(stream.per_minute, HISTORY_MINUTES)]
        bad = [(0, HISTORY_MINUTES)]
        for phase in scenario.phases:
            failed = round(stream.per_minute * phase.error_ratio) if stream.broken else 0
            good.append((stream.per_minute - failed, phase.minutes))
            bad.append((failed, phase.minutes))
        good.append((stream.per_minute, scenario.after_minutes))
        bad.append((0, scenario.after_minutes))
        series = SERIES.format(stream.route, stream.method, stream.status)
        found.append({"series": series, "values": _values(good)})
        if stream.broken:
            errors = SERIES.format(stream.route, stream.method, FAILED_STATUS)
            found.append({"series": errors, "values": _values(bad)})
    return found


def rule_groups(scenario: Scenario) -> list[dict[str, Any]]:
    """Return the committed rule groups that evaluate the scenario, in its order."""
    committed = {
        group["name"]: dict(group)
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    }
    return [committed[name] for name in scenario.groups]


# Every alert that fires, and every count the engine reads, of the groups evaluated; but not
# the budget exhausted: three days of history stand for the 30-day period, so a budget looks
# spent ten times too soon, and the alert would fire for what only the shortened history did.
QUERY = (
    f'ALERTS{{alertstate="firing",alertname!="{names.EXHAUSTED_ALERT}"}}'
    ' or {__name__=~"ftw_slo:(errors|events):.+"}'
)


def fingerprint(scenario: Scenario) -> str:
    """Return a digest of what a timeline depends on: the rule groups and the scenario."""
    inputs = {
        "rules": rule_groups(scenario),
        "series": input_series(scenario),
        "lead": LEAD_MINUTES,
        "query": QUERY,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def suite(scenario: Scenario) -> dict[str, Any]:
    """Return a promtool unit-test file that fails at every minute, printing what it found."""
    start = HISTORY_MINUTES - LEAD_MINUTES
    end = HISTORY_MINUTES + scenario.outage_minutes + scenario.after_minutes
    return {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "group_eval_order": list(scenario.groups),
        "tests": [
            {
                "interval": "1m",
                "input_series": input_series(scenario),
                "promql_expr_test": [
                    {"expr": QUERY, "eval_time": f"{minute}m", "exp_samples": []}
                    for minute in range(start, end + 1)
                ],
            }
        ],
    }
