"""PromQL over the recorded `ftw_slo:*` series, shared by the SLO dashboards.

Every recorded series carries `service`, `slo`, `team` and the SLO's `group_by` labels
(docs/slo-spec.md, "What generate records"), so one query serves every SLO and instance.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ftw_observe.burnrate import DAY, Tier
from ftw_observe.dashboards.panels import Thresholds
from ftw_observe.rules import names
from ftw_observe.spec.model import ServiceSpec

DETAIL_UID = "ftw-slo-detail"
OVERVIEW_UID = "ftw-slo-overview"
IDENTITY = ("service", "slo")
# Share of the error budget left: red once overspent, orange below 25 %.
BUDGET = Thresholds("red", ((0.0, "orange"), (0.25, "green")))
# A target line drawn over a series: dashed and red.
DASHED_RED: dict[str, object] = {
    "custom.lineStyle": {"dash": [10, 10], "fill": "dash"},
    "color": {"fixedColor": "red", "mode": "fixed"},
}


def group_labels(specs: Sequence[ServiceSpec]) -> tuple[str, ...]:
    """Return every `group_by` label of every SLO, sorted: the instance variables."""
    return tuple(sorted({label for spec in specs for slo in spec.slos for label in slo.group_by}))


def max_period_days(specs: Sequence[ServiceSpec]) -> int:
    """Return the longest SLO period in whole days (30 when there is no SLO)."""
    return max((slo.period_days for spec in specs for slo in spec.slos), default=30)


def instance_legend(labels: Sequence[str]) -> str:
    """Return the legend naming an SLO instance: `service/slo` and its group labels."""
    return "{{service}}/{{slo}}" + "".join(f" {{{{{label}}}}}" for label in labels)


def slo_matchers(labels: Sequence[str]) -> str:
    """Return the matchers of the detail dashboard's variables: service, slo, instance."""
    matchers = ['service="$service"', 'slo="$slo"']
    matchers.extend(f'{label}=~"${label}"' for label in labels)
    return ",".join(matchers)


def spec_matchers() -> str:
    """Return the matchers of the per-SLO series, which carry no instance labels."""
    return 'service="$service",slo="$slo"'


def per_instance(series: str, instance: str) -> str:
    """Return a per-SLO series (objective, period) copied onto every instance of `instance`."""
    by = ", ".join(IDENTITY)
    return f"0 * {instance} + on ({by}) group_left () {series}"


def windowed(template: str, seconds: int, matchers: str) -> str:
    """Return a per-window recorded series with matchers, e.g. the 1h burn rate."""
    return f"{names.windowed(template, seconds)}{{{matchers}}}"


def tier_threshold(tier: Tier) -> str:
    """Return PromQL for the burn rate at which a tier fires, for the selected SLO's period.

    The factor is `budget_share x period / long window`; the period comes from
    `ftw_slo:period:days`, so the line is exact for 28-day and 30-day SLOs alike.
    """
    per_day = tier.budget_share * Fraction(DAY, tier.long)
    factor = f"{per_day.numerator}" + (
        f" / {per_day.denominator}" if per_day.denominator != 1 else ""
    )
    return f"max({names.PERIOD_DAYS}{{{spec_matchers()}}}) * {factor}"


def firing(alertname: str, extra: str = "") -> str:
    """Return the count of firing alerts of one name, 0 rather than nothing when none fire."""
    matchers = f'alertstate="firing",alertname="{alertname}"' + (f",{extra}" if extra else "")
    return f"count(ALERTS{{{matchers}}}) or vector(0)"


def detail_link(labels: Sequence[str], field: str = "__field.labels") -> str:
    """Return the URL of the detail dashboard for the series (or table row) linked from."""
    params = [f"var-{name}=${{{field}.{name}}}" for name in IDENTITY]
    params.extend(f"var-{label}=${{{field}.{label}}}" for label in labels)
    return f"/d/{DETAIL_UID}?" + "&".join(
        [*params, "${datasource:queryparam}", "${__url_time_range}"]
    )


def objective_overrides(
    specs: Sequence[ServiceSpec],
) -> tuple[tuple[str, str, dict[str, object]], ...]:
    """Colour each SLO's SLI against its own objective: red below it, green at or above.

    Series are matched by display name, so their legend must start with `service/slo`.
    """
    return tuple(
        (
            "byRegexp",
            f"^{spec.service}/{slo.name}( .*)?$",
            {
                "thresholds": {
                    "mode": "absolute",
                    "steps": [
                        {"color": "red", "value": None},
                        {"color": "green", "value": float(slo.objective_ratio)},
                    ],
                }
            },
        )
        for spec in specs
        for slo in spec.slos
    )
