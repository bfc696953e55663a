"""Executive summary (one screen): SLOs this month, budget left, business against the plan.

The time range defaults to this month so far (`now/M` to `now`); the stats read the whole
range through `$__range`, so another range (say last month) gives that range's figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from ftw_observe.dashboards import business, marketplace
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
    below,
    stat_panel,
)
from ftw_observe.rules import names
from ftw_observe.spec.model import ServiceSpec

UID = "ftw-executive"
BUDGET = q.BUDGET


def _range_total(series: str) -> str:
    """Return the sum of a recorded 5-minute count over the dashboard's range, per SLO."""
    return f"sum by (service, slo) (sum_over_time({series}[$__range:5m]))"


def _slos(specs: Sequence[ServiceSpec]) -> Row:
    errors = _range_total(names.windowed(names.ERRORS, 300))
    events = _range_total(names.windowed(names.EVENTS, 300))
    overview = (Link("SLO overview", f"/d/{q.OVERVIEW_UID}?${{datasource:queryparam}}"),)
    return Row(
        "Reliability",
        (
            bargauge_panel(
                "SLOs over the time range (this month by default)",
                "Share of good events of every SLO over the dashboard's time range, all "
                "instances together, green at or above that SLO's objective (availability: "
                "99.9 %), red below it. From the recorded 5-minute counts.",
                "percentunit",
                [Query(f"1 - {errors} / ({events} > 0)", "{{service}}/{{slo}}", instant=True)],
                Thresholds("red"),
                Style(
                    width=12,
                    height=8,
                    decimals=3,
                    links=overview,
                    overrides=q.objective_overrides(specs),
                ),
            ),
            bargauge_panel(
                "Error budget left",
                "Share of each SLO's error budget left over its rolling period, the lowest "
                "instance of grouped SLOs: green above 25 %, red once overspent.",
                "percentunit",
                [
                    Query(
                        f"min by (service, slo) ({names.BUDGET_REMAINING})",
                        "{{service}}/{{slo}}",
                        instant=True,
                    )
                ],
                BUDGET,
                Style(width=8, height=8, decimals=1, links=overview),
            ),
            stat_panel(
                "Incidents over the time range",
                "Distinct page-level alerts (SLO page tiers and critical threshold alerts) "
                "that fired during the time range: each alert identity counts once, however "
                "often it fired. 0 is the goal.",
                "none",
                [
                    Query(
                        'count(count_over_time(ALERTS{alertstate="firing",'
                        'severity=~"page|critical"}[$__range])) or vector(0)',
                        "incidents",
                        instant=True,
                    )
                ],
                FIRING,
                Style(width=4, height=4, decimals=0),
            ),
            stat_panel(
                "Pages firing now",
                "Page-level alerts firing right now; 0 when all is well.",
                "none",
                [
                    Query(
                        'count(ALERTS{alertstate="firing",severity=~"page|critical"}) or vector(0)',
                        "firing",
                    )
                ],
                FIRING,
                Style(width=4, height=4, decimals=0),
            ),
        ),
    )


def _plan() -> Row:
    small = Style(width=4, height=5, decimals=0)
    return Row(
        "Against the launch plan",
        (
            stat_panel(
                "Jobs per day",
                "Jobs posted per day, averaged over the time range, against the plan's 1,500.",
                "suffix: jobs/day",
                [Query(business.per_day("ftw_jobs_posted_total"), "jobs/day")],
                below(business.JOBS_PER_DAY),
                small,
                calc="mean",
            ),
            stat_panel(
                "Bids per day",
                "Bids submitted per day, averaged over the time range, against the plan's 7,500.",
                "suffix: bids/day",
                [Query(business.per_day("ftw_bids_submitted_total"), "bids/day")],
                below(business.BIDS_PER_DAY),
                small,
                calc="mean",
            ),
            stat_panel(
                "Payouts paid per day",
                "Payouts paid per day, averaged over the time range.",
                "suffix: payouts/day",
                [Query(business.per_day("ftw_payouts_total", 'status="paid"'), "paid/day")],
                style=small,
                calc="mean",
            ),
            stat_panel(
                "API p95 latency",
                "95th percentile of API request duration, averaged over the time range: "
                "target below 800 ms (red above), stretch below 500 ms (orange above).",
                "s",
                [Query(marketplace.latency(0.95, 'job="marketplace"'), "p95")],
                marketplace.P95_LINES,
                Style(width=4, height=5, decimals=3),
                calc="mean",
            ),
            stat_panel(
                "API error rate",
                "Share of marketplace requests answered with a 5xx, averaged over the time "
                "range: target below 1 %.",
                "percentunit",
                [Query(marketplace.error_ratio('job="marketplace"'), "5xx")],
                above(0.01, 0.02),
                Style(width=4, height=5, decimals=2),
                calc="mean",
            ),
            stat_panel(
                "Requests per second",
                "Marketplace requests per second, averaged over the time range; the plan "
                "expects about 200 on average and 600 at peak.",
                "reqps",
                [Query(marketplace.requests('job="marketplace"'), "requests/s")],
                marketplace.TRAFFIC_LINES,
                Style(width=4, height=5, decimals=1),
                calc="mean",
            ),
        ),
    )


def build(specs: Sequence[ServiceSpec], *, launch_plan: bool = True) -> Plan:
    """Return the executive summary dashboard; the launch-plan row only if `launch_plan`."""
    plan = ", and the business against the launch plan" if launch_plan else ""
    return Plan(
        uid=UID,
        title="FTW executive summary",
        description="One screen for leadership: every SLO this month against its objective, "
        f"error budget left, incidents{plan}.",
        rows=(_slos(specs), _plan()) if launch_plan else (_slos(specs),),
        time_from="now/M",
        refresh="5m",
    )
