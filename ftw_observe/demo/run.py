"""`ftw-observe demo`: the whole stack on this machine, until Ctrl-C or SIGTERM.

The marketplace with synthetic traffic and its exporter, the SLO engine, Prometheus (scraping
all of them, loading the project's rule files) and Alertmanager (routing to the engine's
webhook). Without SLACK_BOT_TOKEN or PAGERDUTY_ROUTING_KEY, local fake Slack and PagerDuty
servers stand in for the missing ones. Data and logs live in the demo's home; while the stack
runs, `<home>/demo.json` describes it for `ftw-observe demo --drill`, and `<home>/control/`
takes a drill's requests to stop and restart the engine, Prometheus or Alertmanager.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ftw_observe.demo.control import BREAKABLE, control_dir
from ftw_observe.demo.launch import Launch
from ftw_observe.demo.project import find_project
from ftw_observe.demo.settings import DemoError, DemoSettings, SettingsError
from ftw_observe.demo.stack import DemoStack
from ftw_observe.demo.supervisor import Stopping, Supervisor, check_ports_free
from ftw_observe.demo.tools import Programs

EXIT_FAILED = 1
EXIT_INVALID = 2


def run_demo(home: Path, *, project: Path | None = None) -> int:
    """Run the whole stack until the live figures end or a signal stops it; return the status."""
    env = dict(os.environ)
    try:
        settings = DemoSettings.from_env(env, home=home)
        files = find_project(Path.cwd(), project)
        programs = Programs.find(backfill=settings.history_hours > 0)
        fakes = not (env.get("PAGERDUTY_ROUTING_KEY") and env.get("SLACK_BOT_TOKEN"))
        ports = settings.ports.variables()
        if not fakes:
            del ports["FAKE_PAGERDUTY_PORT"], ports["FAKE_SLACK_PORT"]
        check_ports_free(ports)
        home.mkdir(parents=True, exist_ok=True)  # before Launch resolves it
    except DemoError as error:
        _fail(error)
        return EXIT_INVALID if isinstance(error, SettingsError) else EXIT_FAILED
    demo = Launch(settings, files, programs, env, fakes=fakes)
    try:
        control = control_dir(demo.home)
        with Supervisor(demo.home / "logs", control=control, controllable=BREAKABLE) as parts:
            try:
                return demo.run(parts)
            except DemoError as error:
                _fail(error)
                return EXIT_FAILED
            finally:
                DemoStack.path(demo.home).unlink(missing_ok=True)
    except Stopping:
        return 0


def _fail(error: DemoError) -> None:
    print(f"demo: {error}", file=sys.stderr, flush=True)
