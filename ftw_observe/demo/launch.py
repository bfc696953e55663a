"""The demo's steps in order: start each part, wait until it works, show live figures."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import time
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import httpx

from ftw_observe.demo.backfill import Backfill
from ftw_observe.demo.banner import Hints, ready_banner
from ftw_observe.demo.configs import Wiring, alertmanager_config, prometheus_config, scrape_jobs
from ftw_observe.demo.control import control_dir
from ftw_observe.demo.direct import write_direct_path
from ftw_observe.demo.files import kept_token, write_atomic, write_private
from ftw_observe.demo.history import Target
from ftw_observe.demo.probes import ProbeError, scrape_targets, target_lines
from ftw_observe.demo.project import Project
from ftw_observe.demo.settings import DemoError, DemoSettings
from ftw_observe.demo.stack import DemoStack
from ftw_observe.demo.supervisor import Supervisor, tail
from ftw_observe.demo.tools import Programs, shown, shown_url
from ftw_observe.deploy import env_variable
from ftw_observe.prometheus.auth import AUTH_VARIABLES

HISTORY_LOAD_TIMEOUT = 180.0  # Prometheus looks for new blocks once a minute
ENGINE_URL = env_variable("engine_url")  # FTW_DEPLOY_ENGINE_URL


def _say(line: str) -> None:
    print(line, flush=True)  # flushed: the live figures' process writes to the same stdout


def _answers(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200


class Launch:
    """One run of the whole stack: the steps, in order, with the parts they start.

    Usage::

        launch = Launch(settings, project, Programs.find(backfill=True), os.environ, fakes=True)
        with Supervisor(launch.home / "logs") as parts:
            status = launch.run(parts)
    """

    def __init__(
        self,
        settings: DemoSettings,
        project: Project,
        programs: Programs,
        env: Mapping[str, str],
        *,
        fakes: bool,
    ) -> None:
        self.settings = settings
        self.project = project
        self.programs = programs
        self.fakes = fakes
        self.home = settings.home.resolve()
        self.ports = settings.ports
        self.url = f"http://127.0.0.1:{self.ports.marketplace}"
        self.engine_url = f"http://127.0.0.1:{self.ports.engine}"
        self.prometheus_url = f"http://127.0.0.1:{self.ports.prometheus}"
        self.alertmanager_url = f"http://127.0.0.1:{self.ports.alertmanager}"
        self.exporter_url = f"http://127.0.0.1:{self.ports.exporter}"
        self.env = {
            **env,
            "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{self.home}/marketplace.db",
            "PROMETHEUS_MULTIPROC_DIR": (
                env.get("PROMETHEUS_MULTIPROC_DIR") or str(self.home / "prometheus-multiproc")
            ),
        }

    def run(self, parts: Supervisor) -> int:
        """Start every part, wait until the stack works, then show live figures."""
        settings, programs, env = self.settings, self.programs, self.env
        redis = env.get("REDIS_URL")
        redis_note = f", Redis {shown_url(redis)}" if redis else ""
        _say(f"demo: database {shown_url(env['DATABASE_URL'])}{redis_note}")
        marketplace = [programs.marketplace, "serve", "--port", str(self.ports.marketplace)]
        parts.start("marketplace", [*marketplace, "--workers", "2"], env)
        parts.wait_until("marketplace", partial(_answers, f"{self.url}/readyz"), self._ready)
        operator_key = self._seed()
        exporter = [programs.exporter, "--port", str(self.ports.exporter)]
        parts.start("exporter", exporter, {**env, "FTW_DATA_DIR": str(self.home)})
        loadgen = [programs.loadgen, "run", "--url", self.url, "--rate", f"{settings.rate:g}"]
        loadgen += ["--duration", f"{settings.duration:g}", "--progress-interval", "0"]
        parts.start("loadgen", loadgen, {**env, "FTW_OPERATOR_KEY": operator_key})
        receivers = self._start_receivers(parts) if self.fakes else {}
        self._start_engine(parts, receivers)
        self._write_configs(receivers)
        backfill = self._backfill_samples(parts)
        self._start_prometheus_and_alertmanager(parts)
        for name, ready in (
            ("engine", f"{self.engine_url}/readyz"),
            ("alertmanager", f"{self.alertmanager_url}/-/ready"),
            ("prometheus", f"{self.prometheus_url}/-/ready"),
        ):
            parts.wait_until(name, partial(_answers, ready), self._ready)
        _say("demo: waiting for Prometheus to scrape every target")
        self._wait_for_targets(parts)
        if backfill is not None:
            _say("demo: recording the SLOs' 5-minute series over the backfilled hours")
            backfill.record_rules(self.project.slo_dir, self.prometheus_url)
            _say("demo: waiting for Prometheus to load them")
            loaded = partial(backfill.loaded, self.prometheus_url)
            parts.wait_until("prometheus", loaded, HISTORY_LOAD_TIMEOUT)
        stack = self._describe()
        stack.save()
        _say(ready_banner(stack, self._hints()))
        watch = [programs.marketplace, "watch", "--url", self.url]
        watch += ["--interval", f"{settings.interval:g}", "--count", str(settings.updates)]
        parts.start("watch", watch, env, log=False)
        return parts.wait("watch")

    @property
    def _ready(self) -> float:
        return self.settings.ready_timeout

    def _seed(self) -> str:
        """Create the demo users; keep the operator's key in a file only its owner reads."""
        log = self.home / "logs" / "seed.log"
        with log.open("wb") as sink:
            seeded = subprocess.run(  # noqa: S603 - our own console script, no shell
                [self.programs.marketplace, "seed", "--json"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=sink,
                check=False,
            )
        try:
            if seeded.returncode != 0:
                raise ValueError(f"exit status {seeded.returncode}")
            key = str(json.loads(seeded.stdout)["operator"]["api_key"])
        except (ValueError, KeyError, TypeError):
            raise DemoError(f"seeding the demo users failed; its log:\n{tail(log)}") from None
        write_private(self.home / "operator.key", key + "\n")
        return key

    def _start_receivers(self, parts: Supervisor) -> dict[str, str]:
        """Start fake receivers; return what points the engine at those it needs."""
        ready = self.home / "receivers.json"
        ready.unlink(missing_ok=True)
        pagerduty, slack = self.ports.fake_pagerduty, self.ports.fake_slack
        command = [self.programs.observe, "demo", "receivers", "--pagerduty-port", str(pagerduty)]
        command += ["--slack-port", str(slack), "--ready-file", str(ready)]
        parts.start("receivers", command, self.env)
        parts.wait_until("receivers", ready.exists, self._ready)
        env = {}
        if not self.env.get("PAGERDUTY_ROUTING_KEY"):
            env["PAGERDUTY_ROUTING_KEY"] = "fake-demo-routing-key"
            env["PAGERDUTY_EVENTS_URL"] = f"http://127.0.0.1:{pagerduty}"
        if not self.env.get("SLACK_BOT_TOKEN"):
            env["SLACK_BOT_TOKEN"] = str(json.loads(ready.read_text())["slack_token"])
            env["SLACK_API_URL"] = f"http://127.0.0.1:{slack}/api/"
        return env

    def _start_engine(self, parts: Supervisor, receivers: Mapping[str, str]) -> None:
        """Start the engine on the project's files, with the tokens of Alertmanager and the API."""
        token = secrets.token_urlsafe(32)
        write_private(self.home / "webhook-token", token + "\n")
        database = self.env["DATABASE_URL"]
        # The engine shares the marketplace's Postgres database (its tables are prefixed).
        shared = database if database.startswith("postgres") else None
        # The demo's own Prometheus is unsecured: credentials meant for a production backend
        # in this shell must not reach it (nor fail the engine if their files are elsewhere).
        env = {
            key: value
            for key, value in self.env.items()
            if key != "PROMETHEUS_MULTIPROC_DIR" and key not in AUTH_VARIABLES
        }
        env |= {
            "FTW_OBSERVE_DATABASE_URL": (
                env.get("FTW_OBSERVE_DATABASE_URL") or shared or f"sqlite:///{self.home}/observe.db"
            ),
            "PROMETHEUS_URL": self.prometheus_url,
            "FTW_EVALUATION_INTERVAL_SECONDS": f"{self.settings.eval_interval:g}",
            "FTW_WEBHOOK_TOKEN": token,
            "FTW_API_TOKEN": kept_token(self.home / "api-token"),
            "FTW_STATUS_PAGE_URL": env.get("FTW_STATUS_PAGE_URL") or self.engine_url,
            # The runbook links of its alerts point at this engine, on the demo's port.
            ENGINE_URL: env.get(ENGINE_URL) or self.engine_url,
            **receivers,
            **self.project.engine_environment(),
        }
        command = [self.programs.observe, "serve", "--port", str(self.ports.engine)]
        parts.start("engine", command, env)

    def _write_configs(self, receivers: Mapping[str, str]) -> None:
        # Alertmanager pages about FTW Observe itself through the receivers the engine uses.
        direct = write_direct_path(self.home, {**self.env, **receivers})
        token = self.home / "webhook-token"
        wiring = Wiring(self.ports, self.project.rule_files, token, direct=direct)
        write_atomic(self.home / "prometheus.yml", prometheus_config(wiring))
        template = self.project.alertmanager_config.read_text()
        write_atomic(self.home / "alertmanager.yml", alertmanager_config(template, wiring))

    def _backfill_samples(self, parts: Supervisor) -> Backfill | None:
        """Backfill history before Prometheus first starts; None when there is none to add."""
        hours = self.settings.history_hours
        promtool = self.programs.promtool
        if hours == 0 or promtool is None or (self.home / "prometheus").is_dir():
            return None
        _say(f"demo: backfilling {hours:g} h of steady traffic at the rates measured now")
        parts.wait_until("exporter", partial(_answers, f"{self.exporter_url}/metrics"), self._ready)
        backfill = Backfill.ending_after_measure(self.home, hours, promtool=promtool)
        backfill.write_samples(
            [
                Target("marketplace", f"127.0.0.1:{self.ports.marketplace}"),
                Target("ftw-exporter", f"127.0.0.1:{self.ports.exporter}"),
            ]
        )
        return backfill

    def _start_prometheus_and_alertmanager(self, parts: Supervisor) -> None:
        home = self.home
        prometheus = [self.programs.prometheus, f"--config.file={home}/prometheus.yml"]
        prometheus += [f"--storage.tsdb.path={home}/prometheus", "--storage.tsdb.retention.time=7d"]
        prometheus += [f"--web.listen-address=127.0.0.1:{self.ports.prometheus}"]
        parts.start("prometheus", prometheus, self.env)
        alertmanager = [self.programs.alertmanager, f"--config.file={home}/alertmanager.yml"]
        alertmanager += [f"--storage.path={home}/alertmanager"]
        alertmanager += [f"--web.listen-address=127.0.0.1:{self.ports.alertmanager}"]
        parts.start("alertmanager", [*alertmanager, "--cluster.listen-address="], self.env)

    def _wait_for_targets(self, parts: Supervisor) -> None:
        """Wait until Prometheus scrapes every target; list them when it does not."""
        seen: list[int] = []
        expected = len(scrape_jobs(self.ports))

        def all_up() -> bool:
            targets = scrape_targets(self.prometheus_url)
            seen.append(len(targets))
            return len(targets) >= expected and all(t.health == "up" for t in targets)

        try:
            parts.wait_until("prometheus", all_up, self.settings.targets_timeout)
        except DemoError as error:
            lines = [
                str(error),
                "demo: Prometheus does not see every target up; its targets "
                f"(see {self.prometheus_url}/targets):",
            ]
            with contextlib.suppress(httpx.HTTPError, ProbeError):
                lines += [f"  {line}" for line in target_lines(self.prometheus_url)]
            raise DemoError("\n".join(lines)) from None
        _say(f"demo: all {seen[-1]} scrape targets up")

    def _describe(self) -> DemoStack:
        pagerduty = slack = None
        if self.fakes:
            if not self.env.get("PAGERDUTY_ROUTING_KEY"):
                pagerduty = f"http://127.0.0.1:{self.ports.fake_pagerduty}"
            if not self.env.get("SLACK_BOT_TOKEN"):
                slack = f"http://127.0.0.1:{self.ports.fake_slack}"
        return DemoStack(
            home=self.home,
            pid=os.getpid(),
            marketplace_url=self.url,
            engine_url=self.engine_url,
            prometheus_url=self.prometheus_url,
            alertmanager_url=self.alertmanager_url,
            operator_key_file=self.home / "operator.key",
            api_token_file=self.home / "api-token",
            control_dir=control_dir(self.home),
            fake_pagerduty_url=pagerduty,
            fake_slack_url=slack,
            exporter_url=self.exporter_url,
            started_at=time.time(),
        )

    def _hints(self) -> Hints:
        cwd = Path.cwd().resolve()
        default_home = self.home == cwd / ".ftw"
        here = self.project.root == cwd
        return Hints(
            bin_dir=shown(Path(self.programs.observe).parent, cwd),
            rate=self.settings.rate,
            interval=self.settings.interval,
            logs=str(self.home / "logs"),
            drill_options="" if default_home else f" --home {self.home}",
            routes_options="" if here else f" --policy {self.project.routing_policy}",
        )
