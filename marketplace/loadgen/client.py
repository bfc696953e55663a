"""The HTTP edge: sends actions and operator calls to the marketplace with httpx."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

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


class LoadgenError(Exception):
    """A problem the user can fix, told in one sentence that names the flag or the URL."""


def _error_name(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.PoolTimeout):
        return "pool_timeout"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect_error"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "protocol_error"
    return type(exc).__name__


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return str(body)[:200]


def _limit_name(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "unknown"
    return str(body.get("limit", "unknown")) if isinstance(body, dict) else "unknown"


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


class MarketplaceClient:
    """One connection pool to the marketplace, for the whole run.

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
        # Loading the CA bundle once instead of once per pool saves a noticeable start-up cost.
        tls = ssl.create_default_context()
        # Users are spread over separate pools as separate browsers would be: one shared
        # keep-alive pool would pin nearly all traffic to the few connections it opened first,
        # and so to one server worker.
        self._pools = [
            httpx.AsyncClient(
                base_url=self.base_url,
                timeout=httpx.Timeout(timeout),
                limits=httpx.Limits(
                    max_connections=max_connections, max_keepalive_connections=max_connections
                ),
                headers={"user-agent": "ftw-loadgen"},
                trust_env=False,
                verify=tls,
            )
            for _ in range(max(1, pools))
        ]
        self._http = self._pools[0]
        self._next_anonymous = 0

    async def __aenter__(self) -> MarketplaceClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for pool in self._pools:
            await pool.aclose()

    async def send(self, action: Action) -> Outcome:
        """Send one action; a transport failure comes back as an Outcome, never raised."""
        headers = _auth(action.actor.api_key) if action.actor else None
        try:
            response = await self._pool_for(action).request(
                action.kind.method,
                action.path,
                params=dict(action.params) if action.params else None,
                json=dict(action.body) if action.body is not None else None,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            return Outcome(None, error=_error_name(exc))
        body: Any = None
        if action.kind in _PARSED and response.is_success:
            try:
                body = response.json()
            except ValueError:
                body = None
        retry = _retry_after(response) if response.status_code in (429, 503) else None
        limit = _limit_name(response) if response.status_code == 429 else None
        return Outcome(response.status_code, body, retry_after_seconds=retry, limit=limit)

    def _pool_for(self, action: Action) -> httpx.AsyncClient:
        if action.actor is not None:
            return self._pools[action.actor.index % len(self._pools)]
        self._next_anonymous = (self._next_anonymous + 1) % len(self._pools)
        return self._pools[self._next_anonymous]

    async def call(
        self,
        method: str,
        path: str,
        api_key: str | None,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, turning a transport failure into a LoadgenError."""
        try:
            return await self._http.request(
                method,
                path,
                json=dict(json) if json is not None else None,
                params=dict(params) if params else None,
                headers=_auth(api_key) if api_key else None,
            )
        except httpx.ConnectError as exc:
            raise LoadgenError(f"cannot reach the marketplace at {self.base_url}: {exc}") from None
        except httpx.HTTPError as exc:
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
                f"FTW_OPERATOR_KEY ({_detail(response)})"
            )
        if not response.is_success:
            raise LoadgenError(
                f"{method} {path} answered {response.status_code}: {_detail(response)}"
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
            return _retry_after(response) or 1.0
        if response.status_code != 201:
            raise LoadgenError(
                f"POST /api/users answered {response.status_code}: {_detail(response)}"
            )
        created = response.json()
        return int(created["user"]["id"]), str(created["api_key"])


def _auth(api_key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_key}"}
