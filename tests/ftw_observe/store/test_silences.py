"""Silences persist in the store on both backends: added, listed by state, expired, kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from ftw_observe.matching.matchers import stored_matcher
from ftw_observe.matching.silences import Silence, SilenceState, new_silence
from ftw_observe.store import Store
from ftw_observe.store.tables import VERSION_TABLE, include_name, metadata

NOW = datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def silence(*matchers: str, starts: timedelta = timedelta(0), hours: int = 2) -> Silence:
    return new_silence(
        list(matchers or ["service=marketplace"]),
        author="ana",
        reason="deploy of the payout worker",
        starts_at=NOW + starts,
        ends_at=NOW + starts + hours * HOUR,
        now=min(NOW, NOW + starts),  # a silence that started in the past was set back then
    )


def test_a_silence_reads_back_as_it_was_stored(store: Store):
    added = silence("service=marketplace", "slo=~api-.*", "tier!=ticket-3d")

    store.add_silence(added)

    assert store.silences(now=NOW) == [added]
    read = store.silence(added.id)
    assert read == added
    assert read is not None
    assert read.starts_at.tzinfo is not None
    assert read.matcher_texts() == ["service=marketplace", "slo=~api-.*", "tier!=ticket-3d"]
    assert store.silence("no-such-id") is None


def test_listing_keeps_active_and_pending_silences_by_start(store: Store):
    window = silence("slo=payout-success", starts=3 * HOUR)
    active = silence("slo=api-availability")
    ended = silence("slo=api-latency-p95", starts=-3 * HOUR, hours=1)
    for item in (window, active, ended):
        store.add_silence(item)

    assert store.silences(now=NOW) == [active, window]
    assert store.silences(now=NOW, include_expired=True) == [ended, active, window]
    assert store.silences(now=NOW + 6 * HOUR) == []


def test_expiring_ends_a_silence_and_keeps_it_in_the_history(store: Store):
    active, window = silence(), silence(starts=HOUR)
    store.add_silence(active)
    store.add_silence(window)
    at = NOW + timedelta(minutes=10)

    ended = store.expire_silence(active.id, at)
    cancelled = store.expire_silence(window.id, at)

    assert ended is not None
    assert ended.expired_at == at
    assert ended.state(at) is SilenceState.EXPIRED
    assert cancelled is not None
    assert cancelled.state(NOW + HOUR) is SilenceState.EXPIRED
    assert store.silences(now=at) == []
    assert store.silences(now=at, include_expired=True) == [ended, cancelled]
    # Expiring again changes nothing; an unknown id is None.
    assert store.expire_silence(active.id, at + HOUR) == ended
    assert store.expire_silence("no-such-id", at) is None


def test_a_kept_silence_whose_pattern_cannot_run_now_mutes_nothing_and_can_be_expired(
    store: Store, caplog: pytest.LogCaptureFixture
):
    # Written before patterns were RE2's: a lookahead, which RE2 refuses.
    kept = silence("service=marketplace", "slo=~api-.*")
    kept = replace(kept, matchers=(kept.matchers[0], stored_matcher("slo=~(?!api-).*")))
    store.add_silence(kept)

    with caplog.at_level("WARNING"):
        listed = store.silences(now=NOW)
        store.silences(now=NOW)

    assert [item.id for item in listed] == [kept.id]
    assert listed[0].matcher_texts() == ["service=marketplace", "slo=~(?!api-).*"]
    assert not listed[0].matches({"service": "marketplace", "slo": "checkout"})
    assert caplog.text.count(f"silence {kept.id} mutes nothing") == 1
    assert "lookarounds are not supported" in caplog.text
    ended = store.expire_silence(kept.id, NOW + HOUR)
    assert ended is not None
    assert ended.expired_at == NOW + HOUR


def test_migration_0002_creates_the_silences_table(
    store_url: str, store_engines: Callable[[str], Engine]
):
    engine = store_engines(store_url)

    assert "ftw_observe_silences" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE, "include_name": include_name}
        )
        diff = compare_metadata(context, metadata)
    assert [item for item in diff if "ftw_observe_silences" in repr(item)] == []
