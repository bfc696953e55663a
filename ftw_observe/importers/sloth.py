"""Convert Sloth `prometheus/v1` specs into FTW Observe specs.

Rules, in short: `labels.team` (else `labels.owner`, kept as a label too, else `--team`) becomes
`team`; queries of the form `sum [by (…)] (rate(SELECTOR[{{.window}}]))` become a `ratio` SLI
with `group_by`, other queries stay `raw` with `{{window}}`; `page_alert`/`ticket_alert` map to
the two page and the two ticket tiers; a `severity` label becomes the tier's `severity` and a
`for:` the tiers' `for`; `compat.sloth` is turned on, so dashboards built on Sloth's series
keep working.
"""

from __future__ import annotations

import re
from copy import deepcopy
from decimal import Decimal
from typing import Any

from ftw_observe.durations import format_duration, parse_duration
from ftw_observe.importers import DEFAULT_TEAM
from ftw_observe.importers.common import (
    Notes,
    SpecImportError,
    label_value,
    mapping,
    percent,
    rate_sum,
    raw_query,
    reserved,
    text,
    to_name,
    user_labels,
    warn_unknown,
)
from ftw_observe.spec.issues import SpecIssue
from ftw_observe.spec.model import DEFAULT_MIN_ERRORS, NAME, SPEC_VERSION
from ftw_observe.spec.selectors import WINDOW_PLACEHOLDER

SLOTH_VERSION = "prometheus/v1"
PAGE_TIERS = ("page-1h", "page-6h")
TICKET_TIERS = ("ticket-1d", "ticket-3d")
# Annotations that name our own `alerting.runbook` link.
RUNBOOK_ANNOTATIONS = ("runbook_url", "runbook")

_SLOTH_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")
_RATE = re.compile(r"\brate\(")
_INCREASE = re.compile(r"\bincrease\(")
_SERVICE_KEYS = {"version", "service", "labels", "slos"}
_SLO_KEYS = {"name", "objective", "description", "labels", "sli", "alerting"}
_ALERTING_KEYS = {"name", "labels", "annotations", "page_alert", "ticket_alert"}
_ALERT_KEYS = {"disable", "labels", "annotations", "for"}


def convert_sloth(
    data: dict[str, Any], notes: Notes, *, team: str, period: str, at: str = ""
) -> dict[str, Any]:
    """Return the FTW Observe spec document for one Sloth `prometheus/v1` document.

    >>> sli = {"raw": {"error_ratio_query": "1 - avg(avg_over_time(up[{{.window}}]))"}}
    >>> doc = convert_sloth(
    ...     {"version": "prometheus/v1", "service": "api", "labels": {"owner": "core"},
    ...      "slos": [{"name": "up", "objective": 99.9, "description": "Up.", "sli": sli}]},
    ...     Notes("sloth.yaml"), team="unknown", period="30d")
    >>> doc["team"], doc["slos"][0]["sli"]
    ('core', {'raw': {'error_ratio': '1 - avg(avg_over_time(up[{{window}}]))'}})
    """
    warn_unknown(data, _SERVICE_KEYS, at.rstrip("."), notes)
    service = to_name(data.get("service"), f"{at}service", notes)
    raw_labels = mapping(data.get("labels"), f"{at}labels", notes)
    owner = raw_labels.get("team", raw_labels.get("owner"))
    if owner is not None:
        key = "team" if "team" in raw_labels else "owner"
        team = to_name(owner, f"{at}labels.{key}", notes)
    elif team == DEFAULT_TEAM:
        notes.warn(f"{at}labels", "no team or owner label; team set to 'unknown': edit it")
    labels = user_labels(raw_labels, f"{at}labels", notes, skip=frozenset({"team"}))
    slos_at = f"{at}slos"
    raw_slos = data.get("slos")
    if not isinstance(raw_slos, list) or not raw_slos:
        raise notes.error(slos_at, "list at least one SLO")
    slos: list[dict[str, Any]] = []
    problems: list[SpecIssue] = []
    for index, raw in enumerate(raw_slos):
        try:
            slos.append(_slo(raw, f"{slos_at}[{index}]", notes, period))
        except SpecImportError as error:
            problems.extend(error.issues)
    if problems:
        raise SpecImportError(problems)
    doc: dict[str, Any] = {"version": SPEC_VERSION, "service": service, "team": team}
    if labels:
        doc["labels"] = labels
    # Sloth users' Grafana dashboards read Sloth's series names; keep recording them too.
    doc["compat"] = {"sloth": True}
    doc["slos"] = slos
    return doc


def _slo(raw: Any, at: str, notes: Notes, period: str) -> dict[str, Any]:
    data = mapping(raw, at, notes, required=True)
    warn_unknown(data, _SLO_KEYS, at, notes)
    name = to_name(data.get("name"), f"{at}.name", notes)
    objective = data.get("objective")
    if isinstance(objective, bool) or not isinstance(objective, int | float):
        raise notes.error(f"{at}.objective", "expected a percentage such as 99.9")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        description = f"Imported from Sloth SLO {name}: describe what it measures."
        notes.warn(f"{at}.description", "missing; a placeholder was written: replace it")
    slo: dict[str, Any] = {
        "name": name,
        "description": description.strip(),
        "objective": percent(Decimal(repr(objective))),
        "period": period,
    }
    slo["sli"], group_by = _sli(data.get("sli"), f"{at}.sli", notes)
    if group_by:
        slo["group_by"] = group_by
    labels = user_labels(data.get("labels"), f"{at}.labels", notes)
    if labels:
        slo["labels"] = labels
    alerting = _alerting(data.get("alerting"), f"{at}.alerting", notes)
    if _counts_events(slo["sli"]):
        # FTW Observe gives its default minimum-errors guard only to SLIs whose counts it builds;
        # these raw queries count events too, so they get the same guard, written out.
        alerting = {"min_errors": DEFAULT_MIN_ERRORS, **alerting}
    if alerting:
        slo["alerting"] = alerting
    return slo


def _query(value: Any, at: str, notes: Notes) -> str:
    query = _SLOTH_WINDOW.sub(WINDOW_PLACEHOLDER, text(value, at, notes))
    if "{{" in query.replace(WINDOW_PLACEHOLDER, ""):
        raise notes.error(at, "uses a template other than {{.window}}, which cannot be imported")
    return raw_query(query, at, notes)


def _sli(raw: Any, at: str, notes: Notes) -> tuple[dict[str, Any], list[str]]:
    data = mapping(raw, at, notes, required=True)
    if "plugin" in data:
        plugin = mapping(data["plugin"], f"{at}.plugin", notes).get("id", "?")
        raise notes.error(
            f"{at}.plugin",
            f"SLI plugins (here {plugin!r}) run Go code that cannot be imported; rewrite this "
            "SLI as sli.events (error_query and total_query) or sli.raw, then import again",
        )
    kinds = [kind for kind in ("events", "raw") if kind in data]
    if len(kinds) != 1:
        raise notes.error(at, "give exactly one of events, raw or plugin")
    if kinds == ["raw"]:
        ratio = mapping(data["raw"], f"{at}.raw", notes, required=True)
        query = _query(ratio.get("error_ratio_query"), f"{at}.raw.error_ratio_query", notes)
        return {"raw": {"error_ratio": query}}, []
    events = mapping(data["events"], f"{at}.events", notes, required=True)
    errors = _query(events.get("error_query"), f"{at}.events.error_query", notes)
    total = _query(events.get("total_query"), f"{at}.events.total_query", notes)
    error_sum, total_sum = rate_sum(errors), rate_sum(total)
    if error_sum and total_sum and error_sum[1] == total_sum[1] and not reserved(total_sum[1]):
        return {"ratio": {"errors": error_sum[0], "total": total_sum[0]}}, list(total_sum[1])
    notes.warn(
        f"{at}.events",
        "kept as raw PromQL: only two sum(rate(selector[{{.window}}])) with the same grouping "
        "become a ratio SLI; review it",
    )
    # Raw SLIs count events (for min_events and the period's counts): rates become increases.
    counted = [_RATE.sub("increase(", query) for query in (errors, total)]
    if counted != [errors, total]:
        notes.warn(f"{at}.events", "rate() became increase(): raw SLIs count events per window")
    return {"raw": {"errors": counted[0], "total": counted[1]}}, []


def _counts_events(sli: dict[str, Any]) -> bool:
    """Tell whether a converted SLI is raw errors and total that both count with increase()."""
    raw = sli.get("raw", {})
    queries = [raw.get("errors"), raw.get("total")]
    return all(isinstance(query, str) and _INCREASE.search(query) for query in queries)


def _alerting(raw: Any, at: str, notes: Notes) -> dict[str, Any]:
    data = mapping(raw, at, notes)
    warn_unknown(data, _ALERTING_KEYS, at, notes)
    if "name" in data:
        notes.warn(
            f"{at}.name",
            f"dropped: FTW Observe names its alerts itself; update routes or silences that "
            f"match alertname={label_value(data['name'])}",
        )
    alerting: dict[str, Any] = {}
    labels = user_labels(data.get("labels"), f"{at}.labels", notes)
    if labels:
        alerting["labels"] = labels
    annotations = {
        str(key): label_value(value)
        for key, value in mapping(data.get("annotations"), f"{at}.annotations", notes).items()
    }
    runbook = next((key for key in RUNBOOK_ANNOTATIONS if key in annotations), None)
    link = annotations.pop(runbook) if runbook is not None else None
    if annotations:
        alerting["annotations"] = annotations
    if link is not None:
        alerting["runbook"] = link
    tiers: dict[str, Any] = {}
    for key, names in (("page_alert", PAGE_TIERS), ("ticket_alert", TICKET_TIERS)):
        options = _tier(data.get(key), f"{at}.{key}", notes)
        tiers.update(dict.fromkeys(names, options) if options else {})
    if tiers:
        alerting["tiers"] = {name: deepcopy(tiers[name]) for name in sorted(tiers, key=_tier_order)}
    return alerting


def _pending(raw: Any, at: str, notes: Notes) -> str | None:
    """Return an alert's `for:` as FTW Observe writes it; warn and drop one that is no duration."""
    try:
        return format_duration(parse_duration(str(raw)))
    except ValueError as error:
        notes.warn(at, f"{error}; dropped, the tier's default applies")
        return None


def _tier_order(name: str) -> int:
    return (*PAGE_TIERS, *TICKET_TIERS).index(name)


def _tier(raw: Any, at: str, notes: Notes) -> dict[str, Any]:
    data = mapping(raw, at, notes)
    warn_unknown(data, _ALERT_KEYS, at, notes)
    if data.get("disable") is True:
        return {"enabled": False}
    options: dict[str, Any] = {}
    raw_labels = mapping(data.get("labels"), f"{at}.labels", notes)
    severity = raw_labels.get("severity")
    if severity is not None and NAME.fullmatch(label_value(severity)):
        options["severity"] = label_value(severity)
    elif severity is not None:
        notes.warn(f"{at}.labels.severity", f"{severity!r} is not a valid severity; dropped")
    labels = user_labels(raw_labels, f"{at}.labels", notes, skip=frozenset({"severity"}))
    if labels:
        options["labels"] = labels
    if "for" in data:
        pending = _pending(data["for"], f"{at}.for", notes)
        if pending is not None:
            options["for"] = pending
    if data.get("annotations"):
        notes.warn(
            f"{at}.annotations",
            "dropped: FTW Observe has no per-tier annotations; move them to alerting.annotations",
        )
    return options
