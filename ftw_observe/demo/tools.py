"""The programs the demo runs: this installation's console scripts and Debian's tools."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ftw_observe.demo.settings import DemoError


def console_script(name: str) -> Path:
    """Return the console script `name` of this installation (beside its Python), else PATH's."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which(name)
    if found is None:
        raise DemoError(f"{name} is neither beside {sys.executable} nor on PATH")
    return Path(found)


def system_tool(*names: str) -> Path | None:
    """Return the first of `names` found on PATH, or None."""
    for name in names:
        found = shutil.which(name)
        if found is not None:
            return Path(found)
    return None


def shown(path: Path, cwd: Path | None = None) -> str:
    """Return `path` as a person would type it here: relative below `cwd`, else absolute."""
    cwd = Path.cwd() if cwd is None else cwd
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


def shown_url(url: str) -> str:
    """Return `url` without its query and with any password masked, for printing."""
    url = url.split("?", 1)[0]
    scheme, _, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    if at and ":" in credentials:
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{location}"
    return url


@dataclass(frozen=True)
class Programs:
    """The programs the demo runs, found before anything starts.

    Usage::

        programs = Programs.find(backfill=True)
        programs.prometheus       # /usr/bin/prometheus
    """

    marketplace: str
    exporter: str
    loadgen: str
    observe: str
    prometheus: str
    alertmanager: str
    promtool: str | None

    @classmethod
    def find(cls, *, backfill: bool) -> Programs:
        """Find this installation's console scripts and Debian's Prometheus tools."""
        prometheus = system_tool("prometheus")
        alertmanager = system_tool("prometheus-alertmanager", "alertmanager")
        promtool = system_tool("promtool")
        if prometheus is None or alertmanager is None or (backfill and promtool is None):
            raise DemoError(
                "prometheus and prometheus-alertmanager are needed; run `make setup` "
                "(or `apt-get install prometheus prometheus-alertmanager`)"
            )
        return cls(
            marketplace=str(console_script("ftw-marketplace")),
            exporter=str(console_script("ftw-exporter")),
            loadgen=str(console_script("ftw-loadgen")),
            observe=str(console_script("ftw-observe")),
            prometheus=str(prometheus),
            alertmanager=str(alertmanager),
            promtool=None if promtool is None else str(promtool),
        )
