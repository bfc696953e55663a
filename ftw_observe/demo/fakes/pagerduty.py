"""A fake PagerDuty Events API v2 on 127.0.0.1 that checks events against the field rules."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ftw_observe.demo.fakes.http import Answer, Failure, FakeServer, RecordedRequest

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
MAX_EVENT_BYTES = 512 * 1024
INVALID = "Event object is invalid"
THROTTLED = "Requests for this service are arriving too quickly. Please retry later."
REDACTED = "<redacted>"


def event_errors(event: Any) -> list[str]:
    """Return every way an event breaks the Events API v2 rules (empty when valid)."""
    if not isinstance(event, dict):
        return ["Event object is not a JSON object"]
    errors = []
    if not isinstance(event.get("routing_key"), str) or not event["routing_key"]:
        errors.append("'routing_key' is missing or blank")
    action = event.get("event_action")
    if action not in ACTIONS:
        errors.append(f"'event_action' must be one of {', '.join(ACTIONS)}")
    dedup_key = event.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or len(dedup_key) > 255):
        errors.append("'dedup_key' must be a string of at most 255 characters")
    if action in ("acknowledge", "resolve") and not dedup_key:
        errors.append(f"'dedup_key' is required for {action} events")
    if action == "trigger":
        errors += _payload_errors(event.get("payload"))
    for link in event.get("links") or []:
        if not isinstance(link, dict) or not isinstance(link.get("href"), str):
            errors.append("every link needs an 'href'")
    for image in event.get("images") or []:
        if not isinstance(image, dict) or not isinstance(image.get("src"), str):
            errors.append("every image needs a 'src'")
    return errors


def _payload_errors(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is missing or not an object"]
    errors = []
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors.append("'payload.summary' is missing or blank")
    elif len(summary) > 1024:
        errors.append("'payload.summary' is longer than 1024 characters")
    if not isinstance(payload.get("source"), str) or not payload["source"].strip():
        errors.append("'payload.source' is missing or blank")
    if payload.get("severity") not in SEVERITIES:
        errors.append(f"'payload.severity' must be one of {', '.join(SEVERITIES)}")
    if "timestamp" in payload:
        try:
            datetime.fromisoformat(str(payload["timestamp"]).replace("Z", "+00:00"))
        except ValueError:
            errors.append("'payload.timestamp' is not an ISO 8601 date and time")
    for name in ("component", "group", "class"):
        if name in payload and not isinstance(payload[name], str):
            errors.append(f"'payload.{name}' must be a string")
    if "custom_details" in payload and not isinstance(payload["custom_details"], dict | str):
        errors.append("'payload.custom_details' must be an object")
    return errors


@dataclass
class FakePagerDuty(FakeServer):
    """PagerDuty's `POST /v2/enqueue`: 202 for valid events, 400 with the reasons otherwise.

    >>> # with FakePagerDuty() as fake:
    >>> #     sender = PagerDutySender("pd", "key", events_url=fake.url)
    >>> #     fake.fail_next(1, status=429, retry_after=7)
    >>> #     httpx.get(f"{fake.url}/_fake/received").json()["events"]  # accepted, oldest first
    """

    alerts: dict[tuple[str, str], str] = field(default_factory=dict)  # (key, dedup) -> state

    def answer(self, method: str, path: str, request: RecordedRequest) -> Answer:
        """Validate and ingest one event the way the Events API v2 does."""
        if method != "POST" or path != "/v2/enqueue":
            return 404, {}, {"status": "not found", "message": f"{method} {path}"}
        if len(request.body) > MAX_EVENT_BYTES:
            return 413, {}, {"status": "invalid event", "message": "Event is larger than 512 KB"}
        try:
            event = json.loads(request.body)
        except ValueError:
            return 400, {}, {"status": "invalid event", "message": "Event is not JSON"}
        errors = event_errors(event)
        if errors:
            return 400, {}, {"status": "invalid event", "message": INVALID, "errors": errors}
        dedup_key = event.get("dedup_key") or uuid.uuid4().hex
        alert = (event["routing_key"], dedup_key)
        if event["event_action"] == "trigger":
            self.alerts[alert] = "triggered"
        elif self.alerts.get(alert) in ("triggered", "acknowledged"):  # else dropped
            resolved = event["event_action"] == "resolve"
            self.alerts[alert] = "resolved" if resolved else "acknowledged"
        body = {"status": "success", "message": "Event processed", "dedup_key": dedup_key}
        return 202, {}, body

    def failure_body(self, failure: Failure) -> Any:
        """Answer failures with PagerDuty's own bodies."""
        if failure.body is not None:
            return failure.body
        if failure.status == 400:
            return {"status": "invalid event", "message": INVALID, "errors": []}
        if failure.status == 429:
            return {"status": "throttle event", "message": THROTTLED}
        return {"status": "error", "message": f"HTTP {failure.status}"}

    def events(self) -> list[dict[str, Any]]:
        """Return the events PagerDuty accepted (HTTP 202), oldest first."""
        return [r.json() for r in self._accepted()]

    def received(self) -> dict[str, Any]:
        """Return the accepted events with their arrival times; routing keys are redacted."""
        events = [
            {"received_at": r.received_at, "event": {**r.json(), "routing_key": REDACTED}}
            for r in self._accepted()
        ]
        return {"events": events}

    def _accepted(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v2/enqueue" and r.status == 202]

    def open_alerts(self) -> set[str]:
        """Return the dedup keys of alerts triggered and not resolved."""
        return {dedup for (_, dedup), state in self.alerts.items() if state != "resolved"}
