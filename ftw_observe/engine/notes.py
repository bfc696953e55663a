"""Labels and annotations of the alerts the engine raises: the same identity as the rules'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ftw_observe.burnrate import Tier, display_number
from ftw_observe.deploy.model import DeployConfig
from ftw_observe.display import format as fmt
from ftw_observe.durations import format_duration
from ftw_observe.engine.evaluate import Target
from ftw_observe.model import Evaluation
from ftw_observe.rules import names
from ftw_observe.rules.annotations import slo_links
from ftw_observe.rules.identity import identity_labels


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "never at this rate"
    if seconds <= 0:
        return "already exhausted"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m"]
    return " ".join(part for part in parts if part)


def _percent(value: float | None) -> str:
    return "unknown" if value is None else f"{value * 100:.2f}%"


def _rate(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class BurnText:
    """What one SLO and tier fix in their alerts' labels and annotations, worked out once.

    The engine builds one per SLO and tier and fills in each cycle's figures: the spec's
    exact fractions and link templates are too slow to redo for every instance every cycle.
    """

    target: Target
    tier: Tier
    head: dict[str, str]  # labels before the group's
    tail: dict[str, str]  # labels after the group's
    threshold: str
    description: str
    links: dict[str, str]

    def labels(self, evaluation: Evaluation) -> dict[str, str]:
        """Return the labels of the alert of an instance, identical to the generated rule's."""
        return {**self.head, **dict(evaluation.key.group), **self.tail}

    def annotations(self, evaluation: Evaluation) -> dict[str, str]:
        """Return the annotations of the alert of an instance, its figures filled in."""
        service, slo, tier = self.target.service, self.target.slo, self.tier
        long_burn = evaluation.burn_rate(tier.long_window)
        instance = f" ({evaluation.key.instance})" if evaluation.key.group else ""
        seconds_left = None
        if evaluation.remaining is not None and long_burn:
            seconds_left = max(evaluation.remaining, 0.0) * slo.period / long_burn
        notes = {
            "summary": (
                f"{service.service} {slo.name}{instance}: error budget burning "
                f"{_rate(long_burn)}x too fast over {tier.long_window} "
                f"(threshold {self.threshold}x)"
            ),
            "description": self.description,
            "burn_rate": _rate(long_burn),
            "burn_rate_short": _rate(evaluation.burn_rate(tier.short_window)),
            "burn_rate_threshold": self.threshold,
            "remaining_budget": _percent(evaluation.remaining),
            "time_to_exhaustion": _duration(seconds_left),
        }
        if note := fmt.budget_note(evaluation.remaining, evaluation.coverage, slo.period):
            # A young period's share says little alone and its exhaustion would be extrapolated.
            notes["budget_note"] = note
            notes["time_to_exhaustion"] = "not projected: only part of the period has data"
        for window in evaluation.windows:
            # Every window's burn rate and counts, for receivers that show the whole picture.
            if window.window != "period" and window.burn_rate is not None:
                notes[f"burn_rate_{window.window}"] = _rate(window.burn_rate)
            if window.window in (tier.long_window, "period") and window.events is not None:
                suffix = "" if window.window == tier.long_window else "_period"
                notes[f"errors{suffix}"] = f"{window.errors or 0.0:.0f}"
                notes[f"events{suffix}"] = f"{window.events:.0f}"
        notes |= self.links
        return {**notes, **slo.alerting.annotations}


def burn_text(target: Target, tier: Tier, deploy: DeployConfig) -> BurnText:
    """Return the fixed parts of a tier's alerts for one SLO, links into `deploy`."""
    service, slo = target.service, target.slo
    options = slo.alerting.tier(tier.name)
    period = format_duration(slo.period)
    ratio = display_number(tier.error_ratio_threshold(slo.period, slo.error_budget) * 100)
    share = display_number(tier.budget_share * 100)
    return BurnText(
        target=target,
        tier=tier,
        head={"alertname": names.BURN_ALERT, **identity_labels(service, slo)},
        tail={
            "severity": options.severity or tier.severity,
            "tier": tier.name,
            "long_window": tier.long_window,
            "short_window": tier.short_window,
            **slo.alerting.labels,
            **options.labels,
        },
        threshold=display_number(tier.factor(slo.period)),
        description=(
            f"{slo.description.strip()} Objective {slo.objective:g} % over {period}. "
            f"Both the {tier.long_window} and {tier.short_window} error ratios are above "
            f"{ratio} %: at this rate {share} % of the {period} error budget burns within "
            f"{tier.long_window}."
        ),
        links=slo_links(service, slo, deploy, tier.name),
    )


def burn_labels(target: Target, evaluation: Evaluation, tier: Tier) -> dict[str, str]:
    """Return the labels of a burn-rate alert, identical to the generated rule's."""
    return burn_text(target, tier, DeployConfig()).labels(evaluation)


def burn_annotations(
    target: Target, evaluation: Evaluation, tier: Tier, deploy: DeployConfig
) -> dict[str, str]:
    """Return the annotations of a burn-rate alert, numbers filled in, links into `deploy`."""
    return burn_text(target, tier, deploy).annotations(evaluation)


def meta_annotations(since: datetime, error: str) -> dict[str, str]:
    """Return the annotations of the meta-alert: Prometheus unreadable since a time."""
    return {
        "summary": f"FTW Observe cannot read Prometheus since {since:%Y-%m-%d %H:%M:%S} UTC",
        "description": (
            f"{error}. SLO budgets are unknown and burn-rate alerts cannot fire until "
            "Prometheus answers again. Check PROMETHEUS_URL and the Prometheus server."
        ),
        "runbook_url": names.engine_runbook(names.META_ALERT),
    }
