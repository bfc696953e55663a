"""Burn-rate tiers and their exact factors."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ftw_observe.burnrate import (
    DAY,
    PAGE_1H,
    PAGE_6H,
    TICKET_1D,
    TICKET_3D,
    TIERS,
    display_number,
    exact_decimal,
    promql_number,
)

BUDGET = Fraction(1, 1000)


def test_thirty_day_factors_are_the_workbook_ones() -> None:
    assert [promql_number(t.factor(30 * DAY)) for t in TIERS] == ["14.4", "6", "3", "1"]


def test_twenty_eight_day_factors_keep_the_budget_shares() -> None:
    factors = [t.factor(28 * DAY) for t in TIERS]
    assert factors == [Fraction("13.44"), Fraction("5.6"), Fraction("2.8"), Fraction(14, 15)]
    assert [promql_number(f) for f in factors] == ["13.44", "5.6", "2.8", "(14 / 15)"]
    assert display_number(factors[3]) == "0.9333"


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("days", [7, 28, 30, 90])
def test_every_tier_spends_its_budget_share_in_its_long_window(tier, days) -> None:
    spent = tier.factor(days * DAY) * Fraction(tier.long, days * DAY)
    assert spent == tier.budget_share


def test_time_to_fire_at_total_outage_matches_the_workbook() -> None:
    # Workbook: 52 s, 2.2 min, 4.3 min, 4.3 min at 100 % errors for 99.9 % over 30 days.
    seconds = [t.seconds_to_fire(30 * DAY, BUDGET, Fraction(1)) for t in TIERS]
    assert [round(s) for s in seconds] == [52, 130, 259, 259]


def test_a_low_objective_makes_fast_tiers_unreachable() -> None:
    budget = Fraction(1, 10)  # a 90 % objective
    assert not PAGE_1H.reachable(30 * DAY, budget)
    assert PAGE_6H.reachable(30 * DAY, budget)
    assert TICKET_1D.reachable(30 * DAY, budget)
    assert TICKET_3D.reachable(30 * DAY, budget)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(1, 1000), "0.001"),
        (Fraction(72, 5), "14.4"),
        (Fraction(-3, 4), "-0.75"),
        (Fraction(6), "6"),
    ],
)
def test_terminating_fractions_print_exactly(value, text) -> None:
    assert exact_decimal(value) == text


def test_recurring_fractions_have_no_exact_decimal() -> None:
    assert exact_decimal(Fraction(1, 3)) is None
