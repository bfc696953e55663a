"""Every metric the marketplace exports, defined once.

Gauges name a multiprocess mode so the values stay true when several uvicorn workers share a
PROMETHEUS_MULTIPROC_DIR.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

from marketplace.metrics.http import create_http_metrics

# _created series double the series count and no dashboard or rule reads them.
disable_created_metrics()

HTTP = create_http_metrics()

JOBS_POSTED = Counter("ftw_marketplace_jobs_posted_total", "Jobs posted by homeowners.")
JOBS_COMPLETED = Counter("ftw_marketplace_jobs_completed_total", "Jobs marked completed.")
JOBS_CANCELLED = Counter("ftw_marketplace_jobs_cancelled_total", "Jobs cancelled.")
BIDS_SUBMITTED = Counter("ftw_marketplace_bids_submitted_total", "Bids submitted by contractors.")
BIDS_ACCEPTED = Counter("ftw_marketplace_bids_accepted_total", "Bids accepted by homeowners.")
INVOICES_CREATED = Counter("ftw_marketplace_invoices_created_total", "Invoices created.")
PAYOUTS_REQUESTED = Counter("ftw_marketplace_payouts_requested_total", "Payouts requested.")
PAYOUTS_COMPLETED = Counter(
    "ftw_marketplace_payouts_completed_total",
    "Payouts that reached a terminal state, by that state.",
    ["status"],
)
MESSAGES_SENT = Counter("ftw_marketplace_messages_sent_total", "Messages sent between users.")

RATE_LIMITED = Counter(
    "ftw_marketplace_rate_limited_total",
    "Requests rejected with 429, by the caller's tier and the limit that was exhausted.",
    ["tier", "limit"],
)

BREAKER_STATE = Gauge(
    "ftw_marketplace_circuit_breaker_state",
    "1 for the state a circuit breaker is in (closed, open, half_open), 0 for the others.",
    ["breaker", "state"],
    multiprocess_mode="livemax",
)
BREAKER_TRANSITIONS = Counter(
    "ftw_marketplace_circuit_breaker_transitions_total",
    "Circuit breaker state changes, by the state entered.",
    ["breaker", "state"],
)
PAYMENT_CALLS = Counter(
    "ftw_marketplace_payment_provider_calls_total",
    "Calls to the payment provider, by outcome (ok, error, rejected by the open breaker).",
    ["outcome"],
)

DB_POOL_SIZE = Gauge(
    "ftw_marketplace_db_pool_size",
    "Connections the database pool keeps open at most, before overflow.",
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "ftw_marketplace_db_pool_checked_out_connections",
    "Database connections currently checked out of the pool.",
    multiprocess_mode="livesum",
)
DB_POOL_OVERFLOW = Gauge(
    "ftw_marketplace_db_pool_overflow_connections",
    "Database connections open beyond the pool size.",
    multiprocess_mode="livesum",
)
DB_POOL_WAIT = Histogram(
    "ftw_marketplace_db_pool_wait_seconds",
    "Time a request waited to get a database connection.",
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0),
)

SHED = Counter(
    "ftw_marketplace_shed_requests_total",
    "API requests answered 503 at once because too many were in flight in their worker.",
)
REDIS_ERRORS = Counter(
    "ftw_marketplace_redis_errors_total",
    "Redis commands that failed, by operation.",
    ["operation"],
)
REDIS_LATENCY = Histogram(
    "ftw_marketplace_redis_command_duration_seconds",
    "Time spent in Redis commands, by operation.",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0),
)

FAULTS_INJECTED = Counter(
    "ftw_marketplace_injected_faults_total",
    "Faults injected for drills, by kind (error, latency).",
    ["kind"],
)
