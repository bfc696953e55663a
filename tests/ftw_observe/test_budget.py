"""Error-budget arithmetic: hand-computed cases and properties."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftw_observe import budget
from ftw_observe.budget import Counts, Status

NINES = Fraction(999, 1000)
THIRTY_DAYS = 30 * 86_400


def test_zero_traffic_has_no_sli_rather_than_a_perfect_one() -> None:
    counts = Counts(errors=0, events=0)
    assert counts.sli is None
    assert budget.burn_rate(counts, NINES) is None
    assert budget.remaining_fraction(counts, NINES) is None
    assert (
        budget.status(readable=True, period=counts, remaining=None, alerting=False)
        is Status.NO_DATA
    )


def test_one_error_in_a_thousand_spends_the_whole_budget() -> None:
    counts = Counts(errors=1, events=1000)
    assert counts.sli == pytest.approx(0.999)
    assert budget.burn_rate(counts, NINES) == pytest.approx(1.0)
    assert budget.remaining_fraction(counts, NINES) == pytest.approx(0.0)


def test_a_fresh_budget_is_forty_three_minutes_of_outage() -> None:
    assert budget.outage_minutes(1.0, NINES, THIRTY_DAYS) == pytest.approx(43.2)


def test_half_the_budget_at_burn_two_lasts_a_quarter_period() -> None:
    assert budget.seconds_to_exhaustion(0.5, 2.0, THIRTY_DAYS) == pytest.approx(THIRTY_DAYS / 4)


def test_no_burn_never_exhausts_and_a_spent_budget_is_already_gone() -> None:
    assert budget.seconds_to_exhaustion(0.5, 0.0, THIRTY_DAYS) is None
    assert budget.seconds_to_exhaustion(-0.1, 3.0, THIRTY_DAYS) == 0.0


def test_overspending_gives_a_negative_remainder() -> None:
    counts = Counts(errors=3, events=1000)
    assert budget.remaining_fraction(counts, NINES) == pytest.approx(-2.0)
    assert (
        budget.status(readable=True, period=counts, remaining=-2.0, alerting=False)
        is Status.EXHAUSTED
    )


def test_a_young_period_overspent_is_not_exhausted() -> None:
    counts = Counts(errors=3, events=1000)
    hours = budget.EXHAUSTED_MIN_SECONDS - 1
    found = budget.status(
        readable=True, period=counts, remaining=-2.0, alerting=False, measured_seconds=hours
    )
    assert found is Status.OK


def test_a_young_period_overspent_and_alerting_is_burning() -> None:
    counts = Counts(errors=3, events=1000)
    found = budget.status(
        readable=True, period=counts, remaining=-2.0, alerting=True, measured_seconds=7200
    )
    assert found is Status.BURNING


def test_a_day_of_data_overspent_is_exhausted() -> None:
    counts = Counts(errors=3, events=1000)
    day = budget.EXHAUSTED_MIN_SECONDS
    found = budget.status(
        readable=True, period=counts, remaining=-2.0, alerting=False, measured_seconds=day
    )
    assert found is Status.EXHAUSTED


def test_objective_one_hundred_has_no_budget_to_spend() -> None:
    perfect = Fraction(1)
    assert budget.burn_rate(Counts(0, 500), perfect) == 0.0
    assert budget.remaining_fraction(Counts(0, 500), perfect) == 1.0
    assert math.isinf(budget.burn_rate(Counts(1, 500), perfect) or 0.0)
    assert budget.remaining_fraction(Counts(1, 500), perfect) == 0.0
    assert budget.seconds_to_exhaustion(1.0, math.inf, THIRTY_DAYS) == 0.0


def test_counter_resets_count_as_restarts_from_zero() -> None:
    # 0 → 10 → 25, restart, 5 → 12: 25 before the restart and 12 after.
    assert budget.counter_increase([0, 10, 25, 5, 12]) == 37
    assert budget.counter_increase([7]) == 0
    assert budget.counter_increase([]) == 0


def test_partial_periods_report_their_coverage() -> None:
    assert budget.coverage(None, 1000.0, THIRTY_DAYS) == 0.0
    assert budget.coverage(0.0, THIRTY_DAYS / 3, THIRTY_DAYS) == pytest.approx(1 / 3)
    assert budget.coverage(0.0, 2.0 * THIRTY_DAYS, THIRTY_DAYS) == 1.0


def test_errors_above_events_clamp_the_sli_at_zero() -> None:
    assert Counts(errors=10.2, events=10.0).sli == 0.0
    assert Counts(errors=-0.5, events=10.0).sli == 1.0


def test_unreadable_is_unknown_never_ok() -> None:
    counts = Counts(0, 100)
    assert (
        budget.status(readable=False, period=counts, remaining=1.0, alerting=False)
        is Status.UNKNOWN
    )
    assert (
        budget.status(readable=True, period=counts, remaining=1.0, alerting=True) is Status.BURNING
    )
    assert budget.status(readable=True, period=counts, remaining=1.0, alerting=False) is Status.OK


counts = st.floats(min_value=0, max_value=1e9, allow_nan=False)
objectives = st.fractions(min_value=Fraction(1, 100), max_value=Fraction(99999, 100000))


@given(errors=counts, events=counts)
def test_the_sli_stays_between_zero_and_one(errors: float, events: float) -> None:
    sli = Counts(errors, events).sli
    assert sli is None or 0.0 <= sli <= 1.0


@given(
    errors=counts, extra=counts, events=st.floats(min_value=1, max_value=1e9), objective=objectives
)
def test_adding_errors_never_raises_the_remaining_budget(
    errors: float, extra: float, events: float, objective: Fraction
) -> None:
    before = budget.remaining_fraction(Counts(errors, events), objective)
    after = budget.remaining_fraction(Counts(errors + extra, events), objective)
    assert before is not None
    assert after is not None
    assert after <= before
