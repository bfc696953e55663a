"""SLO overview (SREs): every SLO instance's objective, SLI, budget, burn rates and alerts."""

from __future__ import annotations

from collections.abc import Sequence

from ftw_observe.burnrate import TIERS
from ftw_observe.dashboards import slo_queries as q
from ftw_observe.dashboards.layout import Plan, Row
from ftw_observe.dashboards.panels import (
    FIRING,
    Link,
    Query,
    Style,
    Thresholds,
    above,
    bargauge_panel,
    stat_panel,
    table_panel,
    timeseries_panel,
)
from ftw_observe.rules import names
from ftw_observe.spec.model import ServiceSpec

BUDGET = q.BUDGET
BURN = above(1.0, good="green")
TABLE_WINDOWS = (300, 3_600, 21_600, 86_400, 259_200)


def _table(labels: Sequence[str]) -> Row:
    remaining = names.BUDGET_REMAINING
    columns = [
        ("Objective", q.per_instance(names.OBJECTIVE, remaining)),
        ("SLI over the period", f"1 - {names.PERIOD_ERROR_RATIO}"),
        ("Budget remaining", remaining),
    ]
    columns.extend(
        (
            f"Burn rate {names.windowed('{window}', seconds)}",
            names.windowed(names.BURN_RATE, seconds),
        )
        for seconds in TABLE_WINDOWS
    )
    queries = [Query(expr, instant=True, table=True) for _, expr in columns]
    rename = {f"Value #{chr(ord('A') + index)}": title for index, (title, _) in enumerate(columns)}
    percent = {"unit": "percentunit", "decimals": 3}
    overrides: list[tuple[str, str, dict[str, object]]] = [
        ("byName", "Objective", percent),
        ("byName", "SLI over the period", percent),
        (
            "byName",
            "Budget remaining",
            {"unit": "percentunit", "decimals": 1, "custom.cellOptions": {"type": "color-text"}},
        ),
    ]
    overrides.extend(
        ("byName", title, {"unit": "suffix:x", "decimals": 2})
        for title in rename.values()
        if title.startswith("Burn rate")
    )
    panel = table_panel(
        "Every SLO instance",
        "One row per SLO instance (an SLO, or one group of a grouped SLO): objective, SLI over "
        "its whole period (28 or 30 days), share of the error budget left (negative when "
        "overspent) and the burn rate over 5m, 1h, 6h, 1d and 3d (1 = the budget lasts exactly "
        "the period). Click an SLO name for its detail dashboard.",
        "percentunit",
        queries,
        BUDGET,
        Style(
            width=24,
            height=9,
            links=(Link("SLO detail", q.detail_link(labels, "__data.fields"), column="slo"),),
            overrides=tuple(overrides),
        ),
        transformations=(
            ("merge", {}),
            (
                "organize",
                {
                    "excludeByName": {"Time": True, "team": True},
                    "renameByName": rename,
                    "indexByName": {"service": 0, "slo": 1}
                    | {label: 2 + i for i, label in enumerate(labels)},
                },
            ),
        ),
    )
    return Row("Every SLO", (panel,))


def _alerts() -> Row:
    queries = [
        Query(q.firing(names.BURN_ALERT, f'tier="{tier.name}"'), tier.name, instant=True)
        for tier in TIERS
    ]
    queries.append(Query(q.firing(names.EXHAUSTED_ALERT), "budget exhausted", instant=True))
    queries.append(Query(q.firing(names.ABSENT_ALERT), "SLI metric absent", instant=True))
    panel = bargauge_panel(
        "SLO alerts firing",
        "Firing SLO alerts in Prometheus, by burn-rate tier (page-1h and page-6h page, "
        "ticket-1d and ticket-3d open a ticket), plus budget-exhausted and missing-data "
        "alerts. 0 means none fires; any alert turns its bar red.",
        "none",
        queries,
        FIRING,
        Style(width=8, height=8, decimals=0, min_value=0),
    )
    return Row("Alerts", (panel,))


def build(specs: Sequence[ServiceSpec]) -> Plan:
    """Return the SLO overview dashboard of every spec."""
    labels = q.group_labels(specs)
    legend = q.instance_legend(labels)
    link = (Link("SLO detail", q.detail_link(labels)),)
    budget = stat_panel(
        "Error budget remaining",
        "Share of each SLO instance's error budget left over its period (1 - period burn "
        "rate): green above 25 %, orange below, red once overspent. Click a value for the "
        "detail dashboard.",
        "percentunit",
        [Query(names.BUDGET_REMAINING, legend)],
        BUDGET,
        Style(width=16, height=8, decimals=1, links=link),
    )
    alerts = _alerts()
    sli = bargauge_panel(
        "SLI over the period",
        "Each SLO instance's SLI over its whole period (1 - event-weighted error ratio), "
        "green at or above that SLO's own objective, red below it.",
        "percentunit",
        [Query(f"1 - {names.PERIOD_ERROR_RATIO}", legend, instant=True)],
        Thresholds("red"),
        Style(width=12, height=9, decimals=3, links=link, overrides=q.objective_overrides(specs)),
    )
    burn = timeseries_panel(
        "Burn rate over 1 hour",
        "How fast each SLO instance spends its budget over the last hour: 1 spends exactly "
        "the budget in one period (dashed line); the page-1h tier fires at 14.4 for a 30-day "
        "period (both the 1h and the 5m rates must be above it).",
        "suffix:x",
        [Query(names.windowed(names.BURN_RATE, 3_600), legend)],
        BURN,
        Style(width=12, height=9, links=link),
    )
    remaining = timeseries_panel(
        "Error budget remaining over time",
        "Share of the error budget left over each SLO instance's rolling period; the dashed "
        "line at 0 is an exhausted budget.",
        "percentunit",
        [Query(names.BUDGET_REMAINING, legend)],
        BUDGET,
        Style(width=24, height=8, links=link),
    )
    return Plan(
        uid=q.OVERVIEW_UID,
        title="FTW SLO overview",
        description="Every SLO of every spec in slo/: objective, SLI, error budget, burn rates "
        "and firing alerts.",
        rows=(
            Row("Now", (budget, *alerts.panels)),
            _table(labels),
            Row("Trends", (sli, burn, remaining)),
        ),
        time_from="now-24h",
    )
