"""Packages depend one way: the import contracts in pyproject.toml hold, and catch a back edge.

The contracts are import-linter's (`lint-imports`); docs/ARCHITECTURE.md explains the layers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ftw_observe", "marketplace", "exporters")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the packages under `root` with the project's contracts."""
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_contract_is_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the packages and the contracts, to break on purpose."""
    root = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


# Each was a real import in this tree once; every one must break a contract again.
BACK_EDGES = [
    ("ftw_observe/store/repository.py", "ftw_observe.notify.dispatch"),
    ("ftw_observe/engine/runtime.py", "ftw_observe.api.app"),
    ("ftw_observe/notify/decide.py", "ftw_observe.engine.cycle"),
    ("ftw_observe/report/render.py", "ftw_observe.api.pages"),
    ("ftw_observe/burnrate.py", "ftw_observe.spec.model"),
    ("ftw_observe/model.py", "ftw_observe.engine.runtime"),
    ("ftw_observe/store/database.py", "marketplace.db.session"),
    ("ftw_observe/spec/contract.py", "exporters.business.events"),
    ("marketplace/app.py", "ftw_observe.model"),
]


@pytest.mark.parametrize(("module", "imported"), BACK_EDGES)
def test_a_back_edge_breaks_a_contract(copy: Path, module: str, imported: str) -> None:
    path = copy / module
    original = path.read_text()
    path.write_text(f"{original}\nimport {imported}  # noqa: E402\n")
    try:
        result = lint_imports(copy)
    finally:
        path.write_text(original)
    importer = module.removesuffix(".py").replace("/", ".")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{importer} -> {imported}" in result.stdout
