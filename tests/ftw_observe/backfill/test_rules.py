"""The rules a backfill records: every SLO's parts, counted over the raw counters."""

from __future__ import annotations

from pathlib import Path

from ftw_observe.backfill.rules import (
    count_rules,
    history_rule_file,
    load_services,
    longest_period,
)

ROOT = Path(__file__).resolve().parents[3]


def test_every_slo_gets_one_group_of_its_parts() -> None:
    services = load_services([ROOT / "slo"])
    history = history_rule_file(services)
    names = [slo.name for service in services for slo in service.slos]
    assert [group["name"] for group in history["groups"]] == [
        f"ftw-slo-marketplace-{name}-backfill" for name in names
    ]
    recorded = {rule["record"] for rule in history["groups"][0]["rules"]}
    assert "ftw_slo:events:increase1d" in recorded
    assert "ftw_slo:coverage:window6h" in recorded
    assert count_rules(history) >= 8 * len(history["groups"])


def test_no_backfill_rule_reads_a_recorded_series() -> None:
    history = history_rule_file(load_services([ROOT / "slo"]))
    for group in history["groups"]:
        for rule in group["rules"]:
            assert "ftw_slo:" not in rule["expr"], rule


def test_the_longest_period_comes_from_the_specs() -> None:
    services = load_services([ROOT / "slo"])
    assert longest_period(services) == 30 * 86400
    assert longest_period([]) is None
