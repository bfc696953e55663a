"""The self-monitoring dashboard's query helpers and the sentence naming each alert."""

from __future__ import annotations

from ftw_observe.dashboards import health_queries


def test_runbook_anchor_follows_the_heading() -> None:
    assert health_queries.watched_by("FTWObserveNoLeader") == (
        "Watched by FTWObserveNoLeader (page; runbook docs/runbooks/ftw-observe.md#no-leader)."
    )


def test_or_none_labels_the_empty_case() -> None:
    assert health_queries.or_none("sum by (outcome) (x)", "outcome") == (
        'sum by (outcome) (x) or on() label_replace(vector(0), "outcome", "none", "", "")'
    )


def test_up_count_is_zero_when_no_target_is_scraped() -> None:
    assert health_queries.up_count("alertmanager") == (
        'sum(up{job="alertmanager"}) or on() vector(0)'
    )
