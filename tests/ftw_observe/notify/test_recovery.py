"""When an outage is over before its slowest tier says so: the rule, on evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from ftw_observe.budget import Status
from ftw_observe.burnrate import PAGE_1H, PAGE_6H
from ftw_observe.model import AlertKey, Evaluation, Incident, InstanceKey, Member, WindowBurn
from ftw_observe.notify.recovery import Candidate, Recovery, candidates, recovered

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
JOBS = InstanceKey("marketplace", "job-posting-availability")
API = InstanceKey("marketplace", "api-availability")
RULE = Recovery(hold=timedelta(minutes=10))
FOUND = Candidate("marketplace", "job-posting-availability", "", PAGE_1H, (PAGE_6H,))


def page(tier: str, *, firing: bool, key: InstanceKey = JOBS) -> tuple[str, Member]:
    labels = {
        "alertname": "SLOErrorBudgetBurn",
        **key.labels,
        "severity": "page",
        "tier": tier,
    }
    state = "firing" if firing else "resolved"
    return AlertKey(key, tier).dedup_key, Member({"engine": state}, labels)


def threshold(*, firing: bool) -> tuple[str, Member]:
    labels = {"alertname": "MarketplaceHighErrorRatio", "severity": "critical"}
    labels["service"] = "marketplace"
    state = "firing" if firing else "resolved"
    return "am/MarketplaceHighErrorRatio", Member({"alertmanager": state}, labels)


def incident(*members: tuple[str, Member], state: str = "open") -> Incident:
    return Incident("ftw/marketplace/page", state, members=dict(members))


def evaluation(at: datetime, burn_5m: float | None, status: Status = Status.BURNING) -> Evaluation:
    return Evaluation(
        key=JOBS,
        evaluated_at=at,
        status=status,
        objective=99.9,
        period_seconds=30 * 86_400,
        sli=None,
        errors=None,
        events=None,
        remaining=None,
        remaining_minutes=None,
        seconds_to_exhaustion=None,
        windows=(WindowBurn("5m", None, None, None, burn_5m),),
    )


def every_minute(burns: Sequence[float | None], *, end: datetime = T0) -> list[Evaluation]:
    """Evaluations a minute apart, the last at `end`."""
    start = end - (len(burns) - 1) * MINUTE
    return [evaluation(start + index * MINUTE, burn) for index, burn in enumerate(burns)]


def test_an_incident_whose_fast_tier_resolved_while_a_slower_fires_is_a_candidate() -> None:
    found = candidates(incident(page("page-1h", firing=False), page("page-6h", firing=True)))

    assert found == [FOUND]


def test_each_slo_still_firing_in_a_services_page_is_judged_on_its_own() -> None:
    members = [
        page(tier, firing=tier == "page-6h", key=key)
        for key in (JOBS, API)
        for tier in ("page-1h", "page-6h")
    ]

    found = candidates(incident(*members))

    assert found == [Candidate("marketplace", "api-availability", "", PAGE_1H, (PAGE_6H,)), FOUND]


def test_an_slo_whose_tiers_all_resolved_needs_no_judging() -> None:
    members = (
        page("page-1h", firing=False),
        page("page-6h", firing=True),
        page("page-1h", firing=False, key=API),
    )

    assert candidates(incident(*members)) == [FOUND]


def test_an_slo_firing_without_a_faster_tier_that_saw_the_end_keeps_the_incident() -> None:
    members = (
        page("page-1h", firing=False),
        page("page-6h", firing=True),
        page("page-6h", firing=True, key=API),
    )

    assert candidates(incident(*members)) is None


def test_a_threshold_alert_still_firing_keeps_the_incident() -> None:
    members = (page("page-1h", firing=False), page("page-6h", firing=True))

    assert candidates(incident(*members, threshold(firing=True))) is None
    assert candidates(incident(*members, threshold(firing=False))) == [FOUND]


@pytest.mark.parametrize(
    "members",
    [
        [page("page-1h", firing=True), page("page-6h", firing=True)],  # still burning fast
        [page("page-6h", firing=True)],  # a slow burn: no faster tier saw it end
        [page("page-6h", firing=False), page("page-1h", firing=True)],  # slower one resolved
    ],
)
def test_no_faster_tier_that_saw_the_end_means_no_candidate(members) -> None:
    assert candidates(incident(*members)) is None


def test_only_an_open_incident_is_a_candidate() -> None:
    members = (page("page-1h", firing=False), page("page-6h", firing=True))

    assert candidates(incident(*members, state="tail")) is None


def test_a_fast_window_clean_for_the_whole_hold_is_recovery() -> None:
    evaluations = every_minute([0.0] * 11)

    assert recovered(evaluations, FOUND, now=T0, rule=RULE)


def test_clean_for_less_than_the_hold_is_not() -> None:
    evaluations = every_minute([500.0] + [0.0] * 9)

    assert not recovered(evaluations, FOUND, now=T0, rule=RULE)


def test_intermittent_errors_are_never_clean_for_the_hold() -> None:
    spikes = ([200.0, 600.0, 1000.0, 1000.0, 1000.0, 800.0, 600.0, 400.0, 200.0, 0.0]) * 2

    assert not recovered(every_minute(spikes), FOUND, now=T0, rule=RULE)


def test_a_burn_still_worth_the_slower_page_is_not_recovery() -> None:
    # 1 % errors: page-1h's 14.4 is out of reach, page-6h's 6 is not.
    evaluations = every_minute([10.0] * 11)

    assert not recovered(evaluations, FOUND, now=T0, rule=RULE)


def test_clean_means_under_half_the_smallest_factor_still_firing() -> None:
    assert recovered(every_minute([2.9] * 11), FOUND, now=T0, rule=RULE)
    assert not recovered(every_minute([3.0] * 11), FOUND, now=T0, rule=RULE)


def test_a_window_without_events_is_no_evidence() -> None:
    evaluations = every_minute([0.0] * 5 + [None] + [0.0] * 5)

    assert not recovered(evaluations, FOUND, now=T0, rule=RULE)


def test_an_unreadable_prometheus_is_no_evidence() -> None:
    evaluations = every_minute([0.0] * 11)
    evaluations[-3] = evaluation(evaluations[-3].evaluated_at, 0.0, Status.UNKNOWN)

    assert not recovered(evaluations, FOUND, now=T0, rule=RULE)


def test_a_gap_in_the_evaluations_is_no_evidence() -> None:
    evaluations = [e for e in every_minute([0.0] * 11) if not T0 - 8 * MINUTE < e.evaluated_at < T0]

    assert not recovered(evaluations, FOUND, now=T0, rule=RULE)


def test_evaluations_that_stopped_coming_are_no_evidence() -> None:
    stale = every_minute([0.0] * 11, end=T0 - 6 * MINUTE)

    assert not recovered(stale, FOUND, now=T0, rule=RULE)
