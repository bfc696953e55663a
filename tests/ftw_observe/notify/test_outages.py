"""One outage, one page: promtool's timelines of three outages, replayed through the router.

Each timeline (tests/support/outages.py; `.venv/bin/python -m tests.support.outages` makes
them again) is what Prometheus and the engine see of job-posting-availability, minute by
minute. The replay feeds it to the engine and to Alertmanager's model and both into the
dispatcher, which delivers to the fake PagerDuty and Slack. Every receiver gets one trigger and
one resolve, and nothing after; the failure message shows the whole replay.

Minutes count from the first failed post. Recovery: the 15-minute outage heals at 15, the
intermittent errors stop at 55, the slow burn at 480.
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

SCENARIOS = {scenario.name: scenario for scenario in outages.SCENARIOS}
PAGE_KEY = "ftw/marketplace/page"
RECEIVERS = ("pagerduty-oncall", "slack-incidents")
BOTH = (ENGINE, ALERTMANAGER)


@dataclass(frozen=True)
class Case:
    """A replay and when its page and its resolve must reach the receivers."""

    scenario: str
    sources: tuple[str, ...]
    early: bool  # resolve once the fast window stays clean (the engine's default)
    paged_at: float
    resolved_at: float

    def __str__(self) -> str:
        rule = "early resolve" if self.early else "every tier"
        return f"{self.scenario}, {'+'.join(self.sources)}, {rule}"


CASES = [
    # page-1h fires at 1; recovery at 15; page-1h resolves at 20, page-6h at 45.
    Case("outage-15m", BOTH, True, 1, 30),
    Case("outage-15m", BOTH, False, 1, 45),
    Case("outage-15m", (ENGINE,), True, 1, 30),
    # Without the engine's evaluations there is no evidence of recovery: page-6h decides.
    Case("outage-15m", (ALERTMANAGER,), True, 1, 45),
    # page-1h flaps (resolves at 10, 20 … 60, fires again a minute later); page-6h fires
    # from 3 to 85; the last errors are at 55.
    Case("intermittent-5-in-10", BOTH, True, 1, 70),
    Case("intermittent-5-in-10", BOTH, False, 1, 85),
    Case("intermittent-5-in-10", (ALERTMANAGER,), True, 1, 85),
    # Only page-6h fires, from 309 to 485: no faster tier to resolve sooner.
    Case("slow-burn-7x", BOTH, True, 309, 485),
]


@pytest.fixture
def lite_store(tmp_path, store_engines) -> Store:
    """A store on SQLite: a replay makes about a thousand dispatch passes."""
    return Store(store_engines(f"sqlite:///{tmp_path / 'observe.db'}"))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_committed_timelines_are_fresh(name: str) -> None:
    scenario = SCENARIOS[name]
    kept = outages.load(scenario)
    assert kept.fingerprint == outages.fingerprint(scenario), (
        f"{outages.path(scenario)} is stale: regenerate it with `{outages.COMMAND}`"
    )


@pytest.mark.parametrize("case", CASES, ids=str)
def test_an_outage_gives_each_receiver_one_trigger_and_one_resolve(
    case: Case, lite_store: Store, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> None:
    rig = Rig(lite_store, fake_pagerduty, fake_slack, recovery=Recovery() if case.early else None)
    replay = Replay(rig, outages.load(SCENARIOS[case.scenario]), case.sources)
    replay.run()
    log = replay.log()

    assert replay.kinds() == {name: ["trigger", "resolve"] for name in RECEIVERS}, log
    assert rig.pd_actions() == [("trigger", PAGE_KEY), ("resolve", PAGE_KEY)], log
    (message,) = rig.incidents_messages()
    assert len(fake_slack.thread("incidents", message["ts"])) == 1, log
    for item in replay.sent():
        expected = case.paged_at if item.notification.kind.value == "trigger" else case.resolved_at
        assert replay.minutes_after_start(item.sent_at) == expected, log
