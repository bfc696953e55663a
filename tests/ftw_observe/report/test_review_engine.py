"""Two real engines on one Postgres, reviewing every minute: each review reaches Slack once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.report.review import KEY_PREFIX
from tests.conftest import wait_until
from tests.support.engine import RunningEngine, engine_env, start_engine

EVERY_MINUTE = "* * * * *"


@pytest.fixture
def replicas(
    postgres_url: str, tmp_path: Path, fake_slack: FakeSlack
) -> Iterator[list[RunningEngine]]:
    env = engine_env(
        postgres_url,
        FTW_LEASE_TTL_SECONDS="4",
        FTW_REVIEW_SCHEDULE=EVERY_MINUTE,
        SLACK_BOT_TOKEN=fake_slack.token,
        SLACK_API_URL=fake_slack.api_url,
    )
    started: list[RunningEngine] = []
    try:
        started.append(start_engine("engine-a", tmp_path, env))
        started.append(start_engine("engine-b", tmp_path, env))
        yield started
    finally:
        for replica in started:
            replica.stop()


def reviews(slack: FakeSlack) -> Counter[str]:
    """Return how many times each review was posted to the ticket channel."""
    keys = (
        ((message.get("metadata") or {}).get("event_payload") or {}).get("dedup_key", "")
        for message in slack.posted("#slo-alerts")
    )
    return Counter(key for key in keys if key.startswith(KEY_PREFIX))


def test_each_scheduled_review_is_posted_once_by_two_replicas(
    replicas: list[RunningEngine], fake_slack: FakeSlack
) -> None:
    # Two scheduled times pass (at most two minutes), each claimed by whichever replica leads.
    wait_until(lambda: len(reviews(fake_slack)) >= 2, timeout=150, interval=0.5)
    posted = reviews(fake_slack)
    assert set(posted.values()) == {1}, posted
    message = next(
        m for m in fake_slack.posted("#slo-alerts") if "Weekly SLO review" in m.get("text", "")
    )
    assert "/reports/latest.html|The full report>" in str(message["blocks"])
    for replica in replicas:  # the standby serves the page as well
        page = replica.get("/reports/latest.html")
        assert page.status_code == 200
        assert page.text.startswith("<!doctype html>")
