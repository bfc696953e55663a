"""Which receipts are a break's page, its Slack message and its resolve."""

from __future__ import annotations

from ftw_observe.demo.chain import (
    EXPECTED,
    Component,
    first_page,
    open_pages,
    resolve_of,
    slack_of,
)
from ftw_observe.demo.inbox import Receipt

GROUP = "6f1c0b1e2d"  # Alertmanager's dedup key: its group's hash
META = "ftw/ftw-observe/meta"


def pd(kind: str, key: str, at: float = 1.0, sender: str = "ftw-observe") -> Receipt:
    return Receipt("pagerduty", kind, key, at, f"{kind} {key}", kind == "trigger", sender)


def slack(
    kind: str, key: str, *, top: bool = True, sender: str = "ftw-observe", at: float = 2.0
) -> Receipt:
    return Receipt("slack #incidents", kind, key, at, f"{kind} {key}", top, sender)


def test_a_resolved_page_is_no_longer_open() -> None:
    receipts = [pd("trigger", "a"), pd("trigger", "b"), pd("resolve", "a"), slack("trigger", "c")]
    assert open_pages(receipts) == {"b"}


def test_the_page_is_the_first_trigger_of_an_incident_not_open_before() -> None:
    reminder, new = pd("trigger", "old", at=1), pd("trigger", META, at=2)
    assert first_page([slack("trigger", META), reminder, new], {"old"}) == new


def test_no_trigger_is_no_page() -> None:
    assert first_page([pd("resolve", "a"), slack("trigger", "b")], set()) is None


def test_the_engine_s_slack_post_matches_the_page_by_dedup_key() -> None:
    page = pd("trigger", META)
    other, mine = slack("trigger", "ftw/marketplace/x"), slack("trigger", META)
    assert slack_of([other, mine], page, "trigger") == mine


def test_a_thread_reply_is_not_the_page_s_message_but_may_be_its_resolve() -> None:
    page = pd("trigger", META)
    reply = slack("trigger", META, top=False)
    resolve = slack("resolve", META, top=False)
    assert slack_of([reply], page, "trigger") is None
    assert slack_of([reply, resolve], page, "resolve") == resolve


def test_alertmanager_s_slack_post_matches_alertmanager_s_page() -> None:
    page = pd("trigger", GROUP, sender="alertmanager")
    post = slack("trigger", "alertmanager/ftw-observe/page", sender="alertmanager")
    assert slack_of([post], page, "trigger") == post
    assert slack_of([post], pd("trigger", META), "trigger") is None


def test_the_resolve_is_the_page_s_dedup_key_at_pagerduty() -> None:
    page = pd("trigger", META)
    resolve = pd("resolve", META, at=9)
    assert resolve_of([pd("resolve", "other"), slack("resolve", META), resolve], page) == resolve


def test_every_component_has_its_goal_and_sender() -> None:
    goals = {c.value: (EXPECTED[c].goal_seconds, EXPECTED[c].sender) for c in Component}
    assert goals == {
        "engine": (180.0, "alertmanager"),
        "alertmanager": (300.0, "ftw-observe"),
        "prometheus": (300.0, "ftw-observe"),
    }
    assert EXPECTED[Component.ENGINE].kill
    assert not EXPECTED[Component.PROMETHEUS].kill
