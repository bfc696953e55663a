"""CLI commands: `alerts routes` tests the routing policy; `silence add|list|expire`.

The silence commands talk to a running engine's API (`FTW_OBSERVE_URL`), sending
`Authorization: Bearer $FTW_API_TOKEN` when that variable is set.
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ftw_observe.durations import parse_duration
from ftw_observe.matching.matchers import describe
from ftw_observe.matching.silences import SilenceError, parse_matchers
from ftw_observe.notify.decide import routing, show_repeat
from ftw_observe.notify.policy import DEFAULT_PATH, RoutingPolicy
from ftw_observe.notify.policy_file import load_policy
from ftw_observe.spec.issues import SpecError

DEFAULT_URL = "http://127.0.0.1:8080"
EXIT_FAILED = 1
EXIT_INVALID = 2

Url = Annotated[str, typer.Option(envvar="FTW_OBSERVE_URL", help="Base URL of the engine.")]


def _fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _labels(pairs: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise _fail(f"{pair!r} is not label=value", EXIT_INVALID)
        labels[name.strip()] = value.strip().strip('"')
    return labels


def _rules(labels: dict[str, str], policy: RoutingPolicy) -> list[str]:
    """Return sentences about the inhibition rules that could mute, or be muted by, an alert."""
    lines = []
    for index, rule in enumerate(policy.inhibit):
        name = rule.name or f"inhibit[{index}]"
        equal = ", ".join(rule.equal) or "nothing"
        if all(m.matches(labels) for m in rule.target_matchers):
            source = ", ".join(str(m) for m in rule.source_matchers)
            lines.append(f"muted by {name} while an alert {{{source}}} fires (same {equal})")
        if all(m.matches(labels) for m in rule.source_matchers):
            target = ", ".join(str(m) for m in rule.target_matchers)
            lines.append(f"mutes alerts {{{target}}} with the same {equal} ({name})")
    return lines


def routes(
    labels: Annotated[list[str], typer.Argument(help="The alert's labels: label=value ...")],
    policy: Annotated[Path, typer.Option(help="The routing policy.")] = DEFAULT_PATH,
    verify: Annotated[
        list[str] | None,
        typer.Option("--verify-receivers", help="Exit 1 unless exactly these receivers."),
    ] = None,
) -> None:
    """Show the receivers an alert would reach, by which route, and what could mute it."""
    try:
        loaded = load_policy(policy)
    except SpecError as error:
        for issue in error.issues:
            typer.echo(f"error: {issue}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    alert = _labels(labels)
    found = routing(alert, loaded)
    typer.echo(f"alert: {describe(alert)}")
    table = Table(header_style="bold")
    for column in ("receiver", "kind", "target", "route", "repeat"):
        table.add_column(column)
    for name in found.receivers:
        receiver = loaded.receivers[name]
        cells = (name, receiver.kind, receiver.target, ", ".join(found.routes))
        table.add_row(*map(Text, cells), show_repeat(found.repeat_seconds))
    Console().print(table)
    for line in _rules(alert, loaded):
        typer.echo(line)
    if verify is not None and sorted(verify) != sorted(found.receivers):
        wanted, got = ", ".join(sorted(verify)), ", ".join(found.receivers)
        raise _fail(f"expected receivers {wanted}, got {got}")


def _when(text: str, now: datetime, option: str) -> datetime:
    """Return a time from ISO 8601 (UTC without an offset) or a duration from now (`30m`)."""
    try:
        return now + timedelta(seconds=parse_duration(text))
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _fail(
            f"{option}: {text!r} is neither a time (2025-06-01T22:00Z) nor 30m", EXIT_INVALID
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _client(url: str) -> httpx.Client:
    token = os.environ.get("FTW_API_TOKEN", "")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=10)


def _call(url: str, method: str, path: str, **kwargs: Any) -> Any:
    """Send one request to the engine; exit with a sentence when it fails."""
    try:
        with _client(url) as client:
            response = client.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        raise _fail(f"cannot reach {url}: {type(error).__name__}: {error}") from None
    if response.status_code == 422:
        for problem in response.json().get("detail", []):
            field = ".".join(str(part) for part in problem.get("loc", [])[1:])
            typer.echo(f"error: {field}: {problem.get('msg')}", err=True)
        raise typer.Exit(EXIT_INVALID)
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        hint = " (set FTW_API_TOKEN)" if response.status_code == 401 else ""
        raise _fail(f"{url}{path}: HTTP {response.status_code}: {detail}{hint}")
    return response.json()


def _time(text: str | None) -> str:
    if not text:
        return "—"
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _summary(silence: dict[str, Any]) -> str:
    state = silence["state"]
    until = _time(silence["expired_at"] or silence["ends_at"])
    when = f"from {_time(silence['starts_at'])} " if state == "pending" else ""
    return f"silence {silence['id']} {state} {when}until {until}: {', '.join(silence['matchers'])}"


def silence_add(
    matchers: Annotated[
        list[str], typer.Argument(help="label=value, label!=value, label=~regex, label!~regex")
    ],
    reason: Annotated[str, typer.Option(help="Why alerts are silenced.")],
    author: Annotated[str | None, typer.Option(help="Who sets it [default: $USER].")] = None,
    duration: Annotated[str | None, typer.Option(help="How long, such as 2h.")] = None,
    until: Annotated[str | None, typer.Option(help="End time (ISO 8601, UTC by default).")] = None,
    starts: Annotated[
        str | None, typer.Option(help="Start later (a maintenance window): a time, or 30m.")
    ] = None,
    url: Url = DEFAULT_URL,
) -> None:
    """Silence matching alerts for a while, now or in a maintenance window."""
    try:
        parse_matchers(matchers)
    except SilenceError as error:
        raise _fail(str(error), EXIT_INVALID) from None
    if (duration is None) == (until is None):
        raise _fail("give --duration (such as 2h) or --until, one of them", EXIT_INVALID)
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "matchers": matchers,
        "author": author or os.environ.get("USER") or getpass.getuser(),
        "reason": reason,
    }
    if starts is not None:
        body["starts_at"] = _when(starts, now, "--starts").isoformat()
    if until is not None:
        body["ends_at"] = _when(until, now, "--until").isoformat()
    else:
        body["duration"] = duration
    typer.echo(_summary(_call(url, "POST", "/api/silences", json=body)))


def silence_list(
    url: Url = DEFAULT_URL,
    show_all: Annotated[bool, typer.Option("--all", help="Include expired silences.")] = False,
) -> None:
    """List active silences and maintenance windows ahead (every one with --all)."""
    found = _call(url, "GET", "/api/silences", params={"all": str(show_all).lower()})
    table = Table(title="Silences", header_style="bold")
    for column in ("id", "state", "matchers", "starts", "ends", "author", "reason"):
        table.add_column(column, no_wrap=column == "id")
    for silence in found:
        cells = (
            silence["id"],
            silence["state"],
            "\n".join(silence["matchers"]),
            _time(silence["starts_at"]),
            _time(silence["expired_at"] or silence["ends_at"]),
            silence["author"],
            silence["reason"],
        )
        table.add_row(*map(Text, cells))
    Console().print(table if found else "no silences", markup=False, highlight=False)


def silence_expire(
    silence_id: Annotated[str, typer.Argument(metavar="ID", help="The silence's id.")],
    url: Url = DEFAULT_URL,
) -> None:
    """Expire a silence now, or cancel a maintenance window before it starts."""
    typer.echo(_summary(_call(url, "DELETE", f"/api/silences/{silence_id}")))
