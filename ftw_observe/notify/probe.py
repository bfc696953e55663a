"""`ftw-observe alerts test`: send a test notification to one receiver, straight away."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ftw_observe.model import Notification, NotificationKind
from ftw_observe.notify.log import LogSender
from ftw_observe.notify.model import Outcome
from ftw_observe.notify.policy import DEFAULT_PATH
from ftw_observe.notify.policy_file import load_policy
from ftw_observe.notify.receivers import build_senders
from ftw_observe.spec.issues import SpecError


def test_notification(receiver: str, at: datetime) -> Notification:
    """Return a harmless notification that says it is a test, with its own dedup key."""
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    return Notification(
        dedup_key=f"ftw/test/{receiver}/{stamp}",
        kind=NotificationKind.TRIGGER,
        created_at=at,
        labels={
            "alertname": "FTWObserveTestNotification",
            "service": "ftw-observe",
            "severity": "info",
        },
        annotations={
            "summary": f"Test notification from FTW Observe to {receiver}: no action needed",
            "description": "Sent by `ftw-observe alerts test`; it resolves itself at once.",
        },
        source="test",
    )


def send_test(
    receiver: Annotated[str, typer.Option("--receiver", help="Receiver name in the policy.")],
    policy: Annotated[Path, typer.Option(help="Routing policy file.")] = DEFAULT_PATH,
    status_page_url: Annotated[
        str, typer.Option(envvar="FTW_STATUS_PAGE_URL", help="Status page linked from alerts.")
    ] = "http://127.0.0.1:8080",
) -> None:
    """Send a test trigger, then its resolve, to one receiver; exit 1 if it is not delivered."""
    try:
        loaded = load_policy(policy)
    except SpecError as error:
        for issue in error.issues:
            typer.echo(f"error: {issue}", err=True)
        raise typer.Exit(2) from None
    senders = build_senders(loaded, status_page_url=status_page_url)
    sender = senders.get(receiver)
    if sender is None:
        known = ", ".join(sorted(senders))
        typer.echo(f"error: no receiver {receiver!r} in {policy} (receivers: {known})", err=True)
        raise typer.Exit(2)
    if isinstance(sender, LogSender):
        typer.echo(f"{receiver} is unconfigured: its credentials are not set, so it only logs")
    trigger = test_notification(receiver, datetime.now(UTC))
    sent = sender.send(trigger, previous=None)
    typer.echo(f"trigger: {sent.outcome.value} {sent.detail}".rstrip())
    if sent.outcome is not Outcome.DELIVERED:
        raise typer.Exit(1)
    resolve = Notification(
        trigger.dedup_key, NotificationKind.RESOLVE, datetime.now(UTC), trigger.labels, {}, "test"
    )
    resolved = sender.send(resolve, previous=sent.delivery)
    typer.echo(f"resolve: {resolved.outcome.value} {resolved.detail}".rstrip())
    if resolved.outcome is not Outcome.DELIVERED:
        raise typer.Exit(1)
