"""Every query of every generated dashboard panel, as pytest parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((REPO / "dashboards").glob("*.json"))
# Panels that read the 30 days before the last 30 (`offset 30d`): the demo keeps 36 hours of
# history, so they have nothing to answer there and say "No data for the previous 30 days
# yet". They are left out of the must-return-data checks; their queries are checked against
# months of synthetic history instead (tests/ftw_observe/dashboards/test_executive_live.py),
# and tests/ftw_observe/dashboards/test_previous_month.py keeps this list exact.
PREVIOUS_MONTH = frozenset(
    {
        ("ftw-executive", "Availability, the 30 days before"),
        ("ftw-executive", "Incidents, the 30 days before"),
        ("ftw-executive", "Downtime minutes, the 30 days before"),
        ("ftw-executive", "Error budget left 30 days ago"),
        ("ftw-executive", "API p95 latency, the 30 days before"),
    }
)


def every_target() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Return (dashboard, panel, target) for every query of every panel."""
    found: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        panels = list(dashboard.get("panels", []))
        for panel in list(panels):
            panels.extend(panel.get("panels", []))  # rows hold panels too
        found.extend(
            (path.stem, panel, target)
            for panel in panels
            for target in panel.get("targets", [])
            if target.get("expr")
        )
    return found


def targets() -> list[Any]:
    """Return (dashboard, panel title, expression) of every query that must return data.

    The previous-month panels (PREVIOUS_MONTH) are left out: the demo has no such history.
    """
    return [
        pytest.param(
            stem,
            panel.get("title", ""),
            target["expr"],
            id=f"{stem}:{panel.get('id')}:{target.get('refId')}",
        )
        for stem, panel, target in every_target()
        if (stem, panel.get("title", "")) not in PREVIOUS_MONTH
    ]
