"""Panel builders: every panel gets a title, a description, a unit and the datasource variable.

Each function returns a fresh SDK builder; `layout.assemble` gives it its id and position.
Queries are lettered A, B, C … in the order given, so refIds are stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ftw_observe.dashboards.sdk import (
    bargauge,
    builders,
    common,
    common_builders,
    gauge,
    models,
    prometheus,
    prometheus_models,
    stat,
    table,
    timeseries,
)

DATASOURCE_VARIABLE = "datasource"
DATASOURCE_UID = "${" + DATASOURCE_VARIABLE + "}"
# A colour that never signals anything: panels without a target keep the theme's text colour.
NEUTRAL = "text"

PanelBuilder = stat.Panel | timeseries.Panel | gauge.Panel | bargauge.Panel | table.Panel


@dataclass(frozen=True)
class Query:
    """One PromQL target: its expression, legend, and whether it is an instant table query."""

    expr: str
    legend: str = ""
    instant: bool = False
    table: bool = False


@dataclass(frozen=True)
class Thresholds:
    """A base colour and (value, colour) steps in ascending order."""

    base: str
    steps: tuple[tuple[float, str], ...] = ()


@dataclass(frozen=True)
class Link:
    """A data link on a panel's values (or on one table column)."""

    title: str
    url: str
    column: str | None = None


@dataclass(frozen=True)
class Style:
    """Layout and display options shared by every kind of panel."""

    width: int = 6
    height: int = 6
    decimals: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    links: tuple[Link, ...] = ()
    time_from: str | None = None
    no_value: str | None = None  # shown instead of Grafana's "No data"
    overrides: tuple[tuple[str, str, dict[str, object]], ...] = field(default=())


NO_TARGET = Thresholds(NEUTRAL)
# A count of firing alerts, or a 0/1 state where 1 is bad: red from 1.
FIRING = Thresholds("green", ((1.0, "red"),))


def above(warn: float, critical: float | None = None, *, good: str = "green") -> Thresholds:
    """Return thresholds where higher is worse: orange from `warn`, red from `critical`."""
    steps = [(warn, "orange")] + ([(critical, "red")] if critical is not None else [])
    return Thresholds(good, tuple(steps))


def below(target: float, *, warn: float | None = None) -> Thresholds:
    """Return thresholds where lower is worse: red below `warn` (or `target`), green from it."""
    if warn is None:
        return Thresholds("red", ((target, "green"),))
    return Thresholds("red", ((warn, "orange"), (target, "green")))


def datasource_ref() -> common.DataSourceRef:
    """Return a reference to the dashboard's datasource variable."""
    return common.DataSourceRef(type_val="prometheus", uid=DATASOURCE_UID)


def targets(queries: Sequence[Query]) -> list[prometheus.Dataquery]:
    """Return Prometheus targets lettered A, B, C … in order."""
    if len(queries) > 26:
        raise ValueError("a panel holds at most 26 queries (refIds A to Z)")
    result = []
    for index, query in enumerate(queries):
        target = (
            prometheus.Dataquery()
            .expr(query.expr)
            .ref_id(chr(ord("A") + index))
            .datasource(datasource_ref())
            .legend_format(query.legend or "__auto")
        )
        if query.instant:
            target.instant()
        else:
            target.range()
        if query.table:
            target.format(prometheus_models.PromQueryFormat.TABLE)
        result.append(target)
    return result


def _thresholds(spec: Thresholds) -> builders.ThresholdsConfig:
    steps = [models.Threshold(value=None, color=spec.base)]
    steps.extend(models.Threshold(value=value, color=color) for value, color in spec.steps)
    return builders.ThresholdsConfig().mode(models.ThresholdsMode.ABSOLUTE).steps(steps)


def _common(
    panel: PanelBuilder,
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    thresholds: Thresholds,
    style: Style,
) -> None:
    """Set what every panel carries; the builder is changed in place."""
    panel.title(title).description(description).unit(unit)
    panel.datasource(datasource_ref()).targets(list(targets(queries)))
    panel.thresholds(_thresholds(thresholds)).span(style.width).height(style.height)
    if style.decimals is not None:
        panel.decimals(style.decimals)
    if style.min_value is not None:
        panel.min(style.min_value)
    if style.max_value is not None:
        panel.max(style.max_value)
    if style.time_from is not None:
        panel.time_from(style.time_from)
    if style.no_value is not None:
        panel.no_value(style.no_value)
    rules: dict[tuple[str, str], dict[str, object]] = {}
    for matcher, option, properties in style.overrides:
        rules.setdefault((matcher, option), {}).update(properties)
    for link in style.links:
        key = ("byName", link.column) if link.column else ("byType", "number")
        rules.setdefault(key, {})["links"] = [{"title": link.title, "url": link.url}]
    if rules:
        panel.overrides([_override(matcher, properties) for matcher, properties in rules.items()])


def _override(
    matcher: tuple[str, str], properties: dict[str, object]
) -> builders.DashboardFieldConfigSourceOverrides:
    """Return one field override: a matcher and the properties it sets."""
    return (
        builders.DashboardFieldConfigSourceOverrides()
        .matcher(models.MatcherConfig(id_val=matcher[0], options=matcher[1]))
        .properties([models.DynamicConfigValue(id_val=k, value=v) for k, v in properties.items()])
    )


def _reduce(calc: str) -> common_builders.ReduceDataOptions:
    return common_builders.ReduceDataOptions().calcs([calc]).values(False)


def stat_panel(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    thresholds: Thresholds = NO_TARGET,
    style: Style = Style(height=5),
    *,
    calc: str = "lastNotNull",
) -> stat.Panel:
    """Return a stat panel coloured by its thresholds, showing one value per series."""
    panel = stat.Panel()
    _common(panel, title, description, unit, queries, thresholds, style)
    panel.reduce_options(_reduce(calc)).color_mode(common.BigValueColorMode.VALUE)
    panel.graph_mode(common.BigValueGraphMode.AREA).text_mode(common.BigValueTextMode.AUTO)
    return panel


def timeseries_panel(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    thresholds: Thresholds = NO_TARGET,
    style: Style = Style(width=12, height=8),
    *,
    stepped: bool = False,
) -> timeseries.Panel:
    """Return a time series panel; targets are drawn as dashed threshold lines."""
    panel = timeseries.Panel()
    _common(panel, title, description, unit, queries, thresholds, style)
    mode = (
        common.GraphThresholdsStyleMode.DASHED
        if thresholds.steps
        else common.GraphThresholdsStyleMode.OFF
    )
    panel.thresholds_style(common_builders.GraphThresholdsStyleConfig().mode(mode))
    panel.legend(
        common_builders.VizLegendOptions()
        .display_mode(common.LegendDisplayMode.LIST)
        .placement(common.LegendPlacement.BOTTOM)
        .show_legend(True)
    )
    panel.tooltip(
        common_builders.VizTooltipOptions()
        .mode(common.TooltipDisplayMode.MULTI)
        .sort(common.SortOrder.DESCENDING)
    )
    panel.fill_opacity(10).line_width(1).show_points(common.VisibilityMode.NEVER)
    if stepped:
        panel.line_interpolation(common.LineInterpolation.STEP_AFTER)
    return panel


def gauge_panel(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    thresholds: Thresholds = NO_TARGET,
    style: Style = Style(height=5),
) -> gauge.Panel:
    """Return a gauge that shows its thresholds as markers."""
    panel = gauge.Panel()
    _common(panel, title, description, unit, queries, thresholds, style)
    panel.reduce_options(_reduce("lastNotNull")).show_threshold_markers(True)
    return panel


def bargauge_panel(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    thresholds: Thresholds = NO_TARGET,
    style: Style = Style(width=12, height=8),
) -> bargauge.Panel:
    """Return a horizontal bar gauge, one bar per series."""
    panel = bargauge.Panel()
    _common(panel, title, description, unit, queries, thresholds, style)
    panel.reduce_options(_reduce("lastNotNull")).orientation(common.VizOrientation.HORIZONTAL)
    panel.display_mode(common.BarGaugeDisplayMode.BASIC).show_unfilled(True)
    return panel


def table_panel(
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    thresholds: Thresholds = NO_TARGET,
    style: Style = Style(width=24, height=8),
    *,
    transformations: Sequence[tuple[str, dict[str, object]]] = (),
) -> table.Panel:
    """Return a table of instant queries; `transformations` join and name the columns."""
    panel = table.Panel()
    _common(panel, title, description, unit, queries, thresholds, style)
    panel.transformations(
        [
            models.DataTransformerConfig(id_val=name, options=options)
            for name, options in transformations
        ]
    )
    return panel
