"""Deliver notifications to a Slack channel with `slack-sdk`: post, then update and reply."""

from __future__ import annotations

import http.client
import logging
import os
import re
from datetime import UTC, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from ftw_observe.model import Notification, NotificationKind
from ftw_observe.notify import blocks
from ftw_observe.notify.endpoints import check_endpoint, parse_retry_after
from ftw_observe.notify.facts import AlertFacts, alert_facts
from ftw_observe.notify.model import DeliveryResult, Outcome

log = logging.getLogger(__name__)

EVENT_TYPE = "ftw_alert"
LOOKBACK = 50  # messages searched for one already posted by an attempt whose answer was lost
CLOCK_SKEW = timedelta(minutes=5)
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
        "invalid_metadata_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "restricted_action",
    }
)
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{6,}")
_TRANSPORT_ERRORS = (OSError, http.client.HTTPException)  # URLError and timeouts are OSErrors
# Follow-ups said in the alert's thread, each with its opening words.
THREAD_NOTES = {NotificationKind.REMIND: "Still firing", NotificationKind.JOIN: "Also firing"}


def notification_id(notification: Notification) -> str:
    """Return the identity of one notification: its alert and when it was raised."""
    return f"{notification.dedup_key}@{notification.created_at.isoformat()}"


def _found(message: dict[str, Any], wanted: Notification) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(
        metadata.get("event_type") == EVENT_TYPE
        and payload.get("notification") == notification_id(wanted)
        and payload.get("kind") == wanted.kind.value
    )


class SlackSender:
    """Post alerts to one channel; on resolve, update the message and reply in its thread.

    >>> sender = SlackSender("slack", "#incidents", "xoxb-…", base_url="http://127.0.0.1:9/api/")
    >>> sender
    SlackSender(name='slack', channel='#incidents', base_url='http://127.0.0.1:9/api/')
    """

    def __init__(
        self,
        name: str,
        channel: str,
        token: str,
        *,
        base_url: str | None = None,
        status_page_url: str | None = None,
        timeout: int = 10,
    ) -> None:
        if not token.strip():
            raise ValueError(f"receiver {name}: the Slack bot token is empty")
        url = base_url or os.environ.get("SLACK_API_URL") or WebClient.BASE_URL
        url = url if url.endswith("/") else url + "/"  # the SDK joins method names to it
        self.name = name
        self.channel = channel
        self.base_url = check_endpoint(url, "SLACK_API_URL")
        self.status_page_url = status_page_url
        self._channel_ids: dict[str, str] = {}
        # No retry handlers: the SDK would sleep, and resending a post that was received but
        # unanswered posts it twice. The outbox retries, and retries look for the first post.
        self._client = WebClient(token=token, base_url=url, timeout=timeout, retry_handlers=[])

    def __repr__(self) -> str:
        return (
            f"SlackSender(name={self.name!r}, channel={self.channel!r}, base_url={self.base_url!r})"
        )

    def send(
        self, notification: Notification, *, previous: dict[str, Any] | None, attempt: int = 1
    ) -> DeliveryResult:
        """Post or resolve one alert; from the second attempt on, adopt an earlier post."""
        try:
            if notification.kind in (NotificationKind.RESOLVE, NotificationKind.SUPERSEDE):
                return self._resolve(notification, previous, attempt)
            if notification.kind in THREAD_NOTES and previous:
                return self._remind(notification, previous, attempt)
            return self._trigger(notification, attempt)
        except SlackApiError as error:
            return self._api_error(error)
        except SlackClientError as error:
            return DeliveryResult(Outcome.REJECTED, f"Slack client error: {type(error).__name__}")
        except _TRANSPORT_ERRORS as error:
            reason = getattr(error, "reason", None) or error
            return DeliveryResult(
                Outcome.RETRY, f"cannot reach Slack at {self.base_url}: {type(reason).__name__}"
            )

    def _trigger(self, notification: Notification, attempt: int) -> DeliveryResult:
        """Post an alert, or a silence announcement, as a new message in the channel."""
        if attempt > 1 and (found := self._find(notification)):
            return DeliveryResult(
                Outcome.DELIVERED, "adopted the message of an earlier attempt", delivery=found
            )
        if notification.kind is NotificationKind.ANNOUNCE:
            text = blocks.announcement_text(notification)
            shown = blocks.announcement_blocks(notification)
        else:
            facts = alert_facts(notification, self.status_page_url)
            text = blocks.fallback_text(facts, resolved=False)
            shown = blocks.trigger_blocks(notification, facts)
        response = self._client.chat_postMessage(
            channel=self.channel,
            text=text,
            blocks=shown,
            metadata=self._metadata(notification),
            unfurl_links=False,
        )
        return self._posted(response.data, "posted")

    def _remind(
        self, notification: Notification, previous: dict[str, Any], attempt: int
    ) -> DeliveryResult:
        """Reply in the alert's thread that it still fires, or that another alert joined it."""
        channel, ts = previous.get("channel"), previous.get("ts")
        if not (isinstance(channel, str) and isinstance(ts, str)):
            return self._trigger(notification, attempt)
        delivery = {"channel": channel, "ts": ts}
        if attempt > 1 and self._find(notification, channel=channel, thread_ts=ts):
            return DeliveryResult(
                Outcome.DELIVERED, "reminder already in thread", delivery=delivery
            )
        facts = alert_facts(notification, self.status_page_url)
        opening = THREAD_NOTES[notification.kind]
        self._client.chat_postMessage(
            channel=channel,
            thread_ts=ts,
            text=f"{opening}: {blocks.fallback_text(facts, resolved=False)}",
            metadata=self._metadata(notification),
        )
        return DeliveryResult(Outcome.DELIVERED, "reminder in thread", delivery=delivery)

    def _resolve(
        self, notification: Notification, previous: dict[str, Any] | None, attempt: int
    ) -> DeliveryResult:
        """Mark the alert's message resolved (or superseded) and say so in its thread."""
        facts = alert_facts(notification, self.status_page_url)
        channel, ts = (previous or {}).get("channel"), (previous or {}).get("ts")
        if not (isinstance(channel, str) and isinstance(ts, str)):
            return self._post_resolved(notification, facts, attempt)
        text, shown, reply = blocks.ending(notification, facts)
        try:
            self._client.chat_update(channel=channel, ts=ts, text=text, blocks=shown)
        except SlackApiError as error:
            code = _error_code(error)
            if code == "message_not_found":  # deleted by someone: say it on its own
                return self._post_resolved(notification, facts, attempt)
            if code not in ("cant_update_message", "edit_window_closed"):
                raise
            log.warning("receiver %s: cannot update message %s (%s)", self.name, ts, code)
        delivery = {"channel": channel, "ts": ts}
        if attempt > 1 and self._find(notification, channel=channel, thread_ts=ts):
            return DeliveryResult(
                Outcome.DELIVERED, "updated; reply already in thread", delivery=delivery
            )
        self._client.chat_postMessage(
            channel=channel, thread_ts=ts, text=reply, metadata=self._metadata(notification)
        )
        return DeliveryResult(Outcome.DELIVERED, "updated and replied in thread", delivery=delivery)

    def _post_resolved(
        self, notification: Notification, facts: AlertFacts, attempt: int
    ) -> DeliveryResult:
        if attempt > 1 and (found := self._find(notification)):
            return DeliveryResult(
                Outcome.DELIVERED, "adopted the message of an earlier attempt", delivery=found
            )
        text, shown, _ = blocks.ending(notification, facts)
        response = self._client.chat_postMessage(
            channel=self.channel,
            text=text,
            blocks=shown,
            metadata=self._metadata(notification),
            unfurl_links=False,
        )
        return self._posted(response.data, "posted resolved message (no trigger message known)")

    def _metadata(self, notification: Notification) -> dict[str, Any]:
        payload = {
            "dedup_key": notification.dedup_key,
            "notification": notification_id(notification),
            "kind": notification.kind.value,
        }
        return {"event_type": EVENT_TYPE, "event_payload": payload}

    def _posted(self, data: Any, what: str) -> DeliveryResult:
        channel, ts = str(data["channel"]), str(data["ts"])
        self._channel_ids[self.channel] = channel
        return DeliveryResult(
            Outcome.DELIVERED, f"{what} in {channel}", delivery={"channel": channel, "ts": ts}
        )

    def _find(
        self,
        notification: Notification,
        *,
        channel: str | None = None,
        thread_ts: str | None = None,
    ) -> dict[str, str] | None:
        """Return channel and ts of this notification's message if an earlier attempt posted it."""
        try:
            channel = channel or self._channel_id()
            if channel is None:
                return None
            if thread_ts:
                response = self._client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=LOOKBACK, include_all_metadata=True
                )
            else:
                created = notification.created_at
                created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
                response = self._client.conversations_history(
                    channel=channel,
                    limit=LOOKBACK,
                    include_all_metadata=True,
                    oldest=f"{(created - CLOCK_SKEW).timestamp():.6f}",
                )
        except SlackApiError as error:
            if self._api_error(error).outcome is Outcome.RETRY:
                raise
            # Without history access a duplicate is better than a lost alert.
            code = _error_code(error)
            log.warning("receiver %s: cannot read %s (%s); posting", self.name, self.channel, code)
            return None
        for message in response.get("messages") or []:
            if _found(message, notification) and message.get("ts") != thread_ts:
                return {"channel": channel, "ts": str(message["ts"])}
        return None

    def _channel_id(self) -> str | None:
        """Return the configured channel's id: itself, remembered, or looked up by name."""
        if _CHANNEL_ID.fullmatch(self.channel):
            return self.channel
        if self.channel in self._channel_ids:
            return self._channel_ids[self.channel]
        name = self.channel.removeprefix("#")
        cursor = None
        for _ in range(20):
            response = self._client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            for channel in response.get("channels") or []:
                if channel.get("name") == name:
                    self._channel_ids[self.channel] = str(channel["id"])
                    return self._channel_ids[self.channel]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def _api_error(self, error: SlackApiError) -> DeliveryResult:
        code = _error_code(error)
        status = error.response.status_code
        if status == 429 or code == "ratelimited":
            headers = {str(k).lower(): str(v) for k, v in (error.response.headers or {}).items()}
            wait = parse_retry_after(headers.get("retry-after"))
            return DeliveryResult(Outcome.RETRY, "Slack rate limit (HTTP 429)", wait)
        if code in PERMANENT_ERRORS:
            return DeliveryResult(Outcome.REJECTED, f"Slack refused the message: {code}")
        if status >= 500:
            return DeliveryResult(Outcome.RETRY, f"Slack answered HTTP {status}")
        # An error code we do not know: keep retrying rather than drop an alert.
        return DeliveryResult(Outcome.RETRY, f"Slack error {code or 'unknown'} (HTTP {status})")


def _error_code(error: SlackApiError) -> str:
    data = error.response.data
    return str(data.get("error") or "") if isinstance(data, dict) else ""
