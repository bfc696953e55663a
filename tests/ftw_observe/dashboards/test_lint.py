"""Lint rules modelled on grafana/dashboard-linter: generated dashboards pass, bad ones fail."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ftw_observe.dashboards import lint
from ftw_observe.dashboards.layout import Plan, Row, assemble
from ftw_observe.dashboards.panels import Query, stat_panel, timeseries_panel


@pytest.fixture
def good() -> dict[str, Any]:
    """Return a small dashboard that passes every rule."""
    plan = Plan(
        uid="lint-test",
        title="Lint test",
        description="A dashboard for the lint tests.",
        rows=(
            Row(
                "Row",
                (
                    stat_panel(
                        "Requests",
                        "Requests per second.",
                        "reqps",
                        [Query("sum(rate(http_requests_total[$__rate_interval]))")],
                    ),
                    timeseries_panel(
                        "Errors",
                        "Errors per second.",
                        "reqps",
                        [
                            Query('sum(increase(x{status=~"5.."}[$__rate_interval])) / 60'),
                            Query("up"),
                        ],
                    ),
                ),
            ),
        ),
    )
    return assemble(plan)


def _panel(dashboard: dict[str, Any], title: str) -> dict[str, Any]:
    return next(panel for panel in dashboard["panels"] if panel.get("title") == title)


def test_generated_dashboards_pass_every_rule(dashboards):
    problems = {name: lint.lint(dashboard) for name, dashboard in dashboards.items()}
    assert problems == {name: [] for name in dashboards}


def test_the_small_dashboard_passes(good):
    assert lint.lint(good) == []


def test_datasource_variable_is_required(good):
    bad = copy.deepcopy(good)
    bad["templating"]["list"] = [v for v in bad["templating"]["list"] if v["type"] != "datasource"]
    assert lint.datasource_variable(bad) == ["expected one datasource variable, found 0"]


def test_datasource_variable_must_be_prometheus(good):
    bad = copy.deepcopy(good)
    bad["templating"]["list"][0]["query"] = "loki"
    assert lint.datasource_variable(bad)


def test_every_panel_and_target_uses_the_datasource_variable(good):
    bad = copy.deepcopy(good)
    del _panel(bad, "Requests")["datasource"]
    _panel(bad, "Errors")["targets"][1]["datasource"] = {"type": "prometheus", "uid": "${ds}"}
    assert lint.datasource_used(bad) == [
        "panel 101 (Requests) does not use ${datasource}",
        "panel 102 (Errors) target B does not use ${datasource}",
    ]


def test_a_fixed_datasource_uid_is_caught_anywhere(good):
    bad = copy.deepcopy(good)
    _panel(bad, "Errors")["targets"][0]["datasource"]["uid"] = "prometheus"
    assert lint.no_fixed_datasource(bad) == ["fixed datasource uid 'prometheus'"]


@pytest.mark.parametrize(
    "expr",
    [
        "sum(rate(x[5m]))",
        "irate(x[1m])",
        "sum(increase(x[$__interval]))",
        "rate((a + b)[10m:1m])",
        'rate(x{a=~"[$__rate_interval]"}[5m])',
    ],
)
def test_rate_increase_and_irate_need_rate_interval(good, expr):
    bad = copy.deepcopy(good)
    _panel(bad, "Errors")["targets"][1]["expr"] = expr
    assert len(lint.rate_interval(bad)) == 1


@pytest.mark.parametrize(
    "expr",
    [
        "sum(rate(x[$__rate_interval]))",
        "rate((a + b)[$__rate_interval:1m])",
        "sum_over_time(x[30d:5m])",
        "rate(x[$__rate_interval] offset 1h)",
        "histogram_quantile(0.9, sum by (le) (rate(x_bucket[$__rate_interval])))",
    ],
)
def test_rate_interval_accepts(good, expr):
    fine = copy.deepcopy(good)
    _panel(fine, "Errors")["targets"][1]["expr"] = expr
    assert lint.rate_interval(fine) == []


@pytest.mark.parametrize(
    "expr",
    ["increase(x[30d])", "histogram_quantile(0.95, sum by (le) (increase(b[30d] offset 30d)))"],
)
def test_an_instant_target_may_read_a_whole_month(good, expr):
    fine = copy.deepcopy(good)
    _panel(fine, "Errors")["targets"][1] |= {"expr": expr, "instant": True}
    assert lint.rate_interval(fine) == []


def test_an_instant_target_over_a_short_window_still_needs_rate_interval(good):
    bad = copy.deepcopy(good)
    _panel(bad, "Errors")["targets"][1] |= {"expr": "increase(x[1h])", "instant": True}
    assert len(lint.rate_interval(bad)) == 1


def test_a_graph_over_a_whole_month_still_needs_rate_interval(good):
    bad = copy.deepcopy(good)
    _panel(bad, "Errors")["targets"][1] |= {"expr": "increase(x[30d])", "range": True}
    assert len(lint.rate_interval(bad)) == 1


def test_units_are_required(good):
    bad = copy.deepcopy(good)
    del _panel(bad, "Requests")["fieldConfig"]["defaults"]["unit"]
    assert lint.units(bad) == ["panel 101 (Requests) has no unit"]


def test_titles_and_descriptions_are_required(good):
    bad = copy.deepcopy(good)
    _panel(bad, "Requests")["description"] = " "
    bad["panels"][0]["title"] = ""
    assert lint.titles_and_descriptions(bad) == [
        "panel 100 (untitled) has no title",
        "panel 101 (Requests) has no description",
    ]


def test_panel_ids_must_be_unique_and_present(good):
    bad = copy.deepcopy(good)
    _panel(bad, "Errors")["id"] = 101
    del bad["panels"][0]["id"]
    assert lint.unique_ids(bad) == [
        "panel None (Row) has no integer id",
        "panel 101 (Errors): id 101 is used twice",
    ]


def test_ref_ids_must_be_unique_and_present(good):
    bad = copy.deepcopy(good)
    _panel(bad, "Errors")["targets"][1]["refId"] = "A"
    assert lint.unique_ids(bad) == ["panel 102 (Errors): refIds ['A', 'A'] are missing or repeated"]


def test_lint_names_the_rule(good):
    bad = copy.deepcopy(good)
    del _panel(bad, "Requests")["fieldConfig"]["defaults"]["unit"]
    assert lint.lint(bad) == ["units: panel 101 (Requests) has no unit"]
