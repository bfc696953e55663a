"""Bulk-load a year of marketplace history into Postgres with a few INSERT ... SELECT statements.

The rows go straight into the schema of `marketplace/migrations/` (the API is far too slow for
millions of rows) and respect every NOT NULL, CHECK, UNIQUE and FOREIGN KEY constraint, plus the
invariants the API keeps: a job's status matches its timestamps, `first_bid_at` is its first
bid, `updated_at` its latest event, `awarded_bid_id` its accepted bid; invoices belong to
completed jobs and their awarded contractor; an invoice has at most one payout that has not
failed. Distributions: posting times spread evenly over the last 365 days, territories skewed
(a few hot ones), about five bids per job from distinct contractors, the first one a lognormal
delay after posting (median 10 minutes), awards, completions and cancellations a lognormal time
later, most payouts paid a few seconds after being requested, a few failed and retried.

Each payout needs an invoice and each invoice a completed job of its own, so the number of
payouts decides how many jobs end completed: at one payout per ten jobs the job statuses follow
their natural mix (about three quarters completed, the rest cancelled, awarded or still posted);
at one payout per job nearly all are completed (97%), the stories of the jobs that would not
have finished yet compressed into the time since they were posted.

One plan row per job is drawn first (an unlogged table); jobs, bids, invoices and payouts are
then derived from it, so every table agrees with every other. Keys, unique constraints and
secondary indexes are dropped around the load and rebuilt after it (faster than maintaining
them row by row); foreign keys are re-added, which checks every row; VACUUM ANALYZE and a
CHECKPOINT last, so what runs next does not pay for the load.

Run on its own (migrates and seeds a database that must be empty; drops nothing):
    .venv/bin/python benchmarks/bulk_seed.py \
        --database-url postgresql://postgres@127.0.0.1:5432/DB [--jobs 1000000] [--payouts 100000]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

import psycopg
from psycopg import sql

from marketplace.db.models import BidStatus, JobStatus, PayoutStatus, Role

Connection = psycopg.Connection[tuple[Any, ...]]

TABLES = ("users", "jobs", "bids", "invoices", "payouts", "messages")
SPAN_SECONDS = 365 * 86_400
BIDS_MAX = 10  # bids per job are uniform on 0..BIDS_MAX: five on average
RETRY_SHARE = 0.03  # invoices whose first payout failed and was requested again
SEED_SESSION = (
    "SET synchronous_commit = off",
    "SET work_mem = '256MB'",
    "SET maintenance_work_mem = '512MB'",
    "SET max_parallel_maintenance_workers = 1",
    "SELECT setseed(0.42)",
)

TITLES = (
    "Fix a leaking kitchen tap",
    "Replace cracked roof tiles",
    "Paint the living room",
    "Install a garden fence",
    "Rewire the garage",
    "Tile the bathroom floor",
    "Service the boiler",
    "Build fitted wardrobes",
)
MESSAGES = (
    "I can start this week.",
    "Licensed and insured; materials included.",
    "Done similar jobs nearby, photos on request.",
    "Available next Monday.",
)
FAILURES = (
    "payment provider declined the transfer",
    "payment provider timed out",
    "contractor bank account rejected the payment",
)

# One row per job: every random draw first (materialized once), then the job's natural story,
# then which jobs are invoiced (those that completed naturally first), then the final timeline.
PLAN: LiteralString = """
CREATE UNLOGGED TABLE bench_plan AS
WITH drawn AS MATERIALIZED (
    SELECT g AS id,
        {span} * ((g - 1) + random()) / {jobs} AS t_post,
        (floor(254 * power(random(), 2.2))::int * 97) % 254 + 1 AS territory_id,
        1 + floor({homeowners} * random())::int AS homeowner_id,
        least(5000000, greatest(5000, round(pg_temp.lognormal(60000, 0.9))))::bigint
            AS budget_cents,
        floor({bids_choices} * random())::int AS nb0,
        pg_temp.lognormal(600, 1.2) AS d_first,
        pg_temp.lognormal(86400, 1.0) AS d_award,
        pg_temp.lognormal(5 * 86400, 0.8) AS d_complete,
        pg_temp.lognormal(3 * 86400, 1.0) AS d_cancel,
        pg_temp.lognormal(12 * 3600, 1.0) AS d_invoice,
        pg_temp.lognormal(3600, 1.5) AS d_request,
        pg_temp.lognormal(3 * 3600, 1.0) AS d_retry,
        random() AS u_outcome, random() AS u_rank, random() AS u_last, random() AS u_accept,
        random() AS u_amount, random() AS u_payout, random() AS u_settle, random() AS u_text,
        floor({contractors} * power(random(), 1.6))::int AS base_c
    FROM generate_series(1, {jobs}) AS g
),
story AS (
    SELECT d.*,
        CASE WHEN nb0 = 0 THEN CASE WHEN u_outcome < 0.5 THEN 'cancel_open' ELSE 'open' END
             WHEN u_outcome < 0.10 THEN 'cancel_open'
             WHEN u_outcome < 0.14 THEN 'cancel_awarded'
             ELSE 'complete' END AS outcome,
        t_post + d_first AS n_first,
        t_post + d_first + d_award AS n_award,
        t_post + d_first + d_award + d_complete AS n_complete
    FROM drawn d
),
ranked AS (
    SELECT s.*,
        CASE outcome
            WHEN 'cancel_open' THEN CASE WHEN nb0 = 0 THEN t_post ELSE n_first END + d_cancel
            WHEN 'cancel_awarded' THEN n_award + d_cancel
        END AS n_cancel,
        row_number() OVER (
            ORDER BY NOT (outcome = 'complete' AND n_complete <= {span}), u_rank
        ) AS rk
    FROM story s
),
scaled AS (
    SELECT r.*,
        rk <= {invoices} AS invoiced,
        rk <= {retries} AS retry,
        least(1.0, ({span} - t_post) * 0.98 / (d_first + d_award + d_complete + d_invoice
            + d_request + CASE WHEN rk <= {retries} THEN d_retry ELSE 0 END + 10)) AS s
    FROM ranked r
),
timeline AS (
    SELECT c.*,
        CASE WHEN invoiced THEN t_post + s * d_first
             WHEN nb0 > 0 AND n_first <= {span} THEN n_first END AS first_at,
        CASE WHEN invoiced THEN t_post + s * (d_first + d_award)
             WHEN nb0 > 0 AND outcome IN ('cancel_awarded', 'complete') AND n_award <= {span}
             THEN n_award END AS award_at,
        CASE WHEN invoiced THEN t_post + s * (d_first + d_award + d_complete)
             WHEN outcome = 'complete' AND n_complete <= {span} THEN n_complete END
            AS complete_at,
        CASE WHEN NOT invoiced AND n_cancel <= {span} THEN n_cancel END AS cancel_at,
        t_post + s * (d_first + d_award + d_complete + d_invoice) AS invoice_at,
        t_post + s * (d_first + d_award + d_complete + d_invoice + d_request) AS request1_at
    FROM scaled c
),
shaped AS (
    SELECT t.*,
        CASE WHEN invoiced THEN greatest(nb0, 1) WHEN first_at IS NOT NULL THEN nb0 ELSE 0 END
            AS nb,
        CASE WHEN retry THEN request1_at + s * d_retry ELSE request1_at END AS request_at
    FROM timeline t
),
final AS (
    SELECT h.*,
        CASE WHEN nb >= 2 THEN first_at + (least(coalesce(award_at, cancel_at, {span}),
            first_at + 172800) - first_at) * u_last * 0.99 ELSE first_at END AS last_bid_at,
        CASE WHEN award_at IS NOT NULL THEN floor(u_accept * nb)::int END AS accepted_k,
        CASE WHEN complete_at IS NOT NULL THEN 'completed'
             WHEN cancel_at IS NOT NULL THEN 'cancelled'
             WHEN award_at IS NOT NULL THEN 'awarded'
             ELSE 'posted' END AS status,
        CASE WHEN NOT invoiced THEN NULL
             WHEN request_at > {span} - 3600 OR u_payout < 0.003 THEN 'requested'
             WHEN u_payout < 0.013 THEN 'failed'
             ELSE 'paid' END AS payout_status,
        CASE WHEN invoiced THEN 1 + retry::int ELSE 0 END AS payout_n
    FROM shaped h
)
SELECT id, homeowner_id, territory_id, budget_cents, status, invoiced, retry, nb, accepted_k,
    payout_status, u_text, u_settle,
    sum(nb) OVER w - nb AS bid_offset,
    sum(invoiced::int) OVER w AS invoice_id,
    sum(payout_n) OVER w - payout_n AS payout_offset,
    {homeowners} + {operators} + 1 + (base_c + accepted_k) % {contractors} AS awarded_contractor,
    base_c,
    round(budget_cents * (0.7 + 0.5 * u_amount))::bigint AS award_amount,
    {start} + t_post * interval '1 second' AS posted_at,
    {start} + first_at * interval '1 second' AS first_bid_at,
    {start} + last_bid_at * interval '1 second' AS last_bid_at,
    {start} + award_at * interval '1 second' AS awarded_at,
    {start} + complete_at * interval '1 second' AS completed_at,
    {start} + cancel_at * interval '1 second' AS cancelled_at,
    {start} + greatest(t_post, last_bid_at, award_at, complete_at, cancel_at)
        * interval '1 second' AS updated_at,
    {start} + invoice_at * interval '1 second' AS invoice_at,
    {start} + request1_at * interval '1 second' AS request1_at,
    {start} + (request1_at + s * 2) * interval '1 second' AS fail1_at,
    {start} + request_at * interval '1 second' AS request_at,
    {start} + (request_at + s * (1 + 2 * u_settle)) * interval '1 second' AS settle_at
FROM final
WINDOW w AS (ORDER BY id ROWS UNBOUNDED PRECEDING)
"""

LOGNORMAL: LiteralString = """
CREATE FUNCTION pg_temp.lognormal(median double precision, sigma double precision)
RETURNS double precision LANGUAGE sql VOLATILE AS $$
    SELECT median * exp(sigma * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))
$$
"""

USERS: LiteralString = """
INSERT INTO users (id, name, email, role, tier, api_key_hash, created_at)
SELECT g,
    CASE WHEN g <= {operators} THEN 'Operator ' || g
         WHEN g <= {operators} + {homeowners} THEN 'Homeowner ' || g
         ELSE 'Contractor ' || g END,
    CASE WHEN g <= {operators} THEN 'operator'
         WHEN g <= {operators} + {homeowners} THEN 'homeowner'
         ELSE 'contractor' END || g || '@bench.ftw.example',
    CASE WHEN g <= {operators} THEN {operator}
         WHEN g <= {operators} + {homeowners} THEN {homeowner}
         ELSE {contractor} END,
    CASE WHEN g <= {operators} THEN 'operator'
         WHEN g > {operators} + {homeowners} AND g % 5 = 0 THEN 'pro'
         ELSE 'authenticated' END,
    encode(sha256(('ftw-bench-user-' || g)::bytea), 'hex'),
    {start} - interval '60 days' * random()
FROM generate_series(1, {operators} + {homeowners} + {contractors}) AS g
"""

JOBS: LiteralString = """
INSERT INTO jobs (id, homeowner_id, territory_id, title, description, budget_cents, status,
    posted_at, first_bid_at, awarded_at, completed_at, cancelled_at, awarded_bid_id, updated_at)
SELECT id, {operators} + homeowner_id, territory_id,
    ({titles})[1 + floor(u_text * {title_count})::int],
    'Territory ' || territory_id || '. ' || ({titles})[1 + floor(u_settle * {title_count})::int]
        || ' as well if there is time; access from the back garden.',
    budget_cents, status, posted_at, first_bid_at, awarded_at, completed_at, cancelled_at,
    CASE WHEN accepted_k IS NOT NULL THEN bid_offset + accepted_k + 1 END, updated_at
FROM bench_plan
"""

BIDS: LiteralString = """
INSERT INTO bids (id, job_id, contractor_id, amount_cents, message, status, created_at,
    accepted_at)
SELECT p.bid_offset + k + 1, p.id,
    {homeowners} + {operators} + 1 + (p.base_c + k) % {contractors},
    CASE WHEN k = p.accepted_k THEN p.award_amount
         ELSE round(p.budget_cents * (0.6 + 0.8 * random()))::bigint END,
    ({messages})[1 + (p.id + k) % {message_count}],
    CASE WHEN p.accepted_k IS NULL THEN {submitted}
         WHEN k = p.accepted_k THEN {accepted}
         ELSE {rejected} END,
    CASE WHEN k = 0 THEN p.first_bid_at
         WHEN k = p.nb - 1 THEN p.last_bid_at
         ELSE p.first_bid_at + (p.last_bid_at - p.first_bid_at) * random() END,
    CASE WHEN k = p.accepted_k THEN p.awarded_at END
FROM bench_plan AS p CROSS JOIN LATERAL generate_series(0, p.nb - 1) AS k
"""

INVOICES: LiteralString = """
INSERT INTO invoices (id, job_id, contractor_id, homeowner_id, amount_cents, created_at)
SELECT invoice_id, id, awarded_contractor, {operators} + homeowner_id, award_amount, invoice_at
FROM bench_plan WHERE invoiced
"""

PAYOUTS: LiteralString = """
INSERT INTO payouts (id, invoice_id, contractor_id, amount_cents, status, failure_reason,
    requested_at, paid_at, failed_at, updated_at)
SELECT payout_offset + 1, invoice_id, awarded_contractor, award_amount, {failed},
    ({failures})[1 + id % {failure_count}], request1_at, NULL, fail1_at, fail1_at
FROM bench_plan WHERE retry
UNION ALL
SELECT payout_offset + 1 + retry::int, invoice_id, awarded_contractor, award_amount,
    payout_status,
    CASE WHEN payout_status = {failed} THEN ({failures})[1 + id % {failure_count}] END,
    request_at,
    CASE WHEN payout_status = {paid} THEN settle_at END,
    CASE WHEN payout_status = {failed} THEN settle_at END,
    CASE WHEN payout_status = {requested} THEN request_at ELSE settle_at END
FROM bench_plan WHERE invoiced
"""

PLANNED: LiteralString = """
SELECT count(*), coalesce(sum(nb), 0), count(*) FILTER (WHERE invoiced),
    coalesce(sum(CASE WHEN invoiced THEN 1 + retry::int ELSE 0 END), 0)
FROM bench_plan
"""

# Each query counts the rows that break one invariant the API keeps; all must be 0.
INVARIANTS: dict[str, LiteralString] = {
    "enum values": """
        SELECT (SELECT count(*) FROM users WHERE role NOT IN {roles})
             + (SELECT count(*) FROM jobs WHERE status NOT IN {job_statuses})
             + (SELECT count(*) FROM bids WHERE status NOT IN {bid_statuses})
             + (SELECT count(*) FROM payouts WHERE status NOT IN {payout_statuses})
    """,
    "job status matches its timestamps": """
        SELECT count(*) FROM jobs WHERE NOT CASE status
            WHEN 'posted' THEN awarded_at IS NULL AND completed_at IS NULL
                AND cancelled_at IS NULL AND awarded_bid_id IS NULL
            WHEN 'awarded' THEN awarded_at IS NOT NULL AND awarded_bid_id IS NOT NULL
                AND completed_at IS NULL AND cancelled_at IS NULL
            WHEN 'completed' THEN awarded_at IS NOT NULL AND completed_at IS NOT NULL
                AND cancelled_at IS NULL AND completed_at >= awarded_at
            WHEN 'cancelled' THEN cancelled_at IS NOT NULL AND completed_at IS NULL
                AND cancelled_at >= coalesce(awarded_at, posted_at)
            ELSE false END
          OR first_bid_at < posted_at OR awarded_at < first_bid_at
          OR (awarded_at IS NOT NULL AND first_bid_at IS NULL)
          OR updated_at <> greatest(posted_at, first_bid_at, awarded_at, completed_at,
                                    cancelled_at, updated_at)
          OR updated_at > now()
    """,
    "first_bid_at is the first bid, updated_at no older than the last": """
        SELECT count(*) FROM jobs AS j
        LEFT JOIN (SELECT job_id, min(created_at) AS first, max(created_at) AS last
                   FROM bids GROUP BY job_id) AS b ON b.job_id = j.id
        WHERE j.first_bid_at IS DISTINCT FROM b.first OR j.updated_at < b.last
    """,
    "awarded_bid_id is the job's accepted bid, bids precede the award": """
        SELECT (SELECT count(*) FROM jobs AS j LEFT JOIN bids AS b ON b.id = j.awarded_bid_id
                WHERE j.awarded_at IS NOT NULL AND (b.job_id IS DISTINCT FROM j.id
                    OR b.status <> 'accepted' OR b.accepted_at IS DISTINCT FROM j.awarded_at))
             + (SELECT count(*) FROM bids AS b JOIN jobs AS j ON j.id = b.job_id
                WHERE b.created_at > coalesce(j.awarded_at, j.cancelled_at, now())
                   OR (b.status = 'accepted') <> (b.id IS NOT DISTINCT FROM j.awarded_bid_id)
                   OR (b.status = 'submitted') <> (j.awarded_bid_id IS NULL))
    """,
    "invoices bill completed jobs, from their awarded contractor": """
        SELECT count(*) FROM invoices AS i JOIN jobs AS j ON j.id = i.job_id
        JOIN bids AS b ON b.id = j.awarded_bid_id
        WHERE j.status <> 'completed' OR i.contractor_id <> b.contractor_id
           OR i.homeowner_id <> j.homeowner_id OR i.created_at < j.completed_at
    """,
    "payouts: outcome timestamps, one live payout per invoice": """
        SELECT (SELECT count(*) FROM payouts AS p JOIN invoices AS i ON i.id = p.invoice_id
                WHERE p.contractor_id <> i.contractor_id OR p.requested_at < i.created_at
                   OR NOT CASE p.status
                       WHEN 'requested' THEN p.paid_at IS NULL AND p.failed_at IS NULL
                           AND p.updated_at = p.requested_at
                       WHEN 'paid' THEN p.paid_at >= p.requested_at AND p.failed_at IS NULL
                           AND p.updated_at = p.paid_at
                       WHEN 'failed' THEN p.failed_at >= p.requested_at AND p.paid_at IS NULL
                           AND p.failure_reason IS NOT NULL AND p.updated_at = p.failed_at
                       ELSE false END
                   OR p.updated_at > now())
             + (SELECT count(*) FROM (SELECT invoice_id FROM payouts WHERE status <> 'failed'
                                      GROUP BY invoice_id HAVING count(*) > 1) AS twice)
    """,
}


@dataclass(frozen=True)
class Sizes:
    """How much history to load; users scale with jobs.

    Usage::

        sizes = Sizes.for_jobs(1_000_000, payouts=1_000_000)
        sizes.invoices, sizes.retries
    """

    jobs: int
    payouts: int
    homeowners: int
    contractors: int
    operators: int = 1

    @classmethod
    def for_jobs(cls, jobs: int, payouts: int | None = None) -> Sizes:
        """Return sizes for `jobs` jobs: a payout per ten jobs unless `payouts` says otherwise.

        Every payout needs an invoice and every invoice a completed job of its own, so at most
        about one payout per job fits; more are capped.
        """
        if jobs < 1:
            raise ValueError("jobs must be >= 1")
        chosen = jobs // 10 if payouts is None else payouts
        return cls(
            jobs=jobs,
            payouts=max(0, min(chosen, round(jobs * (1 + RETRY_SHARE)))),
            homeowners=max(100, jobs // 50),
            contractors=max(50, jobs // 200),
        )

    @property
    def invoices(self) -> int:
        """Invoices needed: one per payout, less the retries that reuse a failed one's invoice."""
        return min(self.jobs, round(self.payouts / (1 + RETRY_SHARE)))

    @property
    def retries(self) -> int:
        """Invoices with two payouts: a failed one and the one requested after it."""
        return max(0, min(self.invoices, self.payouts - self.invoices))

    @property
    def users(self) -> int:
        """Every user row: operators, homeowners, contractors."""
        return self.operators + self.homeowners + self.contractors


@dataclass
class SeedResult:
    """What was loaded, how long each phase took, and the row counts the plan promised.

    Usage::

        result = seed(url, Sizes.for_jobs(10_000))
        result.seconds, result.expected["bids"], result.summary()
    """

    expected: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    status_mix: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        """Return the phases and their durations on one line."""
        return "; ".join(f"{name} {secs:.1f} s" for name, secs in self.phases.items())


@dataclass(frozen=True)
class Schema:
    """Keys, unique constraints, foreign keys and indexes of the loaded tables, as DDL.

    Each entry is (table, name, definition).
    """

    keys: list[tuple[str, str, str]]
    foreign: list[tuple[str, str, str]]
    indexes: list[tuple[str, str, str]]

    def fingerprint(self) -> set[tuple[str, str, str]]:
        """Return every definition, to compare the schema before and after the load."""
        return {*self.keys, *self.foreign, *self.indexes}


Job = Callable[[Connection], object]


def _literal_list(values: Iterable[str]) -> sql.Composable:
    return sql.SQL("({})").format(sql.SQL(", ").join(sql.Literal(v) for v in values))


def _array(values: Iterable[str]) -> sql.Composable:
    return sql.SQL("ARRAY[{}]").format(sql.SQL(", ").join(sql.Literal(v) for v in values))


def _params(sizes: Sizes, now: datetime) -> dict[str, sql.Composable]:
    numbers = {
        "jobs": sizes.jobs,
        "homeowners": sizes.homeowners,
        "contractors": sizes.contractors,
        "operators": sizes.operators,
        "invoices": sizes.invoices,
        "retries": sizes.retries,
        "span": SPAN_SECONDS,
        "bids_choices": BIDS_MAX + 1,
        "title_count": len(TITLES),
        "message_count": len(MESSAGES),
        "failure_count": len(FAILURES),
    }
    params: dict[str, sql.Composable] = {k: sql.Literal(v) for k, v in numbers.items()}
    for status in (*JobStatus, *BidStatus, *PayoutStatus, *Role):
        params[status.name.lower()] = sql.Literal(status.value)
    params["start"] = sql.Literal(now - timedelta(seconds=SPAN_SECONDS))
    params["titles"] = _array(TITLES)
    params["messages"] = _array(MESSAGES)
    params["failures"] = _array(FAILURES)
    params["roles"] = _literal_list(Role)
    params["job_statuses"] = _literal_list(JobStatus)
    params["bid_statuses"] = _literal_list(BidStatus)
    params["payout_statuses"] = _literal_list(PayoutStatus)
    return params


def _statement(template: LiteralString, params: dict[str, sql.Composable]) -> sql.Composed:
    return sql.SQL(template).format(**params)


def _ddl(definition: str) -> sql.SQL:
    """Wrap DDL read back from the catalog (pg_get_constraintdef, pg_get_indexdef)."""
    return sql.SQL(definition)


def read_schema(conn: Connection) -> Schema:
    """Return the DDL of the keys, foreign keys and indexes on and into the loaded tables."""
    tables = list(TABLES)
    constraints = conn.execute(
        """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint
        WHERE contype IN ('p', 'u', 'f')
          AND (conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s))
        ORDER BY conname
        """,
        (tables, tables),
    ).fetchall()
    indexes = conn.execute(
        """
        SELECT i.indrelid::regclass::text, c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
        WHERE i.indrelid::regclass::text = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k
                          WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u'))
        ORDER BY c.relname
        """,
        (tables,),
    ).fetchall()
    return Schema(
        keys=[(t, n, d) for t, n, kind, d in constraints if kind in ("p", "u")],
        foreign=[(t, n, d) for t, n, kind, d in constraints if kind == "f"],
        indexes=[(t, n, d) for t, n, d in indexes],
    )


def _drop(conn: Connection, schema: Schema) -> None:
    with conn.transaction():
        for table, name, _ in [*schema.foreign, *schema.keys]:
            conn.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
            )
        for _, name, _ in schema.indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))


def _execute(statement: sql.SQL | sql.Composed) -> Job:
    return lambda conn: conn.execute(statement)


def _add_constraint(table: str, name: str, definition: str) -> Job:
    return _execute(
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            sql.Identifier(table), sql.Identifier(name), _ddl(definition)
        )
    )


def _parallel(connections: list[Connection], jobs: list[Job]) -> None:
    """Run `jobs` in order on whichever connection is free; cancel everything on failure."""
    queue = list(reversed(jobs))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def work(conn: Connection) -> None:
        while True:
            with lock:
                if not queue or failures:
                    return
                job = queue.pop()
            try:
                job(conn)
            except BaseException as exc:
                with lock:
                    failures.append(exc)
                return

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in connections]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException:
        with lock:
            queue.clear()
        for conn in connections:
            conn.cancel_safe()
        raise
    if failures:
        raise failures[0]


def _restore(connections: list[Connection], schema: Schema) -> None:
    """Rebuild keys and indexes, largest tables first, then re-add (and so check) foreign keys."""
    order = {"bids": 0, "jobs": 1, "payouts": 2, "invoices": 3, "users": 4}

    def by_size(entries: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        return sorted(entries, key=lambda entry: order.get(entry[0], len(order)))

    _parallel(connections, [_add_constraint(*k) for k in by_size(schema.keys)])
    indexes = by_size(schema.indexes)
    _parallel(connections, [_execute(_ddl(definition)) for _, _, definition in indexes])
    _parallel(connections, [_add_constraint(*k) for k in by_size(schema.foreign)])


def _connect(url: str) -> Connection:
    conn = psycopg.connect(url, autocommit=True)
    for statement in SEED_SESSION:
        conn.execute(statement)
    return conn


def seed(url: str, sizes: Sizes, log: Callable[[str], None] = print) -> SeedResult:
    """Load `sizes` of history into the empty, migrated database at `url`; return what it took.

    Raises psycopg errors when a constraint is broken, which leaves the database half-loaded.
    """
    result = SeedResult()
    started = time.perf_counter()
    params = _params(sizes, datetime.now(UTC))
    mark = started

    def phase(name: str) -> None:
        nonlocal mark
        result.phases[name] = time.perf_counter() - mark
        mark = time.perf_counter()
        log(f"  {name}: {result.phases[name]:.1f} s")

    connections = [_connect(url), _connect(url)]
    main = connections[0]
    try:
        schema = read_schema(main)
        _drop(main, schema)
        main.execute(LOGNORMAL)
        main.execute(_statement(PLAN, params))
        main.execute("ANALYZE bench_plan")
        planned = main.execute(PLANNED).fetchone()
        assert planned is not None
        jobs, bids, invoices, payouts = (int(value) for value in planned)
        result.expected = {
            "users": sizes.users,
            "jobs": jobs,
            "bids": bids,
            "invoices": invoices,
            "payouts": payouts,
        }
        mix = main.execute("SELECT status, count(*) FROM bench_plan GROUP BY status").fetchall()
        result.status_mix = {str(status): int(n) for status, n in sorted(mix)}
        phase("plan")

        def load_bids(conn: Connection) -> None:
            conn.execute(_statement(BIDS, params))

        def load_rest(conn: Connection) -> None:
            for template in (USERS, JOBS, INVOICES, PAYOUTS):
                conn.execute(_statement(template, params))

        _parallel(connections, [load_bids, load_rest])
        phase("insert rows")
        main.execute("DROP TABLE bench_plan")
        for table in ("users", "jobs", "bids", "invoices", "payouts"):
            main.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), max(id)) FROM {}").format(
                    sql.Literal(table), sql.Identifier(table)
                )
            )
        _restore(connections, schema)
        phase("keys, indexes and foreign keys")
        if read_schema(main).fingerprint() != schema.fingerprint():
            raise RuntimeError("the rebuilt keys and indexes differ from the migration's")
        vacuum = [sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(t)) for t in TABLES]
        _parallel(connections, [_execute(statement) for statement in vacuum])
        phase("vacuum analyze")
        # Write the load's dirty pages out now rather than in a checkpoint during what follows.
        main.execute("CHECKPOINT")
        phase("checkpoint")
    finally:
        for conn in connections:
            conn.close()
    result.seconds = time.perf_counter() - started
    return result


def verify(url: str, expected: dict[str, int]) -> list[str]:
    """Return what is wrong with the loaded data: row counts, constraints, invariants."""
    problems: list[str] = []
    params = _params(Sizes.for_jobs(1), datetime.now(UTC))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET work_mem = '256MB'")
        for table, count in expected.items():
            found = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            if found is None or found[0] != count:
                problems.append(f"{table}: {found and found[0]} rows, expected {count}")
        invalid = conn.execute(
            "SELECT conname FROM pg_constraint WHERE NOT convalidated "
            "AND connamespace = 'public'::regnamespace"
        ).fetchall()
        problems += [f"constraint {name} is not validated" for (name,) in invalid]
        for name, query in INVARIANTS.items():
            row = conn.execute(_statement(query, params)).fetchone()
            if row is None or row[0] != 0:
                problems.append(f"{name}: {row and row[0]} rows break it")
    return problems


def main() -> None:
    """Migrate and seed the database given on the command line."""
    from marketplace.db.migrate import upgrade_url

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--payouts", type=int, default=None)
    args = parser.parse_args()
    sizes = Sizes.for_jobs(args.jobs, args.payouts)
    upgrade_url(args.database_url)
    result = seed(args.database_url, sizes)
    print(
        f"seeded in {result.seconds:.1f} s: {result.expected}; jobs by status {result.status_mix}"
    )
    problems = verify(args.database_url, result.expected)
    print("checks: " + ("; ".join(problems) if problems else "all hold"))


if __name__ == "__main__":
    main()
