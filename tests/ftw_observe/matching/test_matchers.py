"""Label matchers: amtool's text form for silences, and the policy file's form."""

from __future__ import annotations

import doctest

import pytest

from ftw_observe.matching import matchers
from ftw_observe.matching.matchers import Op, parse_matcher, policy_matcher


@pytest.mark.parametrize(
    ("text", "label", "op", "value"),
    [
        ("service=marketplace", "service", Op.EQUAL, "marketplace"),
        ("slo=~api-.*", "slo", Op.REGEX, "api-.*"),
        ("tier!=ticket-3d", "tier", Op.NOT_EQUAL, "ticket-3d"),
        ('route!~"/api/admin/.*"', "route", Op.NOT_REGEX, "/api/admin/.*"),
        (" severity = page ", "severity", Op.EQUAL, "page"),
        ("job=", "job", Op.EQUAL, ""),
    ],
)
def test_matchers_parse_as_amtool_writes_them(text: str, label: str, op: Op, value: str):
    matcher = parse_matcher(text)

    assert (matcher.label, matcher.op, matcher.value) == (label, op, value)


@pytest.mark.parametrize("text", ["marketplace", "=x", "1abc=x", "slo=~(", ""])
def test_bad_matchers_say_why(text: str):
    with pytest.raises(ValueError, match=r"matcher|regular expression"):
        parse_matcher(text)


def test_policy_values_match_whole_values_and_missing_labels_as_empty():
    assert policy_matcher("route", "/api/jobs/{job_id}").matches({"route": "/api/jobs/{job_id}"})
    assert not policy_matcher("slo", "~api").matches({"slo": "api-availability"})
    assert policy_matcher("slo", "~api.*").matches({"slo": "api-availability"})
    assert policy_matcher("tier", "!ticket-3d").matches({})
    assert not policy_matcher("tier", "!~ticket-.*").matches({"tier": "ticket-1d"})
    assert policy_matcher("x", "\\!literal").matches({"x": "!literal"})
    any_of = policy_matcher("route", ["/api/jobs/{job_id}", "~/api/bids.*"])
    assert any_of.matches({"route": "/api/jobs/{job_id}"})
    assert any_of.matches({"route": "/api/bids/7"})
    assert not any_of.matches({"route": "/api/jobs/{job_id}x"})


def test_matcher_docstrings_run():
    result = doctest.testmod(matchers)

    assert result.attempted > 0
    assert result.failed == 0
