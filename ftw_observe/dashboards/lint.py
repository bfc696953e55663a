"""Lint rules for dashboard JSON, modelled on grafana/dashboard-linter.

Each rule is a pure function from dashboard JSON to a list of problems (empty when the
dashboard passes); `lint` runs them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ftw_observe.dashboards.layout import panels_of
from ftw_observe.dashboards.panels import DATASOURCE_UID, DATASOURCE_VARIABLE

Rule = Callable[[Mapping[str, Any]], list[str]]
UNIT_KINDS = frozenset({"stat", "timeseries", "gauge", "bargauge", "table"})
RATE_FUNCTIONS = re.compile(r"\b(rate|irate|increase)\s*\(")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
RATE_INTERVAL = "$__rate_interval"
# An instant query over a whole period (the executive's month) reads one increase with no
# step to align to; a graph's rate still needs `$__rate_interval`.
PERIOD_WINDOWS = frozenset({"30d"})


def _name(panel: Mapping[str, Any]) -> str:
    return f"panel {panel.get('id')} ({panel.get('title') or 'untitled'})"


def _panels(dashboard: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Yield every panel that is not a row."""
    return (panel for panel in panels_of(dashboard) if panel.get("type") != "row")


def datasource_variable(dashboard: Mapping[str, Any]) -> list[str]:
    """Require exactly one datasource variable, `datasource`, of type prometheus."""
    variables = dashboard.get("templating", {}).get("list", [])
    found = [item for item in variables if item.get("type") == "datasource"]
    if len(found) != 1:
        return [f"expected one datasource variable, found {len(found)}"]
    variable = found[0]
    if variable.get("name") != DATASOURCE_VARIABLE or variable.get("query") != "prometheus":
        return [f"the datasource variable must be {DATASOURCE_VARIABLE!r} of type prometheus"]
    return []


def datasource_used(dashboard: Mapping[str, Any]) -> list[str]:
    """Require every panel, target and query variable to use the datasource variable."""
    problems = []
    for panel in _panels(dashboard):
        if (panel.get("datasource") or {}).get("uid") != DATASOURCE_UID:
            problems.append(f"{_name(panel)} does not use {DATASOURCE_UID}")
        problems.extend(
            f"{_name(panel)} target {target.get('refId')} does not use {DATASOURCE_UID}"
            for target in panel.get("targets", [])
            if (target.get("datasource") or {}).get("uid") != DATASOURCE_UID
        )
    problems.extend(
        f"variable {variable.get('name')} does not use {DATASOURCE_UID}"
        for variable in dashboard.get("templating", {}).get("list", [])
        if variable.get("type") == "query"
        and (variable.get("datasource") or {}).get("uid") != DATASOURCE_UID
    )
    return problems


def references(node: object) -> Iterator[Mapping[str, Any]]:
    """Yield every datasource reference anywhere in the JSON."""
    if isinstance(node, Mapping):
        reference = node.get("datasource")
        if isinstance(reference, Mapping):
            yield reference
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def no_fixed_datasource(dashboard: Mapping[str, Any]) -> list[str]:
    """Forbid datasource uids that are not a variable, so the JSON works in any Grafana."""
    uids = sorted({str(ref.get("uid")) for ref in references(dashboard)})
    return [f"fixed datasource uid {uid!r}" for uid in uids if not uid.startswith("$")]


def _ranges(expr: str) -> Iterator[tuple[str, str]]:
    """Yield (function, range) of every rate, irate and increase call in a PromQL expression."""
    text = STRING.sub('""', expr)
    for match in RATE_FUNCTIONS.finditer(text):
        depth, start = 1, match.end()
        end = start
        while end < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
        argument = text[start : end - 1]
        brackets = re.findall(r"\[([^\[\]]*)\]\s*(?:offset\s+\S+\s*)?$", argument.strip())
        window = brackets[0].split(":")[0].strip() if brackets else ""
        yield match.group(1), window


def rate_interval(dashboard: Mapping[str, Any]) -> list[str]:
    """Require `$__rate_interval` as the range of every rate, irate and increase.

    An instant target may read a whole period instead (PERIOD_WINDOWS).
    """
    return [
        f"{_name(panel)} target {target.get('refId')}: {function}() over [{window}], "
        f"not [{RATE_INTERVAL}]"
        for panel in _panels(dashboard)
        for target in panel.get("targets", [])
        for function, window in _ranges(str(target.get("expr", "")))
        if window != RATE_INTERVAL and not (target.get("instant") and window in PERIOD_WINDOWS)
    ]


def units(dashboard: Mapping[str, Any]) -> list[str]:
    """Require a unit on every stat, time series, gauge, bar gauge and table."""
    return [
        f"{_name(panel)} has no unit"
        for panel in _panels(dashboard)
        if panel.get("type") in UNIT_KINDS
        and not panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
    ]


def titles_and_descriptions(dashboard: Mapping[str, Any]) -> list[str]:
    """Require a title on every panel and row, and a description on every panel."""
    problems = []
    for panel in panels_of(dashboard):
        if not str(panel.get("title", "")).strip():
            problems.append(f"{_name(panel)} has no title")
        if panel.get("type") != "row" and not str(panel.get("description", "")).strip():
            problems.append(f"{_name(panel)} has no description")
    return problems


def unique_ids(dashboard: Mapping[str, Any]) -> list[str]:
    """Require an integer id unique in the dashboard on every panel, and unique refIds."""
    problems = []
    seen: set[int] = set()
    for panel in panels_of(dashboard):
        panel_id = panel.get("id")
        if not isinstance(panel_id, int):
            problems.append(f"{_name(panel)} has no integer id")
        elif panel_id in seen:
            problems.append(f"{_name(panel)}: id {panel_id} is used twice")
        else:
            seen.add(panel_id)
        refs = [target.get("refId") for target in panel.get("targets", [])]
        if any(not ref for ref in refs) or len(set(refs)) != len(refs):
            problems.append(f"{_name(panel)}: refIds {refs} are missing or repeated")
    return problems


RULES: tuple[Rule, ...] = (
    datasource_variable,
    datasource_used,
    no_fixed_datasource,
    rate_interval,
    units,
    titles_and_descriptions,
    unique_ids,
)


def lint(dashboard: Mapping[str, Any]) -> list[str]:
    """Return every problem every rule finds, prefixed with the rule's name."""
    return [f"{rule.__name__}: {problem}" for rule in RULES for problem in rule(dashboard)]
