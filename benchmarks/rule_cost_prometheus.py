"""Prometheus side of the rule-cost benchmark: backfill, compaction, rule group timings."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from rule_cost_traffic import History  # a sibling, on sys.path when run

from tests.support.prometheus import PrometheusServer

CYCLE = 30.0  # seconds: scrape and evaluation interval, and the unit of the cost figure
Costs = dict[str, float]


def wait_until(check: Callable[[], object], seconds: float, what: str, pause: float = 1.0) -> None:
    """Call `check` until it is true; exit naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(pause)


def promtool_rules(server: PrometheusServer, rules: Path, history: History, out: Path) -> None:
    """Evaluate `rules` over the history with promtool, against `server`, into `out`."""
    done = subprocess.run(
        [
            shutil.which("promtool") or "promtool",
            "tsdb",
            "create-blocks-from",
            "rules",
            "-q",
            f"--url={server.url}",
            f"--start={history.start}",
            f"--end={history.end}",
            "--eval-interval=5m",
            f"--output-dir={out}",
            str(rules),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"promtool rules backfill failed: {done.stderr[-2000:]}")


def metrics(server: PrometheusServer) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Return Prometheus's own metrics: sample name to (labels, value) pairs."""
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def total(found: dict[str, list[tuple[dict[str, str], float]]], name: str) -> float:
    """Return the sum of a metric's samples."""
    return sum(value for _, value in found.get(name, []))


def wait_compacted(server: PrometheusServer) -> None:
    """Wait until the TSDB has compacted the backfilled blocks, so it does not during the run."""
    wait_until(
        lambda: total(metrics(server), "prometheus_tsdb_compactions_triggered_total") >= 1,
        150,
        "the first compaction",
    )
    # One compaction pass merges every overlapping and fillable range, block by block: done
    # once no block is being written and the counters hold still for three polls.
    before: tuple[float, ...] = ()
    quiet = 0
    deadline = time.monotonic() + 900
    while quiet < 3:
        if time.monotonic() > deadline:
            raise RuntimeError("timed out waiting for compaction to finish")
        time.sleep(2)
        found = metrics(server)
        now = (
            total(found, "prometheus_tsdb_compactions_total"),
            total(found, "prometheus_tsdb_blocks_loaded"),
        )
        writing = total(found, "prometheus_tsdb_compaction_populating_block") > 0
        quiet = quiet + 1 if now == before and not writing else 0
        before = now


def rule_groups(server: PrometheusServer) -> dict[str, dict[str, Any]]:
    """Return every rule group's state from /api/v1/rules, by name."""
    response = httpx.get(f"{server.url}/api/v1/rules", timeout=10)
    response.raise_for_status()
    return {group["name"]: group for group in response.json()["data"]["groups"]}


def side(group: str) -> str:
    """Return which rule set a group belongs to."""
    return "ftw" if group.startswith("ftw-") else "sloth"


def measure(server: PrometheusServer, warmup: int, evaluations: int) -> list[Costs]:
    """Return each group's rule seconds per 30 s, once per evaluation of every 30 s group.

    A group evaluated less often counts in proportion: its last duration x 30 / its interval.
    """
    previous: dict[str, str] = {}
    costs: list[Costs] = []
    while len(costs) < warmup + evaluations:
        time.sleep(2)
        groups = rule_groups(server)
        every = {name: group["lastEvaluation"] for name, group in groups.items()}
        fast = [name for name, group in groups.items() if group["interval"] <= CYCLE]
        if any(
            every[name].startswith("0001") or every[name] == previous.get(name) for name in fast
        ):
            continue
        cost = {
            name: group["evaluationTime"] * CYCLE / group["interval"]
            for name, group in groups.items()
        }
        if previous:
            costs.append(cost)
        previous = every
    return costs[warmup:]


def missed(server: PrometheusServer) -> dict[str, float]:
    """Return each side's missed rule group iterations."""
    found = {"ftw": 0.0, "sloth": 0.0}
    for labels, value in metrics(server).get("prometheus_rule_group_iterations_missed_total", []):
        found[side(labels["rule_group"].rsplit(";", 1)[-1])] += value
    return found


def per_side(cost: Costs) -> Costs:
    """Return the sum of the groups' costs on each side."""
    sides = {"ftw": 0.0, "sloth": 0.0}
    for name, seconds in cost.items():
        sides[side(name)] += seconds
    return sides
