"""The engine's burn-rate annotations say when the budget covers only part of its period."""

from __future__ import annotations

from dataclasses import replace

from ftw_observe.burnrate import TIERS
from ftw_observe.deploy.model import DeployConfig
from ftw_observe.engine.notes import burn_annotations
from ftw_observe.model import Evaluation
from tests.ftw_observe.engine.test_evaluate_coverage import evaluate, period_samples, target


def young(coverage: float | None) -> Evaluation:
    """Return an evaluation overspent 40 times on the events seen, with `coverage`."""
    return replace(evaluate(period_samples(400.0, 10_000.0, None)), coverage=coverage)


def test_a_young_period_carries_the_note_and_projects_nothing() -> None:
    notes = burn_annotations(target(), young(2 / 720), TIERS[0], DeployConfig())
    assert notes["budget_note"] == (
        "consumed 4000.0 % of the budget of the events seen; budget measured over 2h of 30d"
    )
    assert notes["time_to_exhaustion"] == "not projected: only part of the period has data"


def test_a_whole_period_has_no_note() -> None:
    notes = burn_annotations(target(), young(1.0), TIERS[0], DeployConfig())
    assert "budget_note" not in notes
