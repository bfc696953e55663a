"""Fixtures of the dashboard tests: the repository's specs and the dashboards built from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ftw_observe.dashboards import build_dashboards
from ftw_observe.spec.load import load_specs
from ftw_observe.spec.model import ServiceSpec

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def specs() -> list[ServiceSpec]:
    """Return the specs of the repository's slo/ directory."""
    return [item.spec for item in load_specs([REPO / "slo"])]


@pytest.fixture(scope="session")
def dashboards(specs: list[ServiceSpec]) -> dict[str, dict[str, Any]]:
    """Return every dashboard built from the repository's specs."""
    return build_dashboards(specs)
