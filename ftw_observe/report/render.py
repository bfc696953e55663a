"""Render a report as Markdown, CSV or a self-contained HTML page."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from ftw_observe.display import format as fmt
from ftw_observe.display.charts import Point
from ftw_observe.report.build import NO_DATA, Report
from ftw_observe.report.charts import budget_svg, hourly_bars_svg
from ftw_observe.report.model import chart_start
from ftw_observe.report.tables import KEY

Record = Mapping[Hashable, Any]

NOTES = (
    "SLI (period) and Met: good / events over the SLO's period, from the last snapshot in the "
    "window with known counts; met when it reaches the objective.",
    "Period measured: how much of the SLO's period had data at that snapshot, from the "
    "engine's first evaluation of the SLO. While it is less than the whole period, Remaining "
    "(period) spreads what was spent over the whole period at the traffic seen so far, "
    "1 - (1 - remaining) x covered share, instead of comparing a few hours of errors with a "
    "few hours of budget.",
    "Errors, Events, SLI (window) and Budget consumed are all over the same hours: the "
    'measured whole UTC hours of the window. Hour H is read from the "1h" counts of the '
    "first snapshot within 5 minutes after H+1h; an hour without one, and the partial hours at "
    "the window's edges, are left out (Hours measured). Errors are clamped to 0..events.",
    "SLI (window) = 1 - errors / events. Budget consumed = (errors / events) / (1 - objective) "
    "x measured hours / period: the share of the period's budget that those hours' errors "
    "used, never negative; in minutes of full outage it is the error ratio times the measured "
    "minutes.",
    "Alerts: firings that overlap the window, clipped to it; one still firing counts until "
    "the window's end.",
)


def period_measured(coverage: float | None, period_seconds: float) -> str:
    """Return how much of the period had data: `1d 12h of 30d`, or `all of 30d`."""
    known = _value(coverage)
    if known is None:
        return fmt.NONE
    return fmt.measured_over(known, int(period_seconds)) or f"all of {fmt.duration(period_seconds)}"


@dataclass(frozen=True)
class Table:
    """Rows of text under headers; `numeric` columns align right."""

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: frozenset[int] = frozenset()


def _value(raw: Any) -> float | None:
    return None if raw is None or pd.isna(raw) else float(raw)


def _time(raw: Any) -> datetime | None:
    return None if raw is None or pd.isna(raw) else pd.Timestamp(raw).to_pydatetime()


def _met(raw: Any) -> str:
    if raw is None or pd.isna(raw):
        return "no data"
    return "yes" if raw else "no"


def _records(table: pd.DataFrame) -> Sequence[Record]:
    return table.to_dict("records")


def _key(record: Record) -> tuple[str, str, str]:
    return str(record["service"]), str(record["slo"]), str(record["instance"])


def summary_table(report: Report) -> Table:
    """Return one row per SLO instance: the period's compliance, then the window's figures."""
    headers = ["Service", "SLO", "Instance", "Objective", "SLI (period)", "Met"]
    headers += ["Remaining (period)", "Period measured", "Errors", "Events", "SLI (window)"]
    headers += ["Budget consumed", "Consumed (outage)", "Hours measured", "Firings", "Status"]
    rows = [
        (
            *_key(r),
            fmt.objective(_value(r["objective"])),
            fmt.sli(_value(r["sli"])),
            _met(r["compliant"]),
            fmt.budget(_value(r["remaining_end"])),
            period_measured(r["coverage"], float(r["period_seconds"])),
            fmt.count(_value(r["errors"])),
            fmt.count(_value(r["events"])),
            fmt.sli(_value(r["window_sli"])),
            fmt.budget(_value(r["budget_consumed"])),
            fmt.minutes(_value(r["budget_consumed_minutes"])),
            f"{r['hours_measured']} / {r['hours']}",
            str(r["firings"]),
            "no data" if r["status"] == NO_DATA else str(r["status"]),
        )
        for r in _records(report.summary)
    ]
    return Table(headers, rows, frozenset(range(3, 15)) - {5, 7})


def worst_table(report: Report) -> Table:
    """Return the worst hours of every instance."""
    headers = ("Service", "SLO", "Instance", "Hour (UTC)", "Errors", "Events", "Error ratio")
    rows = [
        (
            *_key(r),
            fmt.timestamp(_time(r["hour"])),
            fmt.count(_value(r["errors"])),
            fmt.count(_value(r["events"])),
            fmt.ratio(_value(r["error_ratio"])),
        )
        for r in _records(report.worst)
    ]
    return Table(headers, rows, frozenset({4, 5, 6}))


def alerts_table(report: Report) -> Table:
    """Return alert firings per instance and tier."""
    headers = ["Service", "SLO", "Instance", "Tier", "Firings", "Total firing", "Longest"]
    headers += ["Still firing"]
    rows = [
        (
            *_key(r),
            str(r["tier"]),
            str(r["firings"]),
            fmt.duration(_value(r["firing_seconds"])),
            fmt.duration(_value(r["longest_seconds"])),
            "yes" if r["still_firing"] else "no",
        )
        for r in _records(report.alerts)
    ]
    return Table(headers, rows, frozenset({4, 5, 6}))


def _title(report: Report) -> str:
    window = report.window
    span = fmt.duration((window.end - window.start).total_seconds())
    return f"SLO report {fmt.timestamp(window.start)} to {fmt.timestamp(window.end)} ({span})"


def _md(text: str) -> str:
    """Return text that Markdown shows literally, on one line, safe inside a table cell."""
    escaped = "".join(f"\\{c}" if c in "\\`*_[]<>|#&" else c for c in text)
    return " ".join(escaped.split())


def _md_table(table: Table) -> list[str]:
    align = ["---:" if index in table.numeric else "---" for index in range(len(table.headers))]
    lines = ["| " + " | ".join(_md(h) for h in table.headers) + " |"]
    lines.append("| " + " | ".join(align) + " |")
    lines.extend("| " + " | ".join(_md(cell) or " " for cell in row) + " |" for row in table.rows)
    return lines


def markdown(report: Report) -> str:
    """Return the report as Markdown: summary, worst hours, alerts, SLOs and definitions."""
    lines = [f"# {_md(_title(report))}", "", "## Summary", "", *_md_table(summary_table(report))]
    worst, alerts = worst_table(report), alerts_table(report)
    lines += ["", "## Worst hours", ""]
    lines += _md_table(worst) if worst.rows else ["No errors in any measured hour."]
    lines += ["", "## Alerts", ""]
    lines += _md_table(alerts) if alerts.rows else ["No alert fired in the window."]
    lines += ["", "## SLOs", ""]
    lines += [f"- {_md(f'{s.service}/{s.slo}')}: {_md(s.description)}" for s in report.slos]
    lines += ["", "## Definitions", "", *(f"- {_md(note)}" for note in NOTES), ""]
    return "\n".join(lines)


def csv(report: Report) -> str:
    """Return one CSV row per SLO instance with machine-friendly columns (times in ISO 8601)."""
    table = report.summary.copy()
    table.insert(0, "window_start", pd.Timestamp(report.window.start))
    table.insert(1, "window_end", pd.Timestamp(report.window.end))
    return table.to_csv(index=False, lineterminator="\n")


def _charts(report: Report) -> list[dict[str, object]]:
    descriptions = {(s.service, s.slo): s.description for s in report.slos}
    budget = {key: part for key, part in report.budget.groupby(list(KEY))}
    hourly = {key: part for key, part in report.hourly.groupby(list(KEY))}
    window = report.window
    sections: list[dict[str, object]] = []
    for record in _records(report.summary):
        key = _key(record)
        name = " ".join(part for part in (f"{key[0]}/{key[1]}", key[2]) if part)
        line = (
            [
                Point(_time(r["at"]) or window.end, _value(r["remaining"]))
                for r in _records(budget[key])
            ]
            if key in budget
            else []
        )
        bars = (
            [
                Point(_time(r["hour"]) or window.end, _value(r["errors"]))
                for r in _records(hourly[key])
            ]
            if key in hourly
            else []
        )
        sections.append(
            {
                "name": name,
                "description": descriptions.get(key[:2], ""),
                "budget": Markup(  # noqa: S704 - every text in the SVG is escaped
                    budget_svg(
                        line,
                        start=chart_start(window, int(record["period_seconds"])),
                        end=window.end,
                        title=f"Remaining error budget of {name}",
                    )
                ),
                "bars": Markup(  # noqa: S704 - every text in the SVG is escaped
                    hourly_bars_svg(
                        bars, start=window.start, end=window.end, title=f"Errors per hour of {name}"
                    )
                ),
            }
        )
    return sections


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 80rem; color: #24292f; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; display: block;
  overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; white-space: nowrap; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
section { border-top: 1px solid #d0d7de; margin-top: 1.5rem; } .chart { max-width: 100%; }
p.note { color: #57606a; font-size: 0.85rem; }
</style></head><body>
<h1>{{ title }}</h1>
{% for heading, table, empty in tables %}<h2>{{ heading }}</h2>
{% if table.rows %}<table><thead><tr>{% for h in table.headers %}<th>{{ h }}</th>{% endfor %}
</tr></thead><tbody>{% for row in table.rows %}<tr>{% for cell in row %}
<td{% if loop.index0 in table.numeric %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>{% else %}<p>{{ empty }}</p>{% endif %}
{% endfor %}<h2>Per SLO</h2>
<p class="note">Remaining budget over the SLO's period ending with the report (or over the
report, if longer), against the ideal constant burn; then errors per hour of the report, grey
where an hour was not measured.</p>
{% for s in sections %}<section><h3>{{ s.name }}</h3><p>{{ s.description }}</p>
{{ s.budget }}{{ s.bars }}</section>
{% endfor %}<h2>Definitions</h2>{% for note in notes %}<p class="note">{{ note }}</p>{% endfor %}
</body></html>
"""


def html(report: Report) -> str:
    """Return a self-contained HTML page: the tables, then charts per SLO instance."""
    template = Environment(autoescape=True).from_string(PAGE)
    tables = [
        ("Summary", summary_table(report), "No SLOs."),
        ("Worst hours", worst_table(report), "No errors in any measured hour."),
        ("Alerts", alerts_table(report), "No alert fired in the window."),
    ]
    return template.render(
        title=_title(report), tables=tables, sections=_charts(report), notes=NOTES
    )
