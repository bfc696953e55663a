"""Each request's session gives its connection back however the request ends."""

from __future__ import annotations

from tests.conftest import MarketplaceFactory


def test_requests_that_end_in_errors_give_their_connection_back(
    make_marketplace: MarketplaceFactory, backend_settings
) -> None:
    # One connection and no overflow: a connection kept by a failed request would make the
    # next request wait for the pool and answer 503.
    settings = backend_settings.model_copy(
        update={"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout_seconds": 0.5}
    )
    mp = make_marketplace(settings)
    job = mp.post_job()
    statuses = [mp.client.get("/api/jobs/999999").status_code for _ in range(5)]
    complete = f"/api/jobs/{job['id']}/complete"
    statuses += [
        mp.client.post(complete, headers=mp.key("homeowner")).status_code for _ in range(5)
    ]
    assert statuses == [404] * 5 + [409] * 5
    assert mp.client.get(f"/api/jobs/{job['id']}").status_code == 200
