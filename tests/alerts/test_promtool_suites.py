"""The committed rule files pass `promtool check rules` and their unit-test suites pass.

Every `alerts/tests/*.test.yml` is run with `promtool test rules` from the repository root;
promtool resolves each suite's `rule_files` against the suite's own directory.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "alerts"
SUITES = sorted(path.name for path in (ALERTS / "tests").glob("*.test.yml"))
RULE_FILES = sorted(path.name for path in ALERTS.glob("*.rules.yml"))
# The burn-rate and window suites evaluate every rule minute by minute over simulated days:
# a minute or two on an idle machine, more than the suite's default 300 s test timeout on one
# whose two cores also run the demo stacks.
TIMEOUT_SECONDS = 900


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run promtool from the repository root; fail (never skip) when it is not installed."""
    executable = shutil.which("promtool")
    if executable is None:
        pytest.fail("promtool is missing: `make test` installs it (Debian package prometheus)")
    return subprocess.run(
        [executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
    )


def test_there_are_suites_and_rule_files() -> None:
    assert "marketplace-burn-rate.test.yml" in SUITES
    assert "marketplace.rules.yml" in RULE_FILES


@pytest.mark.parametrize("rule_file", RULE_FILES)
def test_promtool_accepts_the_rule_file(rule_file: str) -> None:
    result = promtool("check", "rules", f"alerts/{rule_file}")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.timeout(TIMEOUT_SECONDS + 60)
@pytest.mark.parametrize("suite", SUITES)
def test_the_unit_test_suite_passes(suite: str) -> None:
    result = promtool("test", "rules", f"alerts/tests/{suite}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("suite", SUITES)
def test_the_suite_evaluates_main_groups_before_budget_groups(suite: str) -> None:
    """promtool runs groups in an arbitrary order unless told: budget groups read main groups."""
    document = yaml.safe_load((ALERTS / "tests" / suite).read_text())
    groups = [
        group["name"]
        for rule_file in document["rule_files"]
        for group in yaml.safe_load((ALERTS / "tests" / rule_file).read_text())["groups"]
    ]
    if not any(name.endswith("-budget") for name in groups):
        return
    main = [name for name in groups if not name.endswith("-budget")]
    budget = [name for name in groups if name.endswith("-budget")]
    assert document.get("group_eval_order") == main + budget
