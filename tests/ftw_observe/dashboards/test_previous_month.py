"""The previous-month panels: left out of the live data checks, exactly and only they."""

from __future__ import annotations

from tests.support.dashboards import PREVIOUS_MONTH, every_target, targets

OFFSET = "offset 30d"


def test_every_listed_panel_exists():
    panels = {(stem, panel.get("title", "")) for stem, panel, _ in every_target()}
    assert panels >= PREVIOUS_MONTH


def test_the_list_holds_only_previous_month_queries():
    for stem, panel, target in every_target():
        if (stem, panel.get("title", "")) in PREVIOUS_MONTH:
            assert OFFSET in target["expr"], (stem, panel["title"], target["expr"])


def test_every_previous_month_query_is_listed():
    for stem, panel, target in every_target():
        if OFFSET in target["expr"]:
            assert (stem, panel.get("title", "")) in PREVIOUS_MONTH, (stem, panel["title"])


def test_listed_panels_say_there_is_no_history_yet():
    for stem, panel, _ in every_target():
        if (stem, panel.get("title", "")) in PREVIOUS_MONTH:
            no_value = panel["fieldConfig"]["defaults"].get("noValue", "")
            assert no_value.startswith("No data for the previous 30 days"), panel["title"]


def test_every_other_query_is_still_checked_live():
    checked = {case.values[2] for case in targets()}
    for stem, panel, target in every_target():
        if (stem, panel.get("title", "")) not in PREVIOUS_MONTH:
            assert target["expr"] in checked
