"""SLO detail: one SLO (and its instances) over time, burn-downs, tiers, events, alert state.

Alerts link here as `/d/ftw-slo-detail?var-service=…&var-slo=…`; grouped SLOs add one
variable per `group_by` label (e.g. `route`), "All" by default.
"""

from __future__ import annotations

from collections.abc import Sequence

from ftw_observe.dashboards import slo_queries as q
from ftw_observe.dashboards.layout import Plan, Row, Variable
from ftw_observe.dashboards.panels import (
    FIRING,
    Query,
    Style,
    Thresholds,
    above,
    stat_panel,
    timeseries_panel,
)
from ftw_observe.dashboards.slo_detail_rows import burn_row, events_row
from ftw_observe.dashboards.slo_queries import BUDGET, DASHED_RED
from ftw_observe.rules import names
from ftw_observe.spec.model import ServiceSpec

BURN = above(1.0)
# Rolling: the engine's status page line, 100 % a period before the range's end, 0 % at it.
ROLLING_IDEAL = (
    "clamp_max((${__to:date:seconds} - time()) / (max(" + names.PERIOD_DAYS + "{%s}) * 86400), 1)"
)
# Calendar month (UTC): 100 % at the month's first second, 0 % at its last.
MONTH_IDEAL = "1 - ((day_of_month() - 1) * 86400 + time() % 86400) / (days_in_month() * 86400)"


def _variables(specs: Sequence[ServiceSpec], labels: Sequence[str]) -> tuple[Variable, ...]:
    first = next(((spec.service, spec.slos[0].name) for spec in specs if spec.slos), None)
    found = (
        Variable(
            "service",
            "Service",
            f"label_values({names.INFO}, service)",
            "The service whose SLO is shown.",
            current=first[0] if first else None,
        ),
        Variable(
            "slo",
            "SLO",
            f'label_values({names.INFO}{{service="$service"}}, slo)',
            "The SLO shown.",
            current=first[1] if first else None,
        ),
    )
    events = names.windowed(names.EVENTS, 300)
    return found + tuple(
        Variable(
            label,
            label,
            f'label_values({events}{{service="$service",slo="$slo"}}, {label})',
            f"Instance of a grouped SLO (group_by: {label}); All for every instance. SLOs "
            "that are not grouped by it show under All.",
            include_all=True,
            current="All",
        )
        for label in labels
    )


def _now(specs: Sequence[ServiceSpec], matchers: str, legend: str) -> Row:
    spec = q.spec_matchers()
    minutes = (
        f"{names.BUDGET_REMAINING}{{{matchers}}} * on (service, slo) group_left () "
        f"({names.ERROR_BUDGET}{{{spec}}} * {names.PERIOD_DAYS}{{{spec}}} * 1440)"
    )
    alerts = f'count(ALERTS{{alertstate="firing",{matchers}}}) or vector(0)'
    style = Style(width=4, height=5, decimals=3)
    return Row(
        "Now",
        (
            stat_panel(
                "Objective",
                "The SLO's objective: the share of events that must be good over its period.",
                "percentunit",
                [Query(f"max({names.OBJECTIVE}{{{spec}}})", "objective")],
                style=style,
            ),
            stat_panel(
                "SLI over the period",
                "Share of good events over the SLO's whole period, per instance; green at or "
                "above the objective, red below it.",
                "percentunit",
                [Query(f"1 - {names.PERIOD_ERROR_RATIO}{{{matchers}}}", legend)],
                Thresholds("red"),
                Style(width=4, height=5, decimals=3, overrides=q.objective_overrides(specs)),
            ),
            stat_panel(
                "Error budget remaining",
                "Share of the period's error budget left (1 - period burn rate); red once "
                "overspent, orange below 25 %.",
                "percentunit",
                [Query(f"{names.BUDGET_REMAINING}{{{matchers}}}", legend)],
                BUDGET,
                Style(width=4, height=5, decimals=1),
            ),
            stat_panel(
                "Budget left in minutes of full outage",
                "Remaining budget as minutes of total outage over the period (43.2 minutes "
                "for a full budget at 99.9 % over 30 days); red once overspent.",
                "m",
                [Query(minutes, legend)],
                Thresholds("red", ((0.0, "green"),)),
                Style(width=4, height=5, decimals=1),
            ),
            stat_panel(
                "Burn rate now (5m)",
                "Error ratio over the last 5 minutes divided by the error budget: above 1 "
                "(orange) the budget would not last the period at this pace.",
                "suffix:x",
                [Query(f"{names.CURRENT_BURN_RATE}{{{matchers}}}", legend)],
                BURN,
                Style(width=4, height=5, decimals=2),
            ),
            stat_panel(
                "Alerts firing for this SLO",
                "Firing alerts of this SLO in Prometheus: burn-rate tiers, budget exhausted "
                "and missing data. 0 when none fires.",
                "none",
                [Query(alerts, "firing")],
                FIRING,
                Style(width=4, height=5, decimals=0),
            ),
        ),
    )


def _budget(matchers: str, legend: str, period_days: int) -> Row:
    spec = q.spec_matchers()
    # One 5-minute error ratio per 5-minute slot of the month so far, over the budget of
    # every slot of the month (288 a day).
    ratio = names.windowed(names.ERROR_RATIO, 300)
    month = (
        f"1 - sum_over_time(({ratio}{{{matchers}}} and on () "
        "(month() == ${__to:date:M}))[31d:5m]) / on (service, slo) group_left () "
        f"({names.ERROR_BUDGET}{{{spec}}} * 288 * on () group_left () days_in_month())"
    )
    rolling = timeseries_panel(
        f"Error budget remaining over the last {period_days} days",
        "Share of the budget left over the rolling period (the recorded "
        "ftw_slo:error_budget_remaining:ratio) against the ideal constant burn: the dashed "
        "line falls from 100 % one period before the end of the time range to 0 % at its end, "
        "the same line as the engine's status page. Above the line, the SLO spends slower "
        "than its budget allows.",
        "percentunit",
        [
            Query(f"{names.BUDGET_REMAINING}{{{matchers}}}", f"remaining {legend}"),
            Query(ROLLING_IDEAL % spec, "ideal"),
        ],
        BUDGET,
        Style(
            width=12,
            height=9,
            time_from=f"{period_days}d",
            overrides=(("byFrameRefID", "B", DASHED_RED),),
        ),
    )
    calendar = timeseries_panel(
        "Error budget burn-down this calendar month",
        "Budget left this calendar month (UTC), as in Sloth's month burn-down: 1 minus the "
        "sum of the 5-minute error ratios since the 1st over the budget of every 5 minutes "
        "of the month (exact when traffic is even over the month). The dashed ideal line "
        "falls from 100 % on the 1st to 0 % at the month's end; ${__to:date:M} is the month "
        "of the time range's end.",
        "percentunit",
        [Query(month, f"remaining {legend}"), Query(MONTH_IDEAL, "ideal")],
        BUDGET,
        Style(
            width=12, height=9, time_from="now/M", overrides=(("byFrameRefID", "B", DASHED_RED),)
        ),
    )
    return Row("Error budget", (rolling, calendar))


def build(specs: Sequence[ServiceSpec]) -> Plan:
    """Return the SLO detail dashboard; its variables list every SLO of every spec."""
    labels = q.group_labels(specs)
    matchers = q.slo_matchers(labels)
    legend = "".join(f"{{{{{label}}}}}" for label in labels)
    instance = q.instance_legend(labels)
    sli = timeseries_panel(
        "SLI against the objective",
        "Share of good events over the last 5 minutes and over the whole period, per "
        "instance, against the objective (dashed).",
        "percentunit",
        [
            Query(f"1 - {names.windowed(names.ERROR_RATIO, 300)}{{{matchers}}}", f"5m {instance}"),
            Query(f"1 - {names.PERIOD_ERROR_RATIO}{{{matchers}}}", f"period {instance}"),
            Query(f"max({names.OBJECTIVE}{{{q.spec_matchers()}}})", "objective"),
        ],
        style=Style(width=24, height=8, decimals=3, overrides=(("byFrameRefID", "C", DASHED_RED),)),
    )
    return Plan(
        uid=q.DETAIL_UID,
        title="FTW SLO detail",
        description="One SLO over time: SLI against the objective, error budget burn-down, "
        "burn rate per alert tier, events and alert state. Times are UTC, like the calendar "
        "month of the burn-down.",
        rows=(
            _now(specs, matchers, instance),
            Row("SLI", (sli,)),
            _budget(matchers, legend, q.max_period_days(specs)),
            burn_row(matchers, legend),
            events_row(matchers, legend),
        ),
        variables=_variables(specs, labels),
        time_from="now-24h",
        timezone="utc",
    )
