"""A reverse proxy on 127.0.0.1 that lets only the right credentials through to a Prometheus.

It stands in for Mimir's gateway, a secured Thanos or a hosted Prometheus: one `Guard` per
scheme (a bearer token, basic auth, a tenant header, TLS with a client certificate).
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import httpx


@dataclass(frozen=True)
class Guard:
    """What a request must carry: exact headers (names in lower case), and a TLS context.

    A wrong or missing Authorization answers 401, a wrong or missing other header 403.
    `tls` set: the proxy speaks HTTPS only, and the context may require a client certificate.
    """

    headers: dict[str, str] = field(default_factory=dict)
    tls: ssl.SSLContext | None = None

    def refusal(self, received: dict[str, str]) -> int | None:
        """Return the status refusing a request with these headers, or None to let it pass."""
        for name, value in self.headers.items():
            if received.get(name) != value:
                return 401 if name == "authorization" else 403
        return None


@dataclass
class AuthProxy:
    """Forward POST/GET requests to `upstream` when they pass the guard; record what arrived.

    Usage::

        with AuthProxy(prometheus.url, Guard({"authorization": "Bearer t"})) as proxy:
            PrometheusClient(proxy.url, auth=...).query("vector(1)", at=time.time())
    """

    upstream: str
    guard: Guard
    port: int = 0
    seen: list[dict[str, str]] = field(default_factory=list)  # the headers of every request
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the base URL of the proxy."""
        scheme = "https" if self.guard.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        if self.guard.tls:
            server.socket = self.guard.tls.wrap_socket(server.socket, server_side=True)
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        """Return (status, content type, body) for one request."""
        self.seen.append(headers)
        status = self.guard.refusal(headers)
        if status is not None:
            # Like some gateways, echo what was sent: the client must never repeat this body.
            echo = {"status": "error", "errorType": "auth", "error": f"refused {headers}"}
            return status, "application/json", json.dumps(echo).encode()
        forwarded = {k: v for k, v in headers.items() if k in ("content-type",)}
        answer = httpx.request(
            method, f"{self.upstream}{path}", headers=forwarded, content=body, timeout=10
        )
        kind = answer.headers.get("content-type", "application/json")
        return answer.status_code, kind, answer.content


def _handler(proxy: AuthProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, kind, data = proxy.forward(self.command, self.path, headers, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                self.close_connection = True

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the output quiet."""

    return Handler


def server_tls(cert: str, key: str, client_ca: str | None) -> ssl.SSLContext:
    """Return the proxy's TLS context; with `client_ca`, a client certificate is required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if client_ca:
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context
