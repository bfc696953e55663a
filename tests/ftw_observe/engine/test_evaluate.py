"""The engine reads exactly the series the rule compiler records."""

from __future__ import annotations

import re
from pathlib import Path

from ftw_observe.burnrate import WINDOWS
from ftw_observe.engine.evaluate import series_query
from ftw_observe.rules import names
from ftw_observe.rules.compile import compile_service
from ftw_observe.spec.load import load_specs

MARKETPLACE = Path(__file__).resolve().parents[3] / "slo" / "marketplace.yaml"


def recorded() -> set[str]:
    compiled = compile_service(load_specs([MARKETPLACE])[0].spec)
    return {
        rule["record"]
        for group in compiled["groups"]
        for rule in group["rules"]
        if "record" in rule
    }


def test_every_series_the_engine_reads_is_recorded() -> None:
    assert set(names.recorded_counts(WINDOWS)) <= recorded()


def test_the_query_selects_the_counts_and_ratios_and_no_other_recorded_series() -> None:
    query = series_query(["marketplace"])
    pattern = re.fullmatch(r'\{__name__=~"(.*)",service=~"marketplace"\}', query)
    assert pattern is not None
    selected = {name for name in recorded() if re.fullmatch(pattern.group(1), name)}
    assert selected == set(names.recorded_counts(WINDOWS))
    assert names.windowed(names.BURN_RATE, 3600) not in selected
