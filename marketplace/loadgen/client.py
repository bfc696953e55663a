"""The HTTP edge: sends actions and operator calls to the marketplace with aiohttp.

aiohttp rather than httpx here: measured on this machine against a server that answers at
once, an httpx request cost ~1.3 ms of the generator's CPU and an aiohttp one ~0.07 ms, and the
generator must offer the launch plan's peak from one core.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp

from marketplace.loadgen.actions import Action, ActionKind, Outcome, Role

# Answers the scenario reads; other bodies are not parsed, to spare the client's CPU.
_PARSED = frozenset(
    {
        ActionKind.LIST_JOBS,
        ActionKind.POST_JOB,
        ActionKind.BID,
        ActionKind.INVOICE,
        ActionKind.PAYOUT,
    }
)
# Idle connections are dropped before uvicorn's 5 s keep-alive timeout ends them, so a request
# is never sent on a connection the server is closing at that moment.
KEEPALIVE_SECONDS = 4.0


class LoadgenError(Exception):
    """A problem the user can fix, told in one sentence that names the flag or the URL."""


@dataclass(frozen=True)
class Reply:
    """A whole answer: status, headers and body, read before the connection is reused.

    Usage::

        reply = await client.call("GET", "/api/me", key)
        reply.status_code, reply.json()
    """

    status_code: int
    headers: Mapping[str, str] = field(repr=False)
    content: bytes = field(repr=False)

    @property
    def is_success(self) -> bool:
        """Tell whether the status is 2xx."""
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """Return the body parsed as JSON; raise ValueError when it is not JSON."""
        return json.loads(self.content)

    def detail(self) -> str:
        """Return the error detail the marketplace gave, or the start of the body."""
        try:
            body = self.json()
        except ValueError:
            return self.content[:200].decode("utf-8", "replace") or str(self.status_code)
        if isinstance(body, dict) and "detail" in body:
            return str(body["detail"])
        return str(body)[:200]

    def limit_name(self) -> str:
        """Return the name of the limit a 429 names."""
        try:
            body = self.json()
        except ValueError:
            return "unknown"
        return str(body.get("limit", "unknown")) if isinstance(body, dict) else "unknown"

    def retry_after(self) -> float | None:
        """Return the Retry-After seconds, or None when absent or not a number."""
        try:
            return float(self.headers.get("retry-after", ""))
        except ValueError:
            return None


def _error_name(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect_error"
    protocol = aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError
    if isinstance(exc, protocol | aiohttp.ClientResponseError):
        return "protocol_error"
    return type(exc).__name__


class MarketplaceClient:
    """Connection pools to the marketplace, for the whole run.

    Usage::

        async with MarketplaceClient("http://127.0.0.1:8000", max_connections=100) as client:
            await client.check_reachable()
            outcome = await client.send(action)
    """

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        max_connections: int = 100,
        pools: int = 1,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_connections = max_connections
        self._pool_count = max(1, pools)
        self._pools: list[aiohttp.ClientSession] = []
        self._next_anonymous = 0

    async def __aenter__(self) -> MarketplaceClient:
        # Loading the CA bundle once instead of once per pool saves a noticeable start-up cost.
        tls = ssl.create_default_context()
        # Users are spread over separate pools as separate browsers would be: one shared
        # keep-alive pool would pin nearly all traffic to the few connections it opened first,
        # and so to one server worker.
        self._pools = [
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._max_connections, keepalive_timeout=KEEPALIVE_SECONDS, ssl=tls
                ),
                timeout=self._timeout,
                headers={"user-agent": "ftw-loadgen"},
                trust_env=False,
            )
            for _ in range(self._pool_count)
        ]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for pool in self._pools:
            await pool.close()
        self._pools = []

    async def send(self, action: Action) -> Outcome:
        """Send one action; a transport failure comes back as an Outcome, never raised."""
        headers = _auth(action.actor.api_key) if action.actor else None
        try:
            reply = await self._request(
                self._pool_for(action),
                action.kind.method,
                action.path,
                headers,
                dict(action.body) if action.body is not None else None,
                action.params,
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Outcome(None, error=_error_name(exc))
        body: Any = None
        if action.kind in _PARSED and reply.is_success:
            try:
                body = reply.json()
            except ValueError:
                body = None
        status = reply.status_code
        retry = reply.retry_after() if status in (429, 503) else None
        limit = reply.limit_name() if status == 429 else None
        return Outcome(status, body, retry_after_seconds=retry, limit=limit)

    def _first_pool(self) -> aiohttp.ClientSession:
        if not self._pools:
            raise RuntimeError("use MarketplaceClient in 'async with' before sending")
        return self._pools[0]

    def _pool_for(self, action: Action) -> aiohttp.ClientSession:
        if not self._pools:
            raise RuntimeError("use MarketplaceClient in 'async with' before sending")
        if action.actor is not None:
            return self._pools[action.actor.index % len(self._pools)]
        self._next_anonymous = (self._next_anonymous + 1) % len(self._pools)
        return self._pools[self._next_anonymous]

    async def _request(
        self,
        pool: aiohttp.ClientSession,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
        json_body: Any,
        params: Mapping[str, str | int] | None,
    ) -> Reply:
        async with pool.request(
            method,
            self.base_url + path,
            params=dict(params) if params else None,
            json=json_body,
            headers=headers,
        ) as response:
            content = await response.read()
            return Reply(response.status, response.headers, content)

    async def call(
        self,
        method: str,
        path: str,
        api_key: str | None,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request, turning a transport failure into a LoadgenError."""
        body = dict(json) if json is not None else None
        headers = _auth(api_key) if api_key else None
        try:
            return await self._request(self._first_pool(), method, path, headers, body, params)
        except aiohttp.ClientConnectorError as exc:
            raise LoadgenError(f"cannot reach the marketplace at {self.base_url}: {exc}") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            name = _error_name(exc)
            raise LoadgenError(
                f"{method} {path} to the marketplace at {self.base_url} failed: {name} {exc}"
            ) from None

    async def check_reachable(self) -> None:
        """Fail with a clear message unless /healthz answers."""
        response = await self.call("GET", "/healthz", None)
        if response.status_code >= 500:
            raise LoadgenError(
                f"the marketplace at {self.base_url} is not healthy: /healthz answered "
                f"{response.status_code}"
            )

    async def check_operator(self, operator_key: str) -> None:
        """Fail unless `operator_key` belongs to an operator."""
        me = await self.operator_json("GET", "/api/me", operator_key)
        if not isinstance(me, dict) or me.get("role") != "operator":
            role = me.get("role") if isinstance(me, dict) else "unknown"
            raise LoadgenError(
                f"the key in --operator-key / FTW_OPERATOR_KEY belongs to a {role}, not an operator"
            )

    async def operator_json(
        self,
        method: str,
        path: str,
        operator_key: str,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """Send an operator request and return its JSON body, or fail naming the problem."""
        response = await self.call(method, path, operator_key, json=json, params=params)
        if response.status_code == 401:
            raise LoadgenError(
                "the marketplace rejected the operator key (401): check --operator-key or "
                f"FTW_OPERATOR_KEY ({response.detail()})"
            )
        if not response.is_success:
            raise LoadgenError(
                f"{method} {path} answered {response.status_code}: {response.detail()}"
            )
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def create_user(
        self, operator_key: str, name: str, email: str, role: Role, tier: str
    ) -> tuple[int, str] | float:
        """Create a user and return (id, api key), or the seconds to wait after a 429."""
        body = {"name": name, "email": email, "role": role.value, "tier": tier}
        response = await self.call("POST", "/api/users", operator_key, json=body)
        if response.status_code == 429:
            return response.retry_after() or 1.0
        if response.status_code != 201:
            raise LoadgenError(
                f"POST /api/users answered {response.status_code}: {response.detail()}"
            )
        created = response.json()
        return int(created["user"]["id"]), str(created["api_key"])


def _auth(api_key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_key}"}
