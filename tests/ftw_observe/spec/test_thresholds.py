"""Threshold alerts in spec files: parsed exactly, and every mistake named at file:line:field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ftw_observe.spec.load import validate_files, validate_text

VALID = """\
service: payments
team: payments
thresholds:
  - name: PaymentsHighQueueAge
    expr: max(payments_queue_oldest_age_seconds)
    comparison: '>'
    unit: seconds
    levels:
      - {severity: warning, threshold: 30, for: 5m}
      - {severity: critical, threshold: 120, for: 5m}
    subject: Payment queue age
    description: The oldest payment waits this long.
"""


def issues_of(text: str) -> list[str]:
    spec, issues = validate_text(text, "slo/payments.yaml")
    assert spec is None
    return [str(issue) for issue in issues]


def test_a_file_of_thresholds_only_is_valid() -> None:
    spec, issues = validate_text(VALID, "slo/payments.yaml")
    assert issues == []
    assert spec is not None
    assert spec.slos == []
    (alert,) = spec.thresholds
    assert [level.threshold for level in alert.levels] == [Decimal(30), Decimal(120)]
    assert alert.levels[0].for_ == "5m"


def test_a_threshold_keeps_the_number_as_written() -> None:
    spec, _ = validate_text(VALID.replace("threshold: 30,", "threshold: 0.02,"), "x.yaml")
    assert spec is not None
    assert str(spec.thresholds[0].levels[0].threshold) == "0.02"


def test_a_file_without_slos_or_thresholds_is_refused() -> None:
    assert issues_of("service: payments\nteam: payments\n") == [
        "slo/payments.yaml:1: slos: list at least one SLO or threshold"
    ]


def test_an_unknown_field_is_named_with_its_line() -> None:
    found = issues_of(VALID.replace("    unit: seconds\n", "    unit: seconds\n    runbok: x\n"))
    assert found == ["slo/payments.yaml:8: thresholds[0].runbok: unknown field 'runbok'"]


def test_a_bad_comparison_is_named() -> None:
    found = issues_of(VALID.replace("comparison: '>'", "comparison: '>='"))
    assert len(found) == 1
    assert found[0].startswith("slo/payments.yaml:6: thresholds[0].comparison: Input should be")


def test_a_bad_unit_is_named() -> None:
    found = issues_of(VALID.replace("unit: seconds", "unit: percent"))
    assert len(found) == 1
    assert found[0].startswith("slo/payments.yaml:7: thresholds[0].unit: Input should be")


def test_a_bad_severity_is_named() -> None:
    found = issues_of(VALID.replace("severity: warning", "severity: page"))
    assert len(found) == 1
    assert found[0].startswith("slo/payments.yaml:9: thresholds[0].levels[0].severity:")


def test_a_threshold_that_is_not_a_number_is_named() -> None:
    found = issues_of(VALID.replace("threshold: 30,", "threshold: high,"))
    assert found == [
        "slo/payments.yaml:9: thresholds[0].levels[0].threshold: "
        "a threshold is a number such as 0.8 or 2; got 'high'"
    ]


def test_a_boolean_threshold_is_refused() -> None:
    found = issues_of(VALID.replace("threshold: 30,", "threshold: true,"))
    assert found[0].startswith("slo/payments.yaml:9: thresholds[0].levels[0].threshold:")


def test_a_bad_duration_is_named() -> None:
    found = issues_of(
        VALID.replace(
            "for: 5m}\n      - {severity: critical", "for: 5 min}\n      - {severity: critical"
        )
    )
    assert found == [
        "slo/payments.yaml:9: thresholds[0].levels[0].for: "
        "'5 min' is not a duration such as 30s, 5m, 1h30m or 30d"
    ]


def test_an_expression_that_does_not_parse_is_named() -> None:
    found = issues_of(VALID.replace("max(payments_queue_oldest_age_seconds)", "max(payments_queue"))
    assert len(found) == 1
    assert found[0].startswith(
        "slo/payments.yaml:5: thresholds[0].expr: 'max(payments_queue' does not parse as PromQL"
    )


def test_an_alert_name_must_be_camel_case() -> None:
    found = issues_of(VALID.replace("PaymentsHighQueueAge", "payments-high-queue-age"))
    assert len(found) == 1
    assert found[0].startswith("slo/payments.yaml:4: thresholds[0].name: 'payments-high-queue-age'")


def test_a_severity_listed_twice_is_named() -> None:
    found = issues_of(VALID.replace("severity: critical", "severity: warning"))
    assert found == [
        "slo/payments.yaml:10: thresholds[0].levels[1].severity: 'warning' is listed twice"
    ]


def test_a_state_alert_must_compare_with_equals() -> None:
    found = issues_of(VALID.replace("unit: seconds", "unit: state"))
    assert found == [
        "slo/payments.yaml:6: thresholds[0].comparison: "
        "a state (0/1) alert compares with ==, a ratio or seconds alert with > or <"
    ]


def test_a_service_taken_from_the_series_needs_a_group() -> None:
    found = issues_of(VALID.replace("    expr:", "    service: '{{ $labels.job }}'\n    expr:"))
    assert found == [
        "slo/payments.yaml:4: thresholds[0].group: "
        "name the rule group: the service comes from the series"
    ]


def test_a_duplicate_alert_name_in_a_file_is_named() -> None:
    second = VALID.split("thresholds:\n")[1]
    found = issues_of(VALID + second)
    assert found == [
        "slo/payments.yaml:13: thresholds[1].name: "
        "duplicate alert name 'PaymentsHighQueueAge' (also thresholds[0])"
    ]


def test_a_duplicate_alert_name_across_files_is_named(tmp_path: Path) -> None:
    (tmp_path / "payments.yaml").write_text(VALID)
    (tmp_path / "refunds.yaml").write_text(VALID.replace("payments", "refunds", 2))
    _, issues = validate_files([tmp_path])
    assert [str(issue) for issue in issues] == [
        f"{tmp_path / 'refunds.yaml'}: thresholds[0].name: "
        f"alert 'PaymentsHighQueueAge' is also defined in {tmp_path / 'payments.yaml'}"
    ]


def test_an_unknown_dashboard_is_named() -> None:
    found = issues_of(VALID.replace("team: payments\n", "team: payments\ndashboards: [payments]\n"))
    assert len(found) == 1
    assert found[0].startswith("slo/payments.yaml:3: dashboards[0]: Input should be")
