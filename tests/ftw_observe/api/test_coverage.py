"""A budget measured over part of its period says so in the API and on the status pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ftw_observe.api.app import create_app
from ftw_observe.engine.runtime_status import RuntimeStatus
from tests.ftw_observe.api.dom import expected_detail, expected_row, read_page
from tests.ftw_observe.api.seed import YOUNG_COVERAGE, marketplace_specs, seeded_store

NOTE = "budget measured over 1d 12h of 30d"


@pytest.fixture
def young(tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app over a deployment a day and a half old."""
    seeded = seeded_store(tmp_path / "store", young=True)
    runtime = RuntimeStatus(role="leader", replica_id="engine-a", last_cycle_at=seeded.now)
    app = create_app(store=seeded.store, specs=marketplace_specs(), status=lambda: runtime)
    with TestClient(app) as client:
        yield client
    seeded.store.engine.dispose()


def test_the_api_carries_the_coverage_of_each_slo(young: TestClient) -> None:
    items = young.get("/api/slos").json()
    availability = next(i for i in items if i["slo"] == "api-availability")
    assert availability["coverage"] == YOUNG_COVERAGE


def test_the_api_detail_carries_the_coverage_of_each_instance(young: TestClient) -> None:
    detail = young.get("/api/slos/marketplace/api-latency-p95").json()
    jobs = next(i for i in detail["instances"] if i["instance"] == "route=/api/jobs")
    assert jobs["coverage"] == YOUNG_COVERAGE


def test_an_unmeasured_coverage_is_null(client: TestClient) -> None:
    items = client.get("/api/slos").json()
    assert {item["coverage"] for item in items} == {None}


def test_the_status_page_states_the_consumed_share_and_the_coverage(young: TestClient) -> None:
    rows, _ = read_page(young.get("/").text)
    availability = next(r for r in rows if r.slo == "marketplace/api-availability")
    assert availability.fields["budget_note"] == (
        f"consumed 4000.0 % of the budget of the events seen; {NOTE}"
    )
    assert "remaining" not in availability.fields


def test_a_young_overspent_budget_is_not_projected_as_exhausted(young: TestClient) -> None:
    rows, _ = read_page(young.get("/").text)
    availability = next(r for r in rows if r.slo == "marketplace/api-availability")
    assert availability.fields["time_to_exhaustion"] == "—"


def test_every_young_row_shows_what_the_api_says(young: TestClient) -> None:
    rows, _ = read_page(young.get("/").text)
    api = young.get("/api/slos").json()
    for row, item in zip(rows, api, strict=True):
        assert row.fields == expected_row(item), row.slo


def test_a_whole_period_shows_no_coverage_note(client: TestClient) -> None:
    rows, _ = read_page(client.get("/").text)
    assert not [row.slo for row in rows if "budget_note" in row.fields]


def test_the_detail_page_states_the_coverage(young: TestClient) -> None:
    api = young.get("/api/slos/marketplace/api-availability").json()
    _, fields = read_page(young.get("/slos/marketplace/api-availability").text)
    expected = expected_detail(api["instances"][0], api["objective"], api["period_days"])
    assert {name: fields.get(name) for name in expected} == expected
    assert fields["budget_note"].endswith(NOTE)
