"""The demo from a built wheel installed outside the checkout, run where there is no project.

The wheel is built from a copy of the checkout (so the build leaves nothing in it) and
installed with `pip install --target`; with that directory first on PYTHONPATH, the installed
modules shadow the editable checkout, which the tests check before trusting anything else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.demo import demo_env, free_ports, leftovers, run_demo
from tests.support.engine import engine_env, start_engine
from tests.support.installed import PIP, ROOT, build_wheel, runbook_links, unserved_runbooks

PROJECT_FILES = (
    "slo/marketplace.yaml",
    "slo/platform.yaml",
    "alerts/ftw-observe.rules.yml",
    "alerts/marketplace.rules.yml",
    "alerts/thresholds.rules.yml",
    "alerts/alertmanager.yml",
    "alerts/routing.yaml",
    "docs/runbooks/ftw-observe.md",
    "docs/runbooks/marketplace.md",
    "docs/runbooks/thresholds.md",
)
PROBE = """
import json, sys
from pathlib import Path
import ftw_observe, marketplace
from ftw_observe.demo.configs import Wiring, alertmanager_config, prometheus_config
from ftw_observe.demo.project import find_project
from ftw_observe.demo.settings import Ports

project = find_project(Path.cwd())
wiring = Wiring(Ports(), project.rule_files, Path(sys.argv[1]))
print(json.dumps({
    "ftw_observe": ftw_observe.__file__,
    "marketplace": marketplace.__file__,
    "root": str(project.root),
    "packaged": project.packaged,
    "engine": project.engine_environment(),
    "prometheus": prometheus_config(wiring),
    "alertmanager": alertmanager_config(project.alertmanager_config.read_text(), wiring),
}))
"""

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Installed:
    """A wheel of the checkout and where it is installed."""

    wheel: Path
    site: Path

    def env(self, base: Mapping[str, str] = os.environ) -> dict[str, str]:
        """Return `base` changed to import the installed package, not the checkout."""
        return {**base, "PYTHONPATH": str(self.site)}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build a wheel from a copy of the checkout and install it into a directory of its own."""
    work = tmp_path_factory.mktemp("installed")
    wheel = build_wheel(work)
    install = [*PIP, "install", "--no-deps", "--no-index", "--target", str(work / "site")]
    subprocess.run([*install, str(wheel)], check=True)
    return Installed(wheel, work / "site")


def test_the_wheel_holds_the_project_files_as_real_files(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        for name in PROJECT_FILES:
            info = wheel.getinfo(f"ftw_observe/demo/packaged/{name}")
            assert (info.external_attr >> 16) & 0o170000 != 0o120000, f"{name} is a symlink"
            assert wheel.read(info) == (ROOT / name).read_bytes(), name


def test_outside_a_checkout_the_demo_renders_its_configs_from_the_installed_files(
    installed: Installed, tmp_path: Path
) -> None:
    token = tmp_path / "webhook-token"
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(token)],
        cwd=tmp_path,
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(probe.stdout)
    packaged = installed.site / "ftw_observe" / "demo" / "packaged"
    assert Path(found["ftw_observe"]).is_relative_to(installed.site)
    assert Path(found["marketplace"]).is_relative_to(installed.site)
    assert (found["root"], found["packaged"]) == (str(packaged), True)
    for path in found["engine"].values():
        assert Path(path).is_relative_to(packaged), path
        assert Path(path).exists(), path
    rule_files = [line[2:] for line in found["prometheus"].splitlines() if line.startswith("- /")]
    assert [Path(path).name for path in rule_files] == [
        "ftw-observe.rules.yml",
        "marketplace.rules.yml",
        "thresholds.rules.yml",
    ]
    for path in rule_files:
        assert Path(path).is_relative_to(packaged), path
        assert Path(path).is_file(), path
    assert f"credentials_file: {token}" in found["alertmanager"]


def test_the_installed_demo_runs_the_whole_stack_outside_a_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    home, ports = tmp_path / "home", free_ports()
    env = installed.env(demo_env(home, ports, DEMO_UPDATES="1", DEMO_HISTORY_HOURS="0"))
    result = run_demo([str(installed.site / "bin" / "ftw-observe"), "demo"], cwd=tmp_path, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "all 5 scrape targets up" in result.stdout, output
    packaged = installed.site / "ftw_observe" / "demo" / "packaged"
    assert f"--policy {packaged / 'alerts' / 'routing.yaml'}" in result.stdout
    prometheus = (home / "prometheus.yml").read_text()
    assert f"- {packaged / 'alerts' / 'marketplace.rules.yml'}" in prometheus
    assert f"- {packaged / 'alerts' / 'ftw-observe.rules.yml'}" in prometheus
    specs = len(list((packaged / "slo").glob("*.yaml")))
    assert f"{specs} spec file(s)" in (home / "logs" / "engine.log").read_text()
    assert leftovers(ports, home) == []


def test_the_installed_engine_serves_every_runbook_its_rules_link_to(
    installed: Installed, tmp_path: Path
) -> None:
    packaged = installed.site / "ftw_observe" / "demo" / "packaged"
    links = runbook_links(packaged / "alerts")
    env = engine_env(
        f"sqlite:///{tmp_path / 'observe.db'}",
        FTW_SLO_DIR=str(packaged / "slo"),
        FTW_ROUTING_POLICY=str(packaged / "alerts" / "routing.yaml"),
    )
    executable = installed.site / "bin" / "ftw-observe"
    engine = start_engine(
        "installed", tmp_path, installed.env(env), executable=executable, cwd=tmp_path
    )
    try:
        assert len(links) > 10
        assert unserved_runbooks(engine, links) == []
    finally:
        engine.stop()
