"""The project files the demo runs on: a checkout's, or the copies installed with the package.

A project directory holds `slo/` (the specs), `alerts/` (the generated rule files, the
generated Alertmanager config and the routing policy) and `docs/runbooks/`. The package ships
the repository's own under `ftw_observe/demo/packaged/`: in a checkout those are symlinks to
the top-level directories, and a built wheel holds them as real files, so one copy exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ftw_observe.demo.settings import DemoError

PACKAGED = Path(__file__).resolve().parent / "packaged"


class ProjectError(DemoError):
    """No usable project directory: the message names what is missing where."""


@dataclass(frozen=True)
class Project:
    """One project directory and the files of it the demo uses.

    Usage::

        project = find_project(Path.cwd())
        project.rule_files            # (.../alerts/marketplace.rules.yml, ...)
        project.engine_environment()  # FTW_SLO_DIR, FTW_ROUTING_POLICY, FTW_RUNBOOK_DIR
    """

    root: Path
    packaged: bool = False  # the copies installed with the package, not a checkout's

    @property
    def slo_dir(self) -> Path:
        """Return the directory of SLO specs."""
        return self.root / "slo"

    @property
    def rule_files(self) -> tuple[Path, ...]:
        """Return the generated Prometheus rule files, sorted by name."""
        return tuple(sorted((self.root / "alerts").glob("*.rules.yml")))

    @property
    def alertmanager_config(self) -> Path:
        """Return the generated Alertmanager config the demo renders its own from."""
        return self.root / "alerts" / "alertmanager.yml"

    @property
    def routing_policy(self) -> Path:
        """Return the alert routing policy."""
        return self.root / "alerts" / "routing.yaml"

    @property
    def runbook_dir(self) -> Path:
        """Return the directory of runbooks the engine serves."""
        return self.root / "docs" / "runbooks"

    def engine_environment(self) -> dict[str, str]:
        """Return the variables that point the engine at this project's files."""
        return {
            "FTW_SLO_DIR": str(self.slo_dir),
            "FTW_ROUTING_POLICY": str(self.routing_policy),
            "FTW_RUNBOOK_DIR": str(self.runbook_dir),
        }

    def missing(self) -> list[str]:
        """Return what the demo needs and this directory lacks, as relative paths."""
        needed = {
            "slo/": self.slo_dir.is_dir(),
            "alerts/*.rules.yml": bool(self.rule_files),
            "alerts/alertmanager.yml": self.alertmanager_config.is_file(),
            "alerts/routing.yaml": self.routing_policy.is_file(),
            "docs/runbooks/": self.runbook_dir.is_dir(),
        }
        return [name for name, present in needed.items() if not present]


def is_project(directory: Path) -> bool:
    """Tell whether `directory` looks like a project: it holds `slo/` and `alerts/`."""
    return (directory / "slo").is_dir() and (directory / "alerts").is_dir()


def find_project(cwd: Path, explicit: Path | None = None) -> Project:
    """Return `explicit`, else `cwd` when it is a project, else the packaged copies."""
    if explicit is not None:
        project = Project(explicit.resolve())
    elif is_project(cwd):
        project = Project(cwd.resolve())
    else:
        project = Project(PACKAGED, packaged=True)
    missing = project.missing()
    if missing:
        where = "the files installed with ftw-observe" if project.packaged else str(project.root)
        raise ProjectError(f"{where}: no {', '.join(missing)}; the demo needs a project directory")
    return project
