"""The engine reads the period's coverage with the counts and keeps it on the evaluation."""

from __future__ import annotations

from datetime import UTC, datetime

from ftw_observe.budget import Status
from ftw_observe.engine.evaluate import Target, collect, evaluate_instance, targets
from ftw_observe.model import Evaluation
from ftw_observe.prometheus import Sample
from ftw_observe.spec.load import validate_text

SPEC = """\
service: api
team: core
slos:
  - name: availability
    description: Requests without a server error.
    objective: 99.9
    sli:
      ratio:
        errors: requests_total{status="500"}
        total: requests_total
"""
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
LABELS = {"service": "api", "slo": "availability", "team": "core"}
PERIOD = 30 * 86_400


def target() -> Target:
    spec, issues = validate_text(SPEC, "slo/api.yaml")
    assert spec is not None, issues
    (found,) = targets([spec])
    return found


def period_samples(errors: float, events: float, coverage: float | None) -> list[Sample]:
    """Return the period's counts, and its coverage unless None (rules without it)."""
    found = [
        Sample({"__name__": "ftw_slo:errors:period", **LABELS}, errors),
        Sample({"__name__": "ftw_slo:events:period", **LABELS}, events),
    ]
    if coverage is not None:
        found.append(Sample({"__name__": "ftw_slo:period:coverage", **LABELS}, coverage))
    return found


def evaluate(samples: list[Sample]) -> Evaluation:
    slo = target()
    ((key, readings),) = collect([slo], samples).items()
    evaluation, _ = evaluate_instance(slo, key, readings, T0)
    return evaluation


def test_the_coverage_is_kept_on_the_evaluation() -> None:
    evaluation = evaluate(period_samples(4.0, 10_000.0, 0.05))
    assert evaluation.coverage == 0.05
    assert evaluation.measured_seconds == 0.05 * PERIOD


def test_two_hours_overspent_are_ok_with_the_overspend_kept() -> None:
    evaluation = evaluate(period_samples(400.0, 10_000.0, 2 / 720))
    assert evaluation.status is Status.OK
    assert evaluation.remaining is not None
    assert round(evaluation.remaining, 6) == -39.0


def test_a_whole_period_overspent_is_exhausted() -> None:
    evaluation = evaluate(period_samples(400.0, 10_000.0, 1.0))
    assert evaluation.status is Status.EXHAUSTED


def test_without_a_coverage_series_the_counts_decide_alone() -> None:
    evaluation = evaluate(period_samples(400.0, 10_000.0, None))
    assert evaluation.coverage is None
    assert evaluation.status is Status.EXHAUSTED
