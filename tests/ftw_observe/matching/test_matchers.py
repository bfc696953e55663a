"""Label matchers: amtool's text form for silences, and the policy file's form."""

from __future__ import annotations

import doctest

import pytest

from ftw_observe.matching import matchers
from ftw_observe.matching.matchers import Op, parse_matcher, policy_matcher, stored_matcher


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


def test_regex_matchers_are_anchored_like_alertmanagers():
    assert parse_matcher("slo=~api|checkout").matches({"slo": "checkout"})
    assert not parse_matcher("slo=~api|checkout").matches({"slo": "api-availability"})
    assert parse_matcher("slo!~api|checkout").matches({"slo": "api-availability"})


def test_the_silence_of_the_finding_answers_at_once():
    # Python's re backtracks for hours on this; RE2 answers in microseconds.
    matcher = parse_matcher("slo=~(([a-z-]+)+)+!")

    assert not matcher.matches({"slo": "abcdefghijklmnopq-rstuvwxyz-abcdefgh"})


def test_a_value_too_long_to_read_satisfies_no_regex_matcher():
    value = "api-" + "x" * 100_000

    assert not parse_matcher("slo=~api-.*").matches({"slo": value})
    assert not parse_matcher("slo!~checkout").matches({"slo": value})
    assert parse_matcher("slo!=checkout").matches({"slo": value})  # plain values compare in full


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (r"slo=~(a)\1", r"'\(a\)\\\\1' is not a regular expression RE2 accepts: .* backref"),
        ("slo=~(?!api).*", "lookarounds are not supported"),
        ("slo=~" + "a|" * 600, r"\(1,200 chars\) is too long: patterns have at most 1,000"),
        (r"slo=~\w{400}", "is too big: it compiles to 1,202 RE2 instructions"),
    ],
)
def test_regexes_the_engine_cannot_run_are_refused_naming_them(text: str, message: str):
    with pytest.raises(ValueError, match=message):
        parse_matcher(text)


@pytest.mark.timeout(30)
def test_matcher_text_parses_in_linear_time():
    spaced = "slo=x" + " " * 1_000_000 + "y"

    assert parse_matcher(spaced).value == "x" + " " * 1_000_000 + "y"


def test_errors_quote_long_input_cut_short():
    with pytest.raises(ValueError, match="is not a matcher") as caught:
        parse_matcher("x" * 1_000_000)

    assert len(str(caught.value)) < 200


def test_policy_lists_keep_each_regex_to_itself():
    any_of = policy_matcher("slo", ["~(?i)api", "checkout"])

    assert any_of.matches({"slo": "API"})
    assert not any_of.matches({"slo": "CHECKOUT"})  # the (?i) of one value is its own
    with pytest.raises(ValueError, match=r"'a\)\|\(b' is not a regular expression"):
        policy_matcher("slo", ["x", "~a)|(b"])


def test_a_policy_list_too_long_for_one_pattern_says_so():
    names = [f"service-{index:04d}" for index in range(100)]

    with pytest.raises(ValueError, match=r"these 100 values make one pattern, and .* too long"):
        policy_matcher("service", names)


def test_a_stored_regex_the_engine_cannot_run_matches_nothing():
    for text in ("slo=~(?=api).*", "slo!~(?=api).*"):
        matcher = stored_matcher(text)

        assert matcher.inert
        assert str(matcher) == text
        assert not matcher.matches({"slo": "api-availability"})
        assert not matcher.matches({})
    assert not stored_matcher("slo=~api-.*").inert
    with pytest.raises(ValueError, match="is not a matcher"):
        stored_matcher("slo")


def test_matcher_docstrings_run():
    result = doctest.testmod(matchers)

    assert result.attempted > 0
    assert result.failed == 0
