"""A real HTTP server on 127.0.0.1 for fake receivers: records, fails, slows down, goes down."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

Answer = tuple[int, dict[str, str], Any]  # status, headers, JSON body
RECEIVED_PATH = "/_fake/received"  # GET: what the fake received, as JSON; never recorded


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received, and the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes
    status: int
    received_at: float  # time.time() when the request arrived

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body)

    def params(self) -> dict[str, Any]:
        """Return query, form and JSON body parameters together."""
        params: dict[str, Any] = dict(self.query)
        content_type = self.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            params.update(self.json())
        elif self.body:
            params.update(parse_qsl(self.body.decode(), keep_blank_values=True))
        return params


@dataclass
class Failure:
    """An answer the fake gives instead of a real one."""

    status: int
    retry_after: float | None = None
    body: Any = None
    path: str | None = None  # only requests to this path; any path when None


@dataclass
class FakeServer:
    """Base of the fake receivers: subclasses implement `answer` (and may refine `received`).

    >>> # with FakePagerDuty() as fake: fake.fail_next(1, status=429, retry_after=7)
    >>> # httpx.get(f"{fake.url}/_fake/received").json()  ->  {"events": [...]}
    """

    port: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)
    _failures: deque[Failure] = field(default_factory=deque)
    _delay: float = 0.0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        """Return the base URL, such as http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (again) on the same port."""
        self._stopping.clear()
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=f"fake-{self.port}"
        )
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until `start`."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        retry_after: float | None = None,
        body: Any = None,
        path: str | None = None,
    ) -> None:
        """Answer the next `n` requests (to `path`, if given) with `status` instead."""
        with self._lock:
            self._failures.extend(Failure(status, retry_after, body, path) for _ in range(n))

    def set_delay(self, seconds: float) -> None:
        """Wait this long before every answer (after processing the request)."""
        self._delay = seconds

    def answer(self, method: str, path: str, request: RecordedRequest) -> Answer:
        """Return the answer to one request; `request.status` is not known yet."""
        raise NotImplementedError

    def failure_body(self, failure: Failure) -> Any:
        """Return the body of a programmed failure."""
        return failure.body if failure.body is not None else {"error": f"HTTP {failure.status}"}

    def received(self) -> dict[str, Any]:
        """Return what `GET /_fake/received` answers: the requests, without headers or bodies."""
        requests = [
            {
                "received_at": r.received_at,
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "status": r.status,
            }
            for r in self.requests
        ]
        return {"requests": requests}

    def _take_failure(self, path: str) -> Failure | None:
        for failure in self._failures:
            if failure.path is None or failure.path == path:
                self._failures.remove(failure)
                return failure
        return None

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        """Answer one request and record it."""
        received_at = time.time()
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query))
        request = RecordedRequest(
            method, parts.path, query, headers, body, status=0, received_at=received_at
        )
        with self._lock:
            failure = self._take_failure(parts.path)
            if failure is None:
                status, extra, payload = self.answer(method, parts.path, request)
            else:
                status, extra, payload = failure.status, {}, self.failure_body(failure)
                if failure.retry_after is not None:
                    extra = {"Retry-After": f"{failure.retry_after:g}"}
            self.requests.append(RecordedRequest(**{**request.__dict__, "status": status}))
        return status, extra, payload


def _handler(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            if self.command == "GET" and urlsplit(self.path).path == RECEIVED_PATH:
                with fake._lock:  # the state must not change while it is encoded
                    data = json.dumps(fake.received()).encode()
                self._send(200, {}, data)
                return
            status, extra, payload = fake.handle(self.command, self.path, headers, body)
            if fake._delay:
                fake._stopping.wait(fake._delay)
            self._send(status, extra, json.dumps(payload).encode())

        def _send(self, status: int, extra: dict[str, str], data: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting
                self.close_connection = True

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the output quiet."""

    return Handler
