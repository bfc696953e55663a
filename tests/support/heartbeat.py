"""A heartbeat receiver on 127.0.0.1, as healthchecks.io or Dead Man's Snitch would be."""

from __future__ import annotations

from ftw_observe.demo.fakes.http import Answer, FakeServer, RecordedRequest

TOKEN = "7c1e5c0a-hb-secret-token"


class FakeCheck(FakeServer):
    """Take any ping with 200 "OK"; `fail_next` and `set_delay` make it fail or hang.

    Usage::

        with FakeCheck() as check:
            url = check.ping_url  # carries TOKEN, like a real check's URL
            ...
            assert [r.method for r in check.pings()] == ["GET"]
    """

    @property
    def ping_url(self) -> str:
        """Return the URL of this check: its token is in the path."""
        return f"{self.url}/ping/{TOKEN}"

    def answer(self, method: str, path: str, request: RecordedRequest) -> Answer:
        """Answer every ping OK."""
        return 200, {}, "OK"

    def pings(self) -> list[RecordedRequest]:
        """Return the pings received so far."""
        with self._lock:
            return list(self.requests)
