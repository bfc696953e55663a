"""Convert OpenSLO v1 documents (`kind: SLO`, with `SLI`, `Service`, `DataSource`) to our specs.

Rules, in short: one spec per `spec.service`; `ratioMetric` queries that are a vector selector
(optionally in `sum` or `sum by`) become a `ratio` SLI, others need a `{{window}}` range and
stay `raw`; `bad` maps to errors, `good` to good; `target` 0.999 becomes objective 99.9 exactly;
each objective becomes its own SLO; a rolling `timeWindow` becomes the period, a calendar one
is refused (FTW Observe budgets roll).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ftw_observe.importers import DEFAULT_TEAM
from ftw_observe.importers.common import (
    Notes,
    SpecImportError,
    mapping,
    percent,
    slug,
    text,
    to_name,
    warn_unknown,
)
from ftw_observe.importers.openslo_sli import Catalogue, convert_indicator
from ftw_observe.spec.issues import SpecIssue
from ftw_observe.spec.model import SPEC_VERSION

OPENSLO_VERSION = "openslo/v1"
ALERT_KINDS = ("AlertPolicy", "AlertCondition", "AlertNotificationTarget")

_SHORTHAND = re.compile(r"(\d+)([mhdwMQY])")
_DAYS = {"d": 1, "w": 7, "M": 30, "Q": 90, "Y": 365}
_SPEC_KEYS = {"description", "service", "indicator", "indicatorRef", "budgetingMethod"} | {
    "timeWindow",
    "objectives",
    "alertPolicies",
}


def convert_openslo(
    documents: list[dict[str, Any]], notes: Notes, *, team: str, period: str
) -> list[dict[str, Any]]:
    """Return one FTW Observe spec document per service the OpenSLO v1 documents name.

    >>> sli = {"ratioMetric": {"counter": True, "bad": {"metricSource": {"type": "Prometheus",
    ...        "spec": {"query": "errors_total"}}}, "total": {"metricSource": {
    ...        "type": "Prometheus", "spec": {"query": "requests_total"}}}}}
    >>> slo = {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": "ok"},
    ...        "spec": {"service": "api", "description": "OK.", "indicator": {"spec": sli},
    ...                 "timeWindow": [{"duration": "28d", "isRolling": True}],
    ...                 "objectives": [{"target": 0.999}]}}
    >>> convert_openslo([slo], Notes("o.yaml"), team="core", period="30d")[0]["slos"][0]["sli"]
    {'ratio': {'errors': 'errors_total', 'total': 'requests_total'}}
    """
    catalogue = _catalogue_of(documents, notes)
    if not catalogue.slos:
        raise notes.error("", "no kind: SLO documents to import")
    specs: dict[str, dict[str, Any]] = {}
    teams: dict[str, list[tuple[str, str]]] = {}
    problems: list[SpecIssue] = []
    for at, doc in catalogue.slos:
        try:
            service, slos = _slo(doc, at, notes, catalogue, period)
        except SpecImportError as error:
            problems.extend(error.issues)
            continue
        spec = specs.setdefault(service, _service(service, catalogue, notes))
        spec["slos"].extend(slos)
        teams.setdefault(service, []).extend(_team(doc, at))
    if problems:
        raise SpecImportError(problems)
    for service, spec in specs.items():
        found = teams.get(service) or list(
            _team(catalogue.services.get(service), f"Service/{service}")
        )
        spec["team"] = _choose_team(service, found, team, notes)
    return list(specs.values())


def _catalogue_of(documents: list[dict[str, Any]], notes: Notes) -> Catalogue:
    catalogue = Catalogue()
    by_kind = {"Service": catalogue.services, "SLI": catalogue.slis}
    by_kind["DataSource"] = catalogue.sources
    for index, doc in enumerate(documents):
        kind = doc.get("kind")
        metadata = mapping(doc.get("metadata"), f"documents[{index}].metadata", notes)
        name = str(metadata.get("name", ""))
        at = f"{kind}/{name}" if name else f"documents[{index}]"
        if kind == "SLO":
            catalogue.slos.append((at, doc))
        elif isinstance(kind, str) and kind in by_kind:
            by_kind[kind][name] = doc
        elif kind in ALERT_KINDS:
            notes.warn(at, "ignored: FTW Observe alerts with its own multi-window burn-rate tiers")
        else:
            raise notes.error(
                f"documents[{index}].kind",
                f"unknown OpenSLO v1 kind {kind!r}; expected SLO, SLI, Service or DataSource",
            )
    return catalogue


def _service(name: str, catalogue: Catalogue, notes: Notes) -> dict[str, Any]:
    doc: dict[str, Any] = {"version": SPEC_VERSION, "service": name, "team": ""}
    service = catalogue.services.get(name)
    spec = mapping(service.get("spec"), f"Service/{name}.spec", notes) if service else {}
    if isinstance(spec.get("description"), str) and spec["description"].strip():
        doc["description"] = spec["description"].strip()
    doc["slos"] = []
    return doc


def _team(doc: Any, at: str) -> Iterator[tuple[str, str]]:
    """Yield (team, where) from a document's `metadata.labels.team` or `.annotations.team`."""
    metadata = doc.get("metadata") if isinstance(doc, dict) else None
    if not isinstance(metadata, dict):
        return
    for key in ("labels", "annotations"):
        values = metadata.get(key)
        value = values.get("team") if isinstance(values, dict) else None
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and slug(item):
                yield item, f"{at}.metadata.{key}.team"


def _choose_team(service: str, found: list[tuple[str, str]], default: str, notes: Notes) -> str:
    if not found:
        if default == DEFAULT_TEAM:
            notes.warn(f"service {service}", "no team label; team set to 'unknown': edit it")
        return default
    team, where = found[0]
    others = sorted({slug(name) for name, _ in found} - {slug(team)})
    if others:
        notes.warn(where, f"service {service} also names teams {', '.join(others)}; used {team}")
    return to_name(team, where, notes)


def _slo(
    doc: dict[str, Any], at: str, notes: Notes, catalogue: Catalogue, default_period: str
) -> tuple[str, list[dict[str, Any]]]:
    metadata = mapping(doc.get("metadata"), f"{at}.metadata", notes, required=True)
    name = to_name(metadata.get("name"), f"{at}.metadata.name", notes)
    spec = mapping(doc.get("spec"), f"{at}.spec", notes, required=True)
    warn_unknown(spec, _SPEC_KEYS, f"{at}.spec", notes)
    service = to_name(spec.get("service"), f"{at}.spec.service", notes)
    description = spec.get("description") or metadata.get("displayName")
    if not isinstance(description, str) or not description.strip():
        description = f"Imported from OpenSLO SLO {name}: describe what it measures."
        notes.warn(f"{at}.spec.description", "missing; a placeholder was written: replace it")
    period = _period(spec.get("timeWindow"), f"{at}.spec.timeWindow", notes, default_period)
    method = spec.get("budgetingMethod", "Occurrences")
    if method != "Occurrences":
        notes.warn(
            f"{at}.spec.budgetingMethod",
            f"{method} imported as Occurrences: FTW Observe budgets count events, not time slices",
        )
    if spec.get("alertPolicies"):
        notes.warn(f"{at}.spec.alertPolicies", "ignored: FTW Observe's burn-rate tiers alert")
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        raise notes.error(f"{at}.spec.objectives", "list at least one objective")
    slos = []
    for index, raw in enumerate(objectives):
        where = f"{at}.spec.objectives[{index}]"
        objective = mapping(raw, where, notes, required=True)
        slo_name = name
        if len(objectives) > 1:
            suffix = slug(str(objective.get("displayName", ""))) or str(index + 1)
            slo_name = f"{name}-{suffix}"
            notes.warn(where, f"imported as its own SLO {slo_name}")
        holder = objective if {"indicator", "indicatorRef"} & set(objective) else spec
        holder_at = where if holder is objective else f"{at}.spec"
        sli, group_by = convert_indicator(holder, holder_at, notes, catalogue)
        slo: dict[str, Any] = {
            "name": slo_name,
            "description": description.strip(),
            "objective": _objective(objective, where, notes),
            "period": period,
            "sli": sli,
        }
        if group_by:
            slo["group_by"] = group_by
        slos.append(slo)
    return service, slos


def _period(raw: Any, at: str, notes: Notes, default: str) -> str:
    if raw is None:
        notes.warn(at, f"missing; period set to {default}")
        return default
    windows = raw if isinstance(raw, list) else [raw]
    if len(windows) > 1:
        notes.warn(at, "several time windows; only the first was imported")
    window = mapping(windows[0], f"{at}[0]", notes, required=True)
    duration = text(window.get("duration"), f"{at}[0].duration", notes)
    match = _SHORTHAND.fullmatch(duration)
    if match is None or match.group(2) not in _DAYS:
        raise notes.error(
            f"{at}[0].duration",
            f"{duration!r}: FTW Observe periods are whole days (e.g. 28d, 4w, 1M = 30d)",
        )
    days = int(match.group(1)) * _DAYS[match.group(2)]
    if window.get("isRolling") is False or "calendar" in window:
        # A calendar budget resets on a date; a rolling one never does. Importing one as the
        # other would change when the SLO alerts and what its budget means, so it is refused.
        field = "isRolling" if window.get("isRolling") is False else "calendar"
        raise notes.error(
            f"{at}[0].{field}",
            f"a calendar window cannot be imported: FTW Observe budgets roll over the last "
            f"{days} days and never reset on a date; to import this SLO, make its window "
            f"rolling (duration: {days}d, isRolling: true, no calendar)",
        )
    return f"{days}d"


def _objective(objective: dict[str, Any], at: str, notes: Notes) -> int | float:
    for key, scale in (("target", 100), ("targetPercent", 1)):
        value = objective.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise notes.error(f"{at}.{key}", "expected a number")
        if key == "target" and "targetPercent" in objective:
            notes.warn(f"{at}.targetPercent", "ignored: target is given too")
        return percent(Decimal(repr(value)) * scale)
    raise notes.error(at, "give target (such as 0.999) or targetPercent (such as 99.9)")
