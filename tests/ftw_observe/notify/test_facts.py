"""The facts receivers show, read from a notification's labels and annotations."""

from __future__ import annotations

from ftw_observe.notify.facts import alert_facts
from tests.support.notifications import burn_notification


def test_facts_accept_counts_in_any_spelling() -> None:
    notes = {"error_count": "3", "total_count": "900", "events_1h": "60", "errors_1h": "1"}
    facts = alert_facts(burn_notification(annotations=notes))
    assert dict(facts.counts) == {
        "errors": "3",
        "events": "900",
        "events 1h": "60",
        "errors 1h": "1",
    }


def test_burn_rates_list_the_long_window_first_then_the_others_longest_first() -> None:
    labels = {**burn_notification().labels, "long_window": "1h", "short_window": "5m"}
    notes = {"burn_rate": "20", "burn_rate_short": "31", "burn_rate_6h": "9", "burn_rate_30m": "12"}
    facts = alert_facts(burn_notification(labels=labels, annotations=notes))
    assert facts.burn_rates == (("1h", "20"), ("5m", "31"), ("6h", "9"), ("30m", "12"))


def test_missing_facts_are_empty_and_the_summary_falls_back_to_the_dedup_key() -> None:
    facts = alert_facts(burn_notification(labels={}, annotations={}))
    assert facts.summary == burn_notification().dedup_key
    assert (facts.slo, facts.service, facts.threshold, facts.links) == ("", "", "", ())
