"""Fault injection for drills: set by operators, shared by every process through the database."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from marketplace.app import create_app
from marketplace.config import Settings
from marketplace.db.session import Database
from marketplace.faults import FaultStore
from tests.conftest import Marketplace, wait_until
from tests.support.clock import SecondsClock

ROUTES = "/api/admin/faults/routes"
ROLES = ("homeowner", "contractor")


def _injected(kind: str) -> float:
    value = REGISTRY.get_sample_value("ftw_marketplace_injected_faults_total", {"kind": kind})
    return value or 0.0


def _set_fault(mp: Marketplace, **body: object) -> dict[str, Any]:
    response = mp.client.put(ROUTES, json=body, headers=mp.key("operator"))
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_no_fault_is_in_force_by_default(pg_marketplace: Marketplace) -> None:
    mp = pg_marketplace
    errors, latencies = _injected("error"), _injected("latency")

    faults = mp.client.get("/api/admin/faults", headers=mp.key("operator"))
    jobs = [mp.client.get("/api/jobs").status_code for _ in range(3)]

    assert faults.json() == {"routes": [], "payment_provider_outage": False}
    assert jobs == [200, 200, 200]
    assert (_injected("error"), _injected("latency")) == (errors, latencies)


def test_an_error_fault_answers_the_configured_status_on_its_route(
    pg_marketplace: Marketplace,
) -> None:
    mp = pg_marketplace
    _set_fault(mp, route="/api/jobs/{job_id}", error_ratio=1.0, error_status=503)
    before = _injected("error")

    response = mp.client.get("/api/jobs/1")

    assert response.status_code == 503
    assert response.json()["detail"] == (
        "injected fault: 100% of requests to /api/jobs/{job_id} fail"
    )
    assert _injected("error") - before == 1


def test_an_error_fault_leaves_other_routes_alone(pg_marketplace: Marketplace) -> None:
    mp = pg_marketplace
    _set_fault(mp, route="/api/jobs/{job_id}", error_ratio=1.0, error_status=503)

    assert mp.client.get("/api/jobs").status_code == 200
    assert mp.client.get("/api/me", headers=mp.key("homeowner")).status_code == 200


def test_the_faults_in_force_are_listed(pg_marketplace: Marketplace) -> None:
    mp = pg_marketplace
    _set_fault(mp, route="/api/jobs", error_ratio=0.25, error_status=502, latency_seconds=0.5)

    listed = mp.client.get("/api/admin/faults", headers=mp.key("operator"))

    assert listed.json() == {
        "routes": [
            {"route": "/api/jobs", "error_ratio": 0.25, "error_status": 502, "latency_seconds": 0.5}
        ],
        "payment_provider_outage": False,
    }


def test_a_fault_on_every_route_breaks_every_api_route(pg_marketplace: Marketplace) -> None:
    mp = pg_marketplace
    _set_fault(mp, route="*", error_ratio=1.0)
    requests = [
        ("GET", "/api/jobs", None),
        ("POST", "/api/jobs", "homeowner"),
        ("GET", "/api/me", "contractor"),
        ("GET", "/api/payouts", "contractor"),
        ("GET", "/api/jobs/1/bids", "homeowner"),
    ]

    responses = [
        mp.client.request(method, path, headers=mp.key(role) if role else {})
        for method, path, role in requests
    ]

    assert [response.status_code for response in responses] == [500] * len(requests)
    assert all(r.json()["detail"].startswith("injected fault") for r in responses)


def test_a_fault_on_every_route_spares_admin_and_health_routes(
    pg_marketplace: Marketplace,
) -> None:
    mp = pg_marketplace
    _set_fault(mp, route="*", error_ratio=1.0)
    operator = mp.key("operator")

    statuses = {
        "GET /api/admin/faults": mp.client.get("/api/admin/faults", headers=operator),
        "PUT /api/admin/faults/payment-provider": mp.client.put(
            "/api/admin/faults/payment-provider", json={"outage": False}, headers=operator
        ),
        "GET /healthz": mp.client.get("/healthz"),
        "GET /readyz": mp.client.get("/readyz"),
        "GET /metrics": mp.client.get("/metrics"),
    }

    assert {name: r.status_code for name, r in statuses.items()} == dict.fromkeys(statuses, 200)


def test_injected_latency_is_counted_and_the_request_still_succeeds(
    pg_marketplace: Marketplace,
) -> None:
    mp = pg_marketplace
    _set_fault(mp, route="/api/jobs", latency_seconds=0.01)
    latencies, errors = _injected("latency"), _injected("error")

    statuses = [mp.client.get("/api/jobs").status_code for _ in range(2)]

    assert statuses == [200, 200]
    assert _injected("latency") - latencies == 2
    assert _injected("error") == errors


def test_only_operators_can_inject_faults(pg_marketplace: Marketplace) -> None:
    mp = pg_marketplace
    fault = {"route": "*", "error_ratio": 1.0}

    refused = [mp.client.put(ROUTES, json=fault, headers=mp.key(role)) for role in ROLES]

    assert [response.status_code for response in refused] == [403, 403]
    assert all("only operators can inject faults" in r.json()["detail"] for r in refused)
    assert mp.client.get("/api/jobs").status_code == 200


def test_non_operators_can_neither_see_nor_clear_faults(pg_marketplace: Marketplace) -> None:
    mp = pg_marketplace
    headers = mp.key("contractor")

    statuses = [
        mp.client.get("/api/admin/faults", headers=headers).status_code,
        mp.client.delete("/api/admin/faults", headers=headers).status_code,
        mp.client.delete(ROUTES, params={"route": "*"}, headers=headers).status_code,
        mp.client.put(
            "/api/admin/faults/payment-provider", json={"outage": True}, headers=headers
        ).status_code,
    ]

    assert statuses == [403, 403, 403, 403]


def test_anonymous_callers_cannot_inject_faults(pg_marketplace: Marketplace) -> None:
    response = pg_marketplace.client.put(ROUTES, json={"route": "*", "error_ratio": 1.0})

    assert response.status_code == 401


def test_a_fault_on_an_unknown_route_is_refused_naming_the_field(
    pg_marketplace: Marketplace,
) -> None:
    mp = pg_marketplace

    response = mp.client.put(
        ROUTES, json={"route": "/api/nope", "error_ratio": 1.0}, headers=mp.key("operator")
    )

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "field 'route'" in detail
    assert "/api/jobs/{job_id}" in detail  # it lists the templates that exist
    listed = mp.client.get("/api/admin/faults", headers=mp.key("operator"))
    assert listed.json()["routes"] == []


def test_a_concrete_path_is_not_a_route_template(pg_marketplace: Marketplace) -> None:
    mp = pg_marketplace

    response = mp.client.put(
        ROUTES, json={"route": "/api/jobs/1", "error_ratio": 1.0}, headers=mp.key("operator")
    )

    assert response.status_code == 422
    assert "field 'route'" in response.json()["detail"]


def test_clearing_a_route_fault_restores_the_route(pg_marketplace: Marketplace) -> None:
    mp = pg_marketplace
    _set_fault(mp, route="/api/jobs", error_ratio=1.0)
    assert mp.client.get("/api/jobs").status_code == 500

    cleared = mp.client.delete(ROUTES, params={"route": "/api/jobs"}, headers=mp.key("operator"))

    assert cleared.json()["routes"] == []
    assert mp.client.get("/api/jobs").status_code == 200


def test_clearing_all_faults_restores_every_route_and_the_provider(
    pg_marketplace: Marketplace,
) -> None:
    mp = pg_marketplace
    _set_fault(mp, route="*", error_ratio=1.0)
    _set_fault(mp, route="/api/jobs", latency_seconds=0.01)
    mp.client.put(
        "/api/admin/faults/payment-provider", json={"outage": True}, headers=mp.key("operator")
    )
    latencies = _injected("latency")

    cleared = mp.client.delete("/api/admin/faults", headers=mp.key("operator"))

    assert cleared.json() == {"routes": [], "payment_provider_outage": False}
    assert mp.client.get("/api/jobs").status_code == 200
    assert mp.client.get("/api/me", headers=mp.key("homeowner")).status_code == 200
    assert _injected("latency") == latencies


def test_a_fault_set_through_one_process_reaches_another_sharing_the_database(
    pg_marketplace: Marketplace,
) -> None:
    mp = pg_marketplace
    # Another worker: its own app, fault cache and pools, on the same database.
    other_settings = Settings(database_url=mp.settings.database_url, fault_refresh_seconds=0.2)
    with TestClient(create_app(other_settings), raise_server_exceptions=False) as other:
        assert other.get("/api/jobs").status_code == 200  # it has cached "no faults"
        _set_fault(mp, route="/api/jobs", error_ratio=1.0, error_status=503)

        wait_until(lambda: other.get("/api/jobs").status_code == 503, timeout=10)

        mp.client.delete(ROUTES, params={"route": "/api/jobs"}, headers=mp.key("operator"))
        wait_until(lambda: other.get("/api/jobs").status_code == 200, timeout=10)


def test_a_stale_snapshot_is_reloaded_by_one_request_at_a_time(sqlite_url: str) -> None:
    clock = SecondsClock()
    database = Database(Settings(database_url=sqlite_url))
    try:
        store = FaultStore(database, refresh_seconds=1.0, clock=clock)
        claims = [store.claim_refresh() for _ in range(3)]  # three requests, one reload
        store.refresh()
        fresh = store.claim_refresh()
        clock.now += 1.0
        stale_again = store.claim_refresh()
    finally:
        database.dispose()
    assert (claims, fresh, stale_again) == ([True, False, False], False, True)
