"""The conversion rules, one at a time."""

from __future__ import annotations

from typing import Any

import pytest

from ftw_observe.importers.common import plain_selector, rate_sum
from ftw_observe.importers.convert import import_text

from .helpers import (
    metric,
    openslo_slo,
    openslo_text,
    ratio,
    sloth_slo,
    sloth_text,
)


def only_slo(text: str, **options: Any) -> dict[str, Any]:
    result = import_text(text, "in.yaml", **options)
    [(_, doc)] = result.specs
    [slo] = doc["slos"]
    assert isinstance(slo, dict)
    return slo


def warnings(text: str, **options: Any) -> list[str]:
    return [str(warning) for warning in import_text(text, "in.yaml", **options).warnings]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sum(rate(x[{{window}}]))", ("x", ())),
        ('sum by (route) (rate(x{a="b"}[{{window}}]))', ('x{a="b"}', ("route",))),
        ("sum(increase(x[{{window}}])) by (a, b)", ("x", ("a", "b"))),
        ("(sum(rate(x[{{window}}])))", ("x", ())),
        ("sum(rate(x[5m]))", None),
        ("sum without (a) (rate(x[{{window}}]))", None),
        ("sum(irate(x[{{window}}]))", None),
        ("sum(rate(x[{{window}}] offset 1h))", None),
        ("sum(rate(x[{{window}}])) / 2", None),
        ("rate(x[{{window}}])", None),
        ("not promql (", None),
    ],
)
def test_rate_sum_recognises_only_summed_rates_over_the_window(
    query: str, expected: tuple[str, tuple[str, ...]] | None
) -> None:
    assert rate_sum(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('x{code=~"5.."}', ('x{code=~"5.."}', ())),
        ("sum by (route) (x)", ("x", ("route",))),
        ("sum(rate(x[5m]))", None),
        ("x offset 5m", None),
        ('{__name__="x"}', None),
    ],
)
def test_plain_selector_accepts_a_selector_optionally_summed(
    query: str, expected: tuple[str, tuple[str, ...]] | None
) -> None:
    assert plain_selector(query) == expected


def test_sloth_summed_rates_become_a_ratio_with_group_by() -> None:
    events = {
        "error_query": 'sum by (route) (rate(req_total{code=~"5.."}[{{ .window }}]))',
        "total_query": "sum by (route) (rate(req_total[{{.window}}]))",
    }
    slo = only_slo(sloth_text(sloth_slo(sli={"events": events})))
    assert slo["sli"] == {"ratio": {"errors": 'req_total{code=~"5.."}', "total": "req_total"}}
    assert slo["group_by"] == ["route"]


def test_sloth_grouping_by_a_reserved_label_stays_raw() -> None:
    events = {
        "error_query": 'sum by (job) (rate(req_total{code=~"5.."}[{{.window}}]))',
        "total_query": "sum by (job) (rate(req_total[{{.window}}]))",
    }
    slo = only_slo(sloth_text(sloth_slo(sli={"events": events})))
    assert slo["sli"]["raw"]["total"] == "sum by (job) (increase(req_total[{{window}}]))"
    assert "group_by" not in slo


def test_sloth_team_comes_from_team_then_owner_then_the_argument() -> None:
    def team(labels: dict[str, str], default: str = "unknown") -> str:
        result = import_text(sloth_text(labels=labels), "in.yaml", team=default)
        return str(result.specs[0][1]["team"])

    assert team({"team": "core", "owner": "other"}) == "core"
    assert team({"owner": "Platform Team"}) == "platform-team"
    assert team({}, "payments") == "payments"
    assert team({}) == "unknown"
    assert "in.yaml: labels: no team or owner label; team set to 'unknown': edit it" in warnings(
        sloth_text(labels={})
    )


def test_sloth_period_comes_from_the_argument() -> None:
    assert only_slo(sloth_text(), period="28d")["period"] == "28d"


def test_sloth_specs_keep_recording_sloth_series_for_its_dashboards() -> None:
    [(_, doc)] = import_text(sloth_text(), "in.yaml").specs
    assert doc["compat"] == {"sloth": True}


def test_openslo_specs_record_only_ftw_observe_series() -> None:
    [(_, doc)] = import_text(openslo_text(), "in.yaml").specs
    assert "compat" not in doc


def test_sloth_alert_options_map_to_tiers() -> None:
    alerting = {
        "name": "ApiErrors",
        "labels": {"severity": "high", "category": "availability"},
        "annotations": {"runbook_url": "https://runbooks/api", "summary": "Errors"},
        "page_alert": {"disable": True},
        "ticket_alert": {"labels": {"severity": "Warning Level", "channel": "#api"}},
    }
    slo = only_slo(sloth_text(sloth_slo(alerting=alerting)))
    assert slo["alerting"] == {
        "labels": {"category": "availability"},
        "annotations": {"summary": "Errors"},
        "runbook": "https://runbooks/api",
        "tiers": {
            "page-1h": {"enabled": False},
            "page-6h": {"enabled": False},
            "ticket-1d": {"labels": {"channel": "#api"}},
            "ticket-3d": {"labels": {"channel": "#api"}},
        },
    }
    found = warnings(sloth_text(sloth_slo(alerting=alerting)))
    assert any("alerting.labels.severity: 'severity' is set by FTW" in w for w in found)
    assert any("ticket_alert.labels.severity: 'Warning Level' is not a valid" in w for w in found)


def test_sloth_alert_for_is_carried_to_its_tiers() -> None:
    alerting = {"page_alert": {"for": "2m"}, "ticket_alert": {"for": "90m"}}
    tiers = only_slo(sloth_text(sloth_slo(alerting=alerting)))["alerting"]["tiers"]
    assert {name: tier["for"] for name, tier in tiers.items()} == {
        "page-1h": "2m",
        "page-6h": "2m",
        "ticket-1d": "1h30m",
        "ticket-3d": "1h30m",
    }


def test_sloth_alert_for_that_is_no_duration_is_dropped_with_a_warning() -> None:
    text = sloth_text(sloth_slo(alerting={"page_alert": {"for": "soon"}}))
    assert "tiers" not in only_slo(text).get("alerting", {})
    assert any("alerting.page_alert.for: 'soon' is not a duration" in w for w in warnings(text))


def test_sloth_missing_description_gets_a_placeholder_and_a_warning() -> None:
    slo = sloth_slo()
    del slo["description"]
    assert only_slo(sloth_text(slo))["description"].startswith("Imported from Sloth SLO")
    assert any("slos[0].description: missing" in w for w in warnings(sloth_text(slo)))


def test_sloth_names_become_ftw_observe_names() -> None:
    text = sloth_text(sloth_slo(name="Requests Availability"), service="My API")
    result = import_text(text, "in.yaml")
    assert result.specs[0][0] == "my-api.yaml"
    assert result.specs[0][1]["slos"][0]["name"] == "requests-availability"


def test_sloth_unknown_fields_are_reported_not_dropped_silently() -> None:
    assert "in.yaml: slos[0].objectve: unknown field, ignored" in warnings(
        sloth_text(sloth_slo(objectve=99))
    )


def test_sloth_multi_document_files_give_one_spec_per_service() -> None:
    text = sloth_text() + "---\n" + sloth_text(service="web")
    assert [name for name, _ in import_text(text, "in.yaml").specs] == ["api.yaml", "web.yaml"]


@pytest.mark.parametrize(
    ("objective", "expected"),
    [({"target": 0.999}, 99.9), ({"target": 0.9995}, 99.95), ({"targetPercent": 99}, 99)],
)
def test_openslo_objectives_are_exact_percentages(
    objective: dict[str, float], expected: float
) -> None:
    slo = only_slo(openslo_text(openslo_slo(objectives=[objective])))
    assert slo["objective"] == expected
    assert type(slo["objective"]) is type(expected)


def test_openslo_several_objectives_become_several_slos() -> None:
    objectives = [{"displayName": "Good", "target": 0.99}, {"target": 0.999}]
    result = import_text(openslo_text(openslo_slo(objectives=objectives)), "in.yaml")
    slos = result.specs[0][1]["slos"]
    assert [(s["name"], s["objective"]) for s in slos] == [
        ("availability-good", 99),
        ("availability-2", 99.9),
    ]


def test_openslo_durations_become_whole_day_periods() -> None:
    for duration, period in (("4w", "28d"), ("1M", "30d"), ("1Q", "90d"), ("7d", "7d")):
        window = [{"duration": duration, "isRolling": True}]
        assert only_slo(openslo_text(openslo_slo(timeWindow=window)))["period"] == period


def test_openslo_good_selectors_and_summed_selectors_become_a_ratio() -> None:
    indicator = ratio(
        good='sum by (route) (req_total{code!~"5.."})', total="sum by (route) (req_total)"
    )
    slo = only_slo(openslo_text(openslo_slo(indicator={"spec": indicator})))
    assert slo["sli"] == {"ratio": {"good": 'req_total{code!~"5.."}', "total": "req_total"}}
    assert slo["group_by"] == ["route"]


def test_openslo_good_window_queries_become_raw_errors() -> None:
    good = "sum(rate(ok_total[{{window}}]))"
    total = "sum(rate(all_total[{{window}}]))"
    indicator = ratio(good=good, total=total)
    slo = only_slo(openslo_text(openslo_slo(indicator={"spec": indicator})))
    assert slo["sli"] == {"raw": {"errors": f"({total}) - ({good})", "total": total}}


def test_openslo_raw_ratio_of_successes_becomes_an_error_ratio() -> None:
    indicator = {
        "ratioMetric": {
            "counter": False,
            "rawType": "success",
            "raw": metric("avg(avg_over_time(success:ratio[{{window}}]))"),
        }
    }
    slo = only_slo(openslo_text(openslo_slo(indicator={"spec": indicator})))
    assert slo["sli"] == {
        "raw": {"error_ratio": "1 - (avg(avg_over_time(success:ratio[{{window}}])))"}
    }


def test_openslo_team_falls_back_to_the_service_document_then_the_argument() -> None:
    slo = openslo_slo()
    slo["metadata"] = {"name": "availability"}
    service = {
        "apiVersion": "openslo/v1",
        "kind": "Service",
        "metadata": {"name": "api", "annotations": {"team": "platform"}},
        "spec": {"description": "The API."},
    }
    doc = import_text(openslo_text(service, slo), "in.yaml").specs[0][1]
    assert (doc["team"], doc["description"]) == ("platform", "The API.")
    doc = import_text(openslo_text(slo), "in.yaml", team="web").specs[0][1]
    assert doc["team"] == "web"


def test_openslo_services_each_get_their_own_spec() -> None:
    text = openslo_text(openslo_slo(), openslo_slo("web-availability", service="web"))
    assert [name for name, _ in import_text(text, "in.yaml").specs] == ["api.yaml", "web.yaml"]


def test_openslo_top_level_lists_of_documents_are_read() -> None:
    text = "- " + openslo_text().replace("\n", "\n  ")
    assert import_text(text, "in.yaml").specs[0][0] == "api.yaml"


def test_unreachable_tiers_are_disabled_with_a_warning() -> None:
    slo = only_slo(openslo_text(openslo_slo(objectives=[{"target": 0.9}])))
    assert slo["alerting"] == {"tiers": {"page-1h": {"enabled": False}}}
    window = [{"duration": "2d", "isRolling": True}]
    slo = only_slo(openslo_text(openslo_slo(timeWindow=window)))
    assert slo["alerting"] == {"tiers": {"ticket-3d": {"enabled": False}}}
    assert (
        "in.yaml: SLO availability: tier ticket-3d disabled: its 3d window is longer than "
        "the 2d period" in warnings(openslo_text(openslo_slo(timeWindow=window)))
    )
