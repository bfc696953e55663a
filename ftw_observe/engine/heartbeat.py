"""The outbound heartbeat: ping a dead man's switch while the whole chain works.

After each cycle that read Prometheus and saw a recent watchdog, the leader pings a URL
(healthchecks.io, Dead Man's Snitch, Cronitor): when the pings stop, that service pages,
even if every engine replica, its database and its pagers are gone.

The URL carries the check's token, so it is shown nowhere: logs name the host only. The
request goes straight to httpx's transport because the client logs every URL it requests.
A ping waits at most its timeout and never raises; while one is still in flight (a server
that hangs) the next is skipped and counted as failed.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit

import httpx

log = logging.getLogger("ftw_observe.engine")


class Heartbeat:
    """Ping one URL, answering whether it took the ping.

    >>> heartbeat = Heartbeat("https://hc-ping.com/0f1e2d3c", timeout=5)
    >>> heartbeat
    Heartbeat('hc-ping.com')
    >>> # heartbeat.ping()  # True when it answered 2xx within 5 s
    """

    def __init__(
        self,
        url: str,
        *,
        method: str = "GET",
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = url
        self.method = method
        self.timeout = timeout
        self.host = urlsplit(url).hostname or "heartbeat"  # all that is ever shown of the URL
        self._transport = transport or httpx.HTTPTransport()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="heartbeat")
        self._inflight: Future[str] | None = None

    def __repr__(self) -> str:
        return f"Heartbeat({self.host!r})"

    def ping(self) -> bool:
        """Ping once and wait at most the timeout; True when the endpoint answered 2xx."""
        if self._inflight is not None and not self._inflight.done():
            log.warning("heartbeat to %s skipped: the previous one is still waiting", self.host)
            return False
        try:
            self._inflight = self._pool.submit(self._send)
            problem = self._inflight.result(timeout=self.timeout)
        except FutureTimeout:
            problem = f"no answer within {self.timeout:g} s"
        except RuntimeError:  # closed: the engine is stopping
            problem = "stopped"
        if problem:
            log.warning("heartbeat to %s failed: %s", self.host, problem)
        return not problem

    def _send(self) -> str:
        """Send the ping; return what went wrong, or "" when it was taken."""
        request = httpx.Request(
            self.method,
            self._url,
            headers={"User-Agent": "ftw-observe"},
            extensions={"timeout": httpx.Timeout(self.timeout).as_dict()},
        )
        try:
            response = self._transport.handle_request(request)
            response.close()  # the status says it all; the body is not read
        except Exception as error:
            return type(error).__name__  # its text may quote the URL: the type says enough
        return "" if response.is_success else f"HTTP {response.status_code}"

    def close(self) -> None:
        """Stop pinging: drop a ping still waiting, close the connections."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._transport.close()
