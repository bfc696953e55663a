"""The SLO spec format: typed models for `slo/*.yaml`.

Structure only lives here (types, ranges, unknown fields); rules that relate fields to each
other (reachable tiers, declared buckets, duplicate names) live in `ftw_observe.spec.checks`.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from ftw_observe.durations import format_duration, parse_duration
from ftw_observe.spec.links import check_link_template, unquoted_link
from ftw_observe.spec.selectors import check_raw_query, check_selector
from ftw_observe.spec.thresholds import ThresholdSpec

SPEC_VERSION = "ftw-observe/v1"
# The dashboards that read one deployment's own metrics rather than the recorded SLO series:
# a spec file lists those its service provides the metrics of (docs/slo-spec.md).
DashboardName = Literal["marketplace", "business", "infrastructure"]
# Labels the compiler sets itself; a spec may not set them.
RESERVED_LABELS = frozenset(
    {"service", "slo", "team", "severity", "tier", "long_window", "short_window", "le"}
    | {"alertname", "job", "instance", "__name__"}
)

# Failed events a tier's long window must hold before the tier fires, unless the spec says
# otherwise: enough that a lone failed request never pages (docs/slo-spec.md has the argument).
DEFAULT_MIN_ERRORS = 3

# The names of services, SLOs, teams, receivers and routes; and Prometheus label names.
NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _name(value: str) -> str:
    if not NAME.fullmatch(value) or len(value) > 63:
        raise ValueError(
            f"{value!r} is not a name: use lowercase letters, digits, '-' or '_', "
            "starting with a letter, at most 63 characters"
        )
    return value


def _label_name(value: str) -> str:
    if not LABEL_NAME.fullmatch(value) or value.startswith("__"):
        raise ValueError(f"{value!r} is not a Prometheus label name")
    return value


def _user_labels(value: dict[str, str]) -> dict[str, str]:
    for key in value:
        _label_name(key)
        if key in RESERVED_LABELS:
            raise ValueError(f"label {key!r} is set by FTW Observe and cannot be overridden")
    return value


def _objective(value: float) -> float:
    if not 0 < value < 100:
        raise ValueError(
            f"{value:g} is not a percentage strictly between 0 and 100 (99.9 means 99.9 %)"
        )
    return value


def _duration(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("a duration is a string such as 5m, 1h or 30d")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return value
    return parse_duration(value)


def _as_written(value: object) -> str:
    """Return a YAML value as its author wrote it, briefly: `true`, `null`, `'3'`, `2.5`."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a mapping"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _count(value: object) -> int:
    # Strict: YAML's `true` or "3" are mistakes, not counts.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"expected a whole number of events, 0 or more, such as 3; got {_as_written(value)}"
        )
    if value < 0:
        raise ValueError(f"a number of events cannot be negative; got {value}")
    return value


Name = Annotated[str, AfterValidator(_name)]
LabelName = Annotated[str, AfterValidator(_label_name)]
Labels = Annotated[dict[str, str], AfterValidator(_user_labels)]
Duration = Annotated[int, BeforeValidator(_duration), PlainSerializer(format_duration)]
Objective = Annotated[float, AfterValidator(_objective)]
Selector = Annotated[str, AfterValidator(check_selector)]
RawQuery = Annotated[str, AfterValidator(check_raw_query)]
Count = Annotated[int, BeforeValidator(_count)]
LinkTemplate = Annotated[str, BeforeValidator(unquoted_link), AfterValidator(check_link_template)]


@functools.lru_cache(maxsize=1024)
def _objective_ratio(objective: float) -> Fraction:
    # Exact fractions are slow to build; the engine asks for every SLO's on every cycle.
    return Fraction(Decimal(repr(objective))) / 100


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RatioSLI(_Model):
    """Errors (or good events) over total events, each a vector selector on a counter."""

    errors: Selector | None = None
    good: Selector | None = None
    total: Selector


class LatencySLI(_Model):
    """Requests faster than `threshold` seconds over all requests, from a histogram."""

    histogram: Selector
    threshold: float = Field(gt=0)
    buckets: list[float] | None = None


class RawSLI(_Model):
    """Escape hatch: PromQL with a `{{window}}` placeholder for errors and total, or a ratio."""

    errors: RawQuery | None = None
    total: RawQuery | None = None
    error_ratio: RawQuery | None = None


class SLI(_Model):
    """What the SLO measures: exactly one of `ratio`, `latency` or `raw`."""

    ratio: RatioSLI | None = None
    latency: LatencySLI | None = None
    raw: RawSLI | None = None


class TierOptions(_Model):
    """Per-tier alert options."""

    enabled: bool = True
    for_: Duration = Field(default=0, alias="for")
    severity: Name | None = None
    labels: Labels = Field(default_factory=dict)
    min_errors: Count | None = None  # None: the SLO's


# Options are frozen, so every tier without its own shares one default (building one is slow).
_DEFAULT_TIER = TierOptions()


class GuardAlertOptions(_Model):
    """Options of the missing-data and budget-exhausted alerts."""

    enabled: bool = True
    for_: Duration = Field(default=600, alias="for")
    severity: Name = "ticket"


class AlertingOptions(_Model):
    """How an SLO alerts: which tiers, for how long, with what labels and links."""

    enabled: bool = True
    min_events: Count = 0
    min_errors: Count | None = None  # None: DEFAULT_MIN_ERRORS where FTW Observe counts errors
    labels: Labels = Field(default_factory=dict)
    annotations: dict[LabelName, str] = Field(default_factory=dict)
    runbook: LinkTemplate | None = None  # None: the service's links
    dashboard: LinkTemplate | None = None
    tiers: dict[str, TierOptions] = Field(default_factory=dict)
    missing_data: GuardAlertOptions = Field(default_factory=GuardAlertOptions)
    budget_exhausted: GuardAlertOptions = Field(
        default_factory=lambda: GuardAlertOptions.model_validate({"for": "5m"})
    )

    def tier(self, name: str) -> TierOptions:
        """Return the options of one tier, defaults filled in."""
        return self.tiers.get(name) or _DEFAULT_TIER


class SLOSpec(_Model):
    """One SLO of a service."""

    name: Name
    description: str = Field(min_length=1)
    objective: Objective = 99.9
    period: Duration = Field(default=30 * 86_400)
    sli: SLI
    group_by: list[LabelName] = Field(default_factory=list)
    labels: Labels = Field(default_factory=dict)
    alerting: AlertingOptions = Field(default_factory=AlertingOptions)

    @property
    def objective_ratio(self) -> Fraction:
        """Return the objective as an exact ratio (99.9 → 999/1000)."""
        return _objective_ratio(self.objective)

    @property
    def error_budget(self) -> Fraction:
        """Return the share of events allowed to fail (99.9 → 1/1000)."""
        return 1 - _objective_ratio(self.objective)

    @property
    def period_days(self) -> int:
        """Return the period in whole days."""
        return self.period // 86_400

    def min_errors(self, tier: str) -> int:
        """Return the failed events a tier's long window must hold before the tier fires."""
        for chosen in (self.alerting.tier(tier).min_errors, self.alerting.min_errors):
            if chosen is not None:
                return chosen
        # Raw queries may return rates rather than counts, and a guard of 3 on errors per
        # second would silence the SLO: only SLIs whose counts FTW Observe builds get a default.
        return DEFAULT_MIN_ERRORS if self.sli.raw is None else 0


class Links(_Model):
    """URL templates for alerts; see `ftw_observe.spec.links` for their placeholders."""

    runbook: LinkTemplate | None = None  # None: DEFAULT_RUNBOOK
    dashboard: LinkTemplate | None = None  # None: DEFAULT_DASHBOARD


class Compat(_Model):
    """Extra series for other tools' dashboards."""

    sloth: bool = False


class ServiceSpec(_Model):
    """A spec file: one service, its SLOs, its threshold alerts and its own dashboards.

    >>> ServiceSpec.model_validate({"service": "api", "team": "core", "slos": []}).team
    'core'
    """

    version: Literal["ftw-observe/v1"] = "ftw-observe/v1"
    service: Name
    team: Name
    description: str | None = None
    labels: Labels = Field(default_factory=dict)
    links: Links = Field(default_factory=Links)
    compat: Compat = Field(default_factory=Compat)
    dashboards: list[DashboardName] = Field(default_factory=list)
    slos: list[SLOSpec] = Field(default_factory=list)
    thresholds: list[ThresholdSpec] = Field(default_factory=list)
