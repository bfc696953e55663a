"""Readiness and cost of generated rules in a test Prometheus, for benchmarks.

Readiness waits on what the generated rules produce from their first evaluations, whatever
the rule layout: every rule group evaluated without error, and the 5-minute counts of every
instance recorded. The cost is read from Prometheus' own /metrics: rule evaluation time per
second of wall time, missed group iterations and resident memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.prometheus import PrometheusServer

READY_SERIES = "ftw_slo:events:increase5m"


def missing(server: PrometheusServer, service: str, instances: int) -> list[str]:
    """Return what keeps the rules from being ready; empty once every instance is recorded."""
    groups = httpx.get(f"{server.url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    problems = []
    unevaluated = [g["name"] for g in groups if g.get("lastEvaluation", "").startswith("0001")]
    if unevaluated:
        problems.append(f"{len(unevaluated)} of {len(groups)} rule groups never evaluated")
    failing = [
        f"{group['name']}/{rule.get('name', '?')}: {rule.get('lastError', '')}"
        for group in groups
        for rule in group["rules"]
        if rule.get("health") == "err"
    ]
    if failing:
        problems.append(f"{len(failing)} rules failing, first: {failing[0]}")
    found = server.query(f'count({READY_SERIES}{{service="{service}"}})')
    recorded = int(float(found[0]["value"][1])) if found else 0
    if recorded < instances:
        problems.append(f"{READY_SERIES} recorded for {recorded} of {instances} instances")
    return problems


def wait_ready(server: PrometheusServer, service: str, instances: int, timeout: float) -> float:
    """Wait until the rules are ready; return the seconds it took, or exit naming what lacks."""
    started = time.monotonic()
    while True:
        problems = missing(server, service, instances)
        if not problems:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise SystemExit(f"rules not ready after {timeout:.0f} s: " + "; ".join(problems))
        time.sleep(1)


@dataclass(frozen=True)
class PrometheusCost:
    """Prometheus' own figures at one moment."""

    evaluation_seconds_per_second: float  # sum over groups of last duration / interval
    missed_iterations: float  # total so far, over every group
    resident_bytes: float
    groups: int


def cost(server: PrometheusServer) -> PrometheusCost:
    """Read rule evaluation load, missed iterations and memory from Prometheus' /metrics."""
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    durations: dict[str, float] = {}
    intervals: dict[str, float] = {}
    missed = rss = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            group = sample.labels.get("rule_group", "")
            if sample.name == "prometheus_rule_group_last_duration_seconds":
                durations[group] = sample.value
            elif sample.name == "prometheus_rule_group_interval_seconds":
                intervals[group] = sample.value
            elif sample.name == "prometheus_rule_group_iterations_missed_total":
                missed += sample.value
            elif sample.name == "process_resident_memory_bytes":
                rss = sample.value
    load = sum(durations[g] / intervals[g] for g in durations if intervals.get(g))
    return PrometheusCost(load, missed, rss, len(durations))
