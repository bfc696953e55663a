"""The `ftw-observe` command line."""

from __future__ import annotations

import json
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ftw_observe import __version__
from ftw_observe.cli import EXIT_STALE, app
from tests.support.terminal import run_piped, script

REPO = Path(__file__).resolve().parents[2]
# The committed outputs are generated from the default deployment config.
pytestmark = pytest.mark.usefixtures("no_deploy_environment")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def copy_project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "slo", tmp_path / "slo")
    shutil.copytree(REPO / "alerts", tmp_path / "alerts")
    return tmp_path


def test_version_prints_the_package_version() -> None:
    result = run("version")
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__


def test_an_unknown_command_is_refused() -> None:
    assert run("frobnicate").exit_code == 2


def test_validate_accepts_the_committed_specs() -> None:
    result = run("validate", str(REPO / "slo"))
    assert result.exit_code == 0
    assert "marketplace, 6 SLOs, 2 threshold alerts, ok" in result.stdout
    assert "platform, 0 SLOs, 7 threshold alerts, ok" in result.stdout


def test_validate_exits_1_and_names_file_line_and_field(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "service: api\nteam: core\nslos:\n  - name: a\n    description: d\n    objective: 101\n"
    )
    result = run("validate", str(spec))
    assert result.exit_code == 1
    assert f"error: {spec}:6: slos[0].objective: 101 is not a percentage" in result.stderr
    assert f"error: {spec}:4: slos[0].sli: required field is missing" in result.stderr
    assert "2 problems found" in result.stderr


def test_committed_generated_files_are_fresh() -> None:
    result = run("generate", "--check", "--root", str(REPO))
    assert result.exit_code == 0, result.stderr


def test_check_reports_a_hand_edited_file_as_stale(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    rules = root / "alerts" / "marketplace.rules.yml"
    rules.write_text(rules.read_text().replace("> 14.4", "> 15"))
    result = run("generate", "--check", "--root", str(root))
    assert result.exit_code == EXIT_STALE
    assert "stale: alerts/marketplace.rules.yml" in result.stderr
    assert rules.read_text().count("> 15") > 0, "--check must not write"


def test_check_reports_a_spec_change_as_stale(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    spec = root / "slo" / "marketplace.yaml"
    spec.write_text(spec.read_text().replace("min_events: 100", "min_events: 50", 1))
    result = run("generate", "--check", "--root", str(root))
    assert result.exit_code == EXIT_STALE
    assert "stale: alerts/marketplace.rules.yml" in result.stderr


def test_generate_rewrites_stale_files_and_removes_orphans(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "slo" / "marketplace.yaml").rename(root / "slo" / "market.yaml")
    result = run("generate", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert (root / "alerts" / "market.rules.yml").is_file()
    assert not (root / "alerts" / "marketplace.rules.yml").exists()
    assert run("generate", "--check", "--root", str(root)).exit_code == 0


def test_generate_leaves_hand_written_files_alone(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    mine = root / "alerts" / "team.rules.yml"
    mine.write_text("groups: []\n")
    assert run("generate", "--root", str(root)).exit_code == 0
    assert mine.read_text() == "groups: []\n"


def test_generate_refuses_invalid_specs_and_writes_nothing(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    spec = root / "slo" / "marketplace.yaml"
    spec.write_text(spec.read_text().replace("objective: 99.9", "objective: 100", 1))
    before = (root / "alerts" / "marketplace.rules.yml").read_text()
    result = run("generate", "--root", str(root))
    assert result.exit_code == 1
    assert "slo/marketplace.yaml" in result.stderr
    assert (root / "alerts" / "marketplace.rules.yml").read_text() == before


def test_validate_json_lists_each_file_with_its_slos() -> None:
    result = run("validate", str(REPO / "slo" / "marketplace.yaml"), "-o", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["valid"] is True
    assert found["problems"] == []
    [marketplace] = found["files"]
    assert marketplace["service"] == "marketplace"
    assert "job-posting-availability" in marketplace["slos"]
    assert len(marketplace["thresholds"]) == 2


def test_validate_json_of_an_invalid_spec_lists_the_problems_and_exits_1(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("service: api\nteam: core\nslos:\n  - name: a\n    objective: 101\n")
    result = run("validate", str(spec), "--json")
    assert result.exit_code == 1
    found = json.loads(result.stdout)
    assert found["valid"] is False
    where = [(problem["file"], problem["line"], problem["field"]) for problem in found["problems"]]
    assert (str(spec), 5, "slos[0].objective") in where


@pytest.mark.parametrize("name", ["ftw-observe", "ftw-marketplace", "ftw-loadgen", "ftw-exporter"])
def test_every_console_script_prints_its_name_and_version(name: str) -> None:
    ran = run_piped([script(name), "--version"])
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == f"{name} {version('ftw-observe')}\n"


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["generate"],
        ["status"],
        ["import"],
        ["report"],
        ["backfill"],
        ["silence", "add"],
        ["silence", "list"],
        ["alerts", "routes"],
    ],
)
def test_every_command_documents_its_exit_statuses(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Exit status: 0 ok, 1 a failed check" in result.stdout
    assert "2 a usage error" in result.stdout
