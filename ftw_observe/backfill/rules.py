"""The rules whose past a backfill records, picked out of generated rule files.

The long burn-rate windows and the period's budget sum recorded 5-minute and 1-hour counts,
which Prometheus records only from the moment it loads the rules. Only the records fed by raw
counters can be evaluated over the past: the others read recorded series that do not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ftw_observe.durations import parse_duration
from ftw_observe.rules import names

# The raw-fed counts that the long windows and the period read back from storage.
PERIOD_RECORDS = frozenset(
    {
        "ftw_slo:errors:increase5m",
        "ftw_slo:events:increase5m",
        "ftw_slo:errors:increase1h",
        "ftw_slo:events:increase1h",
    }
)

RuleFile = dict[str, Any]


def period_rule_groups(
    rule_files: Iterable[Mapping[str, Any] | None], records: frozenset[str] = PERIOD_RECORDS
) -> RuleFile:
    """Return a rule file of the groups that record `records`, holding only those rules.

    `rule_files` are parsed Prometheus rule files; groups without such a rule are left out.
    """
    groups = []
    for rule_file in rule_files:
        for group in (rule_file or {}).get("groups") or []:
            rules = [rule for rule in group.get("rules") or [] if rule.get("record") in records]
            if rules:
                groups.append({"name": group["name"], "rules": rules})
    return {"groups": groups}


def load_rule_files(paths: Sequence[Path]) -> list[RuleFile | None]:
    """Parse Prometheus rule files; raise OSError or yaml.YAMLError."""
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in paths]


def spec_rule_files(paths: Sequence[Path]) -> list[RuleFile]:
    """Compile the SLO specs under `paths` into rule files, as `generate` does; raise SpecError."""
    from ftw_observe.rules.compile import compile_service
    from ftw_observe.spec.load import load_specs

    return [compile_service(item.spec) for item in load_specs(paths) if item.spec.slos]


def longest_period(rule_files: Iterable[Mapping[str, Any] | None]) -> int | None:
    """Return the longest SLO period, in seconds, that the rule files' metadata names."""
    periods = [
        parse_duration(rule["labels"]["period"])
        for rule_file in rule_files
        for group in (rule_file or {}).get("groups") or []
        for rule in group.get("rules") or []
        if rule.get("record") == names.INFO and "period" in (rule.get("labels") or {})
    ]
    return max(periods, default=None)


def count_rules(rule_file: Mapping[str, Any]) -> int:
    """Return how many rules a rule file holds."""
    return sum(len(group["rules"]) for group in rule_file["groups"])
