"""A small client for the Prometheus HTTP query API (Prometheus, Thanos, Mimir, VictoriaMetrics)."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import pydantic_core

from ftw_observe.prometheus.auth import (
    FileCredentials,
    PrometheusAuth,
    PrometheusAuthError,
    tls_context,
)

# What a refusal means, said without quoting the body: a proxy may echo the request back.
REFUSALS = {
    401: "HTTP 401 Unauthorized: the credentials are missing or wrong",
    403: "HTTP 403 Forbidden: the credentials are not allowed to query (check the tenant)",
    407: "HTTP 407 Proxy Authentication Required",
}


class PrometheusError(Exception):
    """Raised when a query cannot be answered: unreachable, an HTTP error, or a query error."""


@dataclass(frozen=True)
class Sample:
    """One series of an instant-query result."""

    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Series:
    """One series of a range-query result: (unix time, value) points."""

    labels: dict[str, str]
    points: list[tuple[float, float]]


def safe_url(url: str) -> str:
    """Return a URL fit to print: any user and password in it replaced by ***."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def _split_userinfo(url: str) -> tuple[str, httpx.BasicAuth | None]:
    """Return the URL without its user and password, and basic auth made of them.

    httpx logs every URL it requests: the credentials must not be in it.
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), httpx.BasicAuth(
        unquote(user), unquote(password)
    )


class PrometheusClient:
    """Query a Prometheus-compatible API at pinned times, with credentials if it is secured.

    >>> client = PrometheusClient("http://127.0.0.1:9090")
    >>> # client.query("up", at=1_700_000_000.0) -> [Sample(labels={...}, value=1.0), ...]
    >>> # PrometheusClient(url, auth=prometheus_auth(os.environ, url)) for Mimir or Thanos
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        auth: PrometheusAuth | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """Build the client; raise PrometheusAuthError if the TLS files cannot be loaded."""
        self.base_url = base_url.rstrip("/")
        self.display_url = safe_url(self.base_url)
        auth = auth or PrometheusAuth()
        plain_url, url_auth = _split_userinfo(self.base_url)
        credentials: httpx.Auth | None = url_auth
        if auth.scheme != "none":
            credentials = FileCredentials(auth)
        self._client = httpx.Client(
            base_url=plain_url,
            timeout=timeout,
            headers=dict(auth.headers),
            auth=credentials,
            verify=tls_context(auth),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"PrometheusClient({self.display_url!r})"

    def _post(self, path: str, data: dict[str, str]) -> Any:
        where = self.display_url
        try:
            response = self._client.post(path, data=data)
        except httpx.HTTPError as error:
            raise PrometheusError(f"{where} unreachable: {type(error).__name__}") from None
        except PrometheusAuthError as error:
            raise PrometheusError(f"{where} not queried: {error}") from None
        if response.status_code in REFUSALS:
            raise PrometheusError(f"{where} refused the query: {REFUSALS[response.status_code]}")
        try:
            # pydantic-core's parser: a thousand SLOs' series are megabytes of JSON per cycle.
            body = pydantic_core.from_json(response.content)
        except ValueError:
            raise PrometheusError(
                f"{where} answered HTTP {response.status_code} without a JSON body"
            ) from None
        if response.status_code != 200 or body.get("status") != "success":
            kind, detail = body.get("errorType", "error"), body.get("error", "no detail")
            raise PrometheusError(f"{where} answered HTTP {response.status_code}: {kind}: {detail}")
        return body["data"]

    def query(self, promql: str, *, at: float) -> list[Sample]:
        """Run an instant query at a pinned unix time; return every series."""
        data = self._post("/api/v1/query", {"query": promql, "time": f"{at:.3f}"})
        if data.get("resultType") == "scalar":
            return [Sample({}, float(data["result"][1]))]
        if data.get("resultType") != "vector":
            kind = data.get("resultType")
            raise PrometheusError(f"expected a vector from {promql!r}, got {kind}")
        return [Sample(item["metric"], float(item["value"][1])) for item in data["result"]]

    def query_range(self, promql: str, *, start: float, end: float, step: float) -> list[Series]:
        """Run a range query; return every series with its points."""
        data = self._post(
            "/api/v1/query_range",
            {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"},
        )
        return [
            Series(dict(item["metric"]), [(float(t), float(v)) for t, v in item["values"]])
            for item in data["result"]
        ]

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
