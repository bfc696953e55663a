"""Fixtures shared by the whole suite: real Postgres, real Redis, marketplace apps."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from exporters.business.source import BusinessSource
from ftw_observe.store import Store, make_store_engine
from ftw_observe.store import upgrade_url as upgrade_store_url
from marketplace.app import create_app
from marketplace.config import Settings
from marketplace.db.migrate import upgrade_url
from marketplace.db.session import Database
from marketplace.seed import SeededUser, seed_users
from tests.support.prometheus import PrometheusServer, is_ready, start_prometheus

# The provisioning helpers live in a plain module the benchmarks share; the rest of the suite
# keeps importing them from here.
from tests.support.services import POSTGRES_ADMIN_URL as POSTGRES_ADMIN_URL
from tests.support.services import REDIS_TEST_URL as REDIS_TEST_URL
from tests.support.services import create_database as create_database
from tests.support.services import delete_redis_keys as delete_redis_keys
from tests.support.services import drop_database as drop_database
from tests.support.services import free_port as free_port

# No engine a test starts sends the weekly budget review unless the test turns it on.
os.environ["FTW_REVIEW_SCHEDULE"] = ""


def wait_until(
    condition: Callable[[], object], timeout: float = 15.0, interval: float = 0.05
) -> object:
    """Poll `condition` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = condition()
        except Exception as exc:
            last_error = exc
        else:
            if result:
                return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last error: {last_error!r})")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh Postgres database with the marketplace schema, dropped afterwards."""
    url = create_database()
    try:
        upgrade_url(url)
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file with the marketplace schema."""
    url = f"sqlite:///{tmp_path / 'marketplace.db'}"
    upgrade_url(url)
    return url


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A unique Redis key prefix; every key under it is deleted afterwards."""
    prefix = f"ftw-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    delete_redis_keys(prefix)


@dataclass
class Marketplace:
    """A marketplace app under test, its HTTP client and its seeded users."""

    client: TestClient
    settings: Settings
    users: list[SeededUser]

    def key(self, role: str, index: int = 0) -> dict[str, str]:
        """Return the Authorization header of the index-th seeded user with `role`."""
        matching = [user for user in self.users if user.role == role]
        return {"Authorization": f"Bearer {matching[index].api_key}"}

    def user(self, role: str, index: int = 0) -> SeededUser:
        """Return the index-th seeded user with `role`."""
        return [user for user in self.users if user.role == role][index]

    def call(self, method: str, path: str, status: int, role: str, **kwargs: Any) -> Any:
        """Send a request as the first user with `role` and check the status it gets."""
        response = self.client.request(method, path, headers=self.key(role), **kwargs)
        assert response.status_code == status, response.text
        return response.json()

    def post_job(self, homeowner: int = 0, territory: int = 9) -> dict[str, Any]:
        """Post a job as a homeowner and return it."""
        job = {"territory_id": territory, "title": "Paint the fence", "budget_cents": 50_000}
        response = self.client.post("/api/jobs", json=job, headers=self.key("homeowner", homeowner))
        assert response.status_code == 201, response.text
        return dict(response.json())

    def awarded_job(self, contractor: int = 0) -> tuple[int, int]:
        """Post a job, bid on it as a contractor and accept the bid; return job and bid ids."""
        job = self.post_job()
        bid = self.client.post(
            f"/api/jobs/{job['id']}/bids",
            json={"amount_cents": 45_000},
            headers=self.key("contractor", contractor),
        )
        assert bid.status_code == 201, bid.text
        accepted = self.client.post(
            f"/api/bids/{bid.json()['id']}/accept", headers=self.key("homeowner")
        )
        assert accepted.status_code == 200, accepted.text
        return int(job["id"]), int(bid.json()["id"])

    def invoiced_job(self, contractor: int = 0) -> int:
        """Walk a job to completed and invoiced by a contractor; return the invoice id."""
        job_id, _ = self.awarded_job(contractor)
        headers = self.key("contractor", contractor)
        completed = self.client.post(f"/api/jobs/{job_id}/complete", headers=headers)
        assert completed.status_code == 200, completed.text
        invoice = self.client.post(
            "/api/invoices", json={"job_id": job_id, "amount_cents": 45_000}, headers=headers
        )
        assert invoice.status_code == 201, invoice.text
        return int(invoice.json()["id"])


MarketplaceFactory = Callable[..., Marketplace]


@pytest.fixture
def make_marketplace() -> Iterator[MarketplaceFactory]:
    """Build marketplace apps from settings, seed users, and close them afterwards."""
    clients: list[TestClient] = []

    def build(settings: Settings, homeowners: int = 2, contractors: int = 3) -> Marketplace:
        database = Database(settings)
        try:
            with database.session() as session:
                users = seed_users(session, homeowners, contractors)
        finally:
            database.dispose()
        client = TestClient(create_app(settings), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return Marketplace(client, settings, users)

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture(params=["postgres+redis", "sqlite"])
def backend_settings(request: pytest.FixtureRequest) -> Settings:
    """Settings for both storage paths: Postgres with Redis, and SQLite in-process."""
    if request.param == "sqlite":
        return Settings(database_url=request.getfixturevalue("sqlite_url"))
    return Settings(
        database_url=request.getfixturevalue("postgres_url"),
        redis_url=REDIS_TEST_URL,
        redis_key_prefix=request.getfixturevalue("redis_prefix"),
    )


@pytest.fixture
def marketplace(make_marketplace: MarketplaceFactory, backend_settings: Settings) -> Marketplace:
    """A seeded marketplace on each storage path."""
    return make_marketplace(backend_settings)


@pytest.fixture
def pg_marketplace(
    make_marketplace: MarketplaceFactory, postgres_url: str, redis_prefix: str
) -> Marketplace:
    """A seeded marketplace on Postgres and Redis."""
    return make_marketplace(
        Settings(database_url=postgres_url, redis_url=REDIS_TEST_URL, redis_key_prefix=redis_prefix)
    )


@dataclass
class ServerProcess:
    """A marketplace started with `ftw-marketplace serve` in a subprocess."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    log_file: BinaryIO

    def log(self) -> str:
        """Return what the server printed so far."""
        return self.log_path.read_text(errors="replace")


def start_server(env: dict[str, str], log_path: Path, *args: str) -> ServerProcess:
    """Start `ftw-marketplace serve` on a free port and wait until /healthz answers."""
    import httpx

    port = free_port()
    full_env = {**os.environ, **env}
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "ftw-marketplace"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *args,
        ],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log_path, log)

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        return httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200

    try:
        wait_until(healthy, timeout=30)
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: ServerProcess) -> None:
    """Stop the server and its workers."""
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)
    finally:
        server.log_file.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., ServerProcess]]:
    """Start marketplace server processes; every one is stopped afterwards."""
    servers: list[ServerProcess] = []
    counter = iter(range(1000))

    def start(env: dict[str, str], tmp_path: Path, *args: str) -> ServerProcess:
        server = start_server(env, tmp_path / f"server-{next(counter)}.log", *args)
        servers.append(server)
        return server

    yield start
    for server in servers:
        stop_server(server)


@pytest.fixture
def business_source() -> Iterator[Callable[..., BusinessSource]]:
    """Build business sources; every one is closed afterwards."""
    sources: list[BusinessSource] = []

    def make(url: str, **kwargs: Any) -> BusinessSource:
        source = BusinessSource(url, **kwargs)
        sources.append(source)
        return source

    yield make
    for source in sources:
        source.close()


class RedisServer:
    """A redis-server of this test alone, which can be killed and started again on its port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._directory = directory
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        self._process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with self.client() as client:
            wait_until(client.ping, timeout=10)

    def kill(self) -> None:
        """Kill the server and wait until it is gone."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)

    def client(self) -> redis.Redis:
        """Return a client of this server."""
        return redis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A running redis-server of this test alone, killed afterwards."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


# The engine's store (ftw_observe.store): empty databases on both backends, migrated engines.


@pytest.fixture(params=["postgres", "sqlite"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend (Postgres, an SQLite file), removed afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """An empty Postgres database, dropped afterwards."""
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def store_engines() -> Iterator[Callable[[str], Engine]]:
    """Make engines on databases migrated to the store schema; all disposed afterwards."""
    engines: list[Engine] = []

    def make(url: str) -> Engine:
        upgrade_store_url(url)
        engine = make_store_engine(url)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def store(store_url: str, store_engines: Callable[[str], Engine]) -> Store:
    """A Store on each backend, on a freshly migrated database."""
    return Store(store_engines(store_url))


# Fake receivers on 127.0.0.1 speaking the real HTTP APIs (PagerDuty Events v2, Slack Web API).

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty  # noqa: E402
from ftw_observe.demo.fakes.slack import FakeSlack  # noqa: E402
from tests.support.engine import RunningEngine, engine_env, start_engine  # noqa: E402


@pytest.fixture
def fake_pagerduty() -> Iterator[FakePagerDuty]:
    """A fake PagerDuty Events API v2, stopped afterwards."""
    with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API with channels #incidents and #slo-alerts, stopped afterwards."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def engine_with_receivers(
    tmp_path: Path, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack
) -> Iterator[RunningEngine]:
    """A real `ftw-observe serve` on SQLite with both tokens, paging the fake receivers."""
    env = engine_env(
        f"sqlite:///{tmp_path / 'observe.db'}",
        PAGERDUTY_ROUTING_KEY="test-routing-key",
        PAGERDUTY_EVENTS_URL=fake_pagerduty.url,
        SLACK_BOT_TOKEN=fake_slack.token,
        SLACK_API_URL=fake_slack.api_url,
    )
    engine = start_engine("engine", tmp_path, env)
    try:
        yield engine
    finally:
        engine.stop()


if TYPE_CHECKING:
    from tests.support.chain_drill import BackgroundChainDrill
    from tests.support.drill import BackgroundDrill, Drilled

# The end-to-end drills run in the background from the end of collection, each on a demo stack
# of its own (tests/support/drill.py, tests/support/chain_drill.py).
DRILL: pytest.StashKey[BackgroundDrill] = pytest.StashKey()
CHAIN_DRILL: pytest.StashKey[BackgroundChainDrill] = pytest.StashKey()
# Checked last, in this order, so that the rest of the suite runs while they wait.
E2E_LAST = {"test_drill_e2e.py": 1, "test_victoriametrics_e2e.py": 1, "test_chain_drill_e2e.py": 2}
# The test modules that read the drill's outcome.
DRILL_MODULES = {"test_drill_e2e.py", "test_victoriametrics_e2e.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Check the drills last, so that the rest of the suite runs while they wait."""
    items.sort(key=lambda item: E2E_LAST.get(item.path.name, 0))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the end-to-end drills early when their tests are selected."""
    if session.config.option.collectonly:
        return
    selected = {item.path.name for item in session.items}
    if selected & DRILL_MODULES:
        from tests.support.drill import BackgroundDrill

        drill = BackgroundDrill()
        session.config.stash[DRILL] = drill
        drill.start()
    if "test_chain_drill_e2e.py" in selected:
        from tests.support.chain_drill import BackgroundChainDrill, chain_drill_runnable

        if chain_drill_runnable():
            chain = BackgroundChainDrill()
            session.config.stash[CHAIN_DRILL] = chain
            chain.start()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Print once what the parts of a failed drill's stack logged last."""
    for drill in (config.stash.get(DRILL, None), config.stash.get(CHAIN_DRILL, None)):
        if drill is not None and drill.failure_logs is not None:
            terminalreporter.section(f"{drill.name}: what its stack's parts logged last")
            terminalreporter.write_line(drill.failure_logs)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the drills' stacks if the session ends before the drills do."""
    drills = (session.config.stash.get(DRILL, None), session.config.stash.get(CHAIN_DRILL, None))
    for drill in drills:
        if drill is not None:
            drill.abort()


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Put logging back as it was: `serve` run in-process configures it for the process."""
    from ftw_observe.engine.logs import CHATTY, UVICORN_LOGGERS

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = [logging.getLogger(name) for name in (*CHATTY, *UVICORN_LOGGERS)]
    saved = [(lg, lg.level, lg.handlers[:], lg.propagate, lg.disabled) for lg in loggers]
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    for logger, previous, kept, propagate, disabled in saved:
        logger.setLevel(previous)
        logger.handlers[:] = kept
        logger.propagate = propagate
        logger.disabled = disabled


@pytest.fixture(scope="module")
def drilled(request: pytest.FixtureRequest) -> Drilled:
    """The drill started when collection ended (see `pytest_collection_finish`)."""
    return request.config.stash[DRILL].wait(timeout=880)


@pytest.fixture(scope="module")
def bare_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    """A real Prometheus with no targets and no rules, for tests of the query API's path."""
    server = start_prometheus(
        tmp_path_factory.mktemp("prometheus"), free_port(), jobs={}, rule_files=[]
    )
    try:
        wait_until(lambda: is_ready(server), timeout=30)
        yield server
    finally:
        server.stop()
