"""VictoriaMetrics as the backend: the drill's outage, seen by VictoriaMetrics and vmalert.

Beside the drill's Prometheus (see `tests/support/vm_beside.py`), VictoriaMetrics scrapes the
same targets, vmalert evaluates the same generated rule files with the README's settings, and
an engine reads VictoriaMetrics. The rules must load and evaluate, record every series
Prometheus records, page for the broken SLO and resolve; the engine must evaluate every SLO;
every dashboard query must return data.
"""

from __future__ import annotations

import pytest
import yaml

from ftw_observe.dashboards.variables import substitute
from ftw_observe.engine.cycle import NO_SERIES
from tests.support.dashboards import targets
from tests.support.drill import Drilled
from tests.support.victoriametrics import VICTORIAMETRICS_FLAGS, VMALERT_FLAGS
from tests.support.vm_beside import REPO, RULE_FILES, OnVictoriaMetrics

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
SLO = "job-posting-availability"


@pytest.fixture(scope="module")
def on_vm(drilled: Drilled) -> OnVictoriaMetrics:
    """What VictoriaMetrics showed beside the drill; fail if it could not run."""
    found = drilled.on_victoriametrics
    assert found.error is None, found.error
    return found


def test_vmalert_loads_every_generated_rule_group(on_vm: OnVictoriaMetrics) -> None:
    generated = {
        group["name"]
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    }
    assert {group["name"] for group in on_vm.groups} == generated


def test_every_rule_evaluates_without_error_under_vmalert(on_vm: OnVictoriaMetrics) -> None:
    failing = [
        f"{group['name']}/{rule['name']}: {rule['lastError']}"
        for group in on_vm.groups
        for rule in group["rules"]
        if rule.get("lastError")
    ]
    assert failing == []


def test_victoriametrics_records_every_slo_series_prometheus_records(
    on_vm: OnVictoriaMetrics,
) -> None:
    assert on_vm.recorded["prometheus"]
    assert on_vm.recorded["victoriametrics"] == on_vm.recorded["prometheus"]


def test_vmalert_pages_for_the_broken_slo_during_the_outage(
    drilled: Drilled, on_vm: OnVictoriaMetrics
) -> None:
    paged = on_vm.paged["victoriametrics"]
    assert paged is not None, "no page fired on VictoriaMetrics"
    assert drilled.result.fault_at < paged < drilled.result.resolved_at
    # The figure the README quotes; `-rP` shows it.
    since = {name: at - drilled.result.fault_at for name, at in on_vm.paged.items() if at}
    print("page rule firing after the fault:", {k: f"{v:.1f} s" for k, v in since.items()})


def test_vmalert_sends_the_page_to_its_alertmanager(on_vm: OnVictoriaMetrics) -> None:
    pages = [
        alert
        for alert in on_vm.notified
        if alert["labels"].get("slo") == SLO and alert["labels"].get("severity") == "page"
    ]
    assert pages, "vmalert notified no page"
    assert pages[0]["annotations"]["runbook_url"].endswith(f"/runbooks/marketplace/{SLO}")


def test_the_page_resolves_on_victoriametrics_after_healing(
    drilled: Drilled, on_vm: OnVictoriaMetrics
) -> None:
    assert on_vm.resolved_on_vm is not None, "the page still fired on VictoriaMetrics"
    assert on_vm.resolved_on_vm > drilled.result.cleared_at


def test_both_backends_count_the_same_events_over_five_minutes(on_vm: OnVictoriaMetrics) -> None:
    prometheus, victoria = on_vm.events_5m["prometheus"], on_vm.events_5m["victoriametrics"]
    assert set(victoria) == set(prometheus)
    # Prometheus extrapolates to the window's edges, VictoriaMetrics counts from the sample
    # before it: at steady traffic they differ by about a scrape's worth of the window.
    busy = {instance: count for instance, count in prometheus.items() if count >= 100}
    assert busy
    for instance, count in busy.items():
        assert victoria[instance] == pytest.approx(count, rel=0.05), instance


def test_an_engine_reading_victoriametrics_evaluates_every_slo(on_vm: OnVictoriaMetrics) -> None:
    assert on_vm.engine_slos
    unread = [
        f"{slo['slo']} {slo['instance']}: {slo['status']} {slo['detail']}"
        for slo in on_vm.engine_slos
        if slo["status"] == "unknown" or slo["detail"] == NO_SERIES
    ]
    assert unread == []


@pytest.mark.parametrize(("dashboard", "title", "expr"), targets())
def test_the_dashboard_query_returns_data_from_victoriametrics(
    on_vm: OnVictoriaMetrics, dashboard: str, title: str, expr: str
) -> None:
    assert on_vm.answered[expr], f"{dashboard} / {title}: no data for {substitute(expr)}"


def test_the_readme_recommends_the_settings_the_test_uses() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    recommended = [flag for flag in VICTORIAMETRICS_FLAGS if "retention" not in flag]
    recommended += [flag for flag in VMALERT_FLAGS if "evaluationInterval" not in flag]
    for flag in recommended:
        assert flag in readme, flag
    assert "-evaluationInterval=" in readme
