"""Drive a run: create the population, send on schedule, drain, summarise."""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marketplace.loadgen.actions import Action, Actor
from marketplace.loadgen.client import MarketplaceClient
from marketplace.loadgen.flows import FlowParams
from marketplace.loadgen.limits import QuotaTracker
from marketplace.loadgen.population import PopulationPlan, plan_population
from marketplace.loadgen.scenario import Mix, Scenario
from marketplace.loadgen.schedule import ArrivalSchedule, RunBounds
from marketplace.loadgen.stats import StatsRecorder, build_summary

Progress = Callable[[str], None]
OPERATOR_IDENTITY = "operator"
SETUP_CONCURRENCY = 8


@dataclass(frozen=True)
class RunConfig:
    """Everything one run needs; the operator key never shows in a repr.

    Usage::

        config = RunConfig("http://127.0.0.1:8000", key, rate=50, duration_seconds=30)
        summary = asyncio.run(run_load(config))
    """

    base_url: str
    operator_key: str = field(repr=False)
    rate: float = 50.0
    duration_seconds: float = 60.0
    max_requests: int | None = None
    concurrency: int = 256
    pools: int = 16
    timeout_seconds: float = 10.0
    flow_share: float = 0.3
    seed: int | None = None
    max_users: int = 2_000
    progress_interval: float = 2.0
    drain_seconds: float = 10.0

    @property
    def bounds(self) -> RunBounds:
        """Return the run's time and request bounds."""
        return RunBounds(self.duration_seconds, self.max_requests)


def _silent(_line: str) -> None:
    return None


async def run_load(
    config: RunConfig, progress: Progress = _silent, stop: asyncio.Event | None = None
) -> dict[str, Any]:
    """Run the load described by `config` and return its summary."""
    stop = stop or asyncio.Event()
    mix, params = Mix(flow_share=config.flow_share), FlowParams()
    plan = plan_population(config.rate, config.bounds, mix, params, max_users=config.max_users)
    rng = random.Random(config.seed)
    quota = QuotaTracker()
    run_id = secrets.token_hex(4)
    async with MarketplaceClient(
        config.base_url, config.timeout_seconds, config.concurrency, config.pools
    ) as client:
        await client.check_reachable()
        await client.check_operator(config.operator_key)
        progress(
            f"run {run_id}: creating {plan.homeowners} homeowners and "
            f"{plan.contractors} contractors"
        )
        setup_started = time.perf_counter()
        actors = await _create_population(client, config.operator_key, plan, run_id, quota, stop)
        setup_seconds = time.perf_counter() - setup_started
        homeowners = actors[: plan.homeowners]
        contractors = actors[plan.homeowners :]
        extra: dict[str, Any] = {
            "url": client.base_url,
            "run_id": run_id,
            "population": {
                "homeowners": len(homeowners),
                "contractors": len(contractors),
                "setup_seconds": round(setup_seconds, 3),
            },
        }
        if stop.is_set() or len(actors) < plan.total:
            return build_summary(
                StatsRecorder(), 0.0, config.rate, {**extra, "stopped_by": "interrupted"}
            )
        loop = asyncio.get_running_loop()
        scenario = Scenario(
            homeowners, contractors, quota, config.rate, loop.time(), mix, params, rng
        )
        engine = _Engine(client, scenario, config, progress, stop)
        progress(f"sending {config.rate:g} requests/s for up to {config.duration_seconds:g} s")
        reason, elapsed = await engine.run()
        extra.update(
            stopped_by=reason,
            sent=engine.sent,
            unfinished=engine.unfinished,
            not_sent={
                "concurrency_limit": engine.saturated,
                "out_of_quota": scenario.unsendable,
            },
            send_lag=engine.lag.summary(),
            rate_limited_by=dict(engine.rate_limited),
            scenario=scenario.report(),
        )
        return build_summary(engine.stats, elapsed, config.rate, extra)


async def _create_population(
    client: MarketplaceClient,
    operator_key: str,
    plan: PopulationPlan,
    run_id: str,
    quota: QuotaTracker,
    stop: asyncio.Event,
) -> list[Actor]:
    """Create every planned user through the API, within the operator's own limit."""
    roles = plan.roles()
    actors: list[Actor | None] = [None] * len(roles)
    pending = iter(range(len(roles)))
    loop = asyncio.get_running_loop()

    async def worker() -> None:
        for index in pending:
            role, tier = roles[index]
            while not stop.is_set():
                now = loop.time()
                if not quota.try_spend(OPERATOR_IDENTITY, "operator", "POST /api/users", now):
                    await asyncio.sleep(0.5)
                    continue
                email = f"loadgen-{run_id}-{index}@example.test"
                name = f"Load {role.value} {index}"
                created = await client.create_user(operator_key, name, email, role, tier)
                if isinstance(created, float):
                    quota.block(OPERATOR_IDENTITY, loop.time() + created)
                    continue
                user_id, api_key = created
                actors[index] = Actor(index, user_id, role, tier, api_key)
                break
            if stop.is_set():
                return

    tasks = [asyncio.create_task(worker()) for _ in range(SETUP_CONCURRENCY)]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return [actor for actor in actors if actor is not None]


@dataclass
class SendLag:
    """How late arrivals left against their schedule: a generator that cannot keep up shows.

    Usage::

        lag = SendLag()
        lag.record(0.15)
        lag.summary()  # {"max_ms": 150.0, "over_10ms": 1, "over_100ms": 1}
    """

    max_seconds: float = 0.0
    over_10ms: int = 0
    over_100ms: int = 0

    def record(self, seconds: float) -> None:
        """Count one arrival sent `seconds` after it was due."""
        self.max_seconds = max(self.max_seconds, seconds)
        self.over_10ms += seconds > 0.01
        self.over_100ms += seconds > 0.1

    def summary(self) -> dict[str, float | int]:
        """Return the largest lag in ms and the arrivals sent over 10 ms and 100 ms late."""
        return {
            "max_ms": round(self.max_seconds * 1000, 3),
            "over_10ms": self.over_10ms,
            "over_100ms": self.over_100ms,
        }


class _Engine:
    """The open-loop sender: one arrival every 1/rate s, never waiting for answers."""

    def __init__(
        self,
        client: MarketplaceClient,
        scenario: Scenario,
        config: RunConfig,
        progress: Progress,
        stop: asyncio.Event,
    ) -> None:
        self.client = client
        self.scenario = scenario
        self.config = config
        self.progress = progress
        self.stop = stop
        self.stats = StatsRecorder()
        self.sent = 0
        self.saturated = 0
        self.unfinished = 0
        self.in_flight = 0
        self.rate_limited: Counter[str] = Counter()
        self.lag = SendLag()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop = asyncio.get_running_loop()

    async def run(self) -> tuple[str, float]:
        """Send until a bound or a stop request, then drain; return (reason, send seconds)."""
        bounds = self.config.bounds
        start = self._loop.time()
        schedule = ArrivalSchedule(self.config.rate, start)
        interval = self.config.progress_interval
        next_report, last_sent, last_at = start + interval, 0, start
        reason: str | None = None
        while reason is None:
            now = self._loop.time()
            reason = (
                "interrupted" if self.stop.is_set() else bounds.stop_reason(now - start, self.sent)
            )
            if reason is not None:
                break
            for _ in range(schedule.due(now)):
                self.lag.record(now - schedule.next_at())
                schedule.advance()
                self._arrival(now)
                if bounds.stop_reason(now - start, self.sent) is not None:
                    break
            if interval > 0 and now >= next_report:
                self.progress(
                    self._progress_line(now - start, (self.sent - last_sent) / (now - last_at))
                )
                next_report, last_sent, last_at = now + interval, self.sent, now
            # Wake up at least 4 times a second, so a stop request is seen quickly at low rates.
            wake_at = min(schedule.next_at(), start + bounds.duration_seconds, now + 0.25)
            await asyncio.sleep(max(0.0, wake_at - self._loop.time()))
        elapsed = self._loop.time() - start
        await self._drain()
        return reason, elapsed

    def _arrival(self, now: float) -> None:
        if self.in_flight >= self.config.concurrency:
            self.saturated += 1
            return
        action = self.scenario.next_action(now)
        if action is None:
            return
        self.sent += 1
        self.in_flight += 1
        task = asyncio.create_task(self._execute(action))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _execute(self, action: Action) -> None:
        started = time.perf_counter()
        try:
            outcome = await self.client.send(action)
        finally:
            self.in_flight -= 1
        latency = time.perf_counter() - started
        self.stats.record(action.route_key, outcome.label, latency, outcome.is_error)
        if outcome.limit is not None:
            self.rate_limited[outcome.limit] += 1
        self.scenario.on_result(action, outcome, self._loop.time())

    async def _drain(self) -> None:
        if not self._tasks:
            return
        self.progress(
            f"waiting up to {self.config.drain_seconds:g} s for {len(self._tasks)} answers"
        )
        _done, pending = await asyncio.wait(set(self._tasks), timeout=self.config.drain_seconds)
        self.unfinished = len(pending)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    def _progress_line(self, elapsed: float, recent_rate: float) -> str:
        stats = self.stats
        ratio = stats.errors / stats.total if stats.total else 0.0
        return (
            f"{elapsed:7.1f} s  sent {self.sent}  rate {recent_rate:.1f}/s  "
            f"errors {stats.errors} ({ratio:.2%})  in flight {self.in_flight}"
        )
