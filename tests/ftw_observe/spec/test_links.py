"""Link templates: the placeholders a spec's links may hold, and how they are filled."""

from __future__ import annotations

import doctest

import pytest

from ftw_observe.spec import links
from ftw_observe.spec.links import check_link_template, fill_template
from ftw_observe.spec.load import validate_text

SPEC = """\
service: api
team: core
links:
  runbook: "{engine_url}/runbooks/{service}/{slo}"
  dashboard: "{grafana_url}/d/ftw-slo-detail?var-service={service}&var-slo={slo}"
slos:
  - name: availability
    description: Requests without a server error.
    sli:
      ratio:
        errors: http_requests_total{job="api",status=~"5.."}
        total: http_requests_total{job="api"}
    alerting:
      runbook: "{engine_url}/runbooks/{service}#{slo}-{tier}"
"""


def issues_of(text: str) -> list[str]:
    spec, issues = validate_text(text, "slo/api.yaml")
    assert spec is None
    return [str(issue) for issue in issues]


def test_a_spec_using_every_placeholder_is_valid() -> None:
    spec, issues = validate_text(SPEC, "slo/api.yaml")
    assert issues == []
    assert spec is not None


def test_an_unknown_placeholder_in_the_service_links_is_named_with_its_line() -> None:
    text = SPEC.replace('"{engine_url}/runbooks/{service}/{slo}"', '"{enigne_url}/runbooks"')
    assert issues_of(text) == [
        "slo/api.yaml:4: links.runbook: unknown placeholder {enigne_url} (did you mean "
        "{engine_url}?); a link may hold {service}, {slo}, {tier}, {engine_url} or {grafana_url}"
    ]


def test_an_unknown_placeholder_in_an_slos_own_link_is_named_with_its_line() -> None:
    text = SPEC.replace("    alerting:\n", '    alerting:\n      dashboard: "{grafana}/d/x"\n')
    assert issues_of(text) == [
        "slo/api.yaml:14: slos[0].alerting.dashboard: unknown placeholder {grafana} (did you "
        "mean {grafana_url}?); a link may hold {service}, {slo}, {tier}, {engine_url} or "
        "{grafana_url}"
    ]


def test_a_link_yaml_read_as_a_mapping_asks_for_quotes() -> None:
    text = SPEC.replace('"{engine_url}/runbooks/{service}/{slo}"', "{engine_url}")
    assert issues_of(text) == [
        "slo/api.yaml:4: links.runbook: a link is a string: quote it when it starts with {"
    ]


@pytest.mark.parametrize("placeholder", ["{}", "{ slo }", "{host}"])
def test_anything_else_in_single_braces_is_refused(placeholder: str) -> None:
    with pytest.raises(ValueError, match="unknown placeholder"):
        check_link_template(f"https://wiki.example.com/{placeholder}")


def test_a_go_template_in_double_braces_is_left_to_prometheus() -> None:
    template = "https://wiki.example.com/{slo}?route={{ $labels.route }}"
    assert check_link_template(template) == template
    assert fill_template(template, {"slo": "latency"}) == (
        "https://wiki.example.com/latency?route={{ $labels.route }}"
    )


def test_filled_values_are_not_read_again_as_placeholders() -> None:
    assert fill_template("{engine_url}/{slo}", {"engine_url": "https://e/{slo}", "slo": "a"}) == (
        "https://e/{slo}/a"
    )


def test_the_usage_example_runs() -> None:
    result = doctest.testmod(links)
    assert (result.attempted, result.failed) == (1, 0)
