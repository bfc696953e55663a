"""An incident's story: its start and end, and each SLO's peak burn and budget consumed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ftw_observe.budget import Status
from ftw_observe.model import (
    ACTIVE_SINCE,
    AlertKey,
    Evaluation,
    Incident,
    InstanceKey,
    Member,
    NotificationKind,
    WindowBurn,
)
from ftw_observe.notify import story
from tests.support.notifications import burn_notification

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
JOBS = InstanceKey("marketplace", "job-posting-availability")
API = InstanceKey("marketplace", "api-availability")
LATENCY = InstanceKey("marketplace", "api-latency-p95", (("route", "/api/jobs"),))


def evaluation(
    at: datetime,
    *,
    burn_1h: float | None = None,
    errors: float | None = None,
    events: float = 1_000_000.0,
    status: Status = Status.BURNING,
    key: InstanceKey = JOBS,
) -> Evaluation:
    """Return an evaluation of a 99.9 % SLO over 30 days with a 1h burn rate and period counts."""
    return Evaluation(
        key=key,
        evaluated_at=at,
        status=status,
        objective=99.9,
        period_seconds=30 * 86_400,
        sli=None,
        errors=errors,
        events=None if errors is None else events,
        remaining=None,
        remaining_minutes=None,
        seconds_to_exhaustion=None,
        windows=(WindowBurn("1h", None, None, None, burn_1h),),
    )


def page(tier: str, *, since: datetime | None, key: InstanceKey = JOBS) -> tuple[str, Member]:
    """Return an incident's member: one page tier of an SLO instance, active since a time."""
    labels = {"alertname": "SLOErrorBudgetBurn", **key.labels, "severity": "page", "tier": tier}
    notes = {ACTIVE_SINCE: since.isoformat()} if since else {}
    return AlertKey(key, tier).dedup_key, Member({"engine": "resolved"}, labels, notes)


def incident(*members: tuple[str, Member], opened_at: datetime = T0) -> Incident:
    found = Incident("ftw/marketplace/page", "closed", members=dict(members))
    found.opened_at = opened_at
    return found


def test_an_incident_starts_when_its_first_alert_became_active() -> None:
    found = incident(
        page("page-6h", since=T0 + 2 * MINUTE),
        page("page-1h", since=T0 - 3 * MINUTE),
        opened_at=T0,
    )

    assert story.started(found) == T0 - 3 * MINUTE


def test_an_incident_whose_alerts_say_no_start_starts_when_it_opened() -> None:
    assert story.started(incident(page("page-1h", since=None), opened_at=T0)) == T0


def test_the_peak_burn_is_the_highest_over_the_window_between_start_and_end() -> None:
    evaluations = [
        evaluation(T0 - MINUTE, burn_1h=90.0),  # before the start: not this incident's
        evaluation(T0, burn_1h=12.0),
        evaluation(T0 + MINUTE, burn_1h=31.2),
        evaluation(T0 + 2 * MINUTE, burn_1h=20.0),
        evaluation(T0 + 3 * MINUTE, burn_1h=80.0),  # after the end
    ]

    found = story.impact("job-posting-availability", "", "1h", evaluations, T0, T0 + 2 * MINUTE)

    assert (found.peak_burn, found.peak_window, found.peak_at) == (31.2, "1h", T0 + MINUTE)


def test_the_budget_consumed_is_the_errors_counted_since_the_start_over_the_budget() -> None:
    evaluations = [
        evaluation(T0 - 2 * MINUTE, errors=100.0),
        evaluation(T0 - MINUTE / 2, errors=120.0),  # the last before the start: the base
        evaluation(T0 + 10 * MINUTE, errors=320.0),
        evaluation(T0 + 20 * MINUTE, errors=420.0),
    ]

    found = story.impact("job-posting-availability", "", "1h", evaluations, T0, T0 + 20 * MINUTE)

    # 1,000,000 events at 99.9 % allow 1,000 errors: 300 of them were spent.
    assert found.errors == 300.0
    assert found.budget_consumed is not None
    assert round(found.budget_consumed, 6) == 0.3
    assert found.period == "30d"


def test_unreadable_evaluations_count_for_nothing() -> None:
    evaluations = [
        evaluation(T0, burn_1h=10.0, errors=100.0),
        evaluation(T0 + MINUTE, burn_1h=99.0, errors=900.0, status=Status.UNKNOWN),
        evaluation(T0 + 2 * MINUTE, burn_1h=20.0, errors=200.0),
    ]

    found = story.impact("job-posting-availability", "", "1h", evaluations, T0, T0 + 2 * MINUTE)

    assert (found.peak_burn, found.errors) == (20.0, 100.0)


def test_without_evaluations_the_impact_is_unknown_and_says_so() -> None:
    found = story.impact("job-posting-availability", "", "1h", [], T0, T0 + MINUTE)

    assert (found.peak_burn, found.budget_consumed) == (None, None)
    assert story.impact_text(found) == "job-posting-availability: no evaluation measured it"


def test_each_slo_is_told_over_the_long_window_of_its_fastest_tier() -> None:
    found = incident(
        page("page-6h", since=T0),
        page("page-1h", since=T0),
        page("page-6h", since=T0, key=API),
        ("am/MarketplaceHighErrorRatio", Member({"alertmanager": "resolved"}, {"severity": "x"})),
    )
    asked: list[tuple[str, str, str, datetime]] = []

    def read(service: str, slo: str, instance: str, since: datetime) -> list[Evaluation]:
        asked.append((service, slo, instance, since))
        return []

    told = story.tell(found, T0 + 47 * MINUTE, read)

    assert told is not None
    assert [(each.slo, each.peak_window) for each in told.impacts] == [
        ("api-availability", "6h"),
        ("job-posting-availability", "1h"),
    ]
    assert {each[3] for each in asked} == {T0 - story.BASE_LOOKBACK}
    assert told.duration == 47 * MINUTE


def test_a_grouped_slo_is_read_by_its_instance() -> None:
    asked: list[str] = []

    def read(service: str, slo: str, instance: str, since: datetime) -> list[Evaluation]:
        asked.append(instance)
        return []

    story.tell(incident(page("page-1h", since=T0, key=LATENCY)), T0 + MINUTE, read)

    assert asked == ["route=/api/jobs"]


def test_a_story_survives_the_annotations_it_travels_in() -> None:
    impact = story.Impact("api-availability", "", 31.2, "1h", T0, 0.031, 412.0, "30d")
    told = story.Story(T0, T0 + 47 * MINUTE, (impact,))

    assert story.read(story.to_annotations(told)) == told


def test_a_resolve_without_a_story_reads_as_none() -> None:
    assert story.read({"summary": "x"}) is None
    assert story.read({story.STARTED: "2026-11-01T12:00:00+00:00", story.ENDED: "soon"}) is None


def test_a_damaged_impact_list_leaves_the_start_and_end() -> None:
    notes = {story.STARTED: T0.isoformat(), story.ENDED: T0.isoformat(), story.IMPACT: "{"}

    assert story.read(notes) == story.Story(T0, T0)


def test_the_impact_reads_as_a_sentence() -> None:
    impact = story.Impact("api-latency-p95", "route=/api/jobs", 31.2, "1h", T0, 0.031, 412.0, "30d")

    assert story.impact_text(impact) == (
        "api-latency-p95 (route=/api/jobs): peak burn 31.20x over 1h at 12:00:00 UTC, "
        "3.10% of its 30d error budget consumed (412 errors)"
    )


def test_durations_read_the_way_people_say_them() -> None:
    assert [
        story.human_duration(timedelta(seconds=seconds))
        for seconds in (-5, 45, 47 * 60 + 20, 3_900, 2 * 86_400 + 3 * 3_600 + 60)
    ] == ["0s", "45s", "47m", "1h 5m", "2d 3h"]


def test_since_says_when_a_burn_started_and_how_long_before_the_message() -> None:
    notes = {ACTIVE_SINCE: (T0 - 3 * MINUTE).isoformat()}

    assert story.since_text(notes, T0, slo=True) == (
        "Burning since 2026-11-01 11:57:00 UTC (3m before this message)"
    )
    assert story.since_text(notes, T0, slo=False).startswith("Firing since ")
    assert story.since_text({}, T0, slo=True) == ""


def test_a_resolve_gets_the_story_of_its_incident() -> None:
    resolve = burn_notification(NotificationKind.RESOLVE, created_at=T0 + 47 * MINUTE)

    told = story.with_story(resolve, incident(page("page-1h", since=T0)), lambda *_: [])

    found = story.read(told.annotations)
    assert found is not None
    assert (found.started_at, found.ended_at) == (T0, T0 + 47 * MINUTE)
    assert told.annotations["summary"] == resolve.annotations["summary"]
