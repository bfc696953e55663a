"""`/metrics`: the engine's own metrics and the outbox depth read at scrape time."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ftw_observe.api.deps import StoreReader

log = logging.getLogger("ftw_observe.api")
OUTBOX_DEPTH = "ftw_observe_outbox_depth"

router = APIRouter(tags=["metrics"])


class OutboxCollector(Collector):
    """Read the outbox depth from the store on every scrape.

    When the store does not answer the gauge is left out of that scrape, never reported as 0.
    """

    def __init__(self, store: StoreReader) -> None:
        self.store = store

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(
            OUTBOX_DEPTH, "Notifications waiting in the outbox to reach a receiver."
        )

    def describe(self) -> Iterator[Metric]:
        """Name the metric without touching the store."""
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        """Yield the outbox depth, or nothing if the store does not answer."""
        try:
            depth = self.store.outbox_depth()
        except Exception:
            log.warning("metrics: cannot read the outbox depth", exc_info=True)
            return
        family = self._family()
        family.add_metric([], float(depth))
        yield family


class RegistryCollector(Collector):
    """Expose another registry's metrics through this one, without registering into it."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        """Yield every metric of the wrapped registry."""
        yield from self.registry.collect()


def exposition_registry(store: StoreReader, *registries: CollectorRegistry) -> CollectorRegistry:
    """Return a registry of the given ones (left untouched) plus the outbox depth."""
    combined = CollectorRegistry(auto_describe=False)
    for registry in registries:
        combined.register(RegistryCollector(registry))
    combined.register(OutboxCollector(store))
    return combined


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def metrics(request: Request) -> Response:
    """Expose the engine's metrics in the Prometheus text format."""
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
