"""The loaded specs as the API needs them: look SLOs up, describe their tiers and links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from ftw_observe.api.schemas import SLOLinks, TierOut
from ftw_observe.burnrate import TIERS
from ftw_observe.deploy.model import DeployConfig
from ftw_observe.rules.annotations import slo_links
from ftw_observe.spec.model import ServiceSpec, SLOSpec


@dataclass(frozen=True)
class Entry:
    """One SLO of the loaded specs, with the service it belongs to."""

    service: ServiceSpec
    slo: SLOSpec

    @property
    def key(self) -> tuple[str, str]:
        """Return (service, slo)."""
        return self.service.service, self.slo.name


def detail_path(service: str, slo: str) -> str:
    """Return the status-page path of an SLO's detail page."""
    return f"/slos/{quote(service, safe='')}/{quote(slo, safe='')}"


def api_path(service: str, slo: str) -> str:
    """Return the API path of one SLO."""
    return "/api" + detail_path(service, slo)


def sli_kind(slo: SLOSpec) -> Literal["ratio", "latency", "raw"]:
    """Return which kind of SLI the SLO measures."""
    if slo.sli.ratio is not None:
        return "ratio"
    if slo.sli.latency is not None:
        return "latency"
    return "raw"


class Catalog:
    """Every SLO of the loaded specs, in spec order; links point at `deploy` (its defaults if None).

    >>> Catalog([]).find("marketplace", "api-availability") is None
    True
    """

    def __init__(self, specs: Sequence[ServiceSpec], deploy: DeployConfig | None = None) -> None:
        self.entries = [Entry(service, slo) for service in specs for slo in service.slos]
        self._by_key = {entry.key: entry for entry in self.entries}
        self.deploy = deploy or DeployConfig()

    def find(self, service: str, slo: str) -> Entry | None:
        """Return the SLO `slo` of `service`, or None if no spec defines it."""
        return self._by_key.get((service, slo))

    def links(self, entry: Entry) -> SLOLinks:
        """Return where to look next for an SLO."""
        links = slo_links(entry.service, entry.slo, self.deploy)
        return SLOLinks(
            detail=detail_path(*entry.key),
            api=api_path(*entry.key),
            runbook=links["runbook_url"],
            dashboard=links["dashboard_url"],
        )

    @staticmethod
    def tiers(entry: Entry) -> list[TierOut]:
        """Return every burn-rate tier of an SLO, disabled ones included."""
        slo = entry.slo
        out = []
        for tier in TIERS:
            options = slo.alerting.tier(tier.name)
            out.append(
                TierOut(
                    name=tier.name,
                    severity=options.severity or tier.severity,
                    long_window=tier.long_window,
                    short_window=tier.short_window,
                    budget_share=float(tier.budget_share),
                    factor=float(tier.factor(slo.period)),
                    error_ratio_threshold=float(
                        tier.error_ratio_threshold(slo.period, slo.error_budget)
                    ),
                    enabled=slo.alerting.enabled and options.enabled,
                    for_seconds=options.for_,
                    min_errors=slo.min_errors(tier.name),
                )
            )
        return out
