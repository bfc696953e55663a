"""The rules a backfill records: every SLO's parts, counted over the raw counters.

The long burn-rate windows and the period add up recorded counts of shorter windows (1h, 2h,
6h, 1d) and their coverage, which Prometheus records only from the moment it loads the rules.
Over the days before, each part is counted over the raw counters instead: the same count, and
what `promtool tsdb create-blocks-from rules` can evaluate (see `ftw_observe.rules.windows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ftw_observe.rules.windows import backfill_groups
from ftw_observe.spec.model import ServiceSpec

RuleFile = dict[str, Any]


def history_rule_file(services: Sequence[ServiceSpec]) -> RuleFile:
    """Return the rule file a backfill evaluates: one group per SLO of `services`."""
    return backfill_groups(list(services))


def load_services(paths: Sequence[Path]) -> list[ServiceSpec]:
    """Return the specs under `paths` that hold SLOs, as `generate` reads them; raise SpecError."""
    from ftw_observe.spec.load import load_specs

    return [item.spec for item in load_specs(paths) if item.spec.slos]


def longest_period(services: Iterable[ServiceSpec]) -> int | None:
    """Return the longest SLO period, in seconds, among the specs."""
    return max((slo.period for service in services for slo in service.slos), default=None)


def count_rules(rule_file: Mapping[str, Any]) -> int:
    """Return how many rules a rule file holds."""
    return sum(len(group["rules"]) for group in rule_file["groups"])
