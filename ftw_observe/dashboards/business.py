"""Business (leadership): jobs, bids, bid response time, completions, payouts and invoices.

Figures come from the exporter (`job="ftw-exporter"`), which counts from the marketplace
database. Per-day figures are the current pace (rate x 86,400); the stats average that pace
over the dashboard's time range (last 24 hours by default), which is jobs per day.
"""

from __future__ import annotations

from ftw_observe.dashboards.layout import Plan, Row
from ftw_observe.dashboards.panels import (
    Query,
    Style,
    Thresholds,
    above,
    bargauge_panel,
    below,
    stat_panel,
    timeseries_panel,
)

UID = "ftw-business"
JOB = 'job="ftw-exporter"'
RATE = "[$__rate_interval]"
DAY = 86_400
# Launch plan: 1,500 jobs/day and 7,500 bids/day, so 5 bids per job.
JOBS_PER_DAY = 1_500.0
BIDS_PER_DAY = 7_500.0
BIDS_PER_JOB = BIDS_PER_DAY / JOBS_PER_DAY
BID_RESPONSE_TARGET = 900.0  # first bid within 15 minutes for 90 % of jobs
BID_RESPONSE_SHARE = 0.9
PAYOUT_FAILURE_BUDGET = 0.001  # payout-success SLO: 99.9 %


def rate(metric: str, matchers: str = "", by: str = "") -> str:
    """Return the per-second rate of an exporter counter, summed."""
    selector = f"{metric}{{{JOB}{',' + matchers if matchers else ''}}}"
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate({selector}{RATE}))"


def per_day(metric: str, matchers: str = "") -> str:
    """Return the pace of a counter in events per day."""
    return f"{rate(metric, matchers)} * {DAY}"


def bid_quantile(quantile: float) -> str:
    """Return a quantile of the time from posting a job to its first bid."""
    return (
        f"histogram_quantile({quantile}, sum by (le) "
        f"(rate(ftw_bid_response_seconds_bucket{{{JOB}}}{RATE})))"
    )


def _jobs() -> Row:
    per_minute = JOBS_PER_DAY / (DAY / 60)
    return Row(
        "Jobs",
        (
            stat_panel(
                "Jobs posted per day",
                "Jobs posted per day at the average pace of the time range (last 24 hours by "
                "default) against the launch plan's 1,500 a day: green at or above it.",
                "suffix: jobs/day",
                [Query(per_day("ftw_jobs_posted_total"), "jobs/day")],
                below(JOBS_PER_DAY),
                Style(width=6, height=5, decimals=0),
                calc="mean",
            ),
            stat_panel(
                "Open jobs",
                "Jobs posted and not yet awarded, completed or cancelled.",
                "none",
                [Query(f"sum(ftw_jobs_open{{{JOB}}})", "open")],
                style=Style(width=6, height=5, decimals=0),
            ),
            stat_panel(
                "Active contractors",
                "Contractors who placed a bid in the last 24 hours.",
                "none",
                [Query(f"sum(ftw_contractors_active{{{JOB}}})", "contractors")],
                style=Style(width=6, height=5, decimals=0),
            ),
            stat_panel(
                "Jobs completed per day",
                "Jobs marked completed per day at the average pace of the time range.",
                "suffix: jobs/day",
                [Query(per_day("ftw_jobs_completed_total"), "completed/day")],
                style=Style(width=6, height=5, decimals=0),
                calc="mean",
            ),
            timeseries_panel(
                "Jobs posted, completed and cancelled per minute",
                "Job events per minute; the dashed line is the plan's 1,500 jobs a day "
                f"({per_minute:.2f} per minute).",
                "suffix: jobs/min",
                [
                    Query(f"{rate('ftw_jobs_posted_total')} * 60", "posted"),
                    Query(f"{rate('ftw_jobs_completed_total')} * 60", "completed"),
                    Query(f"{rate('ftw_jobs_cancelled_total')} * 60", "cancelled"),
                ],
                Thresholds("text", ((per_minute, "green"),)),
            ),
            bargauge_panel(
                "Jobs posted per day by territory (top 10)",
                "The ten territories (1-254) with the most jobs posted, at the current pace "
                "per day.",
                "suffix: jobs/day",
                [
                    Query(
                        f"topk(10, {rate('ftw_jobs_posted_total', by='territory')} * {DAY})",
                        "territory {{territory}}",
                        instant=True,
                    )
                ],
                style=Style(width=12, height=8, decimals=0, min_value=0),
            ),
        ),
    )


def _bids() -> Row:
    within = (
        f'sum(rate(ftw_bid_response_seconds_bucket{{{JOB},le=~"900|900\\\\.0"}}{RATE})) / '
        f"(sum(rate(ftw_bid_response_seconds_count{{{JOB}}}{RATE})) > 0)"
    )
    return Row(
        "Bids",
        (
            stat_panel(
                "Bids per day",
                "Bids submitted per day at the average pace of the time range against the "
                "launch plan's 7,500 a day.",
                "suffix: bids/day",
                [Query(per_day("ftw_bids_submitted_total"), "bids/day")],
                below(BIDS_PER_DAY),
                Style(width=6, height=5, decimals=0),
                calc="mean",
            ),
            stat_panel(
                "Bids per job",
                "Bids submitted per job posted over the time range; the plan expects 5 "
                "(7,500 bids for 1,500 jobs a day).",
                "suffix: bids/job",
                [
                    Query(
                        f"{rate('ftw_bids_submitted_total')} / "
                        f"({rate('ftw_jobs_posted_total')} > 0)",
                        "bids/job",
                    )
                ],
                below(BIDS_PER_JOB),
                Style(width=6, height=5, decimals=1),
                calc="mean",
            ),
            stat_panel(
                "First bid within 15 minutes",
                "Share of jobs whose first bid arrived within 15 minutes of posting, among "
                "jobs that got their first bid in the last rate interval; target 90 %.",
                "percentunit",
                [Query(within, "within 15 min")],
                below(BID_RESPONSE_SHARE),
                Style(width=6, height=5, decimals=1),
            ),
            stat_panel(
                "Bid response p90",
                "90th percentile of the time from posting to the first bid: at most 15 "
                "minutes (900 s) when 90 % of jobs get a bid that fast.",
                "s",
                [Query(bid_quantile(0.9), "p90")],
                above(BID_RESPONSE_TARGET),
                Style(width=6, height=5, decimals=0),
            ),
            timeseries_panel(
                "Bid response time (median and p90)",
                "Time from a job being posted to its first bid; the dashed line is the "
                "15-minute target. The histogram's buckets are 1, 5, 10, 15, 30 and 60 minutes "
                "and longer, so quantiles are interpolated between them.",
                "s",
                [Query(bid_quantile(0.5), "median"), Query(bid_quantile(0.9), "p90")],
                above(BID_RESPONSE_TARGET),
            ),
            timeseries_panel(
                "Bids submitted and accepted per minute",
                "Bids submitted by contractors and accepted by homeowners per minute.",
                "suffix: bids/min",
                [
                    Query(f"{rate('ftw_bids_submitted_total')} * 60", "submitted"),
                    Query(f"{rate('ftw_bids_accepted_total')} * 60", "accepted"),
                ],
            ),
        ),
    )


def _payouts() -> Row:
    paid = rate("ftw_payouts_total", 'status="paid"')
    failed = rate("ftw_payouts_total", 'status="failed"')
    failure = f"{failed} / ({rate('ftw_payouts_total')} > 0)"
    same_day = f"{rate('ftw_payouts_same_day_total')} / ({paid} > 0)"
    return Row(
        "Payouts and invoices",
        (
            stat_panel(
                "Payouts paid per day",
                "Payouts that reached paid, per day at the average pace of the time range.",
                "suffix: payouts/day",
                [Query(f"{paid} * {DAY}", "paid/day")],
                style=Style(width=6, height=5, decimals=0),
                calc="mean",
            ),
            stat_panel(
                "Amount paid out per day",
                "Dollars paid out per day at the average pace of the time range.",
                "currencyUSD",
                [Query(per_day("ftw_payout_amount_dollars_total", 'status="paid"'), "paid")],
                style=Style(width=6, height=5, decimals=0),
                calc="mean",
            ),
            stat_panel(
                "Same-day payouts",
                "Share of paid payouts that were paid on the calendar day they were requested "
                "(FTW_BUSINESS_TIMEZONE), a selling point of the marketplace.",
                "percentunit",
                [Query(same_day, "same day")],
                style=Style(width=6, height=5, decimals=1),
                calc="mean",
            ),
            stat_panel(
                "Payout failure ratio",
                "Share of payouts that ended failed rather than paid; the payout-success SLO "
                "allows 0.1 % (red above).",
                "percentunit",
                [Query(failure, "failed")],
                above(PAYOUT_FAILURE_BUDGET / 2, PAYOUT_FAILURE_BUDGET),
                Style(width=6, height=5, decimals=2),
                calc="mean",
            ),
            timeseries_panel(
                "Payouts per minute by status",
                "Payouts requested, and payouts that reached paid or failed, per minute.",
                "suffix: payouts/min",
                [
                    Query(f"{rate('ftw_payouts_requested_total')} * 60", "requested"),
                    Query(f"{rate('ftw_payouts_total', by='status')} * 60", "{{status}}"),
                ],
            ),
            timeseries_panel(
                "Invoices created per minute",
                "Invoices contractors created for completed jobs, per minute.",
                "suffix: invoices/min",
                [Query(f"{rate('ftw_invoices_created_total')} * 60", "invoices")],
            ),
        ),
    )


def build() -> Plan:
    """Return the business dashboard."""
    return Plan(
        uid=UID,
        title="FTW business",
        description="Is the marketplace moving: jobs, bids and bid response time, completions, "
        "payouts and invoices against the launch plan (1,500 jobs and 7,500 bids a day).",
        rows=(_jobs(), _bids(), _payouts()),
        time_from="now-24h",
    )
