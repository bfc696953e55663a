"""Silences: matchers, a life from pending to expired, and the checks made when one is set."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta

import pytest

from ftw_observe.matching import silences
from ftw_observe.matching.silences import (
    SilenceError,
    SilenceState,
    expired,
    new_silence,
    parse_matchers,
)

NOW = datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def make(**changes: object) -> silences.Silence:
    values: dict[str, object] = {
        "author": "ana",
        "reason": "payment provider migration",
        "starts_at": None,
        "ends_at": NOW + 2 * HOUR,
        "now": NOW,
    }
    values.update(changes)
    matchers = values.pop("matchers", ["service=marketplace"])
    return new_silence(matchers, **values)  # type: ignore[arg-type]


def test_a_silence_starting_now_is_active_until_it_ends():
    silence = make()

    assert silence.starts_at == NOW
    assert silence.created_at == NOW
    assert silence.state(NOW) is SilenceState.ACTIVE
    assert silence.state(NOW + 2 * HOUR - timedelta(seconds=1)) is SilenceState.ACTIVE
    assert silence.state(NOW + 2 * HOUR) is SilenceState.EXPIRED
    assert len(silence.id) == 36


def test_a_maintenance_window_is_pending_until_its_start():
    window = make(starts_at=NOW + HOUR, ends_at=NOW + 3 * HOUR)

    assert window.state(NOW) is SilenceState.PENDING
    assert not window.is_active(NOW)
    assert window.is_active(NOW + HOUR)
    assert window.state(NOW + 3 * HOUR) is SilenceState.EXPIRED


def test_a_start_in_the_past_means_now():
    assert make(starts_at=NOW - HOUR).starts_at == NOW


def test_expiring_ends_a_silence_early_and_cancels_a_window():
    silence, window = make(), make(starts_at=NOW + HOUR, ends_at=NOW + 2 * HOUR)

    ended = expired(silence, NOW + timedelta(minutes=5))
    cancelled = expired(window, NOW)

    assert ended.expired_at == NOW + timedelta(minutes=5)
    assert ended.ends == ended.expired_at
    assert ended.state(NOW + timedelta(minutes=5)) is SilenceState.EXPIRED
    assert ended.state(NOW) is SilenceState.ACTIVE
    assert cancelled.state(NOW + HOUR) is SilenceState.EXPIRED
    # One that already ended stays as it was.
    assert expired(silence, NOW + 3 * HOUR) == silence
    assert expired(ended, NOW + HOUR) == ended


def test_matchers_must_all_hold():
    silence = make(matchers=["service=marketplace", "slo=~api-.*", "tier!=ticket-3d"])

    assert silence.matches({"service": "marketplace", "slo": "api-availability"})
    assert not silence.matches({"service": "marketplace", "slo": "payout-success"})
    assert not silence.matches({"service": "marketplace", "slo": "api-x", "tier": "ticket-3d"})
    assert silence.matcher_texts() == ["service=marketplace", "slo=~api-.*", "tier!=ticket-3d"]


def test_a_record_holds_the_matchers_as_text_and_gives_the_silence_back():
    silence = expired(make(matchers=["service=marketplace", "slo=~api-.*"]), NOW + HOUR)

    record = silence.record()

    assert record == {
        "id": silence.id,
        "matchers": ["service=marketplace", "slo=~api-.*"],
        "author": "ana",
        "reason": "payment provider migration",
        "starts_at": NOW,
        "ends_at": NOW + 2 * HOUR,
        "created_at": NOW,
        "expired_at": NOW + HOUR,
    }
    assert silences.Silence.from_record(record) == silence
    with pytest.raises(SilenceError, match="would silence every alert"):
        silences.Silence.from_record({**record, "matchers": ["slo=~.*"]})


@pytest.mark.parametrize(
    ("changes", "loc", "message"),
    [
        ({"matchers": []}, ("matchers",), "give at least one matcher"),
        ({"matchers": ["service=x", "slo"]}, ("matchers", 1), "'slo' is not a matcher"),
        ({"matchers": ["slo=~("]}, ("matchers", 0), "is not a regular expression"),
        ({"matchers": ["slo=~.*"]}, ("matchers",), "would silence every alert"),
        ({"matchers": ["tier!=page-1h", "slo="]}, ("matchers",), "would silence every alert"),
        ({"author": "  "}, ("author",), "say who sets the silence"),
        ({"reason": ""}, ("reason",), "say why alerts are silenced"),
        ({"ends_at": NOW}, ("ends_at",), "is not after the start and now"),
        (
            {"starts_at": NOW + 2 * HOUR, "ends_at": NOW + HOUR},
            ("ends_at",),
            "is not after the start",
        ),
        ({"ends_at": datetime(2025, 6, 3)}, ("ends_at",), "needs a time zone"),
        ({"matchers": ["service=x", "slo=a\x00b"]}, ("matchers", 1), "U+0000, a control"),
        ({"author": "ana\x00"}, ("author",), "author holds U+0000, a control character"),
        ({"reason": "deploy\x1b[31m"}, ("reason",), "reason holds U+001B, a control character"),
        ({"reason": "x\ud800"}, ("reason",), "U+D800, a lone UTF-16 surrogate"),
    ],
)
def test_a_silence_that_makes_no_sense_is_refused_naming_the_field(
    changes: dict[str, object], loc: tuple[str | int, ...], message: str
):
    with pytest.raises(SilenceError) as caught:
        make(**changes)

    assert caught.value.loc == loc
    assert message in caught.value.message


WEEK = timedelta(days=7)


def test_a_silence_may_last_exactly_the_maximum():
    silence = make(ends_at=NOW + WEEK, max_duration=WEEK)

    assert silence.ends_at - silence.starts_at == WEEK


@pytest.mark.parametrize("end_field", ["ends_at", "duration"])
def test_a_silence_longer_than_the_maximum_is_refused_naming_where_its_end_came_from(
    end_field: str,
):
    with pytest.raises(SilenceError) as caught:
        make(ends_at=NOW + WEEK + timedelta(seconds=1), max_duration=WEEK, end_field=end_field)

    assert caught.value.loc == (end_field,)
    assert "would last 7d1s, longer than the 7d a silence may last" in caught.value.message


def test_the_maximum_counts_from_the_start_of_a_maintenance_window():
    window = make(starts_at=NOW + 30 * 24 * HOUR, ends_at=NOW + 30 * 24 * HOUR + 2 * HOUR)
    far = make(
        starts_at=NOW + 30 * 24 * HOUR,
        ends_at=NOW + 30 * 24 * HOUR + 2 * HOUR,
        max_duration=WEEK,
    )

    assert far.ends_at - far.starts_at == window.ends_at - window.starts_at == 2 * HOUR


def test_without_a_maximum_any_length_is_accepted():
    assert make(ends_at=NOW + 365 * 24 * HOUR).ends_at == NOW + 365 * 24 * HOUR


def test_a_reason_may_run_over_several_lines():
    assert (
        make(reason="deploy 4.2\n\tdatabase migration").reason == "deploy 4.2\n\tdatabase migration"
    )


def test_parse_matchers_keeps_the_order():
    parsed = parse_matchers(["tier!=ticket-3d", "service=marketplace"])

    assert [str(m) for m in parsed] == ["tier!=ticket-3d", "service=marketplace"]


def test_docstring_examples_run():
    result = doctest.testmod(silences)

    assert result.attempted > 0
    assert result.failed == 0
