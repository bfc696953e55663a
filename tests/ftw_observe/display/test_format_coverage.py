"""A budget over a partly covered period says so, and extrapolates nothing."""

from __future__ import annotations

import doctest

from ftw_observe.display import format as fmt

THIRTY_DAYS = 30 * 86_400


def test_a_partly_covered_period_says_how_much_has_data() -> None:
    assert fmt.measured_over(1.5 / 30, THIRTY_DAYS) == "1d 12h of 30d"


def test_a_whole_or_unmeasured_period_says_nothing() -> None:
    assert fmt.measured_over(1.0, THIRTY_DAYS) == ""
    assert fmt.measured_over(None, THIRTY_DAYS) == ""


def test_the_note_states_the_share_of_the_events_seen_and_the_coverage() -> None:
    note = fmt.budget_note(-39.0, 2 / 720, THIRTY_DAYS)
    assert note == (
        "consumed 4000.0 % of the budget of the events seen; budget measured over 2h of 30d"
    )


def test_a_period_without_events_states_the_coverage_alone() -> None:
    assert fmt.budget_note(None, 0.0, THIRTY_DAYS) == "budget measured over 0s of 30d"


def test_a_whole_period_has_no_note() -> None:
    assert fmt.budget_note(0.6, 1.0, THIRTY_DAYS) == ""


def test_the_docstring_example_runs() -> None:
    result = doctest.testmod(fmt)
    assert result.attempted > 0
    assert result.failed == 0
