"""Scrape latency of the business exporter at a small and a large marketplace, rows arriving.

Each size gets a uniquely named Postgres database, migrated and bulk-loaded with a year of
history (`bulk_seed.py`; by default 10k jobs, and 1M jobs with 5M bids and 1M payouts), then
checked: row counts, constraints, and the invariants the API keeps. Both sizes are then scraped
side by side, taking turns, so the machine treats them alike. Before every scrape a batch of
new activity is written the way the marketplace writes it, one transaction per action: new
jobs; bids (the first on a job sets `first_bid_at` and its `updated_at`); awards; completions with
their invoice and a requested payout; a cancellation; requested payouts turning paid or failed.
Timed per scrape:

- in process: `BusinessSource(url).read()` from `exporters.business.source`, with the rows it
  read;
- over HTTP: GET /metrics of a running `ftw-exporter --port P` (DATABASE_URL set), with the
  read time of each source the exporter reports about itself; skipped, and said so, if the
  command cannot be started.

The first read rebuilds from the whole database and is reported on its own. Time is
compressed: one scrape every `--interval` seconds stands for Prometheus' 15 s, and the source's
re-read overlap (30 s) is scaled alike, so each scrape re-reads what it would in production.
The databases are dropped at the end, also after a failure or Ctrl-C.

Goal: p99 <= 50 ms at the large size, and large/small p99 <= 1.5.

Run:
    .venv/bin/python benchmarks/exporter_scrape.py [--small-jobs 10000] [--large-jobs 1000000] \
        [--scrapes 200] [--interval 0.5]
Quick run while developing: --large-jobs 100000 --scrapes 50
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any, LiteralString, Protocol

import httpx
import psycopg
from bulk_seed import Sizes, seed, verify  # a sibling, on sys.path when run
from instrumentation_overhead import free_port  # a sibling too
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql

POSTGRES_ADMIN = os.environ.get("FTW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
ROOT = Path(__file__).resolve().parent.parent
EXPORTER_SCRIPT = Path(sys.executable).parent / "ftw-exporter"
P99_GOAL_MS, RATIO_GOAL = 50.0, 1.5
PROMETHEUS_INTERVAL = 15.0  # seconds between scrapes the compressed loop stands for
OVERLAP_SECONDS = 30.0  # the exporter's default re-read overlap
RERUN = ".venv/bin/python benchmarks/exporter_scrape.py"

Connection = psycopg.Connection[tuple[Any, ...]]

# One statement per marketplace action, each its own transaction, as the API commits them.
SETTLE: LiteralString = """
WITH chosen AS (
    SELECT id, random() < 0.05 AS fails FROM payouts
    WHERE status = 'requested' AND requested_at < now()
    ORDER BY requested_at LIMIT %(payouts)s
), settled AS (
    UPDATE payouts AS p
    SET status = CASE WHEN c.fails THEN 'failed' ELSE 'paid' END,
        paid_at = CASE WHEN c.fails THEN NULL ELSE now() END,
        failed_at = CASE WHEN c.fails THEN now() END,
        failure_reason = CASE WHEN c.fails THEN 'payment provider timed out' END,
        updated_at = now()
    FROM chosen AS c WHERE p.id = c.id
    RETURNING p.id
)
SELECT count(*) FROM settled
"""
POST_JOBS: LiteralString = """
WITH posted AS (
    INSERT INTO jobs (homeowner_id, territory_id, title, description, budget_cents, status,
        posted_at, updated_at)
    SELECT %(first_homeowner)s + floor(random() * %(homeowners)s)::int,
        (floor(254 * power(random(), 2.2))::int * 97) %% 254 + 1,
        'Fix a leaking kitchen tap', 'Posted while the exporter is scraped.',
        (5000 + random() * 200000)::bigint, 'posted', now(), now()
    FROM generate_series(1, %(jobs)s)
    RETURNING id
)
SELECT count(*) FROM posted
"""
BID: LiteralString = """
WITH open AS (
    SELECT array_agg(id) AS ids FROM (
        SELECT id FROM jobs WHERE status = 'posted' ORDER BY id DESC LIMIT 40
    ) AS newest
), placed AS (
    INSERT INTO bids (job_id, contractor_id, amount_cents, message, status, created_at)
    SELECT o.ids[1 + floor(random() * cardinality(o.ids))::int],
        %(first_contractor)s + floor(random() * %(contractors)s)::int,
        (5000 + random() * 200000)::bigint, 'I can start this week.', 'submitted', now()
    FROM open AS o, generate_series(1, %(bids)s)
    WHERE cardinality(o.ids) > 0
    ON CONFLICT (job_id, contractor_id) DO NOTHING
    RETURNING job_id
), touched AS (
    UPDATE jobs SET first_bid_at = now(), updated_at = now()
    WHERE id IN (SELECT job_id FROM placed) AND first_bid_at IS NULL
    RETURNING id
)
SELECT count(*) FROM placed
"""
AWARD: LiteralString = """
WITH candidates AS (
    SELECT id FROM jobs WHERE status = 'posted' AND first_bid_at IS NOT NULL
    ORDER BY id DESC OFFSET 20 LIMIT %(payouts)s
), picked AS (
    SELECT DISTINCT ON (b.job_id) b.job_id, b.id FROM bids AS b
    WHERE b.job_id IN (SELECT id FROM candidates)
    ORDER BY b.job_id, b.amount_cents, b.id
), awarded AS (
    UPDATE jobs AS j
    SET status = 'awarded', awarded_at = now(), awarded_bid_id = p.id, updated_at = now()
    FROM picked AS p WHERE j.id = p.job_id AND j.status = 'posted'
    RETURNING j.id, j.awarded_bid_id
), decided AS (
    UPDATE bids AS b
    SET status = CASE WHEN b.id = a.awarded_bid_id THEN 'accepted' ELSE 'rejected' END,
        accepted_at = CASE WHEN b.id = a.awarded_bid_id THEN now() END
    FROM awarded AS a WHERE b.job_id = a.id
    RETURNING b.id
)
SELECT count(*) FROM awarded
"""
COMPLETE: LiteralString = """
WITH done AS (
    UPDATE jobs SET status = 'completed', completed_at = now(), updated_at = now()
    WHERE id IN (SELECT id FROM jobs WHERE status = 'awarded' ORDER BY id LIMIT %(payouts)s)
    RETURNING id, homeowner_id, awarded_bid_id
), billed AS (
    INSERT INTO invoices (job_id, contractor_id, homeowner_id, amount_cents, created_at)
    SELECT d.id, b.contractor_id, d.homeowner_id, b.amount_cents, now()
    FROM done AS d JOIN bids AS b ON b.id = d.awarded_bid_id
    RETURNING id, contractor_id, amount_cents
), requested AS (
    INSERT INTO payouts (invoice_id, contractor_id, amount_cents, status, requested_at,
        updated_at)
    SELECT id, contractor_id, amount_cents, 'requested', now(), now() FROM billed
    RETURNING id
)
SELECT count(*) FROM requested
"""
CANCEL: LiteralString = """
WITH cancelled AS (
    UPDATE jobs SET status = 'cancelled', cancelled_at = now(), updated_at = now()
    WHERE id IN (SELECT id FROM jobs WHERE status = 'posted' ORDER BY id DESC
                 OFFSET 30 LIMIT %(cancellations)s)
    RETURNING id
)
SELECT count(*) FROM cancelled
"""
ACTIONS: dict[str, LiteralString] = {
    "payouts settled": SETTLE,
    "jobs posted": POST_JOBS,
    "bids": BID,
    "awards": AWARD,
    "completions (invoice + payout requested)": COMPLETE,
    "cancellations": CANCEL,
}
STAND_IN_STREAMS = (
    ("jobs", "updated_at"),
    ("bids", "created_at"),
    ("invoices", "created_at"),
    ("payouts", "updated_at"),
)


class Readable(Protocol):
    """What the benchmark reads in process: the exporter's business source."""

    name: str

    def read(self) -> Sequence[Metric]: ...


@dataclass(frozen=True)
class Batch:
    """How much activity arrives between two scrapes (one Prometheus interval of it)."""

    jobs: int = 20
    bids: int = 100
    payouts: int = 3
    cancellations: int = 1


@dataclass
class Series:
    """Timings of one way of scraping at one size.

    Usage::

        series = Series("in process")
        series.samples_ms.append(3.2)
        series.p99()
    """

    label: str
    first: str = ""
    samples_ms: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    inner_ms: dict[str, list[float]] = field(default_factory=dict)
    missing: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    note: str = ""

    def p50(self) -> float:
        """Median scrape time in ms."""
        return statistics.median(self.samples_ms)

    def p99(self) -> float:
        """99th percentile scrape time in ms."""
        return percentile(self.samples_ms, 99)


@dataclass
class SizeResult:
    """Everything measured at one size."""

    label: str
    sizes: Sizes
    seed_seconds: float = 0.0
    seed_phases: str = ""
    trickle: str = ""
    background: str = ""
    series: dict[str, Series] = field(default_factory=dict)


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the `pct` percentile of `values`, interpolated between ranks."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(pct) - 1]


class Trickle:
    """Writes one batch of marketplace activity between scrapes.

    Usage::

        trickle = Trickle(url, sizes, Batch())
        counts = trickle.write()   # {"bids": 97, ...}
    """

    def __init__(self, url: str, sizes: Sizes, batch: Batch) -> None:
        self._conn: Connection = psycopg.connect(url, autocommit=True)
        self._params = {
            "jobs": batch.jobs,
            "bids": batch.bids,
            "payouts": batch.payouts,
            "cancellations": batch.cancellations,
            "first_homeowner": sizes.operators + 1,
            "homeowners": sizes.homeowners,
            "first_contractor": sizes.operators + sizes.homeowners + 1,
            "contractors": sizes.contractors,
        }
        self.totals: Counter[str] = Counter()
        self.batches = 0

    def write(self) -> dict[str, int]:
        """Write one batch, one transaction per action; return how many rows each touched."""
        counts: dict[str, int] = {}
        for action, statement in ACTIONS.items():
            row = self._conn.execute(statement, self._params).fetchone()
            counts[action] = int(row[0]) if row else 0
        self.totals.update(counts)
        self.batches += 1
        return counts

    def describe(self) -> str:
        """Return the mean rows per batch written so far."""
        if not self.batches:
            return "none written"
        return ", ".join(f"{self.totals[action] / self.batches:.1f} {action}" for action in ACTIONS)

    def recent_bids(self) -> int:
        """Return how many bids were created in the last 24 hours."""
        query = "SELECT count(*) FROM bids WHERE created_at > now() - interval '24 hours'"
        row = self._conn.execute(query).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


@dataclass(frozen=True)
class Compression:
    """How the benchmark's fast loop maps onto Prometheus' real scrape interval."""

    interval: float
    overlap: float

    @property
    def factor(self) -> float:
        """Benchmark seconds per production second."""
        return self.interval / PROMETHEUS_INTERVAL


def make_source(url: str, compression: Compression) -> tuple[Readable, str]:
    """Return the exporter's business source with the compressed overlap, and a note."""
    from exporters.business.source import BusinessSource

    overlap = timedelta(seconds=compression.overlap)
    return BusinessSource(url, overlap=overlap), f"BusinessSource(url, overlap {overlap})"


def exporter_command() -> tuple[list[str] | None, str]:
    """Return how to start ftw-exporter, or None and why it cannot be started."""
    if EXPORTER_SCRIPT.exists():
        command, note = [str(EXPORTER_SCRIPT)], str(EXPORTER_SCRIPT.relative_to(ROOT))
    else:
        declared = tomllib.loads((ROOT / "pyproject.toml").read_text())
        target = declared.get("project", {}).get("scripts", {}).get("ftw-exporter")
        if not target:
            return (
                None,
                f"{EXPORTER_SCRIPT} does not exist and pyproject.toml declares no ftw-exporter",
            )
        module, _, function = str(target).partition(":")
        run = f"import sys; from {module} import {function}; sys.argv[0] = 'ftw-exporter'; "
        command = [sys.executable, "-c", run + f"sys.exit({function}())"]
        note = (
            f"{EXPORTER_SCRIPT.relative_to(ROOT)} is not installed yet (`.venv/bin/pip install "
            f"-e .` adds it); running its entry point {target} directly"
        )
    try:
        shown = subprocess.run(
            [*command, "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"ftw-exporter --help failed: {exc}"
    if shown.returncode != 0 or "--port" not in shown.stdout:
        told = (shown.stderr or shown.stdout).strip().splitlines()
        return None, f"ftw-exporter --help failed ({shown.returncode}): {told[-1] if told else ''}"
    return command, note


class Exporter:
    """A running ftw-exporter process and a keep-alive client scraping it."""

    def __init__(self, command: list[str], url: str, overlap: float) -> None:
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": url}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env["FTW_EXPORTER_OVERLAP_SECONDS"] = f"{overlap:g}"
        # A file, not a pipe: a pipe nobody reads would fill up and stall the exporter.
        # It lives as long as the exporter; stop() closes it.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )
        self.client = httpx.Client(timeout=600.0)
        self.url = f"http://127.0.0.1:{self.port}/metrics"

    def wait_listening(self, deadline_seconds: float = 60.0) -> float:
        """Wait until the port accepts connections; return seconds since start."""
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"ftw-exporter exited with {self.process.returncode}: {self.stderr_tail()}"
                )
            with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return time.perf_counter() - self.started
            time.sleep(0.05)
        raise RuntimeError(f"ftw-exporter did not listen within {deadline_seconds:g} s")

    def scrape(self) -> tuple[float, bool, dict[str, float]]:
        """GET /metrics once; return (ms, business source up, each source's read ms)."""
        started = time.perf_counter()
        response = self.client.get(self.url)
        body = response.text
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        up, read_ms = False, {}
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                source = sample.labels.get("source", "")
                if sample.name == "ftw_exporter_source_up" and source == "business":
                    up = sample.value == 1.0
                elif sample.name == "ftw_exporter_source_read_duration_seconds":
                    read_ms[source] = sample.value * 1000
        return elapsed, up, read_ms

    def stderr_tail(self) -> str:
        """Return the last lines the exporter wrote to stderr."""
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").strip().splitlines()
        return " | ".join(lines[-3:])

    def stop(self) -> None:
        """Stop the exporter: SIGTERM, then SIGKILL if it lingers."""
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.log.close()


def _admin(statement: sql.Composed) -> None:
    with psycopg.connect(f"{POSTGRES_ADMIN}/postgres", autocommit=True) as conn:
        conn.execute(statement)


@contextmanager
def scratch_database(label: str, token: str) -> Iterator[str]:
    """Create a uniquely named database, yield its URL, and drop it WITH (FORCE) after."""
    name = f"ftw_bench_scrape_{token}_{label}"
    identifier = sql.Identifier(name)
    _admin(sql.SQL("CREATE DATABASE {}").format(identifier))
    try:
        yield f"{POSTGRES_ADMIN}/{name}"
    finally:
        _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        print(f"  dropped database {name}", flush=True)


def timed_ms(call: Callable[[], object]) -> float:
    """Return how long `call` took, in ms."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def first_http_scrape(exporter: Exporter, series: Series) -> None:
    """Time the exporter's start-up: listening, first answer, business source first up."""
    listening = exporter.wait_listening()
    first_ms, up, _ = exporter.scrape()
    series.first = f"first scrape {first_ms:.0f} ms (listening {listening:.1f} s after launch)"
    if up:
        series.first += ", business metrics in it"
        return
    while not up:  # the rebuild outlasted the scrape deadline; the guard reported it down
        time.sleep(0.25)
        _, up, _ = exporter.scrape()
        if time.perf_counter() - exporter.started > 900:
            raise RuntimeError("the exporter's business source was not up within 900 s")
    series.first += (
        ", WITHOUT business metrics (the rebuild outlasted the read deadline); they were in "
        f"the scrapes from {time.perf_counter() - exporter.started:.1f} s after launch"
    )


class Target:
    """One size under test: its database, the in-process source, the exporter and the trickle.

    Usage::

        target = Target(result, url)
        target.start(args)
        target.tick()
        target.close()
    """

    def __init__(self, result: SizeResult, url: str) -> None:
        self.result = result
        self.url = url
        self.source: Readable | None = None
        self.trickle: Trickle | None = None
        self.exporter: Exporter | None = None

    def start(self, args: argparse.Namespace) -> None:
        """Open the source and the exporter, timing each one's first (rebuilding) read."""
        label = self.result.label
        compression = Compression(args.interval, args.overlap_seconds)
        self.source, note = make_source(self.url, compression)
        inproc = self.result.series.setdefault("in process", Series("in process", note=note))
        inproc.first = f"first read (rebuild) {timed_ms(self.source.read):.0f} ms"
        print(f"{label}: in process: {note}\n  {inproc.first}", flush=True)
        command, told = (None, "--no-http given") if args.no_http else exporter_command()
        if command is None:
            print(f"{label}: HTTP: NOT MEASURED: {told}", flush=True)
        else:
            self.exporter = Exporter(command, self.url, compression.overlap)
            http = self.result.series.setdefault("HTTP /metrics", Series("HTTP /metrics"))
            first_http_scrape(self.exporter, http)
            print(f"{label}: HTTP: {told}\n  {http.first}", flush=True)
        batch = Batch(args.batch_jobs, args.batch_bids, args.batch_payouts)
        self.trickle = Trickle(self.url, self.result.sizes, batch)

    def tick(self) -> None:
        """Write one batch of new rows, then time one read of each kind."""
        assert self.source is not None
        assert self.trickle is not None
        self.trickle.write()
        inproc = self.result.series["in process"]
        try:
            inproc.samples_ms.append(timed_ms(self.source.read))
            rows = getattr(self.source, "rows_read", None)
            if isinstance(rows, int):
                inproc.rows.append(rows)
        except Exception as exc:
            inproc.errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
        if self.exporter is not None:
            http = self.result.series["HTTP /metrics"]
            try:
                elapsed, up, read_ms = self.exporter.scrape()
                http.samples_ms.append(elapsed)
                http.missing += not up
                for name, ms in read_ms.items():
                    http.inner_ms.setdefault(name, []).append(ms)
            except httpx.HTTPError as exc:
                http.errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1

    def close(self) -> None:
        """Stop the exporter and close every connection."""
        if self.trickle is not None:
            self.result.trickle = self.trickle.describe() + (
                f"; bids of the last 24 h at the end: {self.trickle.recent_bids():,}"
            )
            self.trickle.close()
        close = getattr(self.source, "close", None)
        if callable(close):
            close()
        if self.exporter is not None:
            self.exporter.stop()


def prepare(label: str, sizes: Sizes, url: str) -> SizeResult:
    """Migrate, seed and check one size's database."""
    from marketplace.db.migrate import upgrade_url

    result = SizeResult(label, sizes)
    print(f"\n== {label}: {sizes.jobs:,} jobs, {sizes.payouts:,} payouts ==", flush=True)
    upgrade_url(url)
    print("  seeding:", flush=True)
    seeded = seed(url, sizes, log=lambda line: print(f"  {line}", flush=True))
    result.seed_seconds = seeded.seconds
    result.seed_phases = seeded.summary()
    rows = ", ".join(f"{table} {n:,}" for table, n in seeded.expected.items())
    mix = ", ".join(f"{status} {n:,}" for status, n in seeded.status_mix.items())
    print(f"  seeded in {seeded.seconds:.1f} s: {rows}; jobs {mix}")
    started = time.perf_counter()
    problems = verify(url, seeded.expected)
    checked = time.perf_counter() - started
    if problems:
        raise SystemExit("seeded data is wrong: " + "; ".join(problems))
    print(f"  checks (row counts, constraints, invariants) hold; took {checked:.1f} s")
    return result


def measure(targets: list[Target], args: argparse.Namespace) -> None:
    """Scrape every size side by side: each tick, each size gets a batch and its reads.

    The sizes take turns going first, so neither always reads right after the other.
    """
    print(
        f"\n{args.scrapes} scrapes per size, one every {args.interval:g} s, each after a batch "
        "of new rows; the sizes side by side",
        flush=True,
    )
    before = [background_work(target.url) for target in targets]
    tick = time.monotonic()
    for number in range(1, args.scrapes + 1):
        tick += args.interval
        time.sleep(max(0.0, tick - time.monotonic()))
        for target in targets if number % 2 else reversed(targets):
            target.tick()
        if number % 50 == 0:
            print(f"  {number} scrapes done", flush=True)
    for target, counts in zip(targets, before, strict=True):
        after = background_work(target.url)
        target.result.background = (
            f"checkpoints (server-wide) {after[0] - counts[0]}, autovacuum runs "
            f"{after[1] - counts[1]}, autoanalyze runs {after[2] - counts[2]}"
        )


BACKGROUND_SQL: LiteralString = """
SELECT (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter),
    coalesce(sum(autovacuum_count), 0), coalesce(sum(autoanalyze_count), 0)
FROM pg_stat_user_tables
"""


def background_work(url: str) -> tuple[int, int, int]:
    """Return counts of the server's background work: checkpoints, autovacuums, autoanalyzes."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(BACKGROUND_SQL).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def describe(series: Series) -> str:
    """Return one series' figures on one line."""
    if not series.samples_ms:
        return "no successful scrape"
    text = (
        f"p50 {series.p50():.1f} ms, p95 {percentile(series.samples_ms, 95):.1f} ms, "
        f"p99 {series.p99():.1f} ms, "
        f"max {max(series.samples_ms):.1f} ms over {len(series.samples_ms)}"
    )
    if series.rows:
        text += (
            f"; rows read per scrape p50 {statistics.median(series.rows):.0f}, "
            f"max {max(series.rows)}"
        )
    if series.inner_ms:
        text += "; read time by source, as the exporter reports it: " + ", ".join(
            f"{name} p50 {statistics.median(times):.1f} ms, p99 {percentile(times, 99):.1f} ms"
            for name, times in sorted(series.inner_ms.items())
        )
    if series.missing:
        text += f"; {series.missing} scrapes came back without business metrics"
    if series.errors:
        text += f"; errors {dict(series.errors)}"
    return text


def report(results: list[SizeResult], args: argparse.Namespace) -> None:
    """Print both sizes side by side and compare them with the goal."""
    print("\n== results ==")
    for result in results:
        print(
            f"{result.label}: {result.sizes.jobs:,} jobs, seeded in {result.seed_seconds:.1f} s "
            f"({result.seed_phases})"
        )
        print(f"  new rows per batch, mean: {result.trickle}")
        print(f"  background work while scraping: {result.background}")
        for series in result.series.values():
            print(f"  {series.label}: {series.first or 'no first read'}")
            print(f"    then {describe(series)}")
    if len(results) == 2:
        small, large = results
        print(
            f"\ngoal: p99 <= {P99_GOAL_MS:g} ms at the large size and large/small p99 <= "
            f"{RATIO_GOAL:g}"
        )
        for name, series in large.series.items():
            other = small.series.get(name)
            if other is None or not series.samples_ms or not other.samples_ms:
                print(f"  {name}: not measured at both sizes")
                continue
            p99, ratio = series.p99(), series.p99() / other.p99()
            verdicts = (
                f"p99 {'meets' if p99 <= P99_GOAL_MS else 'MISSES'} {P99_GOAL_MS:g} ms, "
                f"ratio {'meets' if ratio <= RATIO_GOAL else 'MISSES'} {RATIO_GOAL:g}"
            )
            print(
                f"  {name}: large p99 {p99:.1f} ms, small p99 {other.p99():.1f} ms, "
                f"ratio {ratio:.2f} (p50 ratio {series.p50() / other.p50():.2f}): {verdicts}"
            )
    print(
        f"time compression: a scrape every {args.interval:g} s stands for "
        f"{PROMETHEUS_INTERVAL:g} s; overlap {args.overlap_seconds:g} s stands for "
        f"{OVERLAP_SECONDS:g} s"
    )
    print("rerun: " + rerun_command(args))


def rerun_command(args: argparse.Namespace) -> str:
    """Return the command line that repeats this run."""
    parts = [RERUN, f"--small-jobs {args.small_jobs}", f"--large-jobs {args.large_jobs}"]
    parts.append(f"--scrapes {args.scrapes} --interval {args.interval:g}")
    for option in ("small_payouts", "large_payouts", "only"):
        if getattr(args, option) is not None:
            parts.append(f"--{option.replace('_', '-')} {getattr(args, option)}")
    batch = Batch()
    for option, default in (
        ("batch_jobs", batch.jobs),
        ("batch_bids", batch.bids),
        ("batch_payouts", batch.payouts),
    ):
        if getattr(args, option) != default:
            parts.append(f"--{option.replace('_', '-')} {getattr(args, option)}")
    if args.overlap_explicit:
        parts.append(f"--overlap-seconds {args.overlap_seconds:g}")
    if args.no_http:
        parts.append("--no-http")
    return " ".join(parts)


def parse_args() -> argparse.Namespace:
    """Read the sizes, scrape count and pacing."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--small-jobs", type=int, default=10_000)
    parser.add_argument("--large-jobs", type=int, default=1_000_000)
    parser.add_argument("--small-payouts", type=int, default=None, help="default: one per ten jobs")
    parser.add_argument(
        "--large-payouts", type=int, default=None, help="default: one per job (1M at 1M jobs)"
    )
    parser.add_argument("--scrapes", type=int, default=200)
    parser.add_argument(
        "--interval",
        type=float,
        default=0.5,
        help=f"seconds between scrapes, standing for Prometheus' {PROMETHEUS_INTERVAL:g} s",
    )
    parser.add_argument(
        "--overlap-seconds",
        type=float,
        default=None,
        help=f"the source's re-read overlap; default {OVERLAP_SECONDS:g} s, scaled as --interval",
    )
    parser.add_argument("--batch-jobs", type=int, default=Batch.jobs)
    parser.add_argument("--batch-bids", type=int, default=Batch.bids)
    parser.add_argument("--batch-payouts", type=int, default=Batch.payouts)
    parser.add_argument("--only", choices=("small", "large"), help="measure one size only")
    parser.add_argument("--no-http", action="store_true", help="skip the ftw-exporter scrapes")
    args = parser.parse_args()
    if min(args.small_jobs, args.large_jobs, args.scrapes) < 1 or args.interval <= 0:
        parser.error("sizes and --scrapes must be >= 1 and --interval > 0")
    args.overlap_explicit = args.overlap_seconds is not None
    if args.overlap_seconds is None:
        args.overlap_seconds = OVERLAP_SECONDS * args.interval / PROMETHEUS_INTERVAL
    return args


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Seed both sizes, scrape them side by side, report; clean up even when interrupted."""
    try:
        run(parse_args())
    except KeyboardInterrupt:
        print("\ninterrupted: the exporters are stopped and the databases dropped", flush=True)
        sys.exit(130)


def run(args: argparse.Namespace) -> None:
    """Measure the small size, then the large one, and report."""
    signal.signal(signal.SIGTERM, _interrupt)
    token = secrets.token_hex(4)
    plans = [
        ("small", Sizes.for_jobs(args.small_jobs, args.small_payouts)),
        (
            "large",
            Sizes.for_jobs(
                args.large_jobs,
                args.large_jobs if args.large_payouts is None else args.large_payouts,
            ),
        ),
    ]
    results: list[SizeResult] = []
    with ExitStack() as stack:
        targets: list[Target] = []
        for label, sizes in plans:
            if args.only in (None, label):
                url = stack.enter_context(scratch_database(label, token))
                targets.append(Target(prepare(label, sizes, url), url))
        print()
        for target in targets:
            stack.callback(target.close)
            target.start(args)
        measure(targets, args)
        results = [target.result for target in targets]
    report(results, args)


if __name__ == "__main__":
    main()
