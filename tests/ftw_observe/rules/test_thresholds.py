"""Threshold alert rules: promtool accepts them and the committed unit-test suite passes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from ftw_observe.dashboards.infrastructure import threshold_panel_ids
from ftw_observe.rules.render import render_yaml
from ftw_observe.rules.thresholds import kebab, threshold_alerts, threshold_rule_groups
from ftw_observe.spec.load import load_specs

ROOT = Path(__file__).resolve().parents[3]
SUITE = ROOT / "alerts" / "tests" / "thresholds.test.yml"
RUNBOOK = ROOT / "docs" / "runbooks" / "thresholds.md"
RUNBOOK_URL = "http://localhost:8080/runbooks/thresholds#{alert}"
DASHBOARD_URL = "http://localhost:3000/d/ftw-infrastructure?viewPanel={panel}"
ALERTS = threshold_alerts(item.spec for item in load_specs([ROOT / "slo"]))

EXPECTED = [
    ("MarketplaceHighErrorRatio", "warning", "5m", "> 0.02"),
    ("MarketplaceHighErrorRatio", "critical", "5m", "> 0.05"),
    ("MarketplaceHighP95Latency", "warning", "5m", "> 1"),
    ("MarketplaceHighP95Latency", "critical", "5m", "> 2"),
    ("HostHighCpuUtilization", "warning", "5m", "> 0.8"),
    ("HostHighCpuUtilization", "critical", "5m", "> 0.9"),
    ("HostHighMemoryUsage", "warning", "5m", "> 0.75"),
    ("HostHighMemoryUsage", "critical", "5m", "> 0.9"),
    ("HostHighDiskUsage", "warning", "10m", "> 0.8"),
    ("HostHighDiskUsage", "critical", "10m", "> 0.95"),
    ("PostgresHighConnectionUsage", "warning", "5m", "> 0.8"),
    ("PostgresHighConnectionUsage", "critical", "5m", "> 0.95"),
    ("PostgresLowBufferCacheHitRatio", "warning", "10m", "< 0.7"),
    ("ExporterSourceDown", "warning", "5m", "== 0"),
    ("ExporterSourceDown", "critical", "15m", "== 0"),
    ("TargetDown", "critical", "2m", "== 0"),
]


def _rules() -> list[dict[str, Any]]:
    groups = threshold_rule_groups(
        ALERTS,
        runbook_url=RUNBOOK_URL,
        dashboard_url=DASHBOARD_URL,
        panel_ids=threshold_panel_ids(ALERTS),
    )
    return [rule for group in groups for rule in group["rules"]]


def _rendered() -> str:
    groups = threshold_rule_groups(
        ALERTS,
        runbook_url=RUNBOOK_URL,
        dashboard_url=DASHBOARD_URL,
        panel_ids=threshold_panel_ids(ALERTS),
    )
    return render_yaml({"groups": groups}, "slo/marketplace.yaml, slo/platform.yaml")


def _promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: `make test` installs it (Debian package prometheus)"
    return subprocess.run(
        [promtool, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def test_promtool_accepts_the_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.rules.yml"
    path.write_text(_rendered())
    result = _promtool("check", "rules", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(EXPECTED)} rules found" in result.stdout


def test_the_committed_unit_test_suite_passes(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts"
    (alerts / "tests").mkdir(parents=True)
    shutil.copy(SUITE, alerts / "tests" / SUITE.name)
    (alerts / "thresholds.rules.yml").write_text(_rendered())
    result = _promtool("test", "rules", f"tests/{SUITE.name}", cwd=alerts)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_alerts_levels_and_thresholds_are_exact() -> None:
    got = [
        (
            rule["alert"],
            rule["labels"]["severity"],
            rule["for"],
            " ".join(rule["expr"].split()[-2:]),
        )
        for rule in _rules()
    ]
    assert got == EXPECTED


def test_every_rule_has_the_same_labels_and_annotations() -> None:
    for rule in _rules():
        assert list(rule) == ["alert", "expr", "for", "labels", "annotations"]
        assert list(rule["labels"]) == ["severity", "service"]
        assert list(rule["annotations"]) == [
            "summary",
            "description",
            "runbook_url",
            "dashboard_url",
        ]


def test_links_name_the_alert_and_every_alert_has_a_runbook_section() -> None:
    headings = re.findall(r"^## (.+)$", RUNBOOK.read_text(), flags=re.MULTILINE)
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-") for heading in headings
    }
    for rule in _rules():
        anchor = kebab(rule["alert"])
        assert rule["annotations"]["runbook_url"] == RUNBOOK_URL.format(alert=anchor)
        assert rule["annotations"]["dashboard_url"] == DASHBOARD_URL.format(
            panel=threshold_panel_ids(ALERTS)[anchor]
        )
        assert anchor in anchors, f"{RUNBOOK.name} has no section #{anchor}"
    assert len(anchors) == len(headings) == len({rule["alert"] for rule in _rules()})


def test_kebab_splits_before_every_capital() -> None:
    assert kebab("MarketplaceHighP95Latency") == "marketplace-high-p95-latency"
    assert kebab("TargetDown") == "target-down"


def test_the_suite_covers_every_alert_and_tests_the_expressions_the_rules_use() -> None:
    suite = yaml.safe_load(SUITE.read_text())
    tested = {
        case["alertname"] for group in suite["tests"] for case in group.get("alert_rule_test", [])
    }
    assert tested == {rule["alert"] for rule in _rules()}
    exprs = [rule["expr"] for rule in _rules()]
    for group in suite["tests"]:
        for case in group.get("promql_expr_test", []):
            assert any(expr.startswith(f"{case['expr']}\n") for expr in exprs), case["expr"]
