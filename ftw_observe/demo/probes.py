"""The drill's reads and writes at the edges: the marketplace, the engine and Prometheus."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families

from ftw_observe.durations import parse_duration

TIMEOUT = 10.0


class ProbeError(RuntimeError):
    """A part of the stack answered something the drill cannot use."""


@dataclass(frozen=True)
class RequestCount:
    """Requests to one route and method as the marketplace itself counts them."""

    requests: float
    errors: float  # answered 5xx


def marketplace_requests(marketplace_url: str, route: str, method: str) -> RequestCount:
    """Read the marketplace's own request counters (not through Prometheus)."""
    response = httpx.get(f"{marketplace_url}/metrics", timeout=TIMEOUT)
    response.raise_for_status()
    requests = errors = 0.0
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name != "http_requests_total" or labels.get("route") != route:
                continue
            if labels.get("method") != method:
                continue
            requests += sample.value
            if labels.get("status", "").startswith("5"):
                errors += sample.value
    return RequestCount(requests, errors)


def set_route_fault(marketplace_url: str, operator_key: str, route: str, ratio: float) -> None:
    """Make the marketplace fail this share of requests to `route`."""
    body = {"route": route, "error_ratio": ratio}
    _operator("PUT", f"{marketplace_url}/api/admin/faults/routes", operator_key, body)


def clear_route_fault(marketplace_url: str, operator_key: str, route: str) -> None:
    """End the fault on `route`."""
    url = f"{marketplace_url}/api/admin/faults/routes"
    _operator("DELETE", url, operator_key, params={"route": route})


def _operator(
    method: str,
    url: str,
    key: str,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
) -> None:
    headers = {"authorization": f"Bearer {key}"}
    response = httpx.request(
        method, url, json=body, params=params, headers=headers, timeout=TIMEOUT
    )
    if response.status_code >= 400:
        # The key is a secret: the message names the call and the answer only.
        raise ProbeError(f"{method} {url} answered {response.status_code}: {response.text[:200]}")


@dataclass(frozen=True)
class SLOFigures:
    """One SLO instance as the engine's API reports it."""

    status: str
    objective: float  # percent
    period: str
    errors: float | None
    events: float | None
    remaining: float | None
    evaluated_at: str | None
    window_events: dict[str, float | None]
    page_tier: dict[str, Any] | None  # the fastest enabled page tier
    min_events: int
    tiers: tuple[dict[str, Any], ...] = ()  # every enabled tier, as the API lists it


def slo_figures(engine_url: str, service: str, slo: str) -> SLOFigures:
    """Read one ungrouped SLO's figures from the engine's API."""
    response = httpx.get(f"{engine_url}/api/slos/{service}/{slo}", timeout=TIMEOUT)
    if response.status_code == 404:
        raise ProbeError(f"the engine at {engine_url} has no SLO {service}/{slo}")
    response.raise_for_status()
    detail = response.json()
    instances = detail.get("instances") or []
    instance = instances[0] if instances else {}
    enabled = tuple(t for t in detail.get("tiers", []) if t["enabled"])
    pages = [t for t in enabled if t["severity"] == "page"]
    pages.sort(key=lambda t: parse_duration(t["long_window"]))
    return SLOFigures(
        status=str(instance.get("status", "no_data")),
        objective=float(detail["objective"]),
        period=str(detail["period"]),
        errors=instance.get("errors"),
        events=instance.get("events"),
        remaining=instance.get("remaining"),
        evaluated_at=instance.get("evaluated_at"),
        window_events={w["window"]: w["events"] for w in instance.get("windows", [])},
        page_tier=pages[0] if pages else None,
        min_events=int(detail.get("min_events") or 0),
        tiers=enabled,
    )


def firing_alerts(engine_url: str, service: str, slo: str) -> list[dict[str, Any]]:
    """Return the engine's firing alerts of one SLO."""
    response = httpx.get(f"{engine_url}/api/alerts", timeout=TIMEOUT)
    response.raise_for_status()
    return [
        a
        for a in response.json()
        if a["service"] == service and a["slo"] == slo and a["phase"] == "firing"
    ]


def prometheus_intervals(prometheus_url: str) -> tuple[float, float]:
    """Return Prometheus's global scrape and rule evaluation intervals in seconds."""
    response = httpx.get(f"{prometheus_url}/api/v1/status/config", timeout=TIMEOUT)
    response.raise_for_status()

    config = yaml.safe_load(response.json()["data"]["yaml"]) or {}
    glob = config.get("global") or {}
    scrape = parse_duration(str(glob.get("scrape_interval", "1m")))
    evaluation = parse_duration(str(glob.get("evaluation_interval", "1m")))
    return float(scrape), float(evaluation)


@dataclass(frozen=True)
class ScrapeTarget:
    """One of Prometheus's active scrape targets.

    Usage::

        down = [t.job for t in scrape_targets("http://127.0.0.1:9090") if t.health != "up"]
    """

    job: str
    url: str
    health: str  # up, down or unknown
    last_error: str


def scrape_targets(prometheus_url: str, timeout: float = 2.0) -> list[ScrapeTarget]:
    """Return Prometheus's active scrape targets."""
    response = httpx.get(f"{prometheus_url}/api/v1/targets", timeout=timeout)
    response.raise_for_status()
    try:
        return [
            ScrapeTarget(
                job=str(target["labels"]["job"]),
                url=str(target["scrapeUrl"]),
                health=str(target["health"]),
                last_error=str(target.get("lastError") or ""),
            )
            for target in response.json()["data"]["activeTargets"]
        ]
    except (ValueError, KeyError, TypeError) as error:
        raise ProbeError(f"{prometheus_url}/api/v1/targets: unexpected answer: {error}") from None


def target_lines(prometheus_url: str) -> list[str]:
    """Return one line per scrape target: job, URL, health and last error."""
    return [
        f"{t.job:<14} {t.url:<40} {t.health} {t.last_error}".rstrip()
        for t in scrape_targets(prometheus_url, timeout=5)
    ]
