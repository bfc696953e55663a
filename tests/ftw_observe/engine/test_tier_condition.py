"""The engine's test of one tier: both windows burning, then the events and errors guards."""

from __future__ import annotations

import pytest

from ftw_observe.burnrate import PAGE_1H
from ftw_observe.engine.evaluate import Target, tier_condition
from ftw_observe.model import WindowBurn
from ftw_observe.spec.load import validate_text

SPEC = """\
service: api
team: core
slos:
  - name: availability
    description: Requests without a server error.
    sli:
      ratio:
        errors: requests_total{status="500"}
        total: requests_total
    alerting: {alerting}
"""
BUDGET = 0.001  # 99.9 %


def target(alerting: str = "{}") -> Target:
    spec, issues = validate_text(SPEC.replace("{alerting}", alerting), "slo/api.yaml")
    assert spec is not None, issues
    return Target(spec, spec.slos[0])


def window(name: str, errors: float | None, events: float) -> WindowBurn:
    ratio = None if errors is None else errors / events
    return WindowBurn(name, errors, events, ratio, None if ratio is None else ratio / BUDGET)


def page_1h(errors: float, recent_errors: float = 1) -> dict[str, WindowBurn]:
    """One request a minute: `errors` in the hour's 60, `recent_errors` in the last 5."""
    return {"1h": window("1h", errors, 60), "5m": window("5m", recent_errors, 5)}


@pytest.mark.parametrize(("errors", "fires"), [(1, False), (2, False), (3, True), (4, True)])
def test_at_sixty_events_an_hour_page_1h_needs_three_errors(errors: int, fires: bool) -> None:
    # Even one error is a burn of 16.7 over the hour (threshold 14.4): only the guard holds.
    assert tier_condition(target(), PAGE_1H, page_1h(errors)) is fires


def test_min_errors_zero_lets_one_error_page() -> None:
    assert tier_condition(target("{min_errors: 0}"), PAGE_1H, page_1h(1)) is True


def test_a_tier_override_applies_to_that_tier() -> None:
    alerting = "{min_errors: 10, tiers: {page-1h: {min_errors: 2}}}"
    assert tier_condition(target(alerting), PAGE_1H, page_1h(2)) is True


def test_the_guard_reads_the_long_window_not_the_short_one() -> None:
    # Three errors in the hour, only one of them in the last five minutes: still a page.
    assert tier_condition(target(), PAGE_1H, page_1h(3, recent_errors=1)) is True


def test_errors_the_readings_lack_never_pass_the_guard() -> None:
    windows = {"1h": WindowBurn("1h", None, 60, 0.05, 50.0), "5m": window("5m", 1, 5)}
    assert tier_condition(target(), PAGE_1H, windows) is False
