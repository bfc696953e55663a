"""Input that cannot be imported fails with a message naming file and field, never a traceback."""

from __future__ import annotations

import pytest

from ftw_observe.importers.convert import SpecImportError, import_text
from tests.support.yaml_bomb import alias_bomb

from .helpers import metric, openslo_slo, openslo_text, ratio, sloth_slo, sloth_text


def error_of(text: str, **options: str) -> str:
    with pytest.raises(SpecImportError) as caught:
        import_text(text, "in.yaml", **options)
    return str(caught.value)


def test_a_sloth_plugin_sli_is_refused_naming_the_slo() -> None:
    sli = {"plugin": {"id": "sloth-common/kubernetes/apiserver/availability", "options": {}}}
    message = error_of(sloth_text(sloth_slo(), sloth_slo(name="apiserver", sli=sli)))
    assert message.startswith(
        "in.yaml: slos[1].sli.plugin: SLI plugins (here "
        "'sloth-common/kubernetes/apiserver/availability') run Go code that cannot be imported"
    )


def test_every_broken_sloth_slo_is_reported_at_once() -> None:
    plugin = {"plugin": {"id": "x"}}
    text = sloth_text(sloth_slo(sli=plugin), sloth_slo(name="b", objective="high"))
    message = error_of(text)
    assert "slos[0].sli.plugin" in message
    assert "in.yaml: slos[1].objective: expected a percentage such as 99.9" in message


def test_sloth_templates_other_than_window_are_refused() -> None:
    events = {"error_query": 'sum(rate(x{a="{{.service}}"}[{{.window}}]))', "total_query": "x"}
    assert "slos[0].sli.events.error_query: uses a template other than {{.window}}" in error_of(
        sloth_text(sloth_slo(sli={"events": events}))
    )


def test_sloth_query_without_window_is_refused() -> None:
    events = {"error_query": "sum(rate(x[5m]))", "total_query": "sum(rate(y[{{.window}}]))"}
    message = error_of(sloth_text(sloth_slo(sli={"events": events})))
    assert "slos[0].sli.events.error_query: 'sum(rate(x[5m]))' must use {{window}}" in message


def test_an_openslo_threshold_metric_is_refused() -> None:
    indicator = {"thresholdMetric": metric("histogram_quantile(0.99, rate(x_bucket[5m]))")}
    message = error_of(openslo_text(openslo_slo(indicator={"spec": indicator})))
    assert message.startswith(
        "in.yaml: SLO/availability.spec.indicator.spec.thresholdMetric: threshold metrics"
    )
    assert "rewrite it as ratioMetric" in message


def test_an_openslo_query_without_window_that_is_not_a_selector_is_refused() -> None:
    indicator = ratio(bad="sum(rate(errors_total[5m]))", total="requests_total")
    message = error_of(openslo_text(openslo_slo(indicator={"spec": indicator})))
    assert message.startswith(
        "in.yaml: SLO/availability.spec.indicator.spec.ratioMetric.bad: "
        "'sum(rate(errors_total[5m]))' is not a vector selector"
    )
    assert "write both with the range as [{{window}}]" in message


def test_an_openslo_selector_mixed_with_a_window_query_is_refused() -> None:
    indicator = ratio(bad="sum(rate(errors_total[{{window}}]))", total="requests_total")
    message = error_of(openslo_text(openslo_slo(indicator={"spec": indicator})))
    assert "ratioMetric.total: the other query of this ratio is not a plain selector" in message


def test_an_openslo_non_prometheus_source_is_refused() -> None:
    indicator = {"ratioMetric": {"counter": True, "bad": metric("x", "Datadog")}}
    indicator["ratioMetric"]["total"] = metric("y", "Datadog")
    message = error_of(openslo_text(openslo_slo(indicator={"spec": indicator})))
    assert "bad.metricSource.type: 'Datadog' is not Prometheus" in message


def test_an_openslo_missing_sli_reference_is_refused() -> None:
    slo = openslo_slo()
    del slo["spec"]["indicator"]
    slo["spec"]["indicatorRef"] = "nowhere"
    message = error_of(openslo_text(slo))
    assert message == (
        "in.yaml: SLO/availability.spec.indicatorRef: no kind: SLI named 'nowhere' in this file"
    )


def test_an_openslo_sub_day_window_is_refused() -> None:
    window = [{"duration": "12h", "isRolling": True}]
    message = error_of(openslo_text(openslo_slo(timeWindow=window)))
    assert "SLO/availability.spec.timeWindow[0].duration: '12h': FTW Observe periods" in message


def test_an_openslo_calendar_window_is_refused_saying_how_to_make_it_roll() -> None:
    window = [{"duration": "1M", "isRolling": False}]
    message = error_of(openslo_text(openslo_slo(timeWindow=window)))
    assert message == (
        "in.yaml: SLO/availability.spec.timeWindow[0].isRolling: a calendar window cannot be "
        "imported: FTW Observe budgets roll over the last 30 days and never reset on a date; "
        "to import this SLO, make its window rolling (duration: 30d, isRolling: true, "
        "no calendar)"
    )


def test_an_openslo_window_with_a_calendar_is_refused_naming_the_calendar() -> None:
    window = [{"duration": "4w", "calendar": {"startTime": "2024-01-01 00:00:00"}}]
    message = error_of(openslo_text(openslo_slo(timeWindow=window)))
    assert message.startswith(
        "in.yaml: SLO/availability.spec.timeWindow[0].calendar: a calendar window cannot be "
        "imported: FTW Observe budgets roll over the last 28 days"
    )


def test_an_openslo_calendar_window_is_reported_for_its_slo_alone() -> None:
    calendar = openslo_slo("monthly", timeWindow=[{"duration": "1M", "isRolling": False}])
    broken = openslo_slo("broken", objectives=[{"target": "high"}])
    message = error_of(openslo_text(openslo_slo(), calendar, broken))
    assert message.splitlines() == [
        "in.yaml: SLO/monthly.spec.timeWindow[0].isRolling: a calendar window cannot be "
        "imported: FTW Observe budgets roll over the last 30 days and never reset on a date; "
        "to import this SLO, make its window rolling (duration: 30d, isRolling: true, "
        "no calendar)",
        "in.yaml: SLO/broken.spec.objectives[0].target: expected a number",
    ]


def test_an_unknown_openslo_kind_is_refused() -> None:
    doc = {"apiVersion": "openslo/v1", "kind": "Dashboard", "metadata": {"name": "x"}}
    message = error_of(openslo_text(openslo_slo(), doc))
    assert message == (
        "in.yaml: documents[1].kind: unknown OpenSLO v1 kind 'Dashboard'; "
        "expected SLO, SLI, Service or DataSource"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "apiVersion: openslo/v1alpha\nkind: SLO\n",
            "in.yaml: apiVersion 'openslo/v1alpha' is not supported; only openslo/v1 is; "
            "expected a Sloth spec (version: prometheus/v1) or OpenSLO documents "
            "(apiVersion: openslo/v1)",
        ),
        (
            "version: prometheus/v2\n",
            "in.yaml: unknown version 'prometheus/v2'; expected a Sloth spec",
        ),
        ("service: api\nslos: []\n", "in.yaml: no version or apiVersion field; expected"),
        (
            "version: ftw-observe/v1\nservice: api\nteam: core\nslos: []\n",
            "in.yaml: this is already an FTW Observe spec: check it with `ftw-observe validate`",
        ),
        (
            "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\n",
            "in.yaml: Sloth's Kubernetes resource (sloth.slok.dev/v1) is not supported",
        ),
        ("", "in.yaml: empty file; expected a Sloth spec"),
        ("- 1\n- 2\n", "in.yaml: documents[0]: not a mapping; expected"),
    ],
)
def test_unknown_formats_are_refused_saying_what_was_expected(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


def test_malformed_yaml_is_refused_with_its_line() -> None:
    message = error_of("version: prometheus/v1\nslos:\n  - name: [unclosed\n")
    assert message.startswith("in.yaml:4: not valid YAML:")


def test_mixed_formats_in_one_file_are_refused() -> None:
    message = error_of(sloth_text() + "---\n" + openslo_text())
    assert message == "in.yaml: mixes Sloth and OpenSLO documents; import them from separate files"


def test_output_that_does_not_validate_is_refused_listing_the_problems() -> None:
    message = error_of(sloth_text(sloth_slo(objective=100)))
    assert message == (
        "in.yaml: the converted api.yaml does not validate: slos[0].objective: "
        "100 is not a percentage strictly between 0 and 100 (99.9 means 99.9 %)"
    )


def test_a_bad_period_argument_is_refused() -> None:
    assert error_of(sloth_text(), period="a month").startswith("in.yaml: --period: 'a month'")


@pytest.mark.timeout(20)
def test_an_alias_bomb_is_refused_without_expanding_it() -> None:
    assert "once its aliases are expanded" in error_of(alias_bomb())
