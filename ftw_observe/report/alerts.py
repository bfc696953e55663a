"""Alert firings from recorded transitions: episodes per tier, clipped to the report window."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from ftw_observe.model import InstanceKey, Transition, TransitionKind
from ftw_observe.report.tables import ALERTS, FIRINGS, KEY, frame


def firing_episodes(
    transitions: Iterable[Transition], start: datetime, end: datetime
) -> pd.DataFrame:
    """Return every firing that overlaps [start, end], one row each, its duration clipped.

    Transitions are paired per alert (instance and tier), oldest first: a firing opens an
    episode and the next resolved closes it; a repeated firing while open is the same episode.
    A resolved with no firing before it (the firing was pruned) opens at the `fired_at` its
    state carries. Transitions after `end` are ignored, so an alert that had not resolved by
    `end` counts until `end` and is marked still firing (`resolved_at` NaT). A firing that began
    before `start` counts from `start`: `duration_seconds` is the time firing inside the window.
    """
    by_alert: dict[tuple[InstanceKey, str], list[Transition]] = {}
    for item in transitions:
        if item.at <= end:
            by_alert.setdefault((item.state.key.instance, item.state.key.tier), []).append(item)
    rows: list[dict[str, object]] = []
    for (instance, tier), items in by_alert.items():
        opened: datetime | None = None
        episodes: list[tuple[datetime, datetime | None]] = []
        for item in sorted(items, key=lambda t: (t.at, t.kind is TransitionKind.RESOLVED)):
            if item.kind is TransitionKind.FIRING:
                opened = opened or item.at
            elif (began := opened or item.state.fired_at) is not None:
                episodes.append((began, item.at))
                opened = None
        if opened is not None:
            episodes.append((opened, None))
        for began, resolved in episodes:
            stop = end if resolved is None else min(resolved, end)
            if began >= end or stop <= start:
                continue
            rows.append(
                {
                    "service": instance.service,
                    "slo": instance.slo,
                    "instance": instance.instance,
                    "tier": tier,
                    "fired_at": began,
                    "resolved_at": resolved,
                    "duration_seconds": (stop - max(began, start)).total_seconds(),
                    "still_firing": resolved is None,
                }
            )
    table = frame(rows, FIRINGS)
    return table.sort_values(["service", "slo", "instance", "tier", "fired_at"], kind="stable")


def alert_summary(firings: pd.DataFrame) -> pd.DataFrame:
    """Return per instance and tier: firings, total and longest time firing, still firing."""
    grouped = firings.groupby([*KEY, "tier"], sort=True).agg(
        firings=("duration_seconds", "size"),
        firing_seconds=("duration_seconds", "sum"),
        longest_seconds=("duration_seconds", "max"),
        still_firing=("still_firing", "any"),
    )
    return grouped.reset_index()[list(ALERTS)].astype(ALERTS)
