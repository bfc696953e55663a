"""A fake Slack Web API on 127.0.0.1: messages, threads, metadata and the Block Kit limits.

It takes what the engine's SDK posts and what Alertmanager's `slack_configs` posts: a JSON
body with `channel`, `username` and `attachments` (title, text, color), without `text`.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ftw_observe.demo.fakes.blockkit import block_errors
from ftw_observe.demo.fakes.http import Answer, Failure, FakeServer, RecordedRequest

__all__ = ["FAKE_TOKEN", "MAX_TEXT", "FakeSlack", "block_errors"]

MAX_TEXT = 40_000
FAKE_TOKEN = "xoxb-0000-fake-slack-token"  # noqa: S105 - the fake's own, not a secret
_EVENT_TYPE = re.compile(r"[a-zA-Z0-9_]+")


def _decoded(params: dict[str, Any]) -> dict[str, Any]:
    """Decode the JSON-valued parameters that form-encoded calls send as strings."""
    decoded = dict(params)
    for key in ("blocks", "metadata", "attachments"):
        if isinstance(decoded.get(key), str):
            # Left as it is when it is no JSON: the checks refuse it like Slack does.
            with contextlib.suppress(ValueError):
                decoded[key] = json.loads(decoded[key])
    return decoded


def _shown_params(request: RecordedRequest) -> dict[str, Any]:
    """Return a call's decoded parameters without its token (none when they do not decode)."""
    try:
        params = _decoded(request.params())
    except (ValueError, TypeError):
        return {}
    return {key: value for key, value in params.items() if key != "token"}


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


@dataclass
class FakeSlack(FakeServer):
    """Slack's chat.postMessage, chat.update, conversations.history/replies/list and auth.test.

    >>> # with FakeSlack() as fake:
    >>> #     sender = SlackSender("slack", "#incidents", fake.token, base_url=fake.api_url)
    >>> #     fake.fail_next(1, error="channel_not_found")
    >>> #     httpx.get(f"{fake.url}/_fake/received").json()["messages"]["incidents"]
    """

    token: str = FAKE_TOKEN
    channels: dict[str, str] = field(
        default_factory=lambda: {"incidents": "C0INCIDENTS", "slo-alerts": "C0SLOALERTS"}
    )
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by channel id
    _last_ts: float = 0.0
    _answered: list[tuple[RecordedRequest, bool]] = field(default_factory=list)  # Web API calls

    @property
    def api_url(self) -> str:
        """Return the base URL to give WebClient (with its trailing slash)."""
        return f"{self.url}/api/"

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        body: Any = None,
        path: str | None = None,
        error: str | None = None,
        method: str | None = None,
    ) -> None:
        """Fail the next `n` calls (of `method`, e.g. chat.postMessage) with an HTTP status or
        with Slack's `{"ok": false, "error": error}` (HTTP 200 unless told)."""
        if error is not None and body is None:
            body = {"ok": False, "error": error}
        status = status if status is not None else (200 if error else 500)
        path = f"/api/{method}" if method else path
        super().fail_next(n, status=status, retry_after=retry_after, body=body, path=path)

    def failure_body(self, failure: Failure) -> Any:
        """Answer failures with Slack's own bodies."""
        if failure.body is not None:
            return failure.body
        if failure.status == 429:
            return {"ok": False, "error": "ratelimited"}
        return {"ok": False, "error": "internal_error"}

    def answer(self, method: str, path: str, request: RecordedRequest) -> Answer:
        """Answer one Web API call the way Slack does (errors with HTTP 200 and ok=false)."""
        api = path.removeprefix("/api/")
        handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "chat.postMessage": self._post,
            "chat.update": self._update,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.list": self._list,
            "auth.test": lambda _: {"ok": True, "user_id": "U0FAKEBOT", "bot_id": "B0FAKEBOT"},
        }
        if api not in handlers:
            return 404, {}, {"ok": False, "error": "unknown_method"}
        auth = request.headers.get("authorization")
        if not auth:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if auth != f"Bearer {self.token}":
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        params = _decoded(request.params())
        return 200, {}, handlers[api](params)

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        """Answer one request, record it, and note whether a Web API call answered ok."""
        with self._lock:  # so that the last recorded request is this one
            status, extra, payload = super().handle(method, target, headers, body)
            request = self.requests[-1]
            if request.path.startswith("/api/"):
                ok = isinstance(payload, dict) and payload.get("ok") is True
                self._answered.append((request, ok and status == 200))
        return status, extra, payload

    def received(self) -> dict[str, Any]:
        """Return the Web API calls (tokens left out), every channel's messages by name, and
        the channel ids by name."""
        calls = [
            {
                "received_at": request.received_at,
                "method": request.path.removeprefix("/api/"),
                "ok": ok,
                "params": _shown_params(request),
            }
            for request, ok in self._answered
        ]
        names = {channel_id: name for name, channel_id in self.channels.items()}
        messages: dict[str, list[dict[str, Any]]] = {name: [] for name in self.channels}
        messages |= {
            names.get(channel_id, channel_id): [dict(m) for m in channel_messages]
            for channel_id, channel_messages in self.messages.items()
        }
        return {"calls": calls, "messages": messages, "channels": dict(self.channels)}

    def channel_id(self, channel: Any, *, names: bool = False) -> str | None:
        """Return the id of a channel given by id (or by name with `names`)."""
        if channel in self.channels.values():
            return str(channel)
        if names and isinstance(channel, str):
            return self.channels.get(channel.removeprefix("#"))
        return None

    def _content_error(self, params: dict[str, Any]) -> dict[str, Any] | None:
        text, blocks, attachments = (
            params.get("text"),
            params.get("blocks"),
            params.get("attachments"),
        )
        if not text and not blocks and not attachments:
            return {"ok": False, "error": "no_text"}
        if attachments is not None and not (
            isinstance(attachments, list) and all(isinstance(a, dict) for a in attachments)
        ):
            return {"ok": False, "error": "invalid_attachments"}
        if text and len(str(text)) > MAX_TEXT:
            return {"ok": False, "error": "msg_too_long"}
        if blocks is not None and (errors := block_errors(blocks)):
            details = {"messages": errors}
            return {"ok": False, "error": "invalid_blocks", "response_metadata": details}
        metadata = params.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and _EVENT_TYPE.fullmatch(str(metadata.get("event_type", "")))
            and isinstance(metadata.get("event_payload"), dict)
        ):
            return {"ok": False, "error": "invalid_metadata_format"}
        return None

    def _next_ts(self) -> str:
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _find(self, channel: str, ts: Any) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_id(params.get("channel"), names=True)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if error := self._content_error(params):
            return error
        thread_ts = params.get("thread_ts")
        parent = self._find(channel, thread_ts) if thread_ts else None
        if thread_ts and parent is None:
            return {"ok": False, "error": "thread_not_found"}
        message = {
            "type": "message",
            "ts": self._next_ts(),
            "bot_id": "B0FAKEBOT",
            "text": params.get("text", ""),
            "blocks": params.get("blocks") or [],
            "attachments": params.get("attachments") or [],
            "metadata": params.get("metadata"),
        }
        if parent is not None:
            message["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": dict(message)}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_id(params.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        message = self._find(channel, params.get("ts"))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if error := self._content_error(params):
            return error
        message.update(
            text=params.get("text", ""),
            blocks=params.get("blocks") or [],
            attachments=params.get("attachments") or [],
        )
        message["edited"] = {"user": "U0FAKEBOT", "ts": self._next_ts()}
        if params.get("metadata") is not None:
            message["metadata"] = params["metadata"]
        return {"ok": True, "channel": channel, "ts": message["ts"], "text": message["text"]}

    def _listing(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        limit = int(params.get("limit") or 100)
        hidden = () if _truthy(params.get("include_all_metadata")) else ("metadata",)
        shown = [{k: v for k, v in m.items() if k not in hidden} for m in messages[:limit]]
        return {"ok": True, "messages": shown, "has_more": len(messages) > limit}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_id(params.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or "inf")
        top = [
            m
            for m in self.messages.get(channel, [])
            if "thread_ts" not in m and oldest < float(m["ts"]) < latest
        ]
        return self._listing(sorted(top, key=lambda m: m["ts"], reverse=True), params)

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_id(params.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        parent = self._find(channel, params.get("ts"))
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        thread = [m for m in self.messages[channel] if m.get("thread_ts") == parent["ts"]]
        return self._listing([parent, *thread], params)

    def _list(self, params: dict[str, Any]) -> dict[str, Any]:
        start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 100)
        rows = [
            {"id": cid, "name": name, "is_channel": True, "is_archived": False}
            for name, cid in sorted(self.channels.items())
        ]
        page, more = rows[start : start + limit], start + limit < len(rows)
        cursor = str(start + limit) if more else ""
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}

    def calls(self, api: str) -> list[dict[str, Any]]:
        """Return the parameters of every call of one API method, oldest first."""
        return [_decoded(r.params()) for r in self.requests if r.path == f"/api/{api}"]

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """Return the top-level messages of a channel (by name or id), oldest first."""
        channel_id = self.channel_id(channel, names=True) or channel
        return [m for m in self.messages.get(channel_id, []) if "thread_ts" not in m]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """Return the replies in a message's thread, oldest first."""
        channel_id = self.channel_id(channel, names=True) or channel
        return [m for m in self.messages.get(channel_id, []) if m.get("thread_ts") == ts]
