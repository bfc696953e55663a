"""Helpers shared by the Sloth and OpenSLO importers: names, labels, PromQL shapes, errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import promql_parser

from ftw_observe.spec.issues import SpecError, SpecIssue
from ftw_observe.spec.model import RESERVED_LABELS
from ftw_observe.spec.selectors import WINDOW_PLACEHOLDER, check_raw_query, format_matcher

_NAME_MAX = 63
_NOT_NAME = re.compile(r"[^a-z0-9]+")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# A range no one writes by hand: after parsing, a matrix with this range was `{{window}}`.
_PROBE_SECONDS = 4321


class SpecImportError(SpecError):
    """Raised when a file cannot be imported; carries every problem, each naming its field.

    >>> str(SpecImportError([SpecIssue("sloth.yaml", None, "slos[0].sli", "plugin SLI")]))
    'sloth.yaml: slos[0].sli: plugin SLI'
    """


@dataclass
class Notes:
    """Warnings gathered while converting one file.

    >>> notes = Notes("sloth.yaml")
    >>> notes.warn("slos[0].alerting.name", "dropped")
    >>> str(notes.warnings[0])
    'sloth.yaml: slos[0].alerting.name: dropped'
    """

    file: str
    warnings: list[SpecIssue] = field(default_factory=list)

    def warn(self, at: str, message: str) -> None:
        """Record a warning about the source field `at`."""
        self.warnings.append(SpecIssue(self.file, None, at, message))

    def error(self, at: str, message: str) -> SpecImportError:
        """Return an error about the source field `at`, for the caller to raise."""
        return SpecImportError([SpecIssue(self.file, None, at, message)])


def mapping(value: Any, at: str, notes: Notes, *, required: bool = False) -> dict[str, Any]:
    """Return a mapping field (empty when absent); raise if it is something else."""
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise notes.error(at, "expected a mapping" if value is not None else "required")
    return value


def text(value: Any, at: str, notes: Notes) -> str:
    """Return a required, non-empty string field; raise if it is missing or not a string."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise notes.error(at, "required" if value is None else "expected a string")
    if not str(value).strip():
        raise notes.error(at, "must not be empty")
    return str(value).strip()


def warn_unknown(data: dict[str, Any], known: set[str], at: str, notes: Notes) -> None:
    """Warn about fields the importer does not know, so typos are not dropped silently."""
    prefix = f"{at}." if at else ""
    for key in data:
        if key not in known:
            notes.warn(f"{prefix}{key}", "unknown field, ignored")


def slug(value: str) -> str:
    """Return text as an FTW Observe name (`Checkout API` → `checkout-api`), or "" if none."""
    name = _NOT_NAME.sub("-", value.lower()).strip("-")
    return re.sub(r"^[^a-z]+", "", name)[:_NAME_MAX].rstrip("-")


def to_name(value: Any, at: str, notes: Notes) -> str:
    """Return a required field as an FTW Observe name, warning if it had to change."""
    original = text(value, at, notes)
    name = slug(original)
    if not name:
        raise notes.error(at, f"{original!r} has no letters to make a name from")
    if name != original:
        notes.warn(at, f"{original!r} is not an FTW Observe name; imported as {name!r}")
    return name


def label_value(value: Any) -> str:
    """Return a label value as a string, booleans spelled as in YAML."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def user_labels(
    value: Any, at: str, notes: Notes, *, skip: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Return labels FTW Observe lets a spec set; warn about each one dropped."""
    labels: dict[str, str] = {}
    for key, raw in mapping(value, at, notes).items():
        name = str(key)
        if name in skip:
            continue
        if not _LABEL.fullmatch(name) or name.startswith("__"):
            notes.warn(f"{at}.{name}", "not a Prometheus label name; dropped")
        elif name in RESERVED_LABELS:
            notes.warn(
                f"{at}.{name}",
                f"{name!r} is set by FTW Observe itself; dropped (value {label_value(raw)!r})",
            )
        elif raw is None or isinstance(raw, dict | list):
            notes.warn(f"{at}.{name}", "a label value must be a string; dropped")
        else:
            labels[name] = label_value(raw)
    return labels


def percent(value: Decimal) -> int | float:
    """Return an exact percentage as YAML will print it: `99.9`, or `99` when whole."""
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(str(value))


def raw_query(query: str, at: str, notes: Notes) -> str:
    """Return a `{{window}}` query unchanged if FTW Observe accepts it; raise otherwise."""
    try:
        return check_raw_query(query)
    except ValueError as error:
        raise notes.error(at, str(error)) from None


def _parse(query: str) -> promql_parser.Expr | None:
    try:
        return promql_parser.parse(query.replace(WINDOW_PLACEHOLDER, f"{_PROBE_SECONDS}s"))
    except BaseException as error:  # the Rust parser panics on some inputs
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        return None


def _unwrap(expr: object) -> object:
    while isinstance(expr, promql_parser.ParenExpr):
        expr = expr.expr
    return expr


def _sum_of(expr: object) -> tuple[object, tuple[str, ...]] | None:
    """Return the argument and `by` labels of `sum [by (...)] (x)`, or None."""
    expr = _unwrap(expr)
    if not isinstance(expr, promql_parser.AggregateExpr) or str(expr.op) != "sum":
        return None
    if expr.param is not None:
        return None
    modifier = expr.modifier
    if modifier is None:
        return _unwrap(expr.expr), ()
    if modifier.type != promql_parser.AggModifierType.By:
        return None
    return _unwrap(expr.expr), tuple(modifier.labels)


def _selector(node: object) -> str | None:
    """Return a plain vector selector (no offset, @ or `or`) in PromQL, or None."""
    if not isinstance(node, promql_parser.VectorSelector) or node.name is None:
        return None
    if node.offset is not None or node.at is not None or node.matchers.or_matchers:
        return None
    matchers = [format_matcher(m) for m in node.matchers.matchers if m.name != "__name__"]
    return f"{node.name}{{{','.join(matchers)}}}" if matchers else node.name


def rate_sum(query: str) -> tuple[str, tuple[str, ...]] | None:
    """Return (selector, group_by) of `sum [by (…)] (rate(SELECTOR[{{window}}]))`, else None.

    `increase` is accepted too: over one window both give the same ratio.

    >>> rate_sum('sum by (route) (rate(http_requests_total{code="500"}[{{window}}]))')
    ('http_requests_total{code="500"}', ('route',))
    """
    summed = _sum_of(_parse(query))
    if summed is None:
        return None
    call, group_by = summed
    if not isinstance(call, promql_parser.Call) or call.func.name not in ("rate", "increase"):
        return None
    if len(call.args) != 1 or not isinstance(call.args[0], promql_parser.MatrixSelector):
        return None
    matrix = call.args[0]
    if matrix.range != timedelta(seconds=_PROBE_SECONDS):
        return None
    selector = _selector(matrix.vector_selector)
    return None if selector is None else (selector, group_by)


def plain_selector(query: str) -> tuple[str, tuple[str, ...]] | None:
    """Return (selector, group_by) of `SELECTOR` or `sum [by (…)] (SELECTOR)`, else None.

    >>> plain_selector('sum(http_requests_total{job="api"})')
    ('http_requests_total{job="api"}', ())
    """
    expr = _unwrap(_parse(query))
    summed = _sum_of(expr)
    node, group_by = summed if summed is not None else (expr, ())
    selector = _selector(node)
    return None if selector is None else (selector, group_by)


def reserved(group_by: tuple[str, ...]) -> list[str]:
    """Return the grouping labels FTW Observe sets itself and so cannot group by."""
    return [label for label in group_by if label in RESERVED_LABELS]
