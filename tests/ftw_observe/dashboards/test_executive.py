"""The executive summary: each figure of the last 30 days beside its twin of the 30 before."""

from __future__ import annotations

from ftw_observe.dashboards import executive
from ftw_observe.dashboards.layout import assemble, panels_of

PAIRS = [
    ("Availability, last 30 days", "Availability, the 30 days before"),
    ("Incidents, last 30 days", "Incidents, the 30 days before"),
    ("Downtime minutes, last 30 days", "Downtime minutes, the 30 days before"),
    ("Error budget left now", "Error budget left 30 days ago"),
    ("API p95 latency, last 30 days", "API p95 latency, the 30 days before"),
]


def _panels(specs):
    return {panel["title"]: panel for panel in panels_of(assemble(executive.build(specs)))}


def _expr(panel):
    (target,) = panel["targets"]
    return target["expr"]


def test_each_previous_month_query_is_its_twin_offset_30_days(specs):
    panels = _panels(specs)
    for last, before in PAIRS:
        assert "offset 30d" in _expr(panels[before])
        assert _expr(panels[before]).replace(" offset 30d", "") == _expr(panels[last])


def test_previous_month_panels_say_when_there_is_no_history_yet(specs):
    panels = _panels(specs)
    for last, before in PAIRS:
        assert panels[before]["fieldConfig"]["defaults"]["noValue"] == executive.NO_PREVIOUS
        assert "noValue" not in panels[last]["fieldConfig"]["defaults"]


def test_figures_read_one_instant_each(specs):
    panels = _panels(specs)
    for pair in PAIRS:
        for title in pair:
            assert panels[title]["targets"][0]["instant"] is True, title


def test_incidents_say_why_they_count_outages(specs):
    description = _panels(specs)["Incidents, last 30 days"]["description"]
    assert "one paged outage" in description
    assert "counts once" in description


def test_downtime_turns_red_at_each_slo_budget_for_30_days(specs):
    overrides = _panels(specs)["Downtime minutes, last 30 days"]["fieldConfig"]["overrides"]
    red = {
        override["matcher"]["options"]: override["properties"][0]["value"]["steps"][2]["value"]
        for override in overrides
    }
    assert red["^marketplace/api-availability$"] == 43.2  # 0.1 % of 43,200 minutes
    assert red["^marketplace/bid-response$"] == 4320  # 10 %


def test_the_time_range_defaults_to_the_last_30_days(specs):
    assert assemble(executive.build(specs))["time"] == {"from": "now-30d", "to": "now"}
