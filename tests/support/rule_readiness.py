"""Readiness and cost of generated rules in a test Prometheus, for benchmarks.

Readiness waits on what the generated rules produce from their first evaluations, whatever
the rule layout: every rule group evaluated, none failing, and the 5-minute counts of every
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
    try:
        own = _own_metrics(server)
        found = server.query(f'count({READY_SERIES}{{service="{service}"}})')
    except httpx.HTTPError as error:
        return [f"Prometheus did not answer: {type(error).__name__}"]
    problems = []
    evaluated = own.get("prometheus_rule_group_last_evaluation_timestamp_seconds", {})
    never = [group for group, at in evaluated.items() if at <= 0]
    if not evaluated or never:
        problems.append(f"{len(never)} of {len(evaluated)} rule groups never evaluated")
    failures = own.get("prometheus_rule_evaluation_failures_total", {})
    failing = sorted(group for group, count in failures.items() if count > 0)
    if failing:
        problems.append(f"rule evaluations failing in {len(failing)} groups, first {failing[0]}")
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


def _own_metrics(server: PrometheusServer) -> dict[str, dict[str, float]]:
    """Return Prometheus' own rule group and process metrics: name → rule group → value."""
    text = httpx.get(f"{server.url}/metrics", timeout=30).text
    found: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith(("prometheus_rule_", "process_")):
                group = sample.labels.get("rule_group", "")
                values = found.setdefault(sample.name, {})
                values[group] = values.get(group, 0.0) + sample.value
    return found


@dataclass(frozen=True)
class PrometheusCost:
    """Prometheus' own figures at one moment."""

    evaluation_seconds_per_second: float  # sum over groups of last duration / interval
    missed_iterations: float  # total so far, over every group
    resident_bytes: float
    groups: int
    cpu_seconds: float  # the process's CPU time so far


def cost(server: PrometheusServer) -> PrometheusCost:
    """Read rule evaluation load, missed iterations and memory from Prometheus' /metrics."""
    own = _own_metrics(server)
    durations = own.get("prometheus_rule_group_last_duration_seconds", {})
    intervals = own.get("prometheus_rule_group_interval_seconds", {})
    load = sum(durations[g] / intervals[g] for g in durations if intervals.get(g))
    missed = sum(own.get("prometheus_rule_group_iterations_missed_total", {}).values())
    rss = sum(own.get("process_resident_memory_bytes", {}).values())
    cpu = sum(own.get("process_cpu_seconds_total", {}).values())
    return PrometheusCost(load, missed, rss, len(durations), cpu)


def rule_costs(server: PrometheusServer) -> dict[str, tuple[int, float]]:
    """Return, per rule name, how many rules have it and their evaluation seconds per second.

    Prometheus reports each rule's last evaluation time in /api/v1/rules; a recorded long
    window that adds up shorter ones is named apart, "(added up)".
    """
    groups = httpx.get(f"{server.url}/api/v1/rules", timeout=60).json()["data"]["groups"]
    costs: dict[str, tuple[int, float]] = {}
    for group in groups:
        interval = float(group["interval"]) or 1.0
        for rule in group["rules"]:
            name = rule["name"]
            if rule["type"] == "recording" and " offset " in rule["query"]:
                name += " (added up)"
            count, seconds = costs.get(name, (0, 0.0))
            costs[name] = (count + 1, seconds + float(rule["evaluationTime"]) / interval)
    return costs
