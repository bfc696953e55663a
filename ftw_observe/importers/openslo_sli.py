"""Convert OpenSLO v1 indicators (inline or `kind: SLI`) into FTW Observe SLIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ftw_observe.importers.common import Notes, mapping, plain_selector, raw_query, reserved, text
from ftw_observe.spec.selectors import WINDOW_PLACEHOLDER, check_selector


@dataclass
class Catalogue:
    """The documents of one OpenSLO file, by kind and name.

    >>> Catalogue().slis
    {}
    """

    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    slis: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    slos: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


WINDOW_ADVICE = (
    "FTW Observe evaluates an SLI over windows from 5m to the period, so give counter "
    "selectors (optionally in sum or sum by) for both queries, or write both with the range "
    "as [{{window}}], e.g. sum(rate(metric[{{window}}]))"
)


def convert_indicator(
    holder: dict[str, Any], at: str, notes: Notes, catalogue: Catalogue
) -> tuple[dict[str, Any], list[str]]:
    """Return the SLI and group_by of the `indicator` or `indicatorRef` in `holder`.

    >>> source = {"metricSource": {"type": "Prometheus", "spec": {"query": "ok_total"}}}
    >>> total = {"metricSource": {"type": "Prometheus", "spec": {"query": "all_total"}}}
    >>> sli = {"ratioMetric": {"counter": True, "good": source, "total": total}}
    >>> convert_indicator({"indicator": {"spec": sli}}, "SLO/x.spec", Notes("o.yaml"), Catalogue())
    ({'ratio': {'good': 'ok_total', 'total': 'all_total'}}, [])
    """
    if "indicator" in holder:
        indicator = mapping(holder["indicator"], f"{at}.indicator", notes, required=True)
        spec_at = f"{at}.indicator.spec"
        spec = mapping(indicator.get("spec"), spec_at, notes, required=True)
    elif "indicatorRef" in holder:
        ref = text(holder["indicatorRef"], f"{at}.indicatorRef", notes)
        if ref not in catalogue.slis:
            raise notes.error(f"{at}.indicatorRef", f"no kind: SLI named {ref!r} in this file")
        spec_at = f"SLI/{ref}.spec"
        spec = mapping(catalogue.slis[ref].get("spec"), spec_at, notes, required=True)
    else:
        raise notes.error(at, "give indicator or indicatorRef")
    return _sli(spec, spec_at, notes, catalogue)


def _sli(
    spec: dict[str, Any], at: str, notes: Notes, catalogue: Catalogue
) -> tuple[dict[str, Any], list[str]]:
    if "thresholdMetric" in spec:
        raise notes.error(
            f"{at}.thresholdMetric",
            "threshold metrics (a value compared with objectives[].op/value) cannot be "
            "imported: FTW Observe SLIs count good or bad events; rewrite it as ratioMetric",
        )
    ratio = mapping(spec.get("ratioMetric"), f"{at}.ratioMetric", notes, required=True)
    at = f"{at}.ratioMetric"
    if "raw" in ratio:
        return _raw_ratio(ratio, at, notes, catalogue), []
    roles = [role for role in ("bad", "good") if role in ratio]
    if len(roles) != 1 or "total" not in ratio:
        raise notes.error(at, "give total and exactly one of good or bad")
    counter = ratio.get("counter", True) is not False
    queries = {
        role: _query(ratio[role], f"{at}.{role}", notes, catalogue) for role in (*roles, "total")
    }
    shapes = {role: plain_selector(query) if counter else None for role, query in queries.items()}
    part, total = shapes[roles[0]], shapes["total"]
    if part is not None and total is not None and part[1] == total[1] and not reserved(total[1]):
        key = "errors" if roles == ["bad"] else "good"
        return {"ratio": {key: part[0], "total": total[0]}}, list(total[1])
    raw = {}
    for role, query in queries.items():
        if WINDOW_PLACEHOLDER not in query:
            why = _why_not_ratio(query, counter, part, total)
            raise notes.error(f"{at}.{role}", f"{why}; {WINDOW_ADVICE}")
        raw[role] = raw_query(query, f"{at}.{role}", notes)
    notes.warn(at, "imported as a raw SLI: review the PromQL")
    errors = raw["bad"] if "bad" in raw else f"({raw['total']}) - ({raw['good']})"
    return {"raw": {"errors": errors, "total": raw["total"]}}, []


def _why_not_ratio(
    query: str,
    counter: bool,
    part: tuple[str, tuple[str, ...]] | None,
    total: tuple[str, tuple[str, ...]] | None,
) -> str:
    """Say why a query without `{{window}}` cannot be imported."""
    if not counter:
        return "counter is false: a gauge cannot be counted over windows as a plain selector"
    if part is None or total is None:
        try:
            check_selector(query)
        except ValueError as error:
            return f"{error} and has no [{{{{window}}}}] range"
        return "the other query of this ratio is not a plain selector"
    if part[1] != total[1]:
        return "the two queries group by different labels"
    return f"it groups by {', '.join(reserved(total[1]))}, which FTW Observe sets itself"


def _raw_ratio(
    ratio: dict[str, Any], at: str, notes: Notes, catalogue: Catalogue
) -> dict[str, Any]:
    kind = ratio.get("rawType")
    if kind not in ("success", "failure"):
        raise notes.error(f"{at}.rawType", "expected success or failure")
    query = _query(ratio["raw"], f"{at}.raw", notes, catalogue)
    if WINDOW_PLACEHOLDER not in query:
        raise notes.error(
            f"{at}.raw", f"a raw ratio needs a [{{{{window}}}}] range; {WINDOW_ADVICE}"
        )
    query = raw_query(query, f"{at}.raw", notes)
    return {"raw": {"error_ratio": query if kind == "failure" else f"1 - ({query})"}}


def _query(raw: Any, at: str, notes: Notes, catalogue: Catalogue) -> str:
    metric = mapping(raw, at, notes, required=True)
    at = f"{at}.metricSource"
    source = mapping(metric.get("metricSource"), at, notes, required=True)
    kind = source.get("type")
    ref = source.get("metricSourceRef")
    if kind is None and isinstance(ref, str) and ref in catalogue.sources:
        kind = mapping(catalogue.sources[ref].get("spec"), f"DataSource/{ref}.spec", notes).get(
            "type"
        )
    if kind is None:
        notes.warn(at, "no type; assumed Prometheus")
    elif str(kind).lower() != "prometheus":
        raise notes.error(f"{at}.type", f"{kind!r} is not Prometheus; only PromQL is imported")
    spec = source.get("spec")
    query = spec.get("query", spec.get("promql")) if isinstance(spec, dict) else spec
    return text(query, f"{at}.spec.query", notes)
