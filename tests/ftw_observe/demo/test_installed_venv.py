"""A production install: the wheel and its pinned dependencies in a fresh venv, for a deployment.

The wheel of the checkout goes into a new virtual environment outside it, with its
dependencies at the versions `constraints.txt` pins (from pip's cache, PyPI or the machine's
wheels). Every command runs in a directory of its own with the checkout off the import path.
The installed `ftw-observe generate` renders a spec set of another service, `checkout`, for a
deployment of public and internal hosts; the generated files must hold no local address and
nothing of the marketplace, pass promtool and amtool, and every runbook their rules link to
must be served by the installed engine, the team's from its own FTW_RUNBOOK_DIR and
FTW Observe's own (self-monitoring) from the runbooks installed with the package.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.version import Version

from tests.support.engine import RunningEngine, engine_env, start_engine
from tests.support.installed import ROOT, build_wheel, runbook_links, unserved_runbooks

pytestmark = pytest.mark.integration

DEPLOY = """\
grafana_url: https://grafana.example.com
engine_url: https://ftw.example.com
webhook_engine_url: http://ftw-engine.internal:8080
webhook_token_file: /run/secrets/ftw-webhook-token
pagerduty_routing_key_file: /run/secrets/pagerduty-routing-key
slack_token_file: /run/secrets/slack-bot-token
pagerduty_events_url: https://events.eu.pagerduty.com/v2/enqueue
slack_api_url: https://slack-proxy.internal/api/chat.postMessage
prometheus_url: http://prometheus.internal:9090
scrape_interval: 30s
"""
# Full links to the public hosts: the spec's own templates, whatever the deploy config says.
SPEC = """\
version: ftw-observe/v1
service: checkout
team: payments
description: Shoppers pay for their baskets.
links:
  runbook: https://ftw.example.com/runbooks/{service}/{slo}
  dashboard: https://grafana.example.com/d/ftw-slo-detail?var-service={service}&var-slo={slo}
slos:
  - name: checkout-availability
    description: Share of checkout requests answered without a server error.
    objective: 99.9
    sli:
      ratio:
        errors: checkout_requests_total{job="checkout",code=~"5.."}
        total: checkout_requests_total{job="checkout"}
  - name: checkout-latency
    description: Share of checkout requests answered within 500 ms.
    objective: 99
    sli:
      latency:
        histogram: checkout_request_duration_seconds{job="checkout"}
        threshold: 0.5
        buckets: [0.1, 0.25, 0.5, 1, 2.5]
thresholds:
  - name: CheckoutHighQueueAge
    expr: max by (instance) (checkout_queue_oldest_age_seconds{job="checkout"})
    comparison: '>'
    unit: seconds
    levels:
      - {severity: warning, threshold: 30, for: 5m}
      - {severity: critical, threshold: 120, for: 10m}
    subject: Checkout queue age on {{ $labels.instance }}
    description: The oldest basket in the payment queue has waited this long.
    # The shipped thresholds runbook has sections for the launch plan's alerts only.
    runbook: https://ftw.example.com/runbooks/checkout#checkout-high-queue-age
"""
RUNBOOK = """\
# Runbooks: checkout

## checkout-availability

Which step fails: the payment provider, the basket store or the checkout service itself.

## checkout-latency

Compare the slow share by instance; check the payment provider's latency first.

## Checkout high queue age

Baskets wait for payment: is the payment worker running, and is the provider answering?
"""
POLICY = """\
receivers:
  payments-oncall:
    pagerduty: {routing_key_env: PAGERDUTY_ROUTING_KEY}
  payments-alerts:
    slack: {channel: "#payments-alerts"}
routes:
  - name: pages
    match: {severity: [page, critical]}
    receivers: [payments-oncall, payments-alerts]
default_receivers: [payments-alerts]
"""
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")
# What `python -m venv` puts into every venv, whatever constraints.txt says.
SEEDED = {"pip", "setuptools"}


@dataclass(frozen=True)
class Deployment:
    """A fresh venv holding the wheel, and a project generated with it for a deployment.

    Usage::

        deployment.run("ftw-observe", "version")  # the installed console script
    """

    venv: Path
    project: Path
    runbooks: Path
    cwd: Path  # where every command runs: no checkout, no project

    def env(self) -> dict[str, str]:
        """Return this environment without anything that would import the checkout."""
        hidden = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")
        return {
            name: value
            for name, value in os.environ.items()
            if name not in hidden and not name.startswith("FTW_")
        }

    def run(self, program: str, *args: str, timeout: float = 120) -> str:
        """Run a program of the venv; return its output, or fail showing all of it."""
        result = subprocess.run(
            [str(self.venv / "bin" / program), *args],
            cwd=self.cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{program} {args}:\n{result.stdout}{result.stderr}"
        return result.stdout

    def generated(self) -> list[Path]:
        """Return every file `generate` wrote: under alerts/ and dashboards/, but the policy."""
        files = [
            path
            for part in ("alerts", "dashboards")
            for path in sorted((self.project / part).rglob("*"))
            if path.is_file()
        ]
        return [path for path in files if path != self.project / "alerts" / "routing.yaml"]


def _project(root: Path) -> tuple[Path, Path, Path]:
    """Write the team's specs, routing policy and runbook, and the deploy config; return them."""
    (root / "project" / "slo").mkdir(parents=True)
    (root / "project" / "slo" / "checkout.yaml").write_text(SPEC, encoding="utf-8")
    (root / "project" / "alerts").mkdir()
    (root / "project" / "alerts" / "routing.yaml").write_text(POLICY, encoding="utf-8")
    (root / "project" / "runbooks").mkdir()
    (root / "project" / "runbooks" / "checkout.md").write_text(RUNBOOK, encoding="utf-8")
    (root / "deploy.yaml").write_text(DEPLOY, encoding="utf-8")
    return root / "project", root / "project" / "runbooks", root / "deploy.yaml"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """Install the wheel and its pinned dependencies into a new venv; generate a project."""
    work = tmp_path_factory.mktemp("venv-install")
    wheel = build_wheel(work / "build")
    cwd = work / "cwd"
    cwd.mkdir()
    project, runbooks, deploy = _project(work)
    installed = Deployment(work / "venv", project, runbooks, cwd)
    env = installed.env()
    subprocess.run(
        [sys.executable, "-m", "venv", str(installed.venv)], cwd=cwd, env=env, check=True
    )
    # Resolved like any production install: pip's cache, else the index, at the pinned versions.
    # Under a minute here even without the cache; the timeout shows pip's output before
    # pytest's own limit would cut it off.
    constraints = str(ROOT / "constraints.txt")
    installed.run("pip", "install", "--no-input", "-c", constraints, str(wheel), timeout=240)
    installed.run("ftw-observe", "generate", "--root", str(project), "--config", str(deploy))
    return installed


@pytest.fixture(scope="module")
def engine(
    deployment: Deployment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningEngine]:
    """The venv's engine over the team's specs, policy and runbooks, with a store of its own."""
    work = tmp_path_factory.mktemp("venv-engine")
    env = engine_env(
        f"sqlite:///{work / 'observe.db'}",
        FTW_SLO_DIR=str(deployment.project / "slo"),
        FTW_ROUTING_POLICY=str(deployment.project / "alerts" / "routing.yaml"),
        FTW_RUNBOOK_DIR=str(deployment.runbooks),
    )
    # Empty is unset to Python: start_engine adds `env` to this environment.
    isolated = {**env, "PYTHONPATH": "", "VIRTUAL_ENV": str(deployment.venv)}
    executable = deployment.venv / "bin" / "ftw-observe"
    running = start_engine("venv", work, isolated, executable=executable, cwd=deployment.cwd)
    yield running
    running.stop()


def _installed_versions(deployment: Deployment) -> dict[str, str]:
    """Return the distributions of the venv by normalized name, with their versions."""
    listing = deployment.run(
        "python",
        "-c",
        "import json, importlib.metadata as m; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
    )
    return {_normalized(name): version for name, version in json.loads(listing).items()}


def _normalized(name: str) -> str:
    """Return a distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_venv_imports_the_installed_package_not_the_checkout(deployment: Deployment) -> None:
    found = deployment.run("python", "-c", "import ftw_observe; print(ftw_observe.__file__)")
    location = Path(found.strip())
    assert location.is_relative_to(deployment.venv), location
    assert not location.is_relative_to(ROOT), location


def test_every_dependency_is_installed_at_the_version_constraints_pin(
    deployment: Deployment,
) -> None:
    pins = {
        _normalized(match[1]): match[2]
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if (match := PINNED.match(line.strip()))
    }
    installed = _installed_versions(deployment)
    installed.pop("ftw-observe")
    wrong = {
        name: (version, pins.get(name))
        for name, version in installed.items()
        # Versions as pip compares them: grafana-foundation-sdk calls itself v0.0.21.
        if name not in SEEDED and (name not in pins or Version(pins[name]) != Version(version))
    }
    assert wrong == {}
    assert {"fastapi", "pandas", "sqlalchemy", "uvicorn"} <= installed.keys()


def test_the_generated_files_hold_no_local_address(deployment: Deployment) -> None:
    local = [
        f"{path.relative_to(deployment.project)}: {address}"
        for path in deployment.generated()
        for address in ("localhost", "127.0.0.1")
        if address in path.read_text(encoding="utf-8")
    ]
    assert local == []


def test_nothing_of_the_marketplace_is_in_the_project(deployment: Deployment) -> None:
    files = [path for path in sorted(deployment.project.rglob("*")) if path.is_file()]
    assert len(files) > 10
    mentions = [
        str(path.relative_to(deployment.project))
        for path in files
        if "marketplace" in str(path.relative_to(deployment.project)).lower()
        or "marketplace" in path.read_text(encoding="utf-8").lower()
    ]
    assert mentions == []


def test_promtool_accepts_every_generated_rule_file(deployment: Deployment) -> None:
    rule_files = sorted((deployment.project / "alerts").glob("*.rules.yml"))
    assert [path.name for path in rule_files] == [
        "checkout.rules.yml",
        "ftw-observe.rules.yml",
        "thresholds.rules.yml",
    ]
    check = subprocess.run(
        ["promtool", "check", "rules", *map(str, rule_files)],
        cwd=deployment.cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_amtool_accepts_the_generated_alertmanager_config(deployment: Deployment) -> None:
    # amtool checks the config's form; Alertmanager reads the secret files only when it
    # sends, so the deployment's /run/secrets/ files need not exist on this machine.
    config = deployment.project / "alerts" / "alertmanager.yml"
    check = subprocess.run(
        ["amtool", "check-config", str(config)],
        cwd=deployment.cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_alertmanager_reaches_the_engine_and_secrets_where_the_deployment_says(
    deployment: Deployment,
) -> None:
    config = (deployment.project / "alerts" / "alertmanager.yml").read_text(encoding="utf-8")
    assert "url: http://ftw-engine.internal:8080/api/webhooks/alertmanager" in config
    assert "credentials_file: /run/secrets/ftw-webhook-token" in config
    assert "routing_key_file: /run/secrets/pagerduty-routing-key" in config
    assert "credentials_file: /run/secrets/slack-bot-token" in config


def test_the_installed_engine_serves_every_runbook_the_rules_link_to(
    deployment: Deployment, engine: RunningEngine
) -> None:
    links = runbook_links(deployment.project / "alerts")
    assert all(link.startswith("https://ftw.example.com/runbooks/") for link in links), links
    assert {link.split("#")[0] for link in links} >= {
        "https://ftw.example.com/runbooks/checkout",  # the threshold's own
        "https://ftw.example.com/runbooks/checkout/checkout-availability",
        "https://ftw.example.com/runbooks/checkout/checkout-latency",
        "https://ftw.example.com/runbooks/ftw-observe",  # the self-monitoring alerts'
    }
    assert unserved_runbooks(engine, links) == []


def test_the_installed_engine_serves_the_shipped_runbooks_from_the_venv(
    deployment: Deployment, engine: RunningEngine
) -> None:
    answer = engine.get("/runbooks/no-such-runbook")
    assert answer.status_code == 404
    shipped = next(deployment.venv.glob("lib/python*/site-packages/ftw_observe"))
    searched = f"{deployment.runbooks} or {shipped / 'demo' / 'packaged' / 'docs' / 'runbooks'}"
    assert searched in answer.text
