"""Threshold alerts in a spec file: one measured value against up to two fixed levels.

Structure only lives here, as in `ftw_observe.spec.model`; the rules they compile to are
built by `ftw_observe.rules.thresholds`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from ftw_observe.durations import parse_duration
from ftw_observe.spec.selectors import check_query

Severity = Literal["warning", "critical"]
Comparison = Literal[">", "<", "=="]
# ratio: a share shown as a percentage; seconds: a duration; state: a 0/1 health signal.
Unit = Literal["ratio", "seconds", "state"]

# Alert names are CamelCase: their runbook anchor splits them before each capital.
ALERT_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
# A name, or a template that takes the service from the series: `{{ $labels.job }}`.
SERVICE_LABEL = re.compile(
    r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*|\{\{ \$labels\.[a-zA-Z_][a-zA-Z0-9_]* \}\}"
)
GROUP_NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")


def _alert_name(value: str) -> str:
    if not ALERT_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an alert name: CamelCase letters and digits, such as HostHighCpu"
        )
    return value


def _service_label(value: str) -> str:
    if not SERVICE_LABEL.fullmatch(value):
        raise ValueError(f"{value!r} is neither a service name nor {{{{ $labels.<label> }}}}")
    return value


def _group(value: str) -> str:
    if not GROUP_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not a group name: lowercase letters, digits, '-', '_'")
    return value


def _threshold(value: object) -> Decimal:
    # Decimal from the YAML text of the number, so 0.02 is written 0.02, not 0.0200000000004.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"a threshold is a number such as 0.8 or 2; got {value!r}")
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise ValueError(f"a threshold is a number such as 0.8 or 2; got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"a threshold is a finite number; got {value!r}")
    return number


def _for(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a duration is a string such as 5m or 1h; got {value!r}")
    parse_duration(value)
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Level(_Model):
    """One severity of an alert: the threshold it crosses and how long it must hold."""

    severity: Severity
    threshold: Annotated[Decimal, BeforeValidator(_threshold)]
    for_: Annotated[str, BeforeValidator(_for)] = Field(alias="for")


class ThresholdSpec(_Model):
    """An alert on one measured value, with up to two levels sharing its alertname."""

    name: Annotated[str, AfterValidator(_alert_name)]
    # None: the file's service; a template takes it from the series.
    service: Annotated[str, AfterValidator(_service_label)] | None = None
    # The rule group `ftw-thresholds-<group>`; None: the service (required for a template).
    group: Annotated[str, AfterValidator(_group)] | None = None
    expr: Annotated[str, AfterValidator(check_query)]
    comparison: Comparison
    unit: Unit
    levels: list[Level] = Field(min_length=1, max_length=2)
    subject: str = Field(min_length=1)
    description: str = Field(min_length=1)
    # Full URLs; None: the threshold runbook's section and the infrastructure dashboard's panel.
    runbook: str | None = None
    dashboard: str | None = None
