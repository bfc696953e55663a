"""The checkout as users get it: a wheel built from a copy, and the runbooks its rules link to.

The wheel is built from a copy of the checkout, so the build leaves nothing in it, offline and
without build isolation (setuptools and wheel come from the dev venv).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from tests.support.engine import RunningEngine

ROOT = Path(__file__).resolve().parents[2]
# What setuptools needs to build the wheel; the symlinks under ftw_observe/demo/packaged/
# point at slo/, alerts/ and docs/, so those come along.
SOURCES = (
    *("pyproject.toml", "README.md", "ftw_observe", "marketplace", "exporters"),
    *("slo", "alerts", "docs"),
)
PIP = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input")


def build_wheel(work: Path) -> Path:
    """Copy the checkout's sources to `work/source`, build the wheel into `work/dist`, return it."""
    source = work / "source"
    source.mkdir(parents=True)
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
            shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    build = [*PIP, "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run([*build, "--wheel-dir", str(work / "dist"), str(source)], check=True)
    [wheel] = (work / "dist").glob("ftw_observe-*.whl")
    return wheel


def runbook_links(alerts: Path) -> list[str]:
    """Return every runbook URL the rule files in `alerts` link to, sorted."""
    links = {
        rule["annotations"]["runbook_url"]
        for path in alerts.glob("*.rules.yml")
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
        if "runbook_url" in rule.get("annotations", {})
    }
    return sorted(links)


def unserved_runbooks(engine: RunningEngine, links: list[str]) -> list[str]:
    """Return each link whose path the engine does not serve with its `#fragment` section.

    Only the path is requested, so links to a public host are followed on the local engine;
    an SLO's link answers 307 to its section of the service's runbook, which is followed.
    """
    problems = []
    for link in links:
        url = urlsplit(link)
        answer = engine.get(url.path)
        if answer.status_code == 307:
            url = urlsplit(answer.headers["location"])
            answer = engine.get(url.path)
        if answer.status_code != 200:
            problems.append(f"{link}: HTTP {answer.status_code}")
        elif f'id="{url.fragment}"' not in answer.text:
            problems.append(f"{link}: no section #{url.fragment}")
    return problems
