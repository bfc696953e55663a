"""What the receivers got: read from the demo's fake receivers, or from the engine's outbox.

The fakes also receive what Alertmanager sends them itself (the alerts on FTW Observe, which
never pass through the engine). Its PagerDuty events carry Alertmanager's group key hash as
`dedup_key`; its Slack posts carry `alertmanager/<component>/<severity>` as the attachment's
`callback_id`, which stands for their dedup key. `from_alertmanager` tells them apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

from ftw_observe.alertmanager.direct import CALLBACK_PREFIX as ALERTMANAGER_KEY_PREFIX
from ftw_observe.notify.slack import EVENT_TYPE as SLACK_EVENT_TYPE

ENGINE = "ftw-observe"
ALERTMANAGER = "alertmanager"
_GROUP_HASH = re.compile(r"[0-9a-f]{64}")  # Alertmanager's PagerDuty dedup key: a SHA-256


@dataclass(frozen=True)
class Receipt:
    """One notification as a receiver got it.

    `message` is True for what a person sees as a new message or page: a PagerDuty trigger,
    a top-level Slack post. Resolves, thread replies and "still firing" reminders are not.
    `sender` is who sent it: the engine ("ftw-observe"), or Alertmanager ("alertmanager")
    through its own receivers, whose Slack posts carry no dedup key.
    """

    receiver: str
    kind: str  # trigger or resolve
    dedup_key: str
    at: float  # Unix time it arrived (or was sent, for real receivers)
    text: str
    message: bool
    sender: str = ENGINE


def from_alertmanager(receipt: Receipt) -> bool:
    """Tell whether Alertmanager sent this itself (the engine's keys start with `ftw/`)."""
    key = receipt.dedup_key
    return key.startswith(ALERTMANAGER_KEY_PREFIX) or bool(_GROUP_HASH.fullmatch(key))


class Inbox(Protocol):
    """Where the drill looks for the page and the resolve."""

    description: str

    def receipts(self) -> list[Receipt]:
        """Return every receipt so far, oldest first."""
        ...


class FakeReceiversInbox:
    """The demo's fake PagerDuty and Slack, read through their `/_fake/received` endpoints.

    Usage::

        inbox = FakeReceiversInbox("http://127.0.0.1:8091", "http://127.0.0.1:8092")
        [r for r in inbox.receipts() if r.kind == "trigger"]
    """

    def __init__(self, pagerduty_url: str | None, slack_url: str | None) -> None:
        self.pagerduty_url = pagerduty_url
        self.slack_url = slack_url
        names = [n for n, url in (("PagerDuty", pagerduty_url), ("Slack", slack_url)) if url]
        self.description = f"the demo's fake {' and '.join(names)}"

    def receipts(self) -> list[Receipt]:
        """Return what both fakes accepted, oldest first."""
        found: list[Receipt] = []
        if self.pagerduty_url:
            data = _get_json(f"{self.pagerduty_url}/_fake/received")
            found += [pagerduty_receipt(item) for item in data.get("events", [])]
        if self.slack_url:
            data = _get_json(f"{self.slack_url}/_fake/received")
            names = {cid: f"#{name}" for name, cid in (data.get("channels") or {}).items()}
            calls = data.get("calls", [])
            found += [r for call in calls if (r := slack_receipt(call, names))]
        return sorted(found, key=lambda r: r.at)


def pagerduty_receipt(item: dict[str, Any]) -> Receipt:
    """Return the receipt of one event the fake PagerDuty accepted."""
    event = item.get("event") or {}
    action = str(event.get("event_action", ""))
    summary = str((event.get("payload") or {}).get("summary") or "")
    # Alertmanager names itself as the event's client; the engine sends none.
    client = str(event.get("client") or "")
    return Receipt(
        receiver="pagerduty",
        kind=action,
        dedup_key=str(event.get("dedup_key", "")),
        at=float(item.get("received_at", 0.0)),
        text=summary,
        message=action == "trigger",
        sender=ALERTMANAGER if ALERTMANAGER in client.lower() else client or ENGINE,
    )


def slack_receipt(call: dict[str, Any], names: dict[str, str] | None = None) -> Receipt | None:
    """Return the receipt of one Slack post of an alert, or None for any other call.

    The engine's posts carry their dedup key in the message metadata. Alertmanager's carry
    attachments only, keyed by their route's callback id: a resolve is titled [RESOLVED].
    `names` maps channel ids (which thread replies use) to `#name`.
    """
    if call.get("method") != "chat.postMessage" or not call.get("ok"):
        return None
    params = call.get("params") or {}
    channel = str(params.get("channel", ""))
    channel = (names or {}).get(channel, channel)
    if (posted := _alertmanager_post(params)) is not None:
        kind, key, title = posted
        at = float(call.get("received_at", 0.0))
        return Receipt(
            f"slack {channel}", kind, key, at, title, message=kind == "trigger", sender=ALERTMANAGER
        )
    metadata = params.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    at, message = float(call.get("received_at", 0.0)), not params.get("thread_ts")
    if metadata.get("event_type") == SLACK_EVENT_TYPE and "dedup_key" in payload:
        kind, key, text = (
            str(payload.get("kind", "")),
            str(payload["dedup_key"]),
            params.get("text"),
        )
        return Receipt(f"slack {channel}", kind, key, at, str(text or ""), message)
    return None


def _alertmanager_post(params: dict[str, Any]) -> tuple[str, str, str] | None:
    """Return (kind, dedup key, title) of a post by Alertmanager's slack_configs, else None."""
    attachments = params.get("attachments")
    if params.get("metadata") or not isinstance(attachments, list) or not attachments:
        return None
    first = attachments[0] if isinstance(attachments[0], dict) else {}
    key = str(first.get("callback_id") or "")
    if not key.startswith(ALERTMANAGER_KEY_PREFIX):
        return None
    title = str(first.get("title") or "")
    return ("resolve" if title.startswith("[RESOLVED]") else "trigger"), key, title


class EngineOutboxInbox:
    """Deliveries the engine reports as sent, for drills against the real Slack and PagerDuty.

    Usage::

        inbox = EngineOutboxInbox("http://127.0.0.1:8080", dedup_key_prefix="ftw/marketplace/")
    """

    def __init__(self, engine_url: str, *, dedup_key_prefix: str, since: datetime) -> None:
        self.engine_url = engine_url
        self.dedup_key_prefix = dedup_key_prefix
        self.since = since
        self.description = "the configured receivers (as the engine delivered to them)"

    def receipts(self) -> list[Receipt]:
        """Return the deliveries since the drill began, oldest first."""
        params = {
            "since": self.since.isoformat(),
            "dedup_key_prefix": self.dedup_key_prefix,
            "limit": 1000,
        }
        data = _get_json(f"{self.engine_url}/api/notifications/sent", params=params)
        found = []
        for row in data.get("sent", []):
            sent_at = datetime.fromisoformat(str(row["sent_at"]))
            found.append(
                Receipt(
                    receiver=str(row.get("receiver")),
                    kind=str(row["kind"]),
                    dedup_key=str(row["dedup_key"]),
                    at=sent_at.timestamp(),
                    text=str(row.get("summary") or ""),
                    message=row["kind"] == "trigger",
                )
            )
        return sorted(found, key=lambda r: r.at)


def _get_json(url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.get(url, params=params, timeout=10)
    response.raise_for_status()
    data = response.json()
    return data if isinstance(data, dict) else {}
