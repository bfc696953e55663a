"""Read what a report needs from the specs and the store, showing progress on stderr."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ftw_observe.model import InstanceKey
from ftw_observe.report.model import (
    HOUR_WINDOW,
    SAMPLE_WITHIN,
    BudgetPoint,
    HourSample,
    InstanceData,
    ReportWindow,
    SLOInfo,
    budget_point,
    chart_line,
    chart_start,
)
from ftw_observe.spec.model import ServiceSpec
from ftw_observe.store import Store
from ftw_observe.store.report_reads import HourStart, ReportReads

ALERT_EVENTS_LIMIT = 100_000  # per SLO; retention keeps the history far below this


def slo_infos(specs: Iterable[ServiceSpec]) -> list[SLOInfo]:
    """Return every SLO of the specs, in spec order."""
    return [
        SLOInfo(spec.service, slo.name, slo.description, slo.objective, slo.period)
        for spec in specs
        for slo in spec.slos
    ]


def load_instances(
    store: Store, slos: Sequence[SLOInfo], window: ReportWindow, console: Console | None = None
) -> list[InstanceData]:
    """Return the history and alert transitions of every instance of `slos` in the window.

    An SLO the store has never evaluated gets one entry without a key (it shows as no data).
    Snapshot reads share one connection; each query sees the store as it was when it began,
    so a report made while the engine writes may see one more cycle in later queries.
    """
    keys: dict[tuple[str, str], list[InstanceKey]] = defaultdict(list)
    for evaluation in store.latest_evaluations():
        keys[(evaluation.key.service, evaluation.key.slo)].append(evaluation.key)
    total = sum(max(len(keys[(info.service, info.slo)]), 1) for info in slos)
    found: list[InstanceData] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    console = console or Console(stderr=True)
    with (
        store.report_reads() as reads,
        Progress(*columns, console=console, transient=True) as progress,
    ):
        task = progress.add_task("Loading history", total=total)
        for info in slos:
            progress.update(task, description=f"Loading {info.service}/{info.slo}")
            instances = keys[(info.service, info.slo)]
            if not instances:
                found.append(InstanceData(info, None))
                progress.advance(task)
                continue
            events = store.alert_events(
                service=info.service, slo=info.slo, limit=ALERT_EVENTS_LIMIT
            )
            for key in instances:
                data = instance_data(reads, info, key, window)
                transitions = [item for item in events if item.state.key.instance == key]
                found.append(replace(data, transitions=transitions))
                progress.advance(task)
    return found


def instance_data(
    reads: ReportReads, info: SLOInfo, key: InstanceKey, window: ReportWindow
) -> InstanceData:
    """Return what a report needs of one instance, in six indexed queries.

    The same as `InstanceData.from_history` over the whole history, without reading it all.
    """
    edges = reads.edges(key, window.start, window.end)
    end = None if edges.last_budget is None else budget_point(edges.last_budget)
    since = chart_start(window, info.period_seconds)
    hours = reads.hour_starts(key, since, window.end + SAMPLE_WITHIN, within=SAMPLE_WITHIN)
    chart = [
        BudgetPoint(hour.at, hour.remaining, hour.remaining_minutes)
        if hour.remaining is not None
        else None
        for hour in hours
        if hour.at <= window.end
    ]
    return InstanceData(
        info=info,
        key=key,
        samples=first_samples(hours, window.start),
        chart=chart_line(chart, end),
        budget_start=None if edges.first_budget is None else budget_point(edges.first_budget),
        budget_end=end,
        last=edges.last,
        measured=edges.last_counted,
        first_seen=reads.first_at(key),
    )


def first_samples(hours: Iterable[HourStart], since: datetime) -> list[HourSample]:
    """Return the first known "1h" counts among each hour's snapshots from `since`, oldest first."""
    found: list[HourSample] = []
    sampled: set[int] = set()
    for hour in hours:
        index = int(hour.at.timestamp()) // 3600
        if hour.at < since or index in sampled:
            continue
        counts = hour.counts(HOUR_WINDOW)
        if counts is not None:
            found.append(HourSample(hour.at, *counts))
            sampled.add(index)
    return found
