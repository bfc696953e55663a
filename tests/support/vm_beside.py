"""VictoriaMetrics beside the drill's Prometheus: same targets, same rules, same outage.

While the incident drill runs on the demo stack, VictoriaMetrics scrapes the same five targets
under the same job names, vmalert evaluates the same generated rule files against it, and a
second engine reads it. It starts with the history the demo gives its Prometheus: the same
hours of steady traffic at the rates measured on the live targets, imported, and the period's
5-minute series recorded over them with vmalert's replay. Afterwards `read` gathers what the
VictoriaMetrics tests check: the rule groups' health, the recorded series, when each backend
paged, what an engine reading VictoriaMetrics shows, and every dashboard query.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from ftw_observe.backfill.rules import history_rule_file, load_services
from ftw_observe.demo.backfill import MEASURE_SECONDS, METRIC_PREFIXES, STEP_SECONDS
from ftw_observe.demo.drill import DrillResult
from ftw_observe.demo.history import Target, history_lines
from ftw_observe.demo.settings import DemoSettings
from ftw_observe.demo.stack import DemoStack
from tests.support.alertmanager import WebhookRecorder
from tests.support.engine import RunningEngine, engine_env, start_engine
from tests.support.victoriametrics import (
    Server,
    import_openmetrics,
    replay_rules,
    start_victoriametrics,
    start_vmalert,
)

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((REPO / "alerts").glob("*.rules.yml"))
SPEC_DIR = REPO / "slo"
PAGE = 'ALERTS{alertname="SLOErrorBudgetBurn",alertstate="firing",severity="page",slo="%s"}'
EVENTS_5M = 'ftw_slo:events:increase5m{service="marketplace"}'
# How long VictoriaMetrics may take to resolve the page after Prometheus did.
RESOLVE_GRACE = 180.0
# vmalert reads a record only from its next evaluation on: the budget groups' five-level
# coverage chain (1h, 2h, 6h, 1d, then 3d and the period) at 1 minute per level takes about
# 5 minutes from vmalert's start to reach every SLO; 8 minutes leaves slack.
CHAIN_GRACE = 8 * 60.0


@dataclass
class OnVictoriaMetrics:
    """What the stack beside the drill showed; `error` says why it could not run."""

    error: str | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)  # vmalert's /api/v1/rules
    recorded: dict[str, set[str]] = field(default_factory=dict)  # backend -> ftw_slo: names
    paged: dict[str, float | None] = field(default_factory=dict)  # backend -> firing since
    resolved_on_vm: float | None = None  # when the page stopped firing on VictoriaMetrics
    # backend -> SLO instance -> its events over 5 minutes, both read at one instant
    events_5m: dict[str, dict[str, float]] = field(default_factory=dict)
    notified: list[dict[str, Any]] = field(default_factory=list)  # alerts vmalert sent
    engine_slos: list[dict[str, Any]] = field(default_factory=list)  # /api/slos, reading VM
    answered: dict[str, bool] = field(default_factory=dict)  # dashboard expression -> data


def _host(url: str | None) -> list[str]:
    return [urlsplit(url).netloc] if url else []


def scrape_jobs(stack: DemoStack) -> dict[str, list[str]]:
    """Return the demo's scrape jobs, by the job names the generated rules expect."""
    return {
        "marketplace": _host(stack.marketplace_url),
        "ftw-exporter": _host(stack.exporter_url),
        "ftw-observe": _host(stack.engine_url),
        "prometheus": _host(stack.prometheus_url),
        "alertmanager": _host(stack.alertmanager_url),
    }


class VictoriaMetricsBeside:
    """VictoriaMetrics, vmalert and an engine reading them, beside a running demo stack.

    Usage::

        with VictoriaMetricsBeside(stack) as beside:
            result = run_drill(stack, plan)
            on_vm = beside.read(result, answered_queries)
    """

    def __init__(self, stack: DemoStack) -> None:
        self.stack = stack
        self.directory = Path(tempfile.mkdtemp(prefix="ftw-vm-beside-"))
        self.notifier = WebhookRecorder()
        self.servers: list[Server] = []
        self.engine: RunningEngine | None = None
        self.error: str | None = None
        self.rules_since = 0.0  # monotonic time vmalert started evaluating

    def __enter__(self) -> VictoriaMetricsBeside:
        try:
            self._start()
        except Exception as error:  # the drill on Prometheus goes on; the VM tests fail
            self.error = f"{type(error).__name__}: {error}"
        return self

    def __exit__(self, *_: object) -> None:
        if self.engine is not None:
            self.engine.stop()
        for server in reversed(self.servers):
            server.stop()
        self.notifier.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _start(self) -> None:
        self.notifier.start()
        history, start, end = self._write_history()
        vm = start_victoriametrics(self.directory / "vm", scrape_jobs(self.stack))
        self.servers.append(vm)
        import_openmetrics(vm, history)
        replay_rules(self.directory / "replay", vm.url, self._period_rules(), start, end - 60)
        rules = start_vmalert(self.directory / "vmalert", vm.url, RULE_FILES, self.notifier.url)
        self.servers.append(rules)
        self.rules_since = time.monotonic()
        env = engine_env(
            f"sqlite:///{self.directory / 'engine.db'}",
            PROMETHEUS_URL=vm.url,
            FTW_SLO_DIR=str(REPO / "slo"),
            FTW_EVALUATION_INTERVAL_SECONDS="5",
            FTW_DISPATCH_INTERVAL_SECONDS="1",
        )
        self.engine = start_engine("engine-on-vm", self.directory, env)

    def _write_history(self) -> tuple[Path, float, float]:
        """Write the demo's steady history at the live rates; return its file, start and end."""
        jobs = scrape_jobs(self.stack)
        targets = [Target(job, jobs[job][0]) for job in ("marketplace", "ftw-exporter")]
        hours = DemoSettings.history_hours
        end = int(time.time() + MEASURE_SECONDS)
        path = self.directory / "history.om"
        for _ in history_lines(
            targets,
            hours=hours,
            step=STEP_SECONDS,
            measure_seconds=MEASURE_SECONDS,
            prefixes=METRIC_PREFIXES,
            out=path,
            end=end,
        ):
            pass
        return path, end - round(hours * 3600), end

    def _period_rules(self) -> Path:
        """Write the rules that record the long windows' parts from raw counters, every 5 m."""
        groups = history_rule_file(load_services([SPEC_DIR]))
        for group in groups["groups"]:
            group["interval"] = "5m"
        path = self.directory / "period-rules.yml"
        path.write_text(yaml.safe_dump(groups, sort_keys=False))
        return path

    @property
    def vm(self) -> Server:
        """Return the VictoriaMetrics server."""
        return self.servers[0]

    def read(
        self, result: DrillResult, answered: Callable[[str], dict[str, bool]]
    ) -> OnVictoriaMetrics:
        """Gather what the checks need; `answered(url)` runs every dashboard query there."""
        if self.error is not None:
            return OnVictoriaMetrics(error=self.error)
        slo = "job-posting-availability"
        resolved = self._wait_resolved(slo, deadline=time.monotonic() + RESOLVE_GRACE)
        assert self.engine is not None
        on_prometheus = _recorded(self.stack.prometheus_url)
        on_vm = self._wait_recorded(on_prometheus, deadline=self.rules_since + CHAIN_GRACE)
        at = time.time() - 10  # both backends hold every sample of this instant
        return OnVictoriaMetrics(
            groups=self.servers[1].get("/api/v1/rules")["data"]["groups"],
            recorded={
                "prometheus": {name for name, _slo in on_prometheus},
                "victoriametrics": {name for name, _slo in on_vm},
            },
            paged={
                "prometheus": _firing_since(self.stack.prometheus_url, slo, result),
                "victoriametrics": _firing_since(self.vm.url, slo, result),
            },
            resolved_on_vm=resolved,
            events_5m={
                "prometheus": _by_instance(self.stack.prometheus_url, EVENTS_5M, at),
                "victoriametrics": _by_instance(self.vm.url, EVENTS_5M, at),
            },
            notified=_posted_alerts(self.notifier),
            engine_slos=self.engine.get("/api/slos").json(),
            answered=answered(self.vm.url),
        )

    def _wait_recorded(self, series: set[tuple[str, str]], deadline: float) -> set[tuple[str, str]]:
        """Return what VictoriaMetrics records once it includes `series`, or at `deadline`."""
        held = _recorded(self.vm.url)
        while not series <= held and time.monotonic() < deadline:
            time.sleep(2)
            held = _recorded(self.vm.url)
        return held

    def _wait_resolved(self, slo: str, deadline: float) -> float | None:
        """Return when vmalert stopped firing the SLO's page, waiting until `deadline`.

        vmalert's own list, not the `ALERTS` series: VictoriaMetrics keeps answering a
        series' last sample for its lookback after vmalert stops writing it.
        """
        while time.monotonic() < deadline:
            alerts = self.servers[1].get("/api/v1/alerts")["data"]["alerts"]
            if not any(_is_page(alert["labels"], slo) for alert in alerts):
                return time.time()
            time.sleep(1)
        return None


def _posted_alerts(notifier: WebhookRecorder) -> list[dict[str, Any]]:
    """Return every alert vmalert posted (each post is a list of alerts), oldest first."""
    posts = [request.json() for request in notifier.requests if request.method == "POST"]
    return [alert for post in posts for alert in post]


def _is_page(labels: dict[str, str], slo: str) -> bool:
    return labels.get("slo") == slo and labels.get("severity") == "page"


def _by_instance(url: str, query: str, at: float) -> dict[str, float]:
    """Return each SLO instance's value of `query` at `at`, keyed by its labels."""
    params = {"query": query, "time": f"{at:.3f}"}
    response = httpx.get(f"{url}/api/v1/query", params=params, timeout=30)
    response.raise_for_status()
    found = {}
    for item in response.json()["data"]["result"]:
        labels = {k: v for k, v in item["metric"].items() if k not in {"__name__", "team"}}
        found[str(sorted(labels.items()))] = float(item["value"][1])
    return found


def _recorded(url: str) -> set[tuple[str, str]]:
    """Return the marketplace's recorded SLO series that `url` holds, as (name, SLO) pairs."""
    query = 'count by (__name__, slo) ({__name__=~"ftw_slo:.+",service="marketplace"})'
    response = httpx.get(f"{url}/api/v1/query", params={"query": query}, timeout=30)
    response.raise_for_status()
    result = response.json()["data"]["result"]
    return {(item["metric"]["__name__"], item["metric"].get("slo", "")) for item in result}


def _firing_since(url: str, slo: str, result: DrillResult) -> float | None:
    """Return the first time after the fault when `url` held the SLO's page as firing."""
    params = {
        "query": PAGE % slo,
        "start": f"{result.fault_at:.3f}",
        "end": f"{result.resolved_at:.3f}",
        "step": "1s",
    }
    response = httpx.get(f"{url}/api/v1/query_range", params=params, timeout=30)
    response.raise_for_status()
    times = [float(t) for series in response.json()["data"]["result"] for t, _ in series["values"]]
    return min(times, default=None)
