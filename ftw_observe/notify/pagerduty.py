"""Deliver notifications to PagerDuty's Events API v2 with the `pagerduty` package."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from datetime import UTC
from typing import Any, Self

import httpx2
import pagerduty

from ftw_observe.model import Notification, NotificationKind
from ftw_observe.notify import story
from ftw_observe.notify.endpoints import check_endpoint, parse_retry_after
from ftw_observe.notify.facts import alert_facts, truncate
from ftw_observe.notify.model import DeliveryResult, Outcome

log = logging.getLogger(__name__)

DEFAULT_EVENTS_URL = "https://events.pagerduty.com"
SUMMARY_LIMIT = 1024
DEDUP_KEY_LIMIT = 255
DETAIL_VALUE_LIMIT = 4096
DETAILS_BUDGET = 400_000  # bytes of custom details; the whole event may be 512 KB
SEVERITIES = {
    "page": "critical",
    "critical": "critical",
    "ticket": "warning",
    "warning": "warning",
    "info": "info",
}


def pagerduty_dedup_key(key: str) -> str:
    """Return `key` itself, or a stable shortened form when it exceeds 255 characters."""
    if len(key) <= DEDUP_KEY_LIMIT:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: DEDUP_KEY_LIMIT - len(digest) - 1]}#{digest}"


class _HttpAnswer(Exception):
    """A non-2xx answer, raised from a response hook so the library never retries it."""

    def __init__(self, status: int, retry_after: str | None, body: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.retry_after, self.body = status, retry_after, body


def _stop_on_error_status(response: httpx2.Response) -> None:
    if not response.is_success:
        response.read()
        raise _HttpAnswer(response.status_code, response.headers.get("retry-after"), response.text)


class _EventsClient(pagerduty.EventsApiV2Client):
    """The library's client, accepting plain http:// for loopback receivers only."""

    @property
    def url(self) -> str:
        return str(self._url)

    @url.setter
    def url(self, value: str) -> None:
        self._url = check_endpoint(value, "PAGERDUTY_EVENTS_URL")


class PagerDutySender:
    """Send triggers and resolves to one PagerDuty routing key; one HTTP request per send.

    >>> sender = PagerDutySender("pagerduty", "R0UT1NGK3Y", events_url="http://127.0.0.1:9")
    >>> sender
    PagerDutySender(name='pagerduty', events_url='http://127.0.0.1:9')
    >>> sender.close()
    """

    def __init__(
        self,
        name: str,
        routing_key: str,
        *,
        events_url: str | None = None,
        status_page_url: str | None = None,
        timeout: float = 10,
    ) -> None:
        if not routing_key.strip():
            raise ValueError(f"receiver {name}: the PagerDuty routing key is empty")
        url = events_url or os.environ.get("PAGERDUTY_EVENTS_URL") or DEFAULT_EVENTS_URL
        url = url.rstrip("/").removesuffix("/v2/enqueue")
        self.name = name
        self.events_url = check_endpoint(url, "PAGERDUTY_EVENTS_URL")
        self.status_page_url = status_page_url
        self._secret = routing_key
        self._client = _EventsClient(
            routing_key, base_url=self.events_url, event_hooks={"response": [_stop_on_error_status]}
        )
        self._client.timeout = timeout  # type: ignore[assignment]  # inferred int; httpx takes float
        # The library retries 5xx and (without limit) 429 with blocking sleeps, and network
        # errors three times; the outbox retries instead, so every send is one request.
        # (`retry[429] = 0` would mean "default", which is to retry 429 forever.)
        self._client.retry = {}
        self._client.max_network_attempts = 0
        self._client.sleep_timer = 0.0

    def __repr__(self) -> str:
        return f"PagerDutySender(name={self.name!r}, events_url={self.events_url!r})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(
        self, notification: Notification, *, previous: dict[str, Any] | None, attempt: int = 1
    ) -> DeliveryResult:
        """Send one trigger or resolve; resends are safe, PagerDuty deduplicates by key."""
        if notification.kind is NotificationKind.ANNOUNCE:
            # The router never routes one here; a page about a silence would wake someone.
            return DeliveryResult(Outcome.REJECTED, "announcements never go to PagerDuty")
        if notification.kind is NotificationKind.REMIND:
            # The open incident keeps paging through PagerDuty's own escalation policy.
            return DeliveryResult(
                Outcome.DELIVERED,
                "reminder left to PagerDuty's escalation policy",
                delivery=previous,
            )
        if notification.kind is NotificationKind.JOIN:
            # The responder is already paged: another alert of the outage wakes no one again.
            return DeliveryResult(
                Outcome.DELIVERED, "the open incident was paged already", delivery=previous
            )
        key = pagerduty_dedup_key(notification.dedup_key)
        # A superseded ticket's alert closes; the page that took it over has its own key.
        # A resolve tells no story here: the Events API v2 reads only the routing key, the
        # dedup key and the action of a resolve, and the incident keeps the trigger's details.
        closing = notification.kind in (NotificationKind.RESOLVE, NotificationKind.SUPERSEDE)
        action = "resolve" if closing else "trigger"
        try:
            if action == "resolve":
                self._client.resolve(key)
            else:
                self._client.trigger(**self.trigger_arguments(notification, key))
        except _HttpAnswer as answer:
            result = self._answered(answer)
        except pagerduty.Error as error:
            cause = error.__cause__
            if isinstance(cause, httpx2.TimeoutException):
                detail = f"PagerDuty did not answer within {self._client.timeout:g} s"
            elif isinstance(cause, httpx2.TransportError):
                detail = f"cannot reach PagerDuty at {self.events_url}: {type(cause).__name__}"
            else:
                detail = f"unexpected answer from PagerDuty: {type(error).__name__}"
            result = DeliveryResult(Outcome.RETRY, detail)
        except httpx2.HTTPError as error:  # e.g. a body that cannot be decoded
            result = DeliveryResult(Outcome.RETRY, f"HTTP error: {type(error).__name__}")
        else:
            result = DeliveryResult(
                Outcome.DELIVERED, f"{action} accepted (HTTP 202)", delivery={"dedup_key": key}
            )
        log.debug("receiver %s: %s %s: %s", self.name, action, key, result.outcome.value)
        return result

    def trigger_arguments(self, notification: Notification, key: str) -> dict[str, Any]:
        """Return the keyword arguments of `EventsApiV2Client.trigger` for a notification."""
        labels = notification.labels
        facts = alert_facts(notification, self.status_page_url)
        moment = notification.created_at
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        payload = {
            # Always explicit: the library's own timestamp code crashes in 7.2.0.
            "timestamp": moment.isoformat(timespec="milliseconds"),
            "component": labels.get("slo") or labels.get("alertname"),
            "group": labels.get("service"),
            "class": labels.get("tier") or labels.get("alertname"),
        }
        since = story.since_text(notification.annotations, moment, slo=bool(facts.slo))
        details: dict[str, Any] = {
            "since": since,
            "description": facts.description,
            "burn_rate": dict(facts.burn_rates),
            "burn_rate_threshold": facts.threshold,
            "remaining_budget": facts.remaining_budget,
            "budget": facts.budget_note,
            "time_to_exhaustion": facts.time_to_exhaustion,
            "counts": dict(facts.counts),
            "instance": facts.instance,
            "source": notification.source,
            "labels": dict(labels),
            "annotations": dict(notification.annotations),
        }
        return {
            "summary": truncate(facts.summary, SUMMARY_LIMIT),
            "source": labels.get("service") or "ftw-observe",
            "dedup_key": key,
            "severity": SEVERITIES.get(facts.severity, "error"),
            "payload": {name: value for name, value in payload.items() if value},
            "custom_details": _bounded({k: v for k, v in details.items() if v}),
            "links": [{"href": url, "text": text} for text, url in facts.links],
        }

    def _answered(self, answer: _HttpAnswer) -> DeliveryResult:
        status = answer.status
        if status == 429:
            wait = parse_retry_after(answer.retry_after)
            return DeliveryResult(Outcome.RETRY, "PagerDuty rate limit (HTTP 429)", wait)
        if status >= 500 or status == 408:
            return DeliveryResult(Outcome.RETRY, f"PagerDuty answered HTTP {status}")
        return DeliveryResult(
            Outcome.REJECTED, f"PagerDuty rejected the event (HTTP {status}): {self._why(answer)}"
        )

    def _why(self, answer: _HttpAnswer) -> str:
        try:
            body = json.loads(answer.body)
        except ValueError:
            body = answer.body
        if isinstance(body, dict):
            parts = [str(body.get("message") or body.get("status") or "")]
            parts += [str(error) for error in body.get("errors") or []]
            text = "; ".join(part for part in parts if part)
        else:
            text = str(body)
        return truncate(text.replace(self._secret, "***") or "no reason given", 500)


def _bounded(details: dict[str, Any]) -> dict[str, Any]:
    """Cut long strings so the event stays far below PagerDuty's 512 KB."""

    def cut(value: Any) -> Any:
        if isinstance(value, str):
            return truncate(value, DETAIL_VALUE_LIMIT)
        if isinstance(value, dict):
            return {key: cut(item) for key, item in value.items()}
        return value

    bounded = cut(details)
    if len(json.dumps(bounded)) > DETAILS_BUDGET:
        bounded.pop("annotations", None)
        bounded["labels"] = {k: v for k, v in list(bounded.get("labels", {}).items())[:50]}
    return dict(bounded)
