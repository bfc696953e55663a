"""`/metrics`, Prometheus errors on `/readyz`, and the OpenAPI document."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from ftw_observe.api.app import ROUTERS, create_app
from ftw_observe.engine.runtime_status import RuntimeStatus
from ftw_observe.model import EngineHealth
from tests.ftw_observe.api.seed import Seeded, marketplace_specs

JSON_ROUTES = {
    "/api/slos",
    "/api/slos/{service}/{slo}",
    "/api/slos/{service}/{slo}/history",
    "/api/alerts",
    "/api/alerts/history",
    "/healthz",
    "/readyz",
}
PAGES = {"/", "/slos/{service}/{slo}"}


def test_metrics_serve_the_registry_and_the_outbox_depth(
    client: TestClient, registry: CollectorRegistry
):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE ftw_observe_outbox_depth gauge" in text
    assert "\nftw_observe_outbox_depth 2.0\n" in text
    assert "# TYPE ftw_observe_cycles_total counter" in text
    # The engine's registry is read, never written to.
    assert {m.name for m in registry.collect()} == {"ftw_observe_cycles"}
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: scripts/setup.sh installs Debian's prometheus"
    lint = subprocess.run(
        [promtool, "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_metrics_leave_the_depth_out_when_the_store_is_down(client: TestClient, seeded: Seeded):
    shutil.rmtree(Path(seeded.url.removeprefix("sqlite:///")).parent)
    seeded.store.engine.dispose()

    response = client.get("/metrics")

    assert response.status_code == 200
    assert "ftw_observe_outbox_depth 0" not in response.text
    assert "ftw_observe_cycles" in response.text


def test_readyz_says_since_when_prometheus_is_unreachable(
    make_client: Callable[..., TestClient], seeded: Seeded
):
    since = seeded.now - timedelta(minutes=7)
    runtime = RuntimeStatus(
        role="leader",
        replica_id="engine-a",
        last_cycle_at=seeded.now,
        prometheus_error="connection refused",
        prometheus_unreachable_since=since,
    )
    body = make_client(runtime).get("/readyz").json()

    assert body["status"] == "ready"  # Prometheus down is not a reason to stop serving
    assert body["prometheus"] == "unreachable"
    assert body["prometheus_detail"] == (
        f"unreachable since {since:%Y-%m-%d %H:%M:%S} UTC: connection refused"
    )


def test_a_standby_reports_the_leaders_prometheus_error_from_the_store(
    make_client: Callable[..., TestClient], seeded: Seeded
):
    since = seeded.now - timedelta(minutes=3)
    seeded.store.save_cycle(
        evaluations=[],
        states=[],
        transitions=[],
        notifications=[],
        health=EngineHealth(
            last_cycle_at=seeded.now,
            prometheus_error="HTTP 503",
            prometheus_unreachable_since=since,
        ),
    )
    body = make_client(RuntimeStatus(role="standby", replica_id="engine-b")).get("/readyz").json()

    assert body["role"] == "standby"
    assert body["last_cycle_at"] is not None
    assert body["prometheus_detail"] == f"unreachable since {since:%Y-%m-%d %H:%M:%S} UTC: HTTP 503"


def test_create_app_does_not_touch_the_store():
    class Untouchable:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"create_app used the store ({name})")

    app = create_app(store=Untouchable(), specs=marketplace_specs())  # type: ignore[arg-type]

    assert app.title == "FTW Observe"


def test_openapi_lists_every_route_with_its_response_model(seeded: Seeded):
    app = create_app(store=seeded.store, specs=marketplace_specs())
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
    routes = {
        route.path
        for module in ROUTERS
        for route in module.router.routes
        if isinstance(route, APIRoute)
    }

    assert JSON_ROUTES | PAGES | {"/metrics"} <= routes
    assert set(document["paths"]) == routes
    for path in JSON_ROUTES:
        operation = document["paths"][path]["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in schema or "$ref" in schema.get("items", {}), path
        assert operation["summary"], path
        assert operation["description"], path
    for path in PAGES:
        assert "text/html" in document["paths"][path]["get"]["responses"]["200"]["content"]
    exposition = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert "text/plain" in exposition
    slo = document["paths"]["/api/slos/{service}/{slo}"]["get"]["responses"]
    assert slo["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "503" in slo
    ready = document["paths"]["/readyz"]["get"]["responses"]
    assert ready["503"]["content"]["application/json"]["schema"]["$ref"].endswith("/Readiness")
    schemas = document["components"]["schemas"]
    assert {"SLOSummary", "SLODetail", "History", "AlertStateOut", "AlertEventOut"} <= set(schemas)
