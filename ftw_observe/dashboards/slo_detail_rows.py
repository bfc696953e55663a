"""Rows of the SLO detail dashboard: burn rate per alert tier, events and alert state."""

from __future__ import annotations

from ftw_observe.burnrate import EXACT_SPAN, TIERS, WINDOWS, Tier
from ftw_observe.dashboards import slo_queries as q
from ftw_observe.dashboards.layout import Row
from ftw_observe.dashboards.panels import (
    FIRING,
    PanelBuilder,
    Query,
    Style,
    above,
    bargauge_panel,
    below,
    timeseries_panel,
)
from ftw_observe.dashboards.sdk import timeseries
from ftw_observe.dashboards.slo_queries import DASHED_RED
from ftw_observe.rules import names

BURN = above(1.0)


def _tier_panel(tier: Tier, matchers: str, legend: str) -> timeseries.Panel:
    """Return one tier's long- and short-window burn rates against its threshold."""
    long_window, short_window = tier.long_window, tier.short_window
    return timeseries_panel(
        f"{tier.name}: burn rate over {long_window} and {short_window}",
        f"The {tier.name} tier ({tier.severity}) fires when the burn rate over both "
        f"{long_window} and {short_window} is above the dashed threshold: "
        f"{float(tier.budget_share):.0%} of the period's budget spent within {long_window}. The "
        "threshold follows the SLO's period; a tier the spec disables never fires.",
        "suffix:x",
        [
            Query(
                f"{names.windowed(names.BURN_RATE, tier.long)}{{{matchers}}}",
                f"{long_window} {legend}",
            ),
            Query(
                f"{names.windowed(names.BURN_RATE, tier.short)}{{{matchers}}}",
                f"{short_window} {legend}",
            ),
            Query(q.tier_threshold(tier), f"{tier.name} threshold"),
        ],
        style=Style(width=6, height=8, overrides=(("byFrameRefID", "C", DASHED_RED),)),
    )


def burn_row(matchers: str, legend: str) -> Row:
    """Return the row of burn rates: one panel per alert tier, then every window now."""
    panels: list[PanelBuilder] = [_tier_panel(tier, matchers, legend) for tier in TIERS]
    windows = [
        Query(
            f"{names.windowed(names.BURN_RATE, seconds)}{{{matchers}}}",
            f"{names.windowed('{window}', seconds)} {legend}",
            instant=True,
        )
        for seconds in WINDOWS
    ]
    windows.append(
        Query(f"{names.PERIOD_BURN_RATE}{{{matchers}}}", f"period {legend}", instant=True)
    )
    panels.append(
        bargauge_panel(
            "Burn rate by window now",
            "Burn rate over every recorded window and over the whole period; 1 spends exactly "
            "the budget in one period, above 1 is orange.",
            "suffix:x",
            windows,
            BURN,
            Style(width=16, height=8, decimals=2, min_value=0),
        )
    )
    panels.append(_coverage_panel(matchers, legend))
    return Row("Burn rate per tier", tuple(panels))


def _coverage_panel(matchers: str, legend: str) -> PanelBuilder:
    """Return the share of every long window, and of the period, that holds recorded data."""
    queries = [
        Query(
            f"{names.windowed(names.COVERAGE, seconds)}{{{matchers}}}",
            f"{names.windowed('{window}', seconds)} {legend}",
            instant=True,
        )
        for seconds in WINDOWS
        if seconds >= EXACT_SPAN
    ]
    queries.append(
        Query(f"{names.PERIOD_COVERAGE}{{{matchers}}}", f"period {legend}", instant=True)
    )
    return bargauge_panel(
        "Data coverage by window now",
        "Share of each window that holds recorded data. Windows over 1h add up the hours the "
        "rules recorded: below 100 % the rules are younger than the window (run ftw-observe "
        "backfill) or scraping stopped for a while, and the window's burn rate covers only "
        "the hours it has.",
        "percentunit",
        queries,
        below(1.0, warn=0.5),
        Style(width=8, height=8, decimals=0, min_value=0, max_value=1),
    )


def events_row(matchers: str, legend: str) -> Row:
    """Return the row of event rates and alert state over time."""
    five = 300
    alert_matchers = matchers + ',alertstate="firing"'
    states = [
        Query(
            f'max(ALERTS{{alertname="{names.BURN_ALERT}",tier="{tier.name}",{alert_matchers}}})'
            " or vector(0)",
            tier.name,
        )
        for tier in TIERS
    ]
    states.extend(
        Query(f'max(ALERTS{{alertname="{name}",{alert_matchers}}}) or vector(0)', label)
        for name, label in (
            (names.EXHAUSTED_ALERT, "budget exhausted"),
            (names.ABSENT_ALERT, "metric absent"),
        )
    )
    return Row(
        "Events and alerts",
        (
            timeseries_panel(
                "Events and errors per second",
                "The SLI's events and bad events per second, from the recorded 5-minute "
                "counts (ftw_slo:events:increase5m and ftw_slo:errors:increase5m over 300 s).",
                "cps",
                [
                    Query(
                        f"{names.windowed(names.EVENTS, five)}{{{matchers}}} / {five}",
                        f"events {legend}",
                    ),
                    Query(
                        f"{names.windowed(names.ERRORS, five)}{{{matchers}}} / {five}",
                        f"errors {legend}",
                    ),
                ],
            ),
            timeseries_panel(
                "Alert state over time",
                "1 while an alert of this SLO fires in Prometheus, 0 otherwise: each burn-rate "
                "tier, budget exhausted and missing data.",
                "none",
                states,
                FIRING,
                Style(width=12, height=8, min_value=0, max_value=1),
                stepped=True,
            ),
        ),
    )
