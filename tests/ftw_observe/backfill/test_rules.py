"""The rules a backfill records: raw-fed 5-minute and 1-hour counts, out of any rule layout."""

from __future__ import annotations

from pathlib import Path

import yaml

from ftw_observe.backfill.rules import (
    PERIOD_RECORDS,
    count_rules,
    longest_period,
    period_rule_groups,
    spec_rule_files,
)

ROOT = Path(__file__).resolve().parents[3]


def test_only_the_period_recording_rules_are_recorded_again() -> None:
    errors = {"record": "ftw_slo:errors:increase5m", "expr": "sum(e)"}
    events = {"record": "ftw_slo:events:increase5m", "expr": "sum(v)"}
    hourly = {"record": "ftw_slo:events:increase1h", "expr": "sum(v1h)"}
    ratio = {"record": "ftw_slo:error_ratio:rate5m", "expr": "e / v"}
    derived = {"record": "ftw_slo:errors:history6h", "expr": "sum_over_time(x[5h:5m] offset 1h)"}
    alert = {"alert": "Burn", "expr": "x > 1"}
    rule_files = [
        {"groups": [{"name": "a", "interval": "30s", "rules": [errors, ratio, alert, events]}]},
        {"groups": [{"name": "a-history", "interval": "1m", "rules": [derived]}]},
        {"groups": [{"name": "thresholds", "rules": [alert]}]},
        None,  # an empty file
        {"groups": [{"name": "b", "rules": [events, hourly]}]},
    ]
    assert period_rule_groups(rule_files) == {
        "groups": [
            {"name": "a", "rules": [errors, events]},
            {"name": "b", "rules": [events, hourly]},
        ]
    }


def test_every_slo_of_the_generated_rules_records_its_period_series() -> None:
    rule_files = [yaml.safe_load(p.read_text()) for p in sorted(ROOT.glob("alerts/*.rules.yml"))]
    groups = period_rule_groups(rule_files)["groups"]
    slo_groups = [
        g["name"]
        for f in rule_files
        for g in f["groups"]
        if g["name"].startswith("ftw-slo-") and not g["name"].endswith("-history")
    ]
    assert [group["name"] for group in groups] == slo_groups
    for group in groups:
        recorded = {rule["record"] for rule in group["rules"]}
        assert recorded <= PERIOD_RECORDS
        assert {"ftw_slo:errors:increase5m", "ftw_slo:events:increase5m"} <= recorded


def test_no_selected_rule_reads_a_recorded_series() -> None:
    rule_files = spec_rule_files([ROOT / "slo"])
    history = period_rule_groups(rule_files)
    assert count_rules(history) >= 2 * len(history["groups"])
    for group in history["groups"]:
        for rule in group["rules"]:
            assert "ftw_slo:" not in rule["expr"], rule


def test_the_longest_period_comes_from_the_slo_metadata() -> None:
    info = {"record": "ftw_slo_info", "expr": "vector(1)", "labels": {"period": "28d"}}
    longer = {"record": "ftw_slo_info", "expr": "vector(1)", "labels": {"period": "30d"}}
    rule_files = [{"groups": [{"name": "a", "rules": [info]}, {"name": "b", "rules": [longer]}]}]
    assert longest_period(rule_files) == 30 * 86400
    assert longest_period([{"groups": [{"name": "t", "rules": [{"alert": "X"}]}]}]) is None
    assert longest_period(spec_rule_files([ROOT / "slo"])) is not None
