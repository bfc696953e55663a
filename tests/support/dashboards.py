"""Every query of every generated dashboard panel, as pytest parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((REPO / "dashboards").glob("*.json"))


def targets() -> list[Any]:
    """Return (dashboard, panel title, expression) for every query of every panel."""
    found = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        panels = list(dashboard.get("panels", []))
        for panel in list(panels):
            panels.extend(panel.get("panels", []))  # rows hold panels too
        for panel in panels:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    case = (path.stem, panel.get("title", ""), target["expr"])
                    found.append(
                        pytest.param(
                            *case, id=f"{path.stem}:{panel.get('id')}:{target.get('refId')}"
                        )
                    )
    return found
