"""The dashboards: files, ids, variables, links, targets and queries that parse."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import promql_parser
import yaml

from ftw_observe.dashboards import build_dashboards, infrastructure
from ftw_observe.dashboards.executive_queries import WATCHDOG
from ftw_observe.dashboards.layout import panels_of, render_json
from ftw_observe.dashboards.variables import DEMO_VALUES, substitute
from ftw_observe.rules.compile import compile_service
from ftw_observe.rules.thresholds import kebab, threshold_alerts
from ftw_observe.spec.load import load_specs

REPO = Path(__file__).resolve().parents[3]
ALERTS = threshold_alerts(item.spec for item in load_specs([REPO / "slo"]))
UIDS = (
    "ftw-slo-overview",
    "ftw-slo-detail",
    "ftw-marketplace",
    "ftw-business",
    "ftw-infrastructure",
    "ftw-executive",
    "ftw-observe-health",
)


def _panel(dashboard, title):
    return next(panel for panel in panels_of(dashboard) if panel.get("title") == title)


def _steps(panel):
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    return [step["value"] for step in steps[1:]]


def test_one_file_per_dashboard_named_by_uid(dashboards):
    assert list(dashboards) == [f"{uid}.json" for uid in UIDS]
    assert [dashboard["uid"] for dashboard in dashboards.values()] == list(UIDS)


def test_building_twice_gives_identical_text(specs, dashboards):
    again = build_dashboards(specs)
    assert {name: render_json(d) for name, d in again.items()} == {
        name: render_json(d) for name, d in dashboards.items()
    }


def test_panel_ids_follow_rows(dashboards):
    for dashboard in dashboards.values():
        row = 0
        for panel in dashboard["panels"]:
            if panel["type"] == "row":
                row += 100
                assert panel["id"] == row
            else:
                assert row < panel["id"] < row + 100


def test_every_panel_is_placed_on_the_grid(dashboards):
    for dashboard in dashboards.values():
        for panel in dashboard["panels"]:
            position = panel["gridPos"]
            assert position["x"] + position["w"] <= 24, panel["title"]


def test_every_query_parses_once_variables_are_filled_in(dashboards):
    now = datetime(2026, 3, 15, 12, tzinfo=UTC)
    count = 0
    for dashboard in dashboards.values():
        for panel in panels_of(dashboard):
            for target in panel.get("targets", []):
                expr = substitute(target["expr"], now=now)
                assert "$" not in expr
                promql_parser.parse(expr)
                count += 1
    assert count > 100


def test_substitute_fills_grafana_date_macros():
    now = datetime(2026, 3, 15, 12, tzinfo=UTC)
    expr = "month() == ${__to:date:M} and ${__to:date:seconds} - time() > 0 and x[$__rate_interval]"
    window = DEMO_VALUES["__rate_interval"]
    assert substitute(expr, now=now) == (
        f"month() == 3 and {int(now.timestamp())} - time() > 0 and x[{window}]"
    )


def test_detail_variables_match_the_links_of_the_generated_alerts(specs, dashboards):
    detail = dashboards["ftw-slo-detail.json"]
    variables = {item["name"] for item in detail["templating"]["list"]}
    assert variables == {"datasource", "service", "slo", "route"}
    route = next(item for item in detail["templating"]["list"] if item["name"] == "route")
    assert (route["includeAll"], route["allValue"], route["current"]["value"]) == (
        True,
        ".*",
        "$__all",
    )
    for spec in specs:
        for group in compile_service(spec)["groups"]:
            for rule in group["rules"]:
                url = rule.get("annotations", {}).get("dashboard_url")
                if url:
                    parts = urlsplit(url)
                    assert parts.path == "/d/ftw-slo-detail"
                    assert {f"var-{name}" for name in ("service", "slo")} <= set(
                        parse_qs(parts.query)
                    )


def test_threshold_alerts_have_a_panel_each_in_the_first_row(dashboards):
    infra = dashboards["ftw-infrastructure.json"]
    ids = infrastructure.threshold_panel_ids(ALERTS)
    assert list(ids) == [kebab(alert.name) for alert in ALERTS]
    by_id = {panel["id"]: panel for panel in infra["panels"]}
    for alert in ALERTS:
        panel = by_id[ids[kebab(alert.name)]]
        assert alert.name in panel["description"]
        levels = sorted(float(level.threshold) for level in alert.levels)
        if alert.comparison == ">":
            assert _steps(panel) == levels


def test_targets_of_the_launch_plan_are_thresholds(dashboards):
    market = dashboards["ftw-marketplace.json"]
    assert _steps(_panel(market, "5xx ratio")) == [0.01, 0.02, 0.05]
    assert _steps(_panel(market, "p95 latency")) == [0.5, 0.8]
    business = dashboards["ftw-business.json"]
    assert _steps(_panel(business, "Jobs posted per day")) == [1500.0]
    assert _steps(_panel(business, "Bids per day")) == [7500.0]
    assert _steps(_panel(business, "First bid within 15 minutes")) == [0.9]


def test_slo_colours_follow_each_objective(specs, dashboards):
    panel = _panel(dashboards["ftw-slo-overview.json"], "SLI over the period")
    objectives = {
        override["matcher"]["options"]: override["properties"][0]["value"]["steps"][1]["value"]
        for override in panel["fieldConfig"]["overrides"]
        if override["matcher"]["id"] == "byRegexp"
    }
    assert objectives["^marketplace/api-availability( .*)?$"] == 0.999
    assert objectives["^marketplace/bid-response( .*)?$"] == 0.9


def test_alert_panels_never_return_nothing(dashboards):
    # A count over a past window is 0 only once the watchdog shows its rules were evaluated.
    evaluated = re.compile(
        rf" or 0 \* max\(max_over_time\({re.escape(WATCHDOG)}\[30d\]( offset 30d)?\)\)$"
    )
    for name in ("ftw-slo-overview.json", "ftw-slo-detail.json", "ftw-executive.json"):
        for panel in panels_of(dashboards[name]):
            for target in panel.get("targets", []):
                expr = target["expr"]
                if "ALERTS{" in expr:
                    assert expr.endswith("or vector(0)") or evaluated.search(expr), expr


def test_budget_burn_down_has_an_ideal_line(dashboards):
    detail = dashboards["ftw-slo-detail.json"]
    for title in (
        "Error budget remaining over the last 30 days",
        "Error budget burn-down this calendar month",
    ):
        panel = _panel(detail, title)
        assert [target["legendFormat"] for target in panel["targets"]][1] == "ideal"
        assert "time()" in panel["targets"][1]["expr"]


def test_grouped_slos_stay_generic():
    extra = yaml.safe_load(
        """
        service: checkout
        team: payments
        slos:
          - name: card-auth
            description: Card authorisations that succeed.
            objective: 99.5
            period: 28d
            group_by: [region]
            sli:
              ratio:
                errors: auth_total{result="error"}
                total: auth_total
        """
    )
    from ftw_observe.spec.model import ServiceSpec

    built = build_dashboards([ServiceSpec.model_validate(extra)])
    detail = built["ftw-slo-detail.json"]
    assert "region" in {item["name"] for item in detail["templating"]["list"]}
    assert 'region=~"$region"' in _panel(detail, "Error budget remaining")["targets"][0]["expr"]


def test_importing_the_package_shows_no_deprecation_warning():
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", "import ftw_observe.dashboards"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_no_query_uses_a_fixed_window_for_rates(dashboards):
    pattern = re.compile(r"\b(?:rate|irate|increase)\([^()]*\[(?!\$__rate_interval)")
    for dashboard in dashboards.values():
        for panel in panels_of(dashboard):
            for target in panel.get("targets", []):
                if not target.get("instant"):
                    assert not pattern.search(target["expr"]), target["expr"]


def test_a_fixed_window_for_rates_is_a_whole_month_read_once(dashboards):
    pattern = re.compile(r"\b(?:rate|irate|increase)\([^()]*\[(?!\$__rate_interval|30d\])")
    for dashboard in dashboards.values():
        for panel in panels_of(dashboard):
            for target in panel.get("targets", []):
                assert not pattern.search(target["expr"]), target["expr"]


def test_no_subquery_exceeds_victoriametrics_points_per_series(dashboards):
    # VictoriaMetrics refuses a subquery of more than -search.maxPointsPerTimeseries (30,000).
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    subquery = re.compile(r"\[(\d+)([smhd]):(\d+)([smhd])\]")
    for dashboard in dashboards.values():
        for panel in panels_of(dashboard):
            for target in panel.get("targets", []):
                for window, unit, step, step_unit in subquery.findall(target["expr"]):
                    points = int(window) * seconds[unit] // (int(step) * seconds[step_unit])
                    assert points <= 30000, target["expr"]
