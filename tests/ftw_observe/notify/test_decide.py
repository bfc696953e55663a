"""Routing, inhibition and silences decided from the committed policy, with no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ftw_observe.matching.silences import Silence, expired, new_silence
from ftw_observe.model import NotificationKind
from ftw_observe.notify.decide import (
    active_silence,
    decide,
    inhibitor,
    route,
    routing,
)
from ftw_observe.notify.policy import RoutingPolicy
from ftw_observe.notify.policy_file import load_policy, validate_policy_text
from tests.support.seed import notification

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
PAGE = ("pagerduty-oncall", "slack-incidents")
TICKET = ("slack-slo-alerts",)


@pytest.fixture(scope="module")
def policy() -> RoutingPolicy:
    return load_policy(ROOT / "alerts" / "routing.yaml")


def burn(tier: str, **extra: str) -> dict[str, str]:
    """Return the labels of a burn-rate alert as the engine and the rules give them."""
    long_window, short_window = {
        "page-1h": ("1h", "5m"),
        "page-6h": ("6h", "30m"),
        "ticket-1d": ("1d", "2h"),
        "ticket-3d": ("3d", "6h"),
    }[tier]
    return {
        "alertname": "SLOErrorBudgetBurn",
        "service": "marketplace",
        "slo": "api-availability",
        "team": "marketplace",
        "severity": "page" if tier.startswith("page") else "ticket",
        "tier": tier,
        "long_window": long_window,
        "short_window": short_window,
        **extra,
    }


def threshold(severity: str, **extra: str) -> dict[str, str]:
    """Return the labels of a threshold alert (Prometheus-evaluated, via Alertmanager)."""
    return {
        "alertname": "MarketplaceHighErrorRatio",
        "service": "marketplace",
        "severity": severity,
        "job": "marketplace",
        **extra,
    }


def trigger(labels: dict[str, str], kind: NotificationKind = NotificationKind.TRIGGER):
    dedup_key = "ftw/" + "/".join(labels.values())
    return notification(dedup_key, NOW, kind=kind, labels=labels)


def silence(*matchers: str, starts: timedelta = timedelta(0), hours: float = 2) -> Silence:
    return new_silence(
        list(matchers),
        author="ana",
        reason="deploy",
        starts_at=NOW + starts,
        ends_at=NOW + starts + timedelta(hours=hours),
        now=NOW,
    )


@pytest.mark.parametrize(
    ("labels", "receivers", "route_name", "repeat"),
    [
        (burn("page-1h"), PAGE, "pages", 4 * 3600),
        (burn("page-6h"), PAGE, "pages", 4 * 3600),
        (burn("ticket-1d"), TICKET, "tickets", 24 * 3600),
        (threshold("critical"), PAGE, "pages", 4 * 3600),
        (threshold("warning"), TICKET, "tickets", 24 * 3600),
        ({"alertname": "Heads", "severity": "info"}, TICKET, "info", 0),
        ({"alertname": "Watchdog"}, TICKET, "default_receivers", 24 * 3600),
        ({"alertname": "Odd", "severity": "urgent"}, TICKET, "default_receivers", 24 * 3600),
    ],
)
def test_the_launch_plan_routing_table(
    policy: RoutingPolicy,
    labels: dict[str, str],
    receivers: tuple[str, ...],
    route_name: str,
    repeat: int,
):
    found = routing(labels, policy)

    assert route(labels, policy) == receivers
    assert found.routes == (route_name,)
    assert found.repeat_seconds == repeat


CONTINUE = """\
receivers:
  pager: {pagerduty: {routing_key_env: PAGERDUTY_ROUTING_KEY}}
  payments: {slack: {channel: "#payments"}}
  everyone: {slack: {channel: "#slo-alerts"}}
routes:
  - match: {slo: payout-success}
    receivers: [payments]
    continue: true
    repeat_interval: 1h
  - match: {severity: page, tier: "!ticket-3d"}
    receivers: [pager, payments]
  - match: {severity: "~.*"}
    receivers: [everyone]
default_receivers: [everyone]
"""


def test_continue_adds_the_next_matching_routes_without_repeats():
    policy, issues = validate_policy_text(CONTINUE, "routing.yaml")
    assert policy is not None, issues
    payout = burn("page-1h", slo="payout-success")

    found = routing(payout, policy)

    assert found.receivers == ("payments", "pager")
    assert found.routes == ("routes[0]", "routes[1]")
    assert found.repeat_seconds == 3600  # the shortest of the matched routes
    assert route(burn("page-1h"), policy) == ("pager", "payments")  # first match wins
    assert route(burn("ticket-3d"), policy) == ("everyone",)


def test_a_faster_tier_mutes_every_slower_tier_of_the_same_slo(policy: RoutingPolicy):
    tiers = ["page-1h", "page-6h", "ticket-1d", "ticket-3d"]
    for index, faster in enumerate(tiers):
        for slower in tiers[index + 1 :]:
            assert inhibitor(burn(slower), [burn(faster)], policy) == burn(faster)
        for same_or_faster in tiers[: index + 1]:
            assert inhibitor(burn(same_or_faster), [burn(faster)], policy) is None


def test_tier_inhibition_needs_the_same_slo_instance(policy: RoutingPolicy):
    jobs = {"slo": "api-latency-p95", "route": "/api/jobs"}
    bids = {"slo": "api-latency-p95", "route": "/api/bids"}

    assert inhibitor(burn("page-6h", **jobs), [burn("page-1h", **bids)], policy) is None
    assert inhibitor(burn("page-6h", **jobs), [burn("page-1h", **jobs)], policy) is not None
    assert inhibitor(burn("page-6h", slo="payout-success"), [burn("page-1h")], policy) is None
    assert inhibitor(burn("page-6h", service="other"), [burn("page-1h")], policy) is None


def test_a_critical_mutes_its_warning_twin_only(policy: RoutingPolicy):
    critical = threshold("critical")

    assert inhibitor(threshold("warning"), [critical], policy) == critical
    assert inhibitor(threshold("warning", instance="db:9187"), [critical], policy) is None
    assert inhibitor(threshold("warning", alertname="HostHighCpu"), [critical], policy) is None
    assert inhibitor(critical, [threshold("warning")], policy) is None


def test_an_alert_never_inhibits_itself():
    text = CONTINUE + (
        "inhibit:\n  - source: {severity: '~.+'}\n    target: {severity: '~.+'}\n"
        "    equal: [service]\n"
    )
    policy, issues = validate_policy_text(text, "routing.yaml")
    assert policy is not None, issues

    assert inhibitor(burn("page-1h"), [burn("page-1h")], policy) is None
    assert inhibitor(burn("page-1h"), [burn("page-1h"), burn("page-6h")], policy) == burn("page-6h")


def test_silences_match_by_every_matcher_while_active():
    silences = [silence("service=marketplace", "slo=~api-.*", "tier!=ticket-3d")]

    assert active_silence(burn("page-1h"), silences, NOW) == silences[0]
    assert active_silence(burn("ticket-3d"), silences, NOW) is None
    assert active_silence(burn("page-1h", slo="payout-success"), silences, NOW) is None
    assert active_silence(burn("page-1h"), silences, NOW + timedelta(hours=2)) is None


def test_a_maintenance_window_mutes_only_once_it_starts():
    window = silence("service=marketplace", starts=timedelta(hours=1))

    assert active_silence(burn("page-1h"), [window], NOW) is None
    assert active_silence(burn("page-1h"), [window], NOW + timedelta(hours=1)) == window
    assert active_silence(burn("page-1h"), [window], NOW + timedelta(hours=3)) is None


def test_an_expired_silence_mutes_nothing_and_the_longest_active_one_is_named():
    short, long = silence("service=marketplace", hours=1), silence("slo=api-availability")

    assert active_silence(burn("page-1h"), [short, long], NOW) == long
    gone = expired(long, NOW + timedelta(minutes=10))
    assert active_silence(burn("page-1h"), [short, gone], NOW + timedelta(minutes=10)) == short


def test_decide_routes_a_trigger_that_nothing_mutes(policy: RoutingPolicy):
    decision = decide(trigger(burn("page-1h")), policy=policy, firing=[], silences=[], now=NOW)

    assert decision.receivers == PAGE
    assert decision.muted_by is None
    assert decision.details == {
        "route": "pages",
        "receivers": "pagerduty-oncall, slack-incidents",
        "repeat_interval": "4h",
    }


def test_decide_mutes_a_silenced_trigger_and_says_which_silence(policy: RoutingPolicy):
    muting = silence("service=marketplace")

    decision = decide(
        trigger(burn("page-1h")), policy=policy, firing=[], silences=[muting], now=NOW
    )

    assert decision.receivers == ()
    assert decision.muted_by == f"silence {muting.id}"
    assert decision.details["silence"] == muting.id
    assert decision.details["receivers"] == "pagerduty-oncall, slack-incidents"


def test_decide_mutes_an_inhibited_trigger_and_names_the_alert(policy: RoutingPolicy):
    decision = decide(
        trigger(burn("page-6h")), policy=policy, firing=[burn("page-1h")], silences=[], now=NOW
    )

    assert decision.receivers == ()
    assert decision.muted_by == (
        'inhibited by SLOErrorBudgetBurn{long_window="1h",service="marketplace",'
        'severity="page",short_window="5m",slo="api-availability",team="marketplace",'
        'tier="page-1h"}'
    )
    assert decision.details["inhibit_rule"] == "page-1h-mutes-slower-tiers"


def test_decide_never_mutes_a_resolve(policy: RoutingPolicy):
    resolve = trigger(burn("page-6h"), NotificationKind.RESOLVE)

    decision = decide(
        resolve,
        policy=policy,
        firing=[burn("page-1h")],
        silences=[silence("service=marketplace")],
        now=NOW,
    )

    assert decision.receivers == PAGE
    assert decision.muted_by is None
