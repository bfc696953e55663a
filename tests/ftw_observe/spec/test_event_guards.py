"""The low-traffic guards of a spec: how many events and errors a tier needs before it fires."""

from __future__ import annotations

import textwrap

import pytest

from ftw_observe.burnrate import TIER_NAMES
from ftw_observe.spec.load import validate_text
from ftw_observe.spec.model import DEFAULT_MIN_ERRORS, SLOSpec

SPEC = """\
service: api
team: core
slos:
  - name: availability
    description: Requests without a server error.
    sli:
      ratio:
        errors: http_requests_total{job="api",status=~"5.."}
        total: http_requests_total{job="api"}
    alerting:
      {guard}
"""


def issues_of(guard: str) -> list[str]:
    text = SPEC.replace("{guard}", textwrap.indent(guard, "      ").lstrip())
    spec, issues = validate_text(text, "slo/api.yaml")
    assert spec is None
    return [str(issue) for issue in issues]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("true", "true"), ('"100"', "'100'"), ("2.5", "2.5"), ("null", "null"), ("[1]", "a list")],
)
def test_min_events_that_is_not_a_whole_number_is_refused_naming_the_line(
    value: str, shown: str
) -> None:
    assert issues_of(f"min_events: {value}") == [
        "slo/api.yaml:11: slos[0].alerting.min_events: expected a whole number of events, "
        f"0 or more, such as 3; got {shown}"
    ]


def test_negative_min_events_is_refused() -> None:
    assert issues_of("min_events: -1") == [
        "slo/api.yaml:11: slos[0].alerting.min_events: a number of events cannot be negative; "
        "got -1"
    ]


def slo_of(text: str) -> SLOSpec:
    spec, issues = validate_text(text, "slo/api.yaml")
    assert issues == []
    assert spec is not None
    return spec.slos[0]


def test_a_ratio_slo_needs_three_errors_by_default() -> None:
    slo = slo_of(SPEC.replace("{guard}", "min_events: 0"))
    assert [slo.min_errors(name) for name in TIER_NAMES] == [DEFAULT_MIN_ERRORS] * 4 == [3] * 4


def test_a_tier_override_beats_the_slos_min_errors() -> None:
    slo = slo_of(
        SPEC.replace("{guard}", "min_errors: 5\n      tiers: {ticket-3d: {min_errors: 1}}")
    )
    assert [slo.min_errors(name) for name in TIER_NAMES] == [5, 5, 5, 1]


def test_a_raw_sli_has_no_min_errors_unless_given() -> None:
    raw = SPEC.replace(
        'ratio:\n        errors: http_requests_total{job="api",status=~"5.."}\n'
        '        total: http_requests_total{job="api"}',
        "raw:\n        errors: sum(rate(errors_total[{{window}}]))\n"
        "        total: sum(rate(requests_total[{{window}}]))",
    )
    assert slo_of(raw.replace("{guard}", "min_events: 0")).min_errors("page-1h") == 0
    assert slo_of(raw.replace("{guard}", "min_errors: 2")).min_errors("page-1h") == 2


@pytest.mark.parametrize(
    ("value", "shown"), [("true", "true"), ('"3"', "'3'"), ("1.5", "1.5"), ("{}", "a mapping")]
)
def test_min_errors_that_is_not_a_whole_number_is_refused_naming_the_line(
    value: str, shown: str
) -> None:
    assert issues_of(f"min_errors: {value}") == [
        "slo/api.yaml:11: slos[0].alerting.min_errors: expected a whole number of events, "
        f"0 or more, such as 3; got {shown}"
    ]


def test_a_negative_tier_min_errors_is_refused_naming_the_tier() -> None:
    assert issues_of("tiers:\n  page-6h:\n    min_errors: -2") == [
        "slo/api.yaml:13: slos[0].alerting.tiers.page-6h.min_errors: a number of events "
        "cannot be negative; got -2"
    ]


RAW_RATIO = SPEC.replace(
    'ratio:\n        errors: http_requests_total{job="api",status=~"5.."}\n'
    '        total: http_requests_total{job="api"}',
    "raw:\n        error_ratio: avg_over_time(stale_ratio[{{window}}])",
)


def test_min_errors_on_a_raw_error_ratio_is_refused() -> None:
    spec, issues = validate_text(
        RAW_RATIO.replace("{guard}", "min_errors: 3\n      tiers: {page-6h: {min_errors: 1}}"),
        "slo/api.yaml",
    )
    assert spec is None
    assert [str(issue) for issue in issues] == [
        "slo/api.yaml:10: slos[0].alerting.min_errors: a raw error_ratio SLI has no event "
        "counts; give raw errors and total instead",
        "slo/api.yaml:11: slos[0].alerting.tiers.page-6h.min_errors: a raw error_ratio SLI has "
        "no event counts; give raw errors and total instead",
    ]


def test_min_errors_zero_on_a_raw_error_ratio_is_accepted() -> None:
    assert slo_of(RAW_RATIO.replace("{guard}", "min_errors: 0")).min_errors("page-1h") == 0
