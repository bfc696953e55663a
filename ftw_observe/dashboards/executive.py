"""Executive summary (one screen): the last 30 days beside the 30 before, and the plan.

Availability, downtime minutes, incidents, p95 latency and budget left read fixed 30-day
windows (`ftw_observe.dashboards.executive_queries`), each beside its twin 30 days earlier,
so the figures leadership quotes do not depend on the time picker. The launch-plan averages
read the time range through `$__range`; it defaults to the last 30 days too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ftw_observe.dashboards import business, marketplace
from ftw_observe.dashboards import executive_queries as x
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
from ftw_observe.dashboards.sdk import bargauge, stat
from ftw_observe.spec.model import ServiceSpec

UID = "ftw-executive"
BUDGET = q.BUDGET


OVERVIEW = Link("SLO overview", f"/d/{q.OVERVIEW_UID}?${{datasource:queryparam}}")
NO_PREVIOUS = "No data for the previous 30 days yet"
LAST, BEFORE = "last 30 days", "the 30 days before"
INCIDENTS_WHY = (
    "One incident is one paged outage, as the engine pages it: every page-level alert of a "
    "service (SLO page tiers, critical threshold alerts) belongs to one incident while any of "
    "them fires, so an outage that fires two tiers and a threshold counts once. Counted from "
    "Prometheus's ALERTS as the times a service went from no page-level alert firing to one, "
    "sampled every 2 minutes: alerts that clear and fire again within 2 minutes continue the "
    "same outage. Read from ALERTS rather than from the engine's notifications, an outage counts "
    "whichever path paged it (the engine or Alertmanager), whether or not it was silenced, and "
    "the count survives engine restarts. 0 only when the always-firing watchdog shows the "
    "alert rules were evaluated; 0 is the goal."
)
DOWNTIME_WHY = (
    "Minutes of downtime per SLO: (1 - SLI) x minutes, summed per 5 minutes, so 5 minutes with "
    "2 % of events bad count 0.1 minutes and 5 minutes with every event bad count 5. Minutes "
    "without traffic count nothing. Orange from half the SLO's budget for 30 days, red from "
    "all of it: (1 - objective) x 43,200 minutes, 43.2 for a 99.9 % SLO. From the "
    "recorded 5-minute counts, all instances of an SLO together."
)


def _previous(style: Style) -> Style:
    """Return a style for a previous-month panel: it says so when there is no history yet."""
    return replace(style, no_value=NO_PREVIOUS)


def _availability(specs: Sequence[ServiceSpec], *, previous: bool) -> bargauge.Panel:
    style = Style(
        width=8, height=8, decimals=3, links=(OVERVIEW,), overrides=q.objective_overrides(specs)
    )
    return bargauge_panel(
        f"Availability, {BEFORE if previous else LAST}",
        f"Share of good events of every SLO over {BEFORE if previous else 'the ' + LAST}, all "
        "instances together, green at or above that SLO's objective (availability: 99.9 %), "
        "red below it. From the recorded 5-minute counts.",
        "percentunit",
        [Query(x.availability(previous=previous), "{{service}}/{{slo}}", instant=True)],
        Thresholds("red"),
        _previous(style) if previous else style,
    )


def budget_minutes_overrides(
    specs: Sequence[ServiceSpec],
) -> tuple[tuple[str, str, dict[str, object]], ...]:
    """Colour each SLO's downtime against its 30-day budget: orange from half, red from all."""
    found = []
    for spec in specs:
        for slo in spec.slos:
            budget = float((1 - slo.objective_ratio) * x.MONTH_MINUTES)
            steps = [
                {"color": "green", "value": None},
                {"color": "orange", "value": budget / 2},
                {"color": "red", "value": budget},
            ]
            thresholds: dict[str, object] = {"thresholds": {"mode": "absolute", "steps": steps}}
            found.append(("byRegexp", f"^{spec.service}/{slo.name}$", thresholds))
    return tuple(found)


def _downtime(specs: Sequence[ServiceSpec], *, previous: bool) -> bargauge.Panel:
    style = Style(width=8, height=8, decimals=1, overrides=budget_minutes_overrides(specs))
    return bargauge_panel(
        f"Downtime minutes, {BEFORE if previous else LAST}",
        DOWNTIME_WHY + (" The 30 days before the last 30." if previous else ""),
        "m",
        [Query(x.downtime_minutes(previous=previous), "{{service}}/{{slo}}", instant=True)],
        Thresholds("green"),
        _previous(style) if previous else style,
    )


def _incidents(*, previous: bool) -> stat.Panel:
    style = Style(width=4, height=8, decimals=0)
    return stat_panel(
        f"Incidents, {BEFORE if previous else LAST}",
        INCIDENTS_WHY + (" The 30 days before the last 30." if previous else ""),
        "none",
        [Query(x.incidents(previous=previous), "incidents", instant=True)],
        FIRING,
        _previous(style) if previous else style,
    )


def _budget(*, previous: bool) -> bargauge.Panel:
    when = "30 days ago" if previous else "now"
    style = Style(width=12, height=8, decimals=1, links=(OVERVIEW,))
    return bargauge_panel(
        f"Error budget left {when}",
        f"Share of each SLO's error budget left over its rolling period, {when}, the lowest "
        "instance of grouped SLOs: green above 25 %, red once overspent."
        + (" For a 30-day SLO, what the previous period ended with." if previous else ""),
        "percentunit",
        [Query(x.budget_left(previous=previous), "{{service}}/{{slo}}", instant=True)],
        BUDGET,
        _previous(style) if previous else style,
    )


def _slos(specs: Sequence[ServiceSpec]) -> Row:
    return Row(
        "Reliability: the last 30 days, and the 30 days before",
        (
            _availability(specs, previous=False),
            _availability(specs, previous=True),
            _incidents(previous=False),
            _incidents(previous=True),
            _downtime(specs, previous=False),
            _downtime(specs, previous=True),
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
                Style(width=8, height=8, decimals=0),
            ),
            _budget(previous=False),
            _budget(previous=True),
        ),
    )


def _p95(*, previous: bool) -> stat.Panel:
    style = Style(width=4, height=5, decimals=3)
    return stat_panel(
        f"API p95 latency, {BEFORE if previous else LAST}",
        "95th percentile of API request duration over "
        f"{BEFORE if previous else 'the ' + LAST}, from the whole period's histogram: target "
        "below 800 ms (red above), stretch below 500 ms (orange above).",
        "s",
        [Query(x.p95_latency(previous=previous), "p95", instant=True)],
        marketplace.P95_LINES,
        _previous(style) if previous else style,
    )


def _plan() -> Row:
    small = Style(width=3, height=5, decimals=0)
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
            _p95(previous=False),
            _p95(previous=True),
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
                Style(width=3, height=5, decimals=1),
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
        description="One screen for leadership: every SLO's availability, downtime minutes, "
        f"incidents and error budget left over the last 30 days beside the 30 before{plan}.",
        rows=(_slos(specs), _plan()) if launch_plan else (_slos(specs),),
        time_from="now-30d",
        refresh="5m",
    )
