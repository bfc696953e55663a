"""The circuit breaker on a fake clock, and the payment breaker through the payouts API."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from prometheus_client import REGISTRY

from marketplace.breaker import BreakerState, CircuitBreaker, CircuitOpenError
from marketplace.config import Settings
from tests.conftest import REDIS_TEST_URL, Marketplace, MarketplaceFactory, wait_until
from tests.support.clock import SecondsClock


class ProviderDown(RuntimeError):
    """What the fake dependency raises."""


class Dependency:
    """A fake dependency that counts its calls and fails while `down`."""

    def __init__(self) -> None:
        self.calls = 0
        self.down = False

    def __call__(self) -> str:
        self.calls += 1
        if self.down:
            raise ProviderDown("unreachable")
        return "ok"


@pytest.fixture
def clock() -> SecondsClock:
    return SecondsClock()


@pytest.fixture
def breaker(clock: SecondsClock) -> CircuitBreaker:
    # A unique name keeps this breaker's metric series apart from every other breaker's.
    name = f"test_{uuid.uuid4().hex[:8]}"
    return CircuitBreaker(name, failure_threshold=3, reset_timeout_seconds=30, clock=clock)


def _fail(breaker: CircuitBreaker, times: int) -> None:
    dependency = Dependency()
    dependency.down = True
    for _ in range(times):
        with pytest.raises(ProviderDown):
            breaker.call(dependency)


def _open(breaker: CircuitBreaker) -> None:
    _fail(breaker, breaker.failure_threshold)
    assert breaker.state is BreakerState.OPEN


def test_a_new_breaker_is_closed_and_passes_calls(breaker: CircuitBreaker) -> None:
    assert breaker.call(Dependency()) == "ok"
    assert breaker.state is BreakerState.CLOSED
    assert breaker.rejection() is None


def test_failures_below_the_threshold_keep_the_breaker_closed(breaker: CircuitBreaker) -> None:
    _fail(breaker, 2)

    assert breaker.state is BreakerState.CLOSED


def test_the_breaker_opens_after_threshold_consecutive_failures(breaker: CircuitBreaker) -> None:
    _fail(breaker, 3)

    assert breaker.state is BreakerState.OPEN


def test_a_success_resets_the_count_of_consecutive_failures(breaker: CircuitBreaker) -> None:
    _fail(breaker, 2)
    breaker.call(Dependency())
    _fail(breaker, 2)

    assert breaker.state is BreakerState.CLOSED


def test_an_open_breaker_fails_fast_without_calling(
    breaker: CircuitBreaker, clock: SecondsClock
) -> None:
    _open(breaker)
    clock.now += 10
    dependency = Dependency()

    with pytest.raises(CircuitOpenError) as raised:
        breaker.call(dependency)

    assert dependency.calls == 0
    assert raised.value.retry_after_seconds == pytest.approx(20)
    assert raised.value.name == breaker.name


def test_rejection_says_how_long_an_open_breaker_stays_open(
    breaker: CircuitBreaker, clock: SecondsClock
) -> None:
    _open(breaker)
    clock.now += 25

    rejection = breaker.rejection()

    assert rejection is not None
    assert rejection.retry_after_seconds == pytest.approx(5)
    assert "circuit breaker is open" in str(rejection)


def test_the_breaker_stays_open_until_the_reset_timeout_passes(
    breaker: CircuitBreaker, clock: SecondsClock
) -> None:
    _open(breaker)
    clock.now += 29.9

    assert breaker.state is BreakerState.OPEN


def test_the_breaker_half_opens_once_the_reset_timeout_passes(
    breaker: CircuitBreaker, clock: SecondsClock
) -> None:
    _open(breaker)
    clock.now += 30

    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.rejection() is None


def test_a_half_open_breaker_lets_exactly_one_trial_through(
    breaker: CircuitBreaker, clock: SecondsClock
) -> None:
    _open(breaker)
    clock.now += 30
    concurrent = Dependency()
    refused: list[CircuitOpenError] = []

    def trial() -> str:
        # A second call arriving while the trial is in flight must not reach the dependency.
        with pytest.raises(CircuitOpenError) as raised:
            breaker.call(concurrent)
        refused.append(raised.value)
        return "ok"

    assert breaker.call(trial) == "ok"
    assert concurrent.calls == 0
    assert len(refused) == 1


def test_rejection_refuses_other_callers_while_the_trial_is_in_flight(
    breaker: CircuitBreaker, clock: SecondsClock
) -> None:
    _open(breaker)
    clock.now += 30
    seen: list[CircuitOpenError | None] = []

    breaker.call(lambda: seen.append(breaker.rejection()))

    assert len(seen) == 1
    assert isinstance(seen[0], CircuitOpenError)


def test_a_successful_trial_closes_the_breaker(
    breaker: CircuitBreaker, clock: SecondsClock
) -> None:
    _open(breaker)
    clock.now += 30

    breaker.call(Dependency())

    assert breaker.state is BreakerState.CLOSED
    _fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED


def test_a_failed_trial_opens_the_breaker_for_another_full_timeout(
    breaker: CircuitBreaker, clock: SecondsClock
) -> None:
    _open(breaker)
    clock.now += 30

    _fail(breaker, 1)

    states = [breaker.state]
    for seconds in (29.9, 0.1):
        clock.now += seconds
        states.append(breaker.state)
    assert states == [BreakerState.OPEN, BreakerState.OPEN, BreakerState.HALF_OPEN]


def _gauge(breaker: CircuitBreaker) -> dict[str, float | None]:
    return {
        state.value: REGISTRY.get_sample_value(
            "ftw_marketplace_circuit_breaker_state", {"breaker": breaker.name, "state": state.value}
        )
        for state in BreakerState
    }


def test_the_state_gauge_marks_only_the_current_state(
    breaker: CircuitBreaker, clock: SecondsClock
) -> None:
    assert _gauge(breaker) == {"closed": 1, "open": 0, "half_open": 0}
    _open(breaker)
    assert _gauge(breaker) == {"closed": 0, "open": 1, "half_open": 0}
    clock.now += 30
    assert breaker.state is BreakerState.HALF_OPEN
    assert _gauge(breaker) == {"closed": 0, "open": 0, "half_open": 1}
    breaker.call(Dependency())
    assert _gauge(breaker) == {"closed": 1, "open": 0, "half_open": 0}


def _transitions(name: str) -> dict[str, float]:
    return {
        state.value: REGISTRY.get_sample_value(
            "ftw_marketplace_circuit_breaker_transitions_total",
            {"breaker": name, "state": state.value},
        )
        or 0.0
        for state in BreakerState
    }


def test_transitions_are_counted_by_the_state_entered(
    breaker: CircuitBreaker, clock: SecondsClock
) -> None:
    _open(breaker)
    clock.now += 30
    _fail(breaker, 1)  # the trial fails: open again
    clock.now += 30
    breaker.call(Dependency())  # the next trial succeeds: closed

    assert _transitions(breaker.name) == {"closed": 1, "open": 2, "half_open": 2}


# --- through the payouts API -------------------------------------------------------------


def _ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def _payment_outage(mp: Marketplace, outage: bool) -> None:
    body = _ok(
        mp.client.put(
            "/api/admin/faults/payment-provider",
            json={"outage": outage},
            headers=mp.key("operator"),
        )
    )
    assert body["payment_provider_outage"] is outage


def _request_payout(mp: Marketplace, invoice_id: int):
    return mp.client.post(
        "/api/payouts", json={"invoice_id": invoice_id}, headers=mp.key("contractor")
    )


def _payouts(mp: Marketplace) -> list[dict[str, Any]]:
    return list(_ok(mp.client.get("/api/payouts", headers=mp.key("operator")))["items"])


def _payment_calls(outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "ftw_marketplace_payment_provider_calls_total", {"outcome": outcome}
    )
    return value or 0.0


@pytest.fixture
def breaker_settings(postgres_url: str, redis_prefix: str) -> Settings:
    return Settings(
        database_url=postgres_url,
        redis_url=REDIS_TEST_URL,
        redis_key_prefix=redis_prefix,
        breaker_failure_threshold=3,
        breaker_reset_timeout_seconds=300,
    )


def test_a_payout_during_a_provider_outage_answers_502_and_is_recorded_failed(
    make_marketplace: MarketplaceFactory, breaker_settings: Settings
) -> None:
    mp = make_marketplace(breaker_settings)
    invoice_id = mp.invoiced_job()
    _payment_outage(mp, True)

    response = _request_payout(mp, invoice_id)

    assert response.status_code == 502, response.text
    assert "marked failed" in response.json()["detail"]
    [payout] = _payouts(mp)
    assert payout["status"] == "failed"
    assert "outage" in payout["failure_reason"]


def test_payouts_fail_fast_with_503_once_the_breaker_opens(
    make_marketplace: MarketplaceFactory, breaker_settings: Settings
) -> None:
    mp = make_marketplace(breaker_settings)
    invoice_id = mp.invoiced_job()
    _payment_outage(mp, True)
    failures = [_request_payout(mp, invoice_id).status_code for _ in range(3)]
    assert failures == [502, 502, 502]
    rejected_before = _payment_calls("rejected")
    errors_before = _payment_calls("error")

    response = _request_payout(mp, invoice_id)

    assert response.status_code == 503, response.text
    assert 1 <= int(response.headers["Retry-After"]) <= 300
    assert "circuit breaker is open" in response.json()["detail"]
    assert len(_payouts(mp)) == 3  # no payout row for the refused request
    assert _payment_calls("rejected") - rejected_before == 1
    assert _payment_calls("error") == errors_before  # the provider was not called


def test_the_payment_breaker_recovers_by_itself_once_the_provider_is_back(
    make_marketplace: MarketplaceFactory, breaker_settings: Settings
) -> None:
    settings = breaker_settings.model_copy(update={"breaker_reset_timeout_seconds": 0.2})
    mp = make_marketplace(settings)
    invoice_id = mp.invoiced_job()
    before = _transitions("payment_provider")
    _payment_outage(mp, True)
    assert [_request_payout(mp, invoice_id).status_code for _ in range(3)] == [502, 502, 502]
    _payment_outage(mp, False)
    statuses: list[int] = []

    def paid() -> dict[str, Any] | None:
        response = _request_payout(mp, invoice_id)
        statuses.append(response.status_code)
        return dict(response.json()) if response.status_code == 201 else None

    payout = wait_until(paid, timeout=15)

    assert isinstance(payout, dict)
    assert payout["status"] == "paid"
    assert set(statuses[:-1]) <= {503}  # refused while open, never sent to the provider
    after = _transitions("payment_provider")
    assert {state: after[state] - before[state] for state in after} == {
        "open": 1,
        "half_open": 1,
        "closed": 1,
    }
    assert [p["status"] for p in _payouts(mp)] == ["paid", "failed", "failed", "failed"]
