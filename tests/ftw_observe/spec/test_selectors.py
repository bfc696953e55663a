"""PromQL checks on spec fields."""

from __future__ import annotations

import pytest

from ftw_observe.spec.selectors import (
    Selector,
    check_raw_query,
    substitute_window,
    vector_selectors,
)


def test_a_selector_keeps_its_matchers_in_order() -> None:
    selector = Selector.parse('http_requests_total{job="api",status=~"5.."}')
    assert selector.metric == "http_requests_total"
    assert selector.text() == 'http_requests_total{job="api",status=~"5.."}'


def test_histogram_siblings_get_suffix_and_extra_matchers() -> None:
    selector = Selector.parse('latency_seconds{job="api"}')
    assert (
        selector.with_suffix("_bucket", 'le="0.5"') == 'latency_seconds_bucket{job="api",le="0.5"}'
    )


def test_quotes_and_backslashes_survive_reformatting() -> None:
    text = r'm{route=~"/jobs/\\d+",note="say \"hi\""}'
    assert Selector.parse(text).text() == text
    assert Selector.parse(Selector.parse(text).text()) == Selector.parse(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("foo{", "does not parse"),
        ("sum(foo)", "not a vector selector"),
        ("rate(foo[5m])", "not a vector selector"),
        ("foo offset 5m", "offset"),
        ('{job="x"}', "metric name"),
        ("", "empty"),
    ],
)
def test_bad_selectors_say_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Selector.parse(text)


def test_raw_queries_need_the_window_placeholder() -> None:
    with pytest.raises(ValueError, match="window"):
        check_raw_query("sum(rate(foo[5m]))")
    assert check_raw_query("sum(rate(foo[{{window}}]))") == "sum(rate(foo[{{window}}]))"
    assert substitute_window("rate(a[{{window}}])", "1h") == "rate(a[1h])"


def test_vector_selectors_are_found_inside_expressions() -> None:
    query = (
        'sum(rate(a{x="1"}[{{window}}])) / sum(rate(b[{{window}}])) or on() vector(0) * a{x="1"}'
    )
    assert vector_selectors(query) == ['a{x="1"}', "b"]
