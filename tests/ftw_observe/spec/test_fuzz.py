"""Fuzzed specs give errors that name a file, never a traceback."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftw_observe.spec.load import validate_text

BASE: dict[str, Any] = yaml.safe_load(
    """
service: api
team: core
labels: {env: prod}
links: {runbook: "http://runbooks/{slo}"}
slos:
  - name: availability
    description: Requests without a server error.
    objective: 99.9
    period: 30d
    group_by: [route]
    sli:
      ratio:
        errors: http_requests_total{job="api",status=~"5.."}
        total: http_requests_total{job="api"}
    alerting:
      min_events: 10
      tiers:
        page-1h: {for: 2m, labels: {pager: primary}}
  - name: latency
    description: Fast requests.
    sli:
      latency:
        histogram: http_request_duration_seconds{job="api"}
        threshold: 0.5
  - name: custom
    description: Raw.
    sli:
      raw:
        errors: sum(rate(e[{{window}}]))
        total: sum(rate(t[{{window}}]))
"""
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["30d", "5m", "0s", "99.9", "foo{", "{{window}}", "page-1h", "", "route"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found.extend(_paths(child, (*prefix, index)))
    return found


PATHS = [path for path in _paths(BASE) if path]


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    document = copy.deepcopy(document)
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return document


def _check(text: str) -> None:
    spec, issues = validate_text(text, "slo/fuzz.yaml")
    if spec is None:
        assert issues, "an invalid spec must say why"
    for issue in issues:
        assert issue.file == "slo/fuzz.yaml"
        assert issue.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=values)
def test_a_mutated_field_gives_errors_not_tracebacks(path: tuple[Any, ...], value: Any) -> None:
    _check(yaml.safe_dump(_replace(BASE, path, value), allow_unicode=True))


@settings(max_examples=200, deadline=None)
@given(document=values)
def test_any_yaml_document_gives_errors_not_tracebacks(document: Any) -> None:
    _check(yaml.safe_dump(document, allow_unicode=True))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_gives_errors_not_tracebacks(text: str) -> None:
    _check(text)


def test_the_fuzzing_base_itself_is_valid() -> None:
    spec, issues = validate_text(yaml.safe_dump(BASE), "slo/fuzz.yaml")
    assert issues == []
    assert spec is not None
