"""Each format renders the report: Markdown tables, CSV that parses back, escaped HTML."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pandas as pd
import pytest

from ftw_observe.report import render
from ftw_observe.report.build import Report
from ftw_observe.report.charts import hour_ticks
from tests.ftw_observe.report.data import END, START, at


def test_markdown_has_the_summary_worst_hours_and_alerts_tables(report: Report) -> None:
    text = render.markdown(report)
    assert "| Service | SLO | Instance | Objective | SLI (period) | Met |" in text
    assert "| Service | SLO | Instance | Hour (UTC) | Errors | Events | Error ratio |" in text
    assert "| Service | SLO | Instance | Tier | Firings | Total firing | Longest |" in text
    for heading in ("## Summary", "## Worst hours", "## Alerts", "## Definitions"):
        assert heading in text
    assert "| marketplace | api-availability |   | 99.9 % | 99.850 % | no | 99.7 % |" in text
    # Remaining, then how much of the period had data, then the window's figures.
    assert "| 5h 30m of 30d | 63 | 5,000 | 98.740 % | 8.8 % | 3.8 min | 5 / 6 |" in text
    assert "| page-1h | 2 | 1h 15m | 45m | no |" in text
    assert "| ticket-1d | 2 | 1h 20m | 1h | yes |" in text
    assert "| no data |" in text
    # The description's pipe and angle brackets cannot break the Markdown.
    assert r"Job posts \<script\>alert('x')\</script\> \& more \| piped" in text
    rows = [line for line in text.splitlines() if line.startswith("| marketplace |")]
    assert all(line.count(" | ") == rows[0].count(" | ") for line in rows[:3])


def test_csv_parses_back_to_the_same_numbers(report: Report) -> None:
    table = pd.read_csv(io.StringIO(render.csv(report)))
    assert len(table) == 3
    avail = table[table["slo"] == "api-availability"].iloc[0]
    assert avail["budget_consumed"] == report.summary["budget_consumed"].iloc[0]
    assert avail["budget_consumed_minutes"] == pytest.approx(3.78)
    assert avail["coverage"] == pytest.approx(5.5 / 720)
    assert (avail["errors"], avail["events"], avail["firings"]) == (63, 5000, 5)
    assert avail["sli"] == pytest.approx(0.9985)
    assert pd.Timestamp(avail["measured_at"]) == pd.Timestamp(at(5.5))
    assert pd.Timestamp(avail["window_start"]) == pd.Timestamp(START)
    assert pd.Timestamp(avail["window_end"]) == pd.Timestamp(END)
    assert list(table["compliant"].astype("boolean")) == [False, True, pd.NA]
    assert table["status"].tolist() == ["burning", "exhausted", "no_data"]


def test_html_is_self_contained_with_charts_and_escaped_text(report: Report) -> None:
    page = render.html(report)
    assert page.startswith("<!doctype html>")
    assert "<style>" in page
    assert not re.search(r"<(script|link)\b", page)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more | piped" in page
    assert page.count("<svg") == 6  # budget and hourly errors for each of the three rows
    assert 'data-series="ideal"' in page
    assert page.count('data-series="errors"') == 6  # hours with errors > 0
    assert 'data-series="unmeasured"' in page
    assert "<th>Still firing</th>" in page


def test_hour_ticks_fall_on_round_utc_times() -> None:
    assert hour_ticks(START + timedelta(minutes=30), END) == [
        START + timedelta(hours=h) for h in range(1, 7)
    ]
    days = hour_ticks(START - timedelta(days=30), END)
    assert len(days) <= 8
    assert all(tick.hour == 0 and tick.minute == 0 for tick in days)
