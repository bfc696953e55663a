"""Self-monitoring rules: exact names and labels, runbook sections, promtool and its suite."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from ftw_observe.api.runbooks import anchor
from ftw_observe.rules.names import runbook_anchor
from ftw_observe.rules.render import render_yaml
from ftw_observe.rules.self_monitoring import (
    ENGINE_RAISED,
    SelfMonitoringJobs,
    self_monitoring_rule_groups,
)

ROOT = Path(__file__).resolve().parents[3]
SUITE = ROOT / "alerts" / "tests" / "ftw-observe.test.yml"
RUNBOOK = ROOT / "docs" / "runbooks" / "ftw-observe.md"
RUNBOOK_URL = "http://localhost:8080/runbooks/ftw-observe#{alert}"

EXPECTED = [
    ("FTWObserveWatchdog", "none"),
    ("FTWObserveEngineDown", "page"),
    ("FTWObserveCycleStalled", "page"),
    ("FTWObserveNoLeader", "page"),
    ("FTWObserveOutboxStuck", "page"),
    ("FTWObserveDeliveriesRejected", "page"),
    ("FTWObserveWebhookFailing", "page"),
    ("FTWObserveAlertsDropped", "page"),
    ("FTWObserveAlertmanagerDown", "page"),
    ("FTWObserveRuleEvaluationFailures", "ticket"),
]


def _rules(jobs: SelfMonitoringJobs | None = None) -> list[dict[str, Any]]:
    groups = self_monitoring_rule_groups(runbook_url=RUNBOOK_URL, jobs=jobs)
    return [rule for group in groups for rule in group["rules"]]


def _rendered() -> str:
    groups = self_monitoring_rule_groups(runbook_url=RUNBOOK_URL)
    return render_yaml({"groups": groups}, "ftw_observe/rules/self_monitoring.py")


def _promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: `make test` installs it (Debian package prometheus)"
    return subprocess.run(
        [promtool, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_alerts_and_their_severities_are_exact() -> None:
    assert [(rule["alert"], rule["labels"]["severity"]) for rule in _rules()] == EXPECTED


def test_every_rule_carries_the_component_service_and_annotations() -> None:
    for rule in _rules():
        assert list(rule) == ["alert", "expr", "for", "labels", "annotations"]
        assert rule["labels"] == {
            "component": "ftw-observe",
            "severity": rule["labels"]["severity"],
            "service": "ftw-observe",
        }
        assert list(rule["annotations"]) == ["summary", "description", "runbook_url"]


def test_the_watchdog_always_fires() -> None:
    watchdog = _rules()[0]
    assert (watchdog["expr"], watchdog["for"]) == ("vector(1)", "0s")
    assert "meant to fire always" in watchdog["annotations"]["description"].lower()


def test_job_names_are_options() -> None:
    jobs = SelfMonitoringJobs(engine="observe", alertmanager="am", prometheus="prom")
    exprs = {rule["alert"]: rule["expr"] for rule in _rules(jobs)}
    assert exprs["FTWObserveEngineDown"] == (
        'sum by (job) (up{job="observe"}) == 0 or absent(up{job="observe"})'
    )
    assert exprs["FTWObserveAlertmanagerDown"] == (
        'sum by (job) (up{job="am"}) == 0 or absent(up{job="am"})'
    )
    assert 'ftw_observe_leader{job="observe"}' in exprs["FTWObserveNoLeader"]
    assert 'job="am",integration="webhook"' in exprs["FTWObserveWebhookFailing"]
    assert exprs["FTWObserveAlertsDropped"].count('{job="prom"}') == 4
    assert '{job="prom"}' in exprs["FTWObserveRuleEvaluationFailures"]
    assert "ftw-observe" not in "".join(exprs.values())


def test_runbook_anchors_drop_the_prefix() -> None:
    assert runbook_anchor("FTWObserveNoLeader") == "no-leader"
    assert runbook_anchor("FTWObserveWatchdog") == "watchdog"
    assert runbook_anchor("FTWObservePrometheusUnreachable") == "prometheus-unreachable"


def test_every_alert_and_engine_page_has_a_runbook_section() -> None:
    headings = [line[3:] for line in RUNBOOK.read_text().splitlines() if line.startswith("## ")]
    sections = {anchor(heading) for heading in headings}
    names = [rule["alert"] for rule in _rules()] + list(ENGINE_RAISED)
    for rule in _rules():
        assert rule["annotations"]["runbook_url"] == RUNBOOK_URL.format(
            alert=runbook_anchor(rule["alert"])
        )
    assert sections == {runbook_anchor(name) for name in names}
    assert len(headings) == len(set(names))


def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "ftw-observe.rules.yml"
    path.write_text(_rendered())
    result = _promtool("check", "rules", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(EXPECTED)} rules found" in result.stdout


def test_the_committed_unit_test_suite_passes_on_the_rendered_rules(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts"
    (alerts / "tests").mkdir(parents=True)
    shutil.copy(SUITE, alerts / "tests" / SUITE.name)
    (alerts / "ftw-observe.rules.yml").write_text(_rendered())
    result = _promtool("test", "rules", f"tests/{SUITE.name}", cwd=alerts)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_is_covered_by_the_suite() -> None:
    suite = SUITE.read_text()
    for name, _ in EXPECTED:
        assert f"alertname: {name}\n" in suite or f"alertname: {name}," in suite, name
