"""Dependencies: ranges to install beside other packages, exact pins to reproduce, all declared."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("ftw_observe", "marketplace", "exporters")
PINNED = {"grafana-foundation-sdk"}  # its output is committed byte for byte


def _requirements(*, dev: bool = False) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines: list[str] = list(project["dependencies"])
    if dev:
        lines += project["optional-dependencies"]["dev"]
    return [Requirement(line) for line in lines]


def _constraints() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def _imported() -> set[str]:
    names: set[str] = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - set(PACKAGES) - {"__future__"}


def test_runtime_dependencies_are_ranges_with_an_upper_bound() -> None:
    ranged = [r for r in _requirements() if canonicalize_name(r.name) not in PINNED]

    assert [str(r) for r in ranged if any(s.operator == "==" for s in r.specifier)] == []
    assert [str(r) for r in ranged if not any(s.operator == "<" for s in r.specifier)] == []


def test_every_requirement_is_pinned_within_its_range() -> None:
    pins = _constraints()
    for requirement in _requirements(dev=True):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} has no pin in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]} outside {requirement.specifier}"
        )


def test_every_imported_package_is_declared() -> None:
    declared = {canonicalize_name(r.name) for r in _requirements()}
    distributions = packages_distributions()
    undeclared = {
        module: sorted(distributions.get(module, ["(not installed)"]))
        for module in sorted(_imported())
        if not {canonicalize_name(d) for d in distributions.get(module, [])} & declared
    }
    assert undeclared == {}
