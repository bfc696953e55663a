"""The composition root: settings → store, lease, Prometheus client, engine, router, web app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.interval import IntervalTrigger
from fastapi import FastAPI

from ftw_observe.engine.cycle import Engine
from ftw_observe.engine.evaluate import targets
from ftw_observe.engine.heartbeat import Heartbeat
from ftw_observe.engine.metrics import EngineMetrics
from ftw_observe.engine.runtime import EngineRuntime
from ftw_observe.engine.settings import EngineSettings, parse_schedule
from ftw_observe.notify.dispatch import Dispatcher
from ftw_observe.notify.metrics import DispatchMetrics
from ftw_observe.notify.policy_file import load_policy
from ftw_observe.notify.receivers import build_senders
from ftw_observe.notify.recovery import Recovery
from ftw_observe.prometheus import PrometheusClient
from ftw_observe.spec.load import load_specs
from ftw_observe.spec.model import ServiceSpec
from ftw_observe.store import Lease, Retention, Store, make_store_engine, upgrade_url

log = logging.getLogger("ftw_observe.engine")
LEASE_NAME = "evaluator"
RETRY_MINUTES = 10


@dataclass
class EngineService:
    """Everything `ftw-observe serve` runs, built without touching the network.

    >>> # service = EngineService.build(EngineSettings.from_env()); app = service.app()
    """

    settings: EngineSettings
    specs: list[ServiceSpec]
    store: Store
    runtime: EngineRuntime
    client: PrometheusClient
    metrics: EngineMetrics

    @classmethod
    def build(cls, settings: EngineSettings) -> EngineService:
        """Load the specs and routing policy and wire the parts; raise SpecError if invalid."""
        specs = [item.spec for item in load_specs([settings.slo_dir])]
        database = make_store_engine(settings.database_url)
        store = Store(database)
        client = PrometheusClient(
            settings.prometheus_url,
            timeout=settings.prometheus_timeout,
            auth=settings.prometheus_auth,
        )
        metrics = EngineMetrics.create()
        engine = Engine(
            targets(specs),
            client,
            store,
            meta_alert_after=settings.meta_alert_after,
            watchdog_timeout=settings.watchdog_timeout,
            deploy=settings.deploy,
        )
        lease = Lease(database, LEASE_NAME, settings.replica, settings.lease_ttl)
        prune = partial(_prune, store, settings)
        policy = load_policy(settings.routing_policy)
        hold = settings.recovery_hold
        dispatcher = Dispatcher(
            store.notifications,
            lambda: policy,
            build_senders(policy, status_page_url=settings.status_page_url),
            metrics=DispatchMetrics.create(metrics.registry),
            recovery=Recovery(hold=hold) if hold > timedelta(0) else None,
        )
        heartbeat = None
        if settings.heartbeat_url:
            heartbeat = Heartbeat(
                settings.heartbeat_url,
                method=settings.heartbeat_method,
                timeout=settings.heartbeat_timeout,
            )
        review = _review(settings, specs, store)
        runtime = EngineRuntime(
            settings,
            engine,
            lease,
            metrics,
            prune,
            dispatch=dispatcher.run_once,
            backlog=store.outbox_backlog,
            heartbeat_ping=heartbeat,
            review=None if review is None else review[0],
            review_trigger=None if review is None else review[1],
        )
        return cls(settings, specs, store, runtime, client, metrics)

    def app(self) -> FastAPI:
        """Return the web app; its lifespan migrates the store and runs the schedule."""
        from ftw_observe.api.app import create_app
        from ftw_observe.api.silence_access import SilenceRules
        from ftw_observe.api.webhook_metrics import WebhookMetrics

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            upgrade_url(self.settings.database_url)
            self.runtime.start()
            try:
                yield
            finally:
                self.runtime.stop()
                self.client.close()

        app = create_app(
            store=self.store,
            specs=self.specs,
            deploy=self.settings.deploy,
            status=self.runtime.status,
            registry=self.metrics.registry,
            runbook_dirs=self.settings.runbook_dirs,
            webhook_token=self.settings.webhook_token,
            silence_rules=SilenceRules(
                token=self.settings.api_token, max_duration=self.settings.silence_max_duration
            ),
            webhook_max_bytes=self.settings.webhook_max_bytes,
            webhook_metrics=WebhookMetrics.create(
                self.metrics.registry, watchdog_seen=self.metrics.chain.note_watchdog
            ),
        )
        app.router.lifespan_context = lifespan
        return app


def _review(
    settings: EngineSettings, specs: list[ServiceSpec], store: Store
) -> tuple[Callable[[datetime], object], BaseTrigger] | None:
    """Return the weekly budget review and when to try it, or None when it is off."""
    schedule = parse_schedule(settings.review_schedule)
    if schedule is None:
        return None

    def review(now: datetime) -> object:
        # The report's libraries (pandas) load on the leader's first try, not at every start.
        from ftw_observe.report.load import slo_infos
        from ftw_observe.report.review import REPORT_PATH, BudgetReview

        url = f"{settings.status_page_url}{REPORT_PATH}"
        budget_review = BudgetReview(
            store, slo_infos(specs), schedule, replica=settings.replica, report_url=url
        )
        return budget_review.run(now)

    # Also every few minutes: a leader that took over after the scheduled time (or a replica
    # started then) still sends a review that nobody has claimed.
    return review, OrTrigger([schedule, IntervalTrigger(minutes=RETRY_MINUTES)])


def _prune(store: Store, settings: EngineSettings, now: datetime) -> int:
    retention = Retention(
        history=settings.retention,
        raw=settings.raw_for,
        silences=settings.silence_retention,
        incidents=settings.incident_retention,
    )
    return store.prune(now=now, retention=retention)
