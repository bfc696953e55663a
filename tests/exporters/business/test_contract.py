"""The business exporter exports the metrics of the contract the SLO specs rely on."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric

from exporters.business.events import Totals
from exporters.business.source import families
from tests.support.contract import contract_differences


class _Fixed:
    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def test_business_metrics_match_the_contract() -> None:
    totals = Totals()
    totals.bid_response.observe(120.0)
    registry = CollectorRegistry()
    registry.register(_Fixed(families(totals, active_contractors=0)))

    assert contract_differences(generate_latest(registry).decode(), "exporters") == {}
