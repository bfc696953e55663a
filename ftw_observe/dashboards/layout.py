"""Assemble rows of panels into a dashboard: variables, stable ids, plain JSON.

Panel ids are positional and stable: row `k` (from 1) has id `100 * k` and its panels
`100 * k + 1`, `100 * k + 2` …, so adding a panel at the end of a row or a new last row
never renumbers the others, and links such as `?viewPanel=101` keep working.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ftw_observe.dashboards.panels import DATASOURCE_VARIABLE, PanelBuilder, datasource_ref
from ftw_observe.dashboards.provisioning import PROMETHEUS_NAME, PROMETHEUS_UID
from ftw_observe.dashboards.sdk import JSONEncoder, builders, models
from ftw_observe.rules.render import GENERATED_MARK

ROW_STRIDE = 100
SOURCE = "ftw_observe/dashboards"
GENERATED_NOTE = f"{GENERATED_MARK} from {SOURCE}. Do not edit: change the source and regenerate."
TAG = "ftw-observe"


@dataclass(frozen=True)
class Row:
    """A titled row and the panels under it, left to right."""

    title: str
    panels: tuple[PanelBuilder, ...]


@dataclass(frozen=True)
class Variable:
    """A query variable filled from Prometheus label values."""

    name: str
    label: str
    query: str
    description: str
    include_all: bool = False
    current: str | None = None


@dataclass(frozen=True)
class Plan:
    """Everything one dashboard consists of, before ids and positions are assigned."""

    uid: str
    title: str
    description: str
    rows: tuple[Row, ...]
    variables: tuple[Variable, ...] = ()
    time_from: str = "now-6h"
    time_to: str = "now"
    refresh: str = "30s"
    timezone: str = "browser"


def panel_id(row: int, position: int) -> int:
    """Return the id of the panel at `position` (0 for the row itself) of row `row`, from 1."""
    if not 0 <= position < ROW_STRIDE:
        raise ValueError(f"a row holds at most {ROW_STRIDE - 1} panels")
    return ROW_STRIDE * row + position


def _datasource_variable() -> builders.DatasourceVariable:
    return (
        builders.DatasourceVariable(DATASOURCE_VARIABLE)
        .label("Data source")
        .description("Prometheus that scrapes the services and loads the generated rules.")
        .type("prometheus")
        # The provisioned datasource is not Grafana's default, so select it by uid; a Grafana
        # without it picks another Prometheus, and the picker still offers every one.
        .current(models.VariableOption(selected=True, text=PROMETHEUS_NAME, value=PROMETHEUS_UID))
    )


def _query_variable(variable: Variable) -> builders.QueryVariable:
    built = (
        builders.QueryVariable(variable.name)
        .label(variable.label)
        .description(variable.description)
        .datasource(datasource_ref())
        .query(variable.query)
        .refresh(models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(models.VariableSort.ALPHABETICAL_ASC)
    )
    if variable.include_all:
        built.include_all(True).all_value(".*")
    if variable.current is not None:
        value = "$__all" if variable.current == "All" else variable.current
        built.current(models.VariableOption(selected=True, text=variable.current, value=value))
    return built


def assemble(plan: Plan) -> dict[str, Any]:
    """Return the dashboard JSON of a plan, ids assigned and keys sorted."""
    dashboard = (
        builders.Dashboard(plan.title)
        .uid(plan.uid)
        .description(f"{plan.description} {GENERATED_NOTE}")
        .tags([TAG])
        .time(plan.time_from, plan.time_to)
        .timezone(plan.timezone)
        .refresh(plan.refresh)
        .tooltip(models.DashboardCursorSync.CROSSHAIR)
        .readonly()
        .with_variable(_datasource_variable())
    )
    for variable in plan.variables:
        dashboard.with_variable(_query_variable(variable))
    for number, row in enumerate(plan.rows, start=1):
        dashboard.with_row(builders.Row(row.title).id(panel_id(number, 0)))
        for position, panel in enumerate(row.panels, start=1):
            dashboard.with_panel(panel.id(panel_id(number, position)))
    return to_dict(dashboard.build())


def to_dict(model: object) -> dict[str, Any]:
    """Return an SDK model as plain JSON data with sorted keys."""
    data: dict[str, Any] = json.loads(json.dumps(model, cls=JSONEncoder, sort_keys=True))
    return data


def render_json(dashboard: dict[str, Any]) -> str:
    """Return dashboard JSON as file text: sorted keys, two-space indent, final newline."""
    return json.dumps(dashboard, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def panels_of(dashboard: Mapping[str, Any]) -> Sequence[dict[str, Any]]:
    """Return every panel of a dashboard, rows included and collapsed rows opened."""
    found: list[dict[str, Any]] = []
    for panel in dashboard.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found
