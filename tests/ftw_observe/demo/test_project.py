"""The project files the demo runs on: a checkout's, a chosen directory's, or the packaged ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ftw_observe.demo.project import PACKAGED, Project, ProjectError, find_project, is_project

ROOT = Path(__file__).resolve().parents[3]


def test_a_checkout_is_its_own_project() -> None:
    project = find_project(ROOT)
    assert project == Project(ROOT, packaged=False)
    assert project.rule_files == tuple(sorted((ROOT / "alerts").glob("*.rules.yml")))
    assert project.alertmanager_config == ROOT / "alerts" / "alertmanager.yml"
    assert project.routing_policy == ROOT / "alerts" / "routing.yaml"
    assert project.runbook_dir == ROOT / "docs" / "runbooks"


def test_elsewhere_the_demo_uses_the_packaged_files(tmp_path: Path) -> None:
    project = find_project(tmp_path)
    assert project == Project(PACKAGED, packaged=True)
    assert project.missing() == []
    assert [path.name for path in project.rule_files] == [
        path.name for path in find_project(ROOT).rule_files
    ]


def test_in_a_checkout_the_packaged_files_are_the_top_level_ones() -> None:
    # One copy only: the package's are links to the files people edit and regenerate.
    for name in ("slo", "alerts", "docs/runbooks"):
        assert (PACKAGED / name).resolve() == ROOT / name


def test_a_chosen_directory_wins(tmp_path: Path) -> None:
    for name in ("slo", "alerts", "docs/runbooks"):
        shutil.copytree(ROOT / name, tmp_path / name)
    assert find_project(ROOT, tmp_path) == Project(tmp_path)


def test_a_chosen_directory_without_the_files_names_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "slo").mkdir()
    (tmp_path / "alerts").mkdir()
    assert is_project(tmp_path)
    with pytest.raises(ProjectError) as raised:
        find_project(ROOT, tmp_path)
    message = str(raised.value)
    assert message.startswith(f"{tmp_path}: no alerts/*.rules.yml, alerts/alertmanager.yml")
    assert "docs/runbooks/" in message


def test_the_engine_is_pointed_at_the_project() -> None:
    assert find_project(ROOT).engine_environment() == {
        "FTW_SLO_DIR": str(ROOT / "slo"),
        "FTW_ROUTING_POLICY": str(ROOT / "alerts" / "routing.yaml"),
        "FTW_RUNBOOK_DIR": str(ROOT / "docs" / "runbooks"),
    }
