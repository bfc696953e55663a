"""The low-traffic guards of a spec: how many events and errors a tier needs before it fires."""

from __future__ import annotations

import textwrap

import pytest

from ftw_observe.spec.load import validate_text

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
