"""The engine and the generated rules, loaded into a real Prometheus, agree on every tier."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, start_http_server

from ftw_observe.engine import evaluate
from ftw_observe.prometheus import PrometheusClient
from ftw_observe.rules.compile import compile_service
from ftw_observe.rules.render import render_yaml
from ftw_observe.spec.load import load_specs
from tests.conftest import free_port, wait_until
from tests.support.prometheus import PrometheusServer, is_ready, start_prometheus

SPEC = """\
service: synthetic
team: sre
slos:
  - name: availability
    description: Synthetic requests without a server error.
    objective: 99.9
    sli:
      ratio:
        errors: synthetic_requests_total{job="synthetic",status="500"}
        total: synthetic_requests_total{job="synthetic"}
"""


class Traffic:
    """A counter served over HTTP whose error share the test sets.

    Steady traffic sends 100 requests every 50 ms; without it, only the requests the test
    fails one by one (`fail`), both series exported at 0 from the start so that increase()
    counts the first error.
    """

    def __init__(self, *, steady: bool = True) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "synthetic_requests", "Requests.", ["status"], registry=self.registry
        )
        if not steady:
            self.requests.labels("200")
            self.requests.labels("500")
        self.errors_per_hundred = 0
        self.port = free_port()
        self.server, _ = start_http_server(self.port, addr="127.0.0.1", registry=self.registry)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if steady:
            self._thread.start()

    def fail(self) -> None:
        """Count one failed request."""
        self.requests.labels("500").inc()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            bad = self.errors_per_hundred
            self.requests.labels("200").inc(100 - bad)
            if bad:
                self.requests.labels("500").inc(bad)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class Setup:
    """The spec the stack loads, and whether steady traffic flows."""

    spec: str = SPEC
    steady: bool = True


RAW_SPEC = """\
service: synthetic-raw
team: sre
slos:
  - name: raw-availability
    description: Synthetic requests without a server error, as a raw error ratio.
    objective: 99.9
    sli:
      raw:
        error_ratio: >-
          sum(rate(synthetic_requests_total{job="synthetic",status="500"}[{{window}}]))
          / sum(rate(synthetic_requests_total{job="synthetic"}[{{window}}]))
"""
GROUPED = Setup(SPEC.replace("    sli:", "    group_by: [status]\n    sli:"))
# A raw error ratio records no counts, and its service's name needs escaping in a regex.
RAW = Setup(RAW_SPEC)
# No traffic but the failures the test makes: every request fails, a burn of 1,000.
ONLY_FAILURES = Setup(steady=False)


@pytest.fixture
def stack(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Traffic, PrometheusServer, evaluate.Target]]:
    setup: Setup = getattr(request, "param", Setup())
    (tmp_path / "slo").mkdir()
    (tmp_path / "slo" / "synthetic.yaml").write_text(setup.spec)
    spec = load_specs([tmp_path / "slo"])[0].spec
    rules = tmp_path / "synthetic.rules.yml"
    rules.write_text(render_yaml(compile_service(spec), "synthetic.yaml"))
    traffic = Traffic(steady=setup.steady)
    server = start_prometheus(
        tmp_path / "prometheus",
        free_port(),
        jobs={"synthetic": [f"127.0.0.1:{traffic.port}"]},
        rule_files=[rules],
    )
    try:
        wait_until(lambda: is_ready(server), timeout=30)
        yield traffic, server, evaluate.targets([spec])[0]
    finally:
        server.stop()
        traffic.close()


def firing_tiers(server: PrometheusServer, at: float) -> set[str]:
    result = server.query('ALERTS{alertname="SLOErrorBudgetBurn",alertstate="firing"}', at)
    return {item["metric"]["tier"] for item in result}


def firing_by_instance(server: PrometheusServer, at: float) -> set[tuple[str, str]]:
    result = server.query('ALERTS{alertname="SLOErrorBudgetBurn",alertstate="firing"}', at)
    return {(item["metric"].get("status", ""), item["metric"]["tier"]) for item in result}


def engine_conditions(
    server: PrometheusServer, target: evaluate.Target, at: float
) -> dict[tuple[tuple[str, str], ...], set[str]]:
    with PrometheusClient(server.url) as client:
        samples = client.query(evaluate.series_query([target]), at=at)
    moment = datetime.fromtimestamp(at, UTC)
    found = {}
    for key, reading in evaluate.collect([target], samples).items():
        _, conditions = evaluate.evaluate_instance(target, key, reading, moment)
        found[key.group] = {tier for tier, holds in conditions.items() if holds}
    return found


def engine_tiers(server: PrometheusServer, target: evaluate.Target, at: float) -> set[str]:
    conditions = engine_conditions(server, target, at)
    assert len(conditions) == 1
    return next(iter(conditions.values()))


def settled_time() -> float:
    # Two evaluation intervals back, so the rule group has finished that evaluation.
    return time.time() - 2.5


def test_engine_and_rules_fire_the_same_tiers(stack) -> None:
    traffic, server, target = stack
    wait_until(lambda: server.query("ftw_slo:events:increase5m", settled_time()), timeout=30)

    # 1 % errors is a burn of 10: above 6, 3 and 1, below 14.4.
    traffic.errors_per_hundred = 1
    slow = {"page-6h", "ticket-1d", "ticket-3d"}
    wait_until(lambda: firing_tiers(server, settled_time()) == slow, timeout=60)
    at = settled_time()
    assert engine_tiers(server, target, at) == firing_tiers(server, at) == slow

    # 5 % errors is a burn of 50 on the short windows; once the long windows follow, every tier.
    traffic.errors_per_hundred = 5
    every = {"page-1h", "page-6h", "ticket-1d", "ticket-3d"}
    wait_until(lambda: firing_tiers(server, settled_time()) == every, timeout=60)
    at = settled_time()
    assert engine_tiers(server, target, at) == firing_tiers(server, at) == every


@pytest.mark.parametrize("stack", [GROUPED], indirect=True)
def test_engine_evaluates_every_instance_of_a_grouped_slo(stack) -> None:
    traffic, server, target = stack
    traffic.errors_per_hundred = 2
    every = {"page-1h", "page-6h", "ticket-1d", "ticket-3d"}
    # Grouped by status, the 500s are all errors and the 200s none.
    expected = {("500", tier) for tier in every}
    wait_until(lambda: firing_by_instance(server, settled_time()) == expected, timeout=60)
    at = settled_time()
    conditions = engine_conditions(server, target, at)
    assert conditions == {(("status", "200"),): set(), (("status", "500"),): every}
    assert {(dict(k)["status"], t) for k, tiers in conditions.items() for t in tiers} == (
        firing_by_instance(server, at)
    )


@pytest.mark.parametrize("stack", [RAW], indirect=True)
def test_engine_reads_the_ratios_of_a_raw_sli(stack) -> None:
    traffic, server, target = stack
    traffic.errors_per_hundred = 5
    every = {"page-1h", "page-6h", "ticket-1d", "ticket-3d"}
    wait_until(lambda: firing_tiers(server, settled_time()) == every, timeout=60)
    at = settled_time()
    assert engine_tiers(server, target, at) == firing_tiers(server, at) == every


def recorded_errors(server: PrometheusServer, at: float) -> float:
    result = server.query("ftw_slo:errors:increase1h", at)
    return float(result[0]["value"][1]) if result else 0.0


def counted(server: PrometheusServer, at_least: float) -> bool:
    return recorded_errors(server, settled_time()) >= at_least


def evaluations(server: PrometheusServer, since: float, until: float) -> list[tuple[float, float]]:
    """Return (time, errors over 1h) of every rule evaluation in (since, until]."""
    span = int(until - since) + 1
    result = server.query(f"ftw_slo:errors:increase1h[{span}s]", until)
    return [(float(t), float(v)) for t, v in result[0]["values"] if float(t) > since]


@pytest.mark.parametrize("stack", [ONLY_FAILURES], indirect=True)
def test_engine_and_rules_agree_at_the_min_errors_boundary(stack) -> None:
    traffic, server, target = stack
    assert target.slo.min_errors("page-1h") == 3
    # A series scraped for 20 s: increase() extrapolates a count by at most 1.1 s in 20, so
    # two errors read under 2.2 and three at least 3.
    wait_until(
        lambda: server.query('count_over_time(synthetic_requests_total{status="500"}[1h]) >= 20'),
        timeout=60,
    )
    started = time.time()
    for count in (1, 2):
        traffic.fail()
        wait_until(partial(counted, server, count - 0.5), timeout=30)
    traffic.fail()
    every = {"page-1h", "page-6h", "ticket-1d", "ticket-3d"}
    wait_until(lambda: firing_tiers(server, settled_time()) == every, timeout=30)

    # Replay every rule evaluation since the first failure through the engine.
    history = [
        (errors, engine_tiers(server, target, at), firing_tiers(server, at))
        for at, errors in evaluations(server, started, settled_time())
    ]
    assert all(engine == rules for _, engine, rules in history), history
    before_page = [errors for errors, _, rules in history if not rules]
    paged = [errors for errors, _, rules in history if rules == every]
    assert max(before_page) < 3 <= min(paged)
    # Both saw two errors (a burn of 1,000 on every window) and held back only for the guard.
    assert any(errors >= 2 for errors in before_page)
