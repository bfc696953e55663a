"""One outage of a service, one page: job posting fails among the marketplace's other traffic.

The timeline `service-outage-15m` (tests/support/outages.py) is what Prometheus and the engine
see when every job post fails for 15 minutes among 5,000 clean API requests a minute on other
routes. Minutes count from the first failed post; job posting heals at 15. Prometheus fires:

- job-posting-availability page-1h from 1 to 20, page-6h from 3 to 45 (its ticket tiers from 5
  to 135 and 375: the page's tail, which opens nothing);
- api-availability page-1h from 6 to 20, page-6h from 13 to 44 (a sixth of its requests fail);
- MarketplaceHighErrorRatio warning from 6 to 20, critical from 7 to 19 (5xx share above 2 %
  and 5 % for 5 minutes).

Every page-level alert of the service (both SLOs' page tiers, the critical threshold alert)
joins one incident, `ftw/marketplace/page`: PagerDuty and Slack #incidents hear of the outage
once, and once more when it is over; the alerts that join are said in the page's thread.
The replay feeds the engine and Alertmanager's model into the dispatcher; the failure
message shows the whole replay.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.notify.recovery import Recovery
from ftw_observe.store import Store
from tests.support import outages
from tests.support.dispatch import Rig
from tests.support.outage_replay import ALERTMANAGER, ENGINE, Replay

SCENARIO = next(s for s in outages.SCENARIOS if s.name == "service-outage-15m")
PAGE_KEY = "ftw/marketplace/page"
PAGE_RECEIVERS = ("pagerduty-oncall", "slack-incidents")
TICKETS = "slack-slo-alerts"
BOTH = (ENGINE, ALERTMANAGER)


@dataclass(frozen=True)
class Case:
    """A replay and when its page and its resolve must reach the page receivers."""

    sources: tuple[str, ...]
    early: bool  # resolve once the fast windows stay clean (the engine's default)
    paged_at: float
    resolved_at: float
    joined_at: tuple[float, ...]  # when another SLO or alert joined the page: said, not paged

    def __str__(self) -> str:
        rule = "early resolve" if self.early else "every alert"
        return f"{'+'.join(self.sources)}, {rule}"


CASES = [
    # job-posting page-1h pages at 1; api-availability joins at 6, the critical threshold at
    # 7; both page-1h tiers resolve at 20, the critical at 19; the fast windows are clean
    # from 20, for the 10-minute hold.
    Case(BOTH, True, 1, 30, (6, 7)),
    # job-posting page-6h is the last member to stop firing.
    Case(BOTH, False, 1, 45, (6, 7)),
    # No threshold alerts without Alertmanager: the two SLOs decide alone.
    Case((ENGINE,), True, 1, 30, (6,)),
    # Without the engine's evaluations there is no evidence of recovery: page-6h decides.
    Case((ALERTMANAGER,), True, 1, 45, (6, 7)),
]


@pytest.fixture
def lite_store(tmp_path, store_engines) -> Store:
    """A store on SQLite: a replay makes about a thousand dispatch passes."""
    return Store(store_engines(f"sqlite:///{tmp_path / 'observe.db'}"))


def _replay(case: Case, store: Store, pagerduty: FakePagerDuty, slack: FakeSlack) -> Replay:
    rig = Rig(store, pagerduty, slack, recovery=Recovery() if case.early else None)
    replay = Replay(rig, outages.load(SCENARIO), case.sources)
    replay.run()
    return replay


def _minutes(replay: Replay, receiver: str) -> list[tuple[str, float]]:
    """Return what a receiver got, as (kind, minutes after the outage started)."""
    return [
        (item.notification.kind.value, replay.minutes_after_start(item.sent_at))
        for item in replay.sent()
        if item.receiver == receiver
    ]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_service_outage_pages_each_receiver_once(
    case: Case, lite_store: Store, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> None:
    replay = _replay(case, lite_store, fake_pagerduty, fake_slack)
    log = replay.log()

    assert replay.rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)], log
    (message,) = replay.rig.incidents_messages()
    thread = fake_slack.thread("incidents", message["ts"])
    notes = [m["metadata"]["event_payload"]["kind"] for m in thread]
    assert notes == ["join"] * len(case.joined_at) + ["resolve"], log
    for name in PAGE_RECEIVERS:
        expected = [
            ("trigger", case.paged_at),
            *(("join", minute) for minute in case.joined_at),
            ("resolve", case.resolved_at),
        ]
        assert _minutes(replay, name) == expected, log


@pytest.mark.parametrize("case", [c for c in CASES if ALERTMANAGER in c.sources], ids=str)
def test_the_warning_that_fires_before_its_critical_twin_is_superseded_by_the_page(
    case: Case, lite_store: Store, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> None:
    # The 2 % threshold is crossed a minute before the 5 %: Alertmanager sends the warning at
    # its group's first flush (6.5), before the critical mutes it. The critical joins the page
    # at 7, which supersedes its twin; the warning's resolve at 21.5 is the page's tail, and
    # the ticket tiers stay the page's tail too.
    replay = _replay(case, lite_store, fake_pagerduty, fake_slack)
    log = replay.log()

    assert _minutes(replay, TICKETS) == [("trigger", 6.5), ("supersede", 7.0)], log
    (message,) = fake_slack.posted("slo-alerts")
    assert "MarketplaceHighErrorRatio" in message["text"], log
    assert "Superseded by a page" in message["text"], log


def test_slo_alerts_hears_nothing_from_the_engine_alone(
    lite_store: Store, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> None:
    replay = _replay(Case((ENGINE,), True, 1, 30, (6,)), lite_store, fake_pagerduty, fake_slack)
    assert _minutes(replay, TICKETS) == [], replay.log()
