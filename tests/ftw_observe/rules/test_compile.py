"""Golden tests: spec to rules for each SLI kind, grouping and Sloth compatibility.

Refresh the expected files after an intended change with
`UPDATE_GOLDEN=1 pytest tests/ftw_observe/rules/test_compile.py`, then review the diff.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftw_observe.rules.compile import compile_service
from ftw_observe.rules.render import render_yaml
from ftw_observe.spec.load import load_specs

DATA = Path(__file__).parent / "data"
CASES = sorted(path.stem for path in DATA.glob("*.yaml") if not path.name.endswith(".rules.yml"))


def compiled(case: str) -> str:
    item = load_specs([DATA / f"{case}.yaml"])[0]
    return render_yaml(compile_service(item.spec), f"{case}.yaml")


def rules_of(case: str) -> list[dict[str, Any]]:
    document = yaml.safe_load(compiled(case))
    return [rule for group in document["groups"] for rule in group["rules"]]


@pytest.mark.parametrize("case", CASES)
def test_rules_match_the_golden_file(case: str) -> None:
    golden = DATA / f"{case}.rules.yml"
    text = compiled(case)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


@pytest.mark.parametrize("case", CASES)
def test_golden_rules_pass_promtool(case: str) -> None:
    result = subprocess.run(
        ["promtool", "check", "rules", str(DATA / f"{case}.rules.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compiling_twice_gives_identical_text() -> None:
    assert compiled("raw") == compiled("raw")


def test_good_events_become_errors_without_going_negative() -> None:
    rules = rules_of("ratio-good")
    errors = next(r for r in rules if r.get("record") == "ftw_slo:errors:increase1h")
    # The events are the ones recorded a rule earlier, not the raw counter read a second time.
    assert errors["expr"].startswith(
        'clamp_min(sum (ftw_slo:events:increase1h{service="checkout",slo="success"}) - '
    )
    assert 'checkout_total{outcome="ok"}[1h]' in errors["expr"]


def test_seven_day_factors_and_overrides_reach_the_alerts() -> None:
    alerts = [r for r in rules_of("ratio-good") if r.get("alert") == "SLOErrorBudgetBurn"]
    assert [a["labels"]["tier"] for a in alerts] == ["page-1h", "page-6h", "ticket-1d"]
    page = alerts[0]
    assert page["expr"] == (
        'ftw_slo:errors:increase1h{service="checkout",slo="success"} / '
        '(ftw_slo:events:increase1h{service="checkout",slo="success"} > 0) / 0.005 > 3.36 and '
        'ftw_slo:errors:increase5m{service="checkout",slo="success"} / '
        '(ftw_slo:events:increase5m{service="checkout",slo="success"} > 0) / 0.005 > 3.36 and '
        'ftw_slo:events:increase1h{service="checkout",slo="success"} >= 50 and '
        'ftw_slo:errors:increase1h{service="checkout",slo="success"} >= 3'
    )
    assert page["for"] == "2m"
    assert page["labels"]["severity"] == "critical"
    assert page["labels"]["pager"] == "payments"
    assert page["labels"]["env"] == "prod"
    assert page["annotations"]["playbook"] == "checkout"
    assert page["annotations"]["runbook_url"] == "https://runbooks.example/checkout/success"
    assert "for" not in alerts[1]


def test_a_grouped_slo_sums_by_its_labels_and_names_the_instance() -> None:
    rules = rules_of("latency-grouped")
    events = next(r for r in rules if r.get("record") == "ftw_slo:events:increase5m")
    assert events["expr"].startswith("sum by (route, method) (increase(")
    page = next(r for r in rules if r.get("alert") == "SLOErrorBudgetBurn")
    notes = page["annotations"]
    assert "(route={{ $labels.route }}, method={{ $labels.method }})" in notes["summary"]
    assert 'route=%[1]q,method=%[2]q}" $labels.route $labels.method' in notes["remaining_budget"]


def test_a_bucket_threshold_matches_both_le_spellings() -> None:
    rules = rules_of("latency-grouped")
    errors = next(r for r in rules if r.get("record") == "ftw_slo:errors:increase5m")
    assert 'http_request_duration_seconds_bucket{job="api",le="0.25"}' in errors["expr"]


def test_twenty_eight_days_recompute_the_factors() -> None:
    alerts = [r for r in rules_of("latency-grouped") if r.get("alert") == "SLOErrorBudgetBurn"]
    thresholds = [a["annotations"]["burn_rate_threshold"] for a in alerts]
    assert thresholds == ["13.44", "5.6", "2.8", "0.9333"]
    assert alerts[3]["expr"].count("> (14 / 15)") == 2


def test_the_period_adds_up_its_days_and_weights_every_event() -> None:
    rules = {r["record"]: r["expr"] for r in rules_of("latency-grouped") if "record" in r}
    day = 'ftw_slo:errors:increase1d{service="api",slo="latency"}'
    assert rules["ftw_slo:errors:period"].startswith(f"{day} + ({day} offset 1d or 0 * {day}) + ")
    assert rules["ftw_slo:errors:period"].endswith(f"({day} offset 27d or 0 * {day})")
    assert rules["ftw_slo:errors:period"].count(" offset ") == 27
    assert rules["ftw_slo:error_ratio:period"] == (
        'ftw_slo:errors:period{service="api",slo="latency"} / '
        '(ftw_slo:events:period{service="api",slo="latency"} > 0)'
    )


def test_a_long_window_adds_up_the_longest_shorter_window_that_divides_it() -> None:
    rules = {r["record"]: r["expr"] for r in rules_of("latency-grouped") if "record" in r}
    part = 'ftw_slo:events:increase2h{service="api",slo="latency"}'
    assert rules["ftw_slo:events:increase6h"] == (
        f"{part} + ({part} offset 2h or 0 * {part}) + ({part} offset 4h or 0 * {part})"
    )


def test_no_window_reads_the_raw_total_twice() -> None:
    for case in ("latency-grouped", "ratio-good"):
        for rule in rules_of(case):
            expr = rule.get("expr", "")
            assert expr.count("increase(") <= 2, (case, rule.get("record"), expr)
            if "or 0 *" in expr and "increase(" in expr:
                fallback = expr.split("or 0 *", 1)[1]
                assert "increase(" not in fallback, (case, rule.get("record"), expr)


def test_the_budget_group_runs_every_minute_after_the_main_group() -> None:
    groups = yaml.safe_load(compiled("latency-grouped"))["groups"]
    assert [g["name"] for g in groups] == ["ftw-slo-api-latency", "ftw-slo-api-latency-budget"]
    assert "interval" not in groups[0]
    assert groups[1]["interval"] == "1m"
    budget = [r.get("record") or r.get("alert") for r in groups[1]["rules"]]
    assert "ftw_slo:error_budget_remaining:ratio" in budget
    assert "SLOErrorBudgetExhausted" in budget
    main = [r.get("record") or r.get("alert") for r in groups[0]["rules"]]
    assert "ftw_slo:burn_rate:rate3d" in main
    assert "SLOErrorBudgetBurn" in main


def test_the_period_coverage_averages_the_days_of_hourly_step_counts() -> None:
    rules = {r["record"]: r["expr"] for r in rules_of("latency-grouped") if "record" in r}
    assert rules["ftw_slo:coverage:window1h"] == (
        'clamp_max(count_over_time(ftw_slo:events:increase5m{service="api",slo="latency"}'
        "[59m59s999ms:5m]) / 12, 1)"
    )
    assert rules["ftw_slo:period:coverage"].endswith(") / 28")


def test_a_raw_ratio_sli_has_its_coverage_from_the_five_minute_ratio() -> None:
    rules = [r for r in rules_of("raw") if r.get("labels", {}).get("slo") == "freshness"]
    records = {r["record"]: r["expr"] for r in rules if "record" in r}
    assert records["ftw_slo:coverage:window1h"].startswith(
        "clamp_max(count_over_time(ftw_slo:error_ratio:rate5m"
    )


def test_a_raw_ratio_sli_has_no_counts_and_averages_over_the_period() -> None:
    rules = [r for r in rules_of("raw") if r.get("labels", {}).get("slo") == "freshness"]
    records = {r["record"]: r["expr"] for r in rules if "record" in r}
    assert "ftw_slo:errors:increase5m" not in records
    assert records["ftw_slo:error_ratio:rate1h"] == "(avg_over_time(search_stale_ratio[1h])) >= 0"
    period = records["ftw_slo:error_ratio:period"]
    assert period.startswith('(ftw_slo:error_ratio:rate1d{service="search",slo="freshness"} + ')
    absent = next(r for r in rules if r.get("alert") == "SLOMetricAbsent")
    assert absent["expr"] == "absent(search_stale_ratio)"
    assert absent["for"] == "30m"
    assert not any(r.get("alert") == "SLOErrorBudgetExhausted" for r in rules)


def test_sloth_compatible_series_copy_our_own() -> None:
    rules = [r for r in rules_of("raw") if r.get("labels", {}).get("sloth_slo") == "queries"]
    records = {r["record"]: r for r in rules if "record" in r}
    assert records["slo:sli_error:ratio_rate30d"]["expr"] == (
        'ftw_slo:error_ratio:period{service="search",slo="queries"}'
    )
    assert records["slo:sli_error:ratio_rate5m"]["labels"]["sloth_window"] == "5m"
    assert records["sloth_slo_info"]["labels"]["sloth_objective"] == "99.9"
    alerts = [r for r in rules_of("raw") if r.get("alert") == "SLOErrorBudgetBurn"]
    assert {a["labels"]["sloth_id"] for a in alerts} == {"search-queries", "search-freshness"}
