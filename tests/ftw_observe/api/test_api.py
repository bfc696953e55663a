"""The JSON API over a real SQLite store seeded with hand-made evaluations."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.ftw_observe.api.seed import WINDOWS, Seeded


def test_slos_are_sorted_by_remaining_budget_with_unknown_budgets_last(client: TestClient):
    body = client.get("/api/slos").json()

    order = [(item["slo"], item["instance"], item["remaining"]) for item in body]
    assert order == [
        ("api-latency-p95", "route=/api/bids", -0.5),
        ("api-latency-p95", "route=/api/jobs", 0.2),
        ("api-availability", "", 0.724),
        ("job-posting-availability", "", 0.9),
        ("payout-success", "", 1.0),
        ("api-latency-p50", "", None),
        ("bid-response", "", None),
    ]


def test_unknown_and_no_data_are_shown_with_their_reason(client: TestClient):
    by_slo = {item["slo"]: item for item in client.get("/api/slos").json()}

    assert by_slo["api-latency-p50"]["status"] == "no_data"
    assert by_slo["api-latency-p50"]["detail"] == "no events in the period yet"
    assert by_slo["job-posting-availability"]["status"] == "unknown"
    assert "connection refused" in by_slo["job-posting-availability"]["detail"]
    # An SLO of the specs the engine never evaluated is there, unknown, and says why.
    never = by_slo["bid-response"]
    assert never["status"] == "unknown"
    assert never["evaluated_at"] is None
    assert never["detail"].startswith("not evaluated yet")
    assert never["burn_rates"] == {}


def test_stale_instances_and_removed_slos_are_left_out(client: TestClient):
    body = client.get("/api/slos").json()

    p95 = [item["instance"] for item in body if item["slo"] == "api-latency-p95"]
    assert sorted(p95) == ["route=/api/bids", "route=/api/jobs"]  # not the old placeholder
    assert "retired-slo" not in {item["slo"] for item in body}


def test_slo_summary_carries_every_figure_and_link(client: TestClient, seeded: Seeded):
    item = next(i for i in client.get("/api/slos").json() if i["slo"] == "api-availability")

    assert item["service"] == "marketplace"
    assert item["group"] == {}
    assert item["objective"] == 99.9
    assert item["period_days"] == 30
    assert item["sli"] == pytest.approx(0.999724)
    assert item["remaining_minutes"] == pytest.approx(0.724 * 43.2)
    assert item["seconds_to_exhaustion"] == 3 * 3600 + 12 * 60
    assert item["events"] == 100_000
    assert item["errors"] == pytest.approx(27.6)
    assert list(item["burn_rates"]) == list(WINDOWS)
    assert item["burn_rates"]["period"] == 0.276
    assert item["evaluated_at"] == seeded.now.isoformat().replace("+00:00", "Z")
    assert item["description"].startswith("Share of API requests")
    assert item["links"] == {
        "detail": "/slos/marketplace/api-availability",
        "api": "/api/slos/marketplace/api-availability",
        "runbook": "http://localhost:8080/runbooks/marketplace/api-availability",
        "dashboard": (
            "http://localhost:3000/d/ftw-slo-detail?var-service=marketplace"
            "&var-slo=api-availability"
        ),
    }


def test_figures_json_cannot_hold_are_null(client: TestClient):
    bids = next(i for i in client.get("/api/slos").json() if i["instance"] == "route=/api/bids")

    assert bids["burn_rates"]["5m"] is None  # NaN in the store
    assert bids["burn_rates"]["1h"] == 15.0


def test_one_slo_has_tiers_windows_and_alert_state_per_tier(client: TestClient):
    body = client.get("/api/slos/marketplace/api-latency-p95").json()

    assert body["objective"] == 95
    assert body["period"] == "30d"
    assert body["sli_kind"] == "latency"
    assert body["group_by"] == ["route"]
    tiers = {tier["name"]: tier for tier in body["tiers"]}
    assert tiers["page-1h"]["factor"] == pytest.approx(14.4)
    assert tiers["page-1h"]["error_ratio_threshold"] == pytest.approx(0.72)
    assert tiers["ticket-3d"]["factor"] == pytest.approx(1.0)
    assert all(tier["enabled"] for tier in body["tiers"])
    assert [i["instance"] for i in body["instances"]] == ["route=/api/bids", "route=/api/jobs"]
    bids, jobs = body["instances"]
    assert [w["window"] for w in jobs["windows"]] == list(WINDOWS)
    one_hour = next(w for w in jobs["windows"] if w["window"] == "1h")
    assert one_hour == {
        "window": "1h",
        "errors": pytest.approx(500.0),
        "events": 1000.0,
        "error_ratio": pytest.approx(0.5),
        "burn_rate": 10.0,
        "coverage": None,
    }
    assert {a["tier"]: a["phase"] for a in bids["alerts"]} == {
        "page-1h": "firing",
        "page-6h": "inactive",
        "ticket-1d": "inactive",
        "ticket-3d": "inactive",
    }
    assert {a["tier"]: a["phase"] for a in jobs["alerts"]}["ticket-1d"] == "pending"


def test_each_tier_says_how_many_failed_events_it_needs(client: TestClient):
    body = client.get("/api/slos/marketplace/job-posting-availability").json()

    assert {t["name"]: t["min_errors"] for t in body["tiers"]} == dict.fromkeys(
        ("page-1h", "page-6h", "ticket-1d", "ticket-3d"), 3
    )


def test_disabled_tiers_are_listed_but_carry_no_alert_state(client: TestClient):
    body = client.get("/api/slos/marketplace/api-latency-p50").json()

    assert {t["name"]: t["enabled"] for t in body["tiers"]} == {
        "page-1h": False,
        "page-6h": False,
        "ticket-1d": False,
        "ticket-3d": True,
    }
    assert [a["tier"] for a in body["instances"][0]["alerts"]] == ["ticket-3d"]


def test_unknown_slo_answers_404_with_a_sentence(client: TestClient):
    for path in (
        "/api/slos/marketplace/nope",
        "/api/slos/nope/api-availability",
        "/api/slos/marketplace/nope/history",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {
            "detail": f"no SLO {path.split('/')[4]!r} in service {path.split('/')[3]!r}: "
            "GET /api/slos lists every SLO"
        }


def test_history_defaults_to_the_period_and_is_oldest_first(client: TestClient, seeded: Seeded):
    body = client.get("/api/slos/marketplace/api-availability/history").json()

    assert body["instance"] == ""
    points = body["points"]
    assert len(points) == 29  # every 6 h for a week (28), and the current cycle
    times = [p["evaluated_at"] for p in points]
    assert times == sorted(times)
    assert points[0]["remaining"] == pytest.approx(1.0)
    assert points[-1]["remaining"] == 0.724
    assert points[-1]["status"] == "ok"
    assert points[-1]["burn_rates"]["1h"] == 1.25
    assert points[-1]["sli"] == pytest.approx(0.999724)
    assert body["since"].startswith((seeded.now - timedelta(days=30)).date().isoformat())


def test_history_honours_since_until_and_points(client: TestClient, seeded: Seeded):
    since = (seeded.now - timedelta(hours=49)).isoformat()
    until = (seeded.now - timedelta(hours=1)).isoformat()
    path = "/api/slos/marketplace/api-availability/history"

    window = client.get(path, params={"since": since, "until": until}).json()["points"]
    thinned = client.get(path, params={"points": 3}).json()["points"]

    assert len(window) == 8  # 48 h … 6 h before now, every 6 h
    assert len(thinned) == 3
    assert thinned[-1]["remaining"] == 0.724  # the newest point is always kept
    assert client.get(path, params={"points": 1}).status_code == 422


def test_history_of_a_grouped_slo_needs_a_known_instance(client: TestClient):
    path = "/api/slos/marketplace/api-latency-p95/history"

    missing = client.get(path)
    unknown = client.get(path, params={"instance": "route=/nope"})
    found = client.get(path, params={"instance": "route=/api/jobs"})

    assert missing.status_code == 400
    assert "pass instance=" in missing.json()["detail"]
    assert unknown.status_code == 404
    assert "route=/nope" in unknown.json()["detail"]
    assert found.status_code == 200
    assert [p["remaining"] for p in found.json()["points"]] == [0.2]


def test_alerts_list_non_inactive_first_with_labels(client: TestClient):
    body = client.get("/api/alerts").json()

    assert [(a["instance"], a["tier"], a["phase"]) for a in body] == [
        ("route=/api/bids", "page-1h", "firing"),
        ("route=/api/jobs", "ticket-1d", "pending"),
        ("", "page-6h", "resolved"),
    ]
    firing = body[0]
    assert firing["labels"]["severity"] == "page"
    assert firing["annotations"] == {"summary": "api-latency-p95 burns <fast>"}
    assert firing["dedup_key"] == "ftw/marketplace/api-latency-p95/route=/api/bids/page-1h"


def test_alert_history_pairs_firing_and_resolved_durations(client: TestClient, seeded: Seeded):
    body = client.get("/api/alerts/history").json()

    assert [(e["slo"], e["kind"]) for e in body] == [
        ("api-latency-p95", "firing"),
        ("api-availability", "resolved"),
        ("api-availability", "firing"),
    ]
    resolved = body[1]
    assert resolved["duration_seconds"] == 2 * 3600
    assert resolved["fired_at"] == (seeded.now - timedelta(hours=3)).isoformat().replace(
        "+00:00", "Z"
    )
    assert body[0]["duration_seconds"] is None
    assert body[0]["severity"] == "page"


def test_alert_history_filters(client: TestClient, seeded: Seeded):
    path = "/api/alerts/history"
    since = (seeded.now - timedelta(hours=2)).isoformat()

    assert len(client.get(path, params={"slo": "api-availability"}).json()) == 2
    assert len(client.get(path, params={"service": "other"}).json()) == 0
    assert len(client.get(path, params={"since": since}).json()) == 2
    assert len(client.get(path, params={"limit": 1}).json()) == 1
    assert client.get(path, params={"limit": 0}).status_code == 422


def test_healthz_and_readyz(client: TestClient, seeded: Seeded):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")

    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["database"] == "ok"
    assert body["role"] == "leader"
    assert body["replica_id"] == "engine-a"
    assert body["last_cycle_seconds"] == 0.25
    assert body["prometheus"] == "ok"


def test_readyz_answers_503_when_the_database_is_gone(client: TestClient, seeded: Seeded):
    shutil.rmtree(Path(seeded.url.removeprefix("sqlite:///")).parent)
    seeded.store.engine.dispose()

    ready = client.get("/readyz")
    listing = client.get("/api/slos")

    assert ready.status_code == 503
    assert ready.json()["status"] == "not_ready"
    assert ready.json()["database"] == "down"
    assert "OperationalError" in ready.json()["database_detail"]
    assert ready.json()["role"] == "leader"  # still says what the replica is
    assert client.get("/healthz").status_code == 200
    assert listing.status_code == 503
    assert listing.json()["detail"].startswith("the store's database does not answer")
    page = client.get("/")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "the store&#39;s database does not answer" in page.text
