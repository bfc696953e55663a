"""The status page and the detail page, rendered by the app and read back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from fastapi.testclient import TestClient

from ftw_observe.api.app import create_app
from ftw_observe.engine.runtime_status import RuntimeStatus
from tests.ftw_observe.api.dom import expected_detail, expected_row, read_page
from tests.ftw_observe.api.seed import Seeded, marketplace_specs


def test_status_page_shows_every_instance_as_the_api_does(client: TestClient):
    page = client.get("/")
    api = client.get("/api/slos").json()

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    rows, header = read_page(page.text)
    assert [(r.slo, r.instance) for r in rows] == [
        (f"{i['service']}/{i['slo']}", i["instance"]) for i in api
    ]
    for row, item in zip(rows, api, strict=True):
        assert row.fields == expected_row(item), row.slo
    assert header["role"] == "leader"
    assert header["last_cycle"].endswith("ago")
    assert "prometheus_banner" not in header
    assert "stale_banner" not in header
    assert "<script" not in page.text  # no JavaScript at all


def test_status_page_formats_numbers_for_people(client: TestClient):
    rows, _ = read_page(client.get("/").text)
    availability = next(r for r in rows if r.slo == "marketplace/api-availability")
    bids = next(r for r in rows if r.instance == "route=/api/bids")

    assert availability.fields["sli"] == "99.972 %"
    assert availability.fields["remaining"] == "72.4 %"
    assert availability.fields["remaining_minutes"] == "31.3 min"  # 0.724 of 43.2 = 31.28
    assert availability.fields["time_to_exhaustion"] == "3h 12m"
    assert bids.fields["remaining"] == "-50.0 %"
    assert bids.fields["burn_5m"] == "—"
    assert bids.fields["time_to_exhaustion"] == "exhausted"


def test_status_page_shows_a_red_banner_while_prometheus_is_unreachable(
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
    _, header = read_page(make_client(runtime).get("/").text)

    assert header["prometheus_banner"].startswith(
        f"Prometheus unreachable since {since:%Y-%m-%d %H:%M:%S} UTC — connection refused."
    )


def test_status_page_warns_when_figures_are_stale(seeded: Seeded):
    app = create_app(store=seeded.store, specs=marketplace_specs())
    later = seeded.now + timedelta(minutes=30)
    app.state.context = replace(app.state.context, clock=lambda: later)
    with TestClient(app) as client:
        _, header = read_page(client.get("/").text)

    assert header["role"] == "stopped"
    assert header["stale_banner"].startswith("Figures are 30m old")


def test_pages_escape_what_they_show(seeded: Seeded):
    specs = marketplace_specs()
    service = specs[0]
    slo = service.slos[0].model_copy(update={"description": "<script>alert(1)</script> & more"})
    hostile = service.model_copy(update={"slos": [slo, *service.slos[1:]]})
    with TestClient(create_app(store=seeded.store, specs=[hostile])) as client:
        page = client.get(f"/slos/marketplace/{slo.name}").text

    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


def test_detail_page_shows_the_apis_figures_and_a_burn_down(client: TestClient):
    page = client.get("/slos/marketplace/api-availability")
    api = client.get("/api/slos/marketplace/api-availability").json()

    assert page.status_code == 200
    _, fields = read_page(page.text)
    expected = expected_detail(api["instances"][0], api["objective"])
    assert {name: fields[name] for name in expected} == expected
    assert fields["alert_page-6h"] == "resolved"
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert 'data-series="ideal"' in svg
    assert 'data-series="remaining"' in svg
    assert "remaining budget" in svg
    assert "time (UTC)" in svg
    assert "100 %" in svg
    assert ">0 %<" in svg


def test_detail_page_shows_the_failed_events_each_tier_needs(client: TestClient):
    _, fields = read_page(client.get("/slos/marketplace/job-posting-availability").text)

    assert fields["page-1h_min_errors"] == fields["ticket-3d_min_errors"] == "3"


def test_detail_page_lists_alert_firings_with_durations(client: TestClient):
    text = client.get("/slos/marketplace/api-availability").text
    history = text[text.index('class="alert-history"') :]

    assert "page-6h" in history
    assert "2h" in history
    bids = client.get("/slos/marketplace/api-latency-p95", params={"instance": "route=/api/bids"})
    assert "still firing" in bids.text
    assert "20m" in bids.text


def test_detail_page_of_a_grouped_slo_picks_the_worst_instance_first(client: TestClient):
    _, default = read_page(client.get("/slos/marketplace/api-latency-p95").text)
    _, jobs = read_page(
        client.get("/slos/marketplace/api-latency-p95", params={"instance": "route=/api/jobs"}).text
    )

    assert default["remaining"] == "-50.0 %"
    assert jobs["remaining"] == "20.0 %"


def test_detail_page_of_an_unknown_slo_is_a_404_page(client: TestClient):
    missing = client.get("/slos/marketplace/nope")
    no_instance = client.get("/slos/marketplace/api-latency-p95", params={"instance": "x"})

    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    _, fields = read_page(missing.text)
    assert (
        fields["error"] == "no SLO 'nope' in service 'marketplace': GET /api/slos lists every SLO"
    )
    assert no_instance.status_code == 404


def test_detail_page_of_an_slo_never_evaluated_renders(client: TestClient):
    page = client.get("/slos/marketplace/bid-response")

    assert page.status_code == 200
    assert "no budget history in this period yet" in page.text
    _, fields = read_page(page.text)
    assert fields["status"] == "unknown"
    assert fields["sli"] == "—"
