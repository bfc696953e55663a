"""The drill's pure parts: receipts from the fakes' records, the Workbook bound, the budget."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ftw_observe.demo.drill import Budget, workbook_bound
from ftw_observe.demo.inbox import pagerduty_receipt, slack_receipt
from ftw_observe.demo.outage import error_cap
from ftw_observe.demo.stack import DemoStack, StackError
from ftw_observe.notify.slack import EVENT_TYPE

KEY = "ftw/marketplace/job-posting-availability//page-1h"


def test_a_pagerduty_trigger_is_a_message() -> None:
    item = {
        "received_at": 12.5,
        "event": {"event_action": "trigger", "dedup_key": KEY, "payload": {"summary": "s"}},
    }
    receipt = pagerduty_receipt(item)
    assert (receipt.kind, receipt.dedup_key, receipt.at, receipt.text, receipt.message) == (
        "trigger",
        KEY,
        12.5,
        "s",
        True,
    )


def test_a_pagerduty_resolve_is_not_a_message() -> None:
    item = {"received_at": 1.0, "event": {"event_action": "resolve", "dedup_key": KEY}}
    assert not pagerduty_receipt(item).message


def _slack_call(kind: str, **params: object) -> dict[str, object]:
    metadata = {"event_type": EVENT_TYPE, "event_payload": {"dedup_key": KEY, "kind": kind}}
    return {
        "method": "chat.postMessage",
        "ok": True,
        "received_at": 3.0,
        "params": {"channel": "#incidents", "text": "t", "metadata": metadata, **params},
    }


def test_a_top_level_slack_post_is_a_message() -> None:
    receipt = slack_receipt(_slack_call("trigger"))
    assert receipt is not None
    assert (receipt.receiver, receipt.kind, receipt.message) == (
        "slack #incidents",
        "trigger",
        True,
    )


def test_a_thread_reply_is_not_a_message() -> None:
    receipt = slack_receipt(_slack_call("resolve", thread_ts="1.0"))
    assert receipt is not None
    assert (receipt.kind, receipt.message) == ("resolve", False)


def test_a_reply_by_channel_id_is_named_by_channel() -> None:
    call = _slack_call("resolve", thread_ts="1.0")
    call["params"] = {**call["params"], "channel": "C0INCIDENTS"}  # type: ignore[dict-item]
    receipt = slack_receipt(call, {"C0INCIDENTS": "#incidents"})
    assert receipt is not None
    assert receipt.receiver == "slack #incidents"


def test_failed_and_foreign_slack_calls_are_ignored() -> None:
    assert slack_receipt({**_slack_call("trigger"), "ok": False}) is None
    assert slack_receipt({**_slack_call("trigger"), "method": "chat.update"}) is None
    assert slack_receipt({"method": "chat.postMessage", "ok": True, "params": {}}) is None


def test_the_workbook_bound_of_the_fast_page_tier() -> None:
    tier = {"factor": 14.4, "long_window": "1h", "short_window": "5m", "for_seconds": 0}
    assert workbook_bound(tier, 99.9, 5, 5) == pytest.approx(51.84 + 10)


def test_budget_consumed_is_errors_over_the_allowed_errors() -> None:
    budget = Budget(
        99.9, "30d", 100_000, api_errors=50, marketplace_errors=48, marketplace_requests=60
    )
    assert budget.allowed_errors == pytest.approx(100)
    assert (budget.consumed, budget.expected) == pytest.approx((0.5, 0.48))


def test_budget_without_events_is_infinite() -> None:
    assert math.isinf(Budget(99.9, "30d", 0, 1, 1, 1).consumed)


def test_a_missing_stack_file_says_to_start_the_demo(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="make demo"):
        DemoStack.load(tmp_path)


def test_a_stack_file_without_a_field_names_it(tmp_path: Path) -> None:
    (tmp_path / "demo.json").write_text(json.dumps({"pid": 1}))
    with pytest.raises(StackError, match="marketplace_url"):
        DemoStack.load(tmp_path)


def test_a_pagerduty_event_from_alertmanager_names_it_as_the_sender() -> None:
    event = {"event_action": "trigger", "dedup_key": "ab12", "client": "Alertmanager"}
    assert pagerduty_receipt({"received_at": 1.0, "event": event}).sender == "alertmanager"


def test_a_pagerduty_event_without_a_client_is_the_engine_s() -> None:
    event = {"event_action": "trigger", "dedup_key": KEY}
    assert pagerduty_receipt({"received_at": 1.0, "event": event}).sender == "ftw-observe"


TIERS = [
    {"name": "page-1h", "severity": "page", "long_window": "1h", "error_ratio_threshold": 0.0144},
    {"name": "page-6h", "severity": "page", "long_window": "6h", "error_ratio_threshold": 0.006},
    {
        "name": "ticket-1d",
        "severity": "ticket",
        "long_window": "1d",
        "error_ratio_threshold": 0.003,
    },
]
EVENTS = {"1h": 1000.0, "6h": 6000.0, "1d": 24000.0}


def test_the_cap_lies_between_the_fast_tiers_need_and_the_next_tiers_tolerance() -> None:
    cap = error_cap(TIERS, EVENTS)
    assert cap is not None
    assert (cap.needed, cap.tolerated, cap.tolerated_by) == pytest.approx((14.4, 36, "page-6h"))
    assert cap.needed < cap.errors < cap.tolerated


def test_a_tiers_minimum_errors_raises_what_it_needs() -> None:
    tiers = [{**TIERS[0], "min_errors": 20}, *TIERS[1:]]
    cap = error_cap(tiers, EVENTS)
    assert cap is not None
    assert cap.needed == 20


def test_no_cap_when_the_slower_tier_fires_almost_as_soon() -> None:
    # Live traffic far above the backfilled history: the 6h window holds few more events.
    assert error_cap(TIERS, {**EVENTS, "6h": 1200.0}) is None


def test_no_cap_when_a_window_has_no_events() -> None:
    assert error_cap(TIERS, {**EVENTS, "1d": None}) is None


def test_no_cap_without_a_page_tier() -> None:
    assert error_cap(TIERS[2:], EVENTS) is None
