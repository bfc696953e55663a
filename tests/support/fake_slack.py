"""A fake Slack Web API on 127.0.0.1: messages, threads, metadata and the Block Kit limits."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.fake_http import Answer, Failure, FakeServer, RecordedRequest

MAX_TEXT = 40_000
_EVENT_TYPE = re.compile(r"[a-zA-Z0-9_]+")


def _text_errors(obj: Any, pointer: str, limit: int, plain_only: bool = False) -> list[str]:
    kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        return [f"[ERROR] must be a {' or '.join(kinds)} text object [json-pointer:{pointer}]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"[ERROR] must be at least 1 character [json-pointer:{pointer}/text]"]
    if len(text) > limit:
        return [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}/text]"]
    return []


def _element_errors(element: Any, pointer: str, action_ids: set[str]) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "button":
        return [f"[ERROR] unsupported element [json-pointer:{pointer}]"]
    errors = _text_errors(element.get("text"), f"{pointer}/text", 75, plain_only=True)
    url, action_id = element.get("url"), element.get("action_id")
    if url is not None and (not isinstance(url, str) or len(url) > 3000):
        errors.append(f"[ERROR] must be less than 3001 characters [json-pointer:{pointer}/url]")
    if action_id is not None:
        if not isinstance(action_id, str) or len(action_id) > 255 or action_id in action_ids:
            errors.append(f"[ERROR] invalid or repeated action_id [json-pointer:{pointer}]")
        action_ids.add(str(action_id))
    return errors


def block_errors(blocks: Any) -> list[str]:
    """Return every way `blocks` break Block Kit's rules and limits (empty when valid)."""
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    errors = []
    if len(blocks) > 50:
        errors.append("[ERROR] must provide no more than 50 items [json-pointer:/blocks]")
    action_ids: set[str] = set()
    for index, block in enumerate(blocks):
        at = f"/blocks/{index}"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "header":
            errors += _text_errors(block.get("text"), f"{at}/text", 150, plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                errors.append(f"[ERROR] must provide text or fields [json-pointer:{at}]")
            if "text" in block:
                errors += _text_errors(block["text"], f"{at}/text", 3000)
            fields = block.get("fields", [])
            if len(fields) > 10:
                errors.append(f"[ERROR] no more than 10 items [json-pointer:{at}/fields]")
            for i, item in enumerate(fields):
                errors += _text_errors(item, f"{at}/fields/{i}", 2000)
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                errors.append(f"[ERROR] must provide 1 to 10 items [json-pointer:{at}/elements]")
            for i, item in enumerate(elements):
                errors += _text_errors(item, f"{at}/elements/{i}", 3000)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                errors.append(f"[ERROR] must provide 1 to 25 items [json-pointer:{at}/elements]")
            for i, item in enumerate(elements):
                errors += _element_errors(item, f"{at}/elements/{i}", action_ids)
        elif kind != "divider":
            errors.append(f"[ERROR] unsupported type {kind!r} [json-pointer:{at}/type]")
    return errors


def _decoded(params: dict[str, Any]) -> dict[str, Any]:
    """Decode the JSON-valued parameters that form-encoded calls send as strings."""
    decoded = dict(params)
    for key in ("blocks", "metadata"):
        if isinstance(decoded.get(key), str):
            decoded[key] = json.loads(decoded[key])
    return decoded


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


@dataclass
class FakeSlack(FakeServer):
    """Slack's chat.postMessage, chat.update, conversations.history/replies/list and auth.test.

    >>> # with FakeSlack() as fake:
    >>> #     sender = SlackSender("slack", "#incidents", fake.token, base_url=fake.api_url)
    >>> #     fake.fail_next(1, error="channel_not_found")
    """

    token: str = "xoxb-0000-fake-slack-token"
    channels: dict[str, str] = field(
        default_factory=lambda: {"incidents": "C0INCIDENTS", "slo-alerts": "C0SLOALERTS"}
    )
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by channel id
    _last_ts: float = 0.0

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
        handlers = {
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

    def channel_id(self, channel: Any, *, names: bool = False) -> str | None:
        """Return the id of a channel given by id (or by name with `names`)."""
        if channel in self.channels.values():
            return str(channel)
        if names and isinstance(channel, str):
            return self.channels.get(channel.removeprefix("#"))
        return None

    def _content_error(self, params: dict[str, Any]) -> dict[str, Any] | None:
        text, blocks = params.get("text"), params.get("blocks")
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
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
        message.update(text=params.get("text", ""), blocks=params.get("blocks") or [])
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
