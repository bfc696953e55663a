"""The weekly budget review: queued once per scheduled time, posted to the ticket channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.engine.settings import parse_schedule
from ftw_observe.model import Notification, NotificationKind
from ftw_observe.report.review import KEY_PREFIX, BudgetReview, incidents_line, latest_due
from ftw_observe.store import Store
from tests.ftw_observe.report.data import END, SLOS
from tests.support.dispatch import Rig

REPORT_URL = "http://observe.test/reports/latest.html"
DAILY_AT_SIX = "0 6 * * *"  # the seeded window ends at 06:00 UTC


def make_review(store: Store, replica: str = "engine-a") -> BudgetReview:
    """Return a daily review over the six hours the seeded history covers."""
    trigger = parse_schedule(DAILY_AT_SIX)
    assert trigger is not None
    return BudgetReview(
        store, SLOS, trigger, replica=replica, report_url=REPORT_URL, window=timedelta(hours=6)
    )


def make_notification(summary: str) -> Notification:
    """Return a review announcement saying `summary`."""
    return Notification(
        f"{KEY_PREFIX}{END.isoformat()}",
        NotificationKind.ANNOUNCE,
        END,
        {"alertname": "FTWBudgetReview", "severity": "ticket"},
        {"summary": summary},
        "review",
    )


def text_of(message: dict[str, Any]) -> str:
    """Return every text of a posted message: its fallback and its blocks."""
    parts = [str(message.get("text", ""))]
    for block in message.get("blocks") or []:
        if "text" in block:
            parts.append(str(block["text"].get("text", "")))
        parts.extend(str(item.get("text", "")) for item in block.get("elements", []))
    return "\n".join(parts)


def test_the_review_is_posted_to_the_ticket_channel(
    seeded_store: Store, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> None:
    assert make_review(seeded_store).run(END + timedelta(minutes=1)) == END
    Rig(seeded_store, fake_pagerduty, fake_slack).run()
    posted = fake_slack.posted("#slo-alerts")
    assert len(posted) == 1
    text = text_of(posted[0])
    assert "Weekly SLO review, 2024-06-08 00:00:00 UTC to 2024-06-08 06:00:00 UTC" in text
    assert "1 of 3 SLOs below objective" in text
    assert (
        "marketplace/api-availability: 99.850 % of 99.9 %, NOT met; budget consumed 8.8 % "
        "this week, 0.3 % this period (measured over 5h 30m of 30d); 5 alert firings"
    ) in text
    assert "marketplace/api-latency-p95: — of 95 %, no data" in text
    assert (
        "2024-06-08 04:00:00 UTC marketplace/job-posting-availability: 40 errors of 400"
    ) in text
    assert "No outage paged anyone." in text
    assert f"<{REPORT_URL}|The full report>" in text
    assert fake_slack.posted("#incidents") == []
    assert fake_pagerduty.events() == []


def test_slos_below_objective_come_first(
    seeded_store: Store, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> None:
    make_review(seeded_store).run(END + timedelta(minutes=1))
    Rig(seeded_store, fake_pagerduty, fake_slack).run()
    text = text_of(fake_slack.posted("#slo-alerts")[0])
    first = text.index("marketplace/api-availability: ")
    assert first < text.index("marketplace/job-posting-availability: ")
    assert first < text.index("marketplace/api-latency-p95: ")


def test_a_second_replica_or_a_restart_queues_nothing(
    seeded_store: Store, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> None:
    assert make_review(seeded_store, "engine-a").run(END + timedelta(minutes=1)) == END
    assert make_review(seeded_store, "engine-b").run(END + timedelta(minutes=2)) is None
    restarted = make_review(seeded_store, "engine-a")
    assert restarted.run(END + timedelta(hours=3)) is None
    rig = Rig(seeded_store, fake_pagerduty, fake_slack)
    rig.run()
    rig.run(60)
    assert len(fake_slack.posted("#slo-alerts")) == 1


def test_only_the_first_of_two_racing_claims_queues_a_message(store: Store) -> None:
    def claim(replica: str) -> bool:
        return store.claim_review(
            due_at=END,
            now=END,
            replica=replica,
            html="<p>report</p>",
            notifications=[make_notification(replica)],
        )

    assert claim("engine-a")
    assert not claim("engine-b")
    assert store.review_claimed(END)
    assert store.latest_review_html() == "<p>report</p>"
    queued = store.notifications.claim(END, limit=10, routed=False)
    assert [item.notification.annotations["summary"] for item in queued] == ["engine-a"]


def test_the_review_keeps_the_full_report_page(seeded_store: Store) -> None:
    assert seeded_store.latest_review_html() is None
    make_review(seeded_store).run(END + timedelta(minutes=1))
    page = seeded_store.latest_review_html()
    assert page is not None
    assert page.startswith("<!doctype html>")
    assert "marketplace/api-availability" in page


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
        (datetime(2026, 11, 30, 20, 0, tzinfo=UTC), datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
        (datetime(2026, 11, 30, 8, 59, tzinfo=UTC), None),  # a week ago is too late to send
        (datetime(2026, 12, 1, 9, 1, tzinfo=UTC), None),  # more than a day late
    ],
)
def test_a_review_is_due_from_its_time_for_a_day(now: datetime, due: datetime | None) -> None:
    trigger = parse_schedule("0 9 * * 1")  # Mondays 09:00 UTC; 2026-11-30 is a Monday
    assert trigger is not None
    assert latest_due(trigger, now) == due


def test_an_empty_schedule_turns_the_review_off() -> None:
    assert parse_schedule("") is None
    assert parse_schedule("  ") is None


def test_a_bad_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="is not a crontab"):
        parse_schedule("every monday")


def test_the_incidents_line_counts_paged_outages_per_service_most_first() -> None:
    line = incidents_line({"payments-api": 1, "marketplace": 2})
    assert line == "3 paged outages: marketplace 2, payments-api 1"
