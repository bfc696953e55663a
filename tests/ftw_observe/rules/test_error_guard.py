"""The minimum-errors guard in the burn-rate alerts: where it comes from and what it reads."""

from __future__ import annotations

import re
import textwrap
from typing import Any

from ftw_observe.rules.compile import compile_service
from ftw_observe.spec.load import validate_text

# The guard on the long window's errors, as opposed to the errors a burn rate divides.
GUARD = re.compile(r"ftw_slo:errors:\w+\{[^}]*\} >= ")
RATIO = """\
sli:
  ratio:
    errors: requests_total{status="500"}
    total: requests_total
"""
RAW_COUNTS = """\
sli:
  raw:
    errors: sum(increase(errors_total[{{window}}]))
    total: sum(increase(requests_total[{{window}}]))
"""
RAW_RATIO = """\
sli:
  raw:
    error_ratio: avg_over_time(stale_ratio[{{window}}])
"""


def burn_rules(slo: str, compat: str = "") -> dict[str, dict[str, Any]]:
    """Compile one SLO and return its burn-rate alert rules by tier."""
    text = (
        f"service: api\nteam: core\n{compat}slos:\n  - name: availability\n"
        "    description: Requests without a server error.\n"
        + textwrap.indent(textwrap.dedent(slo), "    ")
    )
    spec, issues = validate_text(text, "slo/api.yaml")
    assert issues == []
    assert spec is not None
    rules = [rule for group in compile_service(spec)["groups"] for rule in group["rules"]]
    return {
        rule["labels"]["tier"]: rule for rule in rules if rule.get("alert") == "SLOErrorBudgetBurn"
    }


def burn_alerts(slo: str) -> dict[str, str]:
    """Compile one SLO and return its burn-rate alert expressions by tier."""
    return {tier: rule["expr"] for tier, rule in burn_rules(slo).items()}


def test_a_ratio_slo_needs_three_errors_in_each_tiers_long_window_by_default() -> None:
    alerts = burn_alerts(RATIO)
    assert alerts["page-1h"].endswith(
        ' and ftw_slo:errors:increase1h{service="api",slo="availability"} >= 3'
    )
    assert alerts["ticket-3d"].endswith(
        ' and ftw_slo:errors:increase3d{service="api",slo="availability"} >= 3'
    )


def test_the_errors_guard_follows_the_events_guard() -> None:
    page = burn_alerts(RATIO + "alerting: {min_events: 20}")["page-1h"]
    assert page == (
        'ftw_slo:errors:increase1h{service="api",slo="availability"} / '
        '(ftw_slo:events:increase1h{service="api",slo="availability"} > 0) / 0.001 > 14.4 and '
        'ftw_slo:errors:increase5m{service="api",slo="availability"} / '
        '(ftw_slo:events:increase5m{service="api",slo="availability"} > 0) / 0.001 > 14.4 and '
        'ftw_slo:events:increase1h{service="api",slo="availability"} >= 20 and '
        'ftw_slo:errors:increase1h{service="api",slo="availability"} >= 3'
    )


def test_a_tier_override_beats_the_slos_value() -> None:
    alerts = burn_alerts(
        RATIO + "alerting:\n  min_errors: 5\n  tiers:\n    ticket-3d: {min_errors: 1}\n"
    )
    assert alerts["page-1h"].endswith(" >= 5")
    assert alerts["ticket-1d"].endswith(" >= 5")
    assert alerts["ticket-3d"].endswith(
        'ftw_slo:errors:increase3d{service="api",slo="availability"} >= 1'
    )


def test_zero_turns_the_guard_off() -> None:
    alerts = burn_alerts(RATIO + "alerting: {min_errors: 0}")
    assert not any(GUARD.search(expr) for expr in alerts.values())


def test_raw_counts_get_no_guard_unless_asked() -> None:
    assert not any(GUARD.search(expr) for expr in burn_alerts(RAW_COUNTS).values())
    asked = burn_alerts(RAW_COUNTS + "alerting: {min_errors: 4}")
    assert asked["page-6h"].endswith(
        ' and ftw_slo:errors:increase6h{service="api",slo="availability"} >= 4'
    )


def test_a_raw_error_ratio_has_no_guard() -> None:
    alerts = burn_alerts(
        "objective: 99\n" + RAW_RATIO + "alerting:\n  tiers:\n    page-1h: {enabled: false}\n"
    )
    assert not any(GUARD.search(expr) for expr in alerts.values())


def test_sloth_compatible_alerts_keep_the_guard_and_sloths_labels() -> None:
    page = burn_rules(RATIO, compat="compat: {sloth: true}\n")["page-1h"]
    assert page["expr"].endswith(
        ' and ftw_slo:errors:increase1h{service="api",slo="availability"} >= 3'
    )
    assert page["labels"]["sloth_id"] == "api-availability"
