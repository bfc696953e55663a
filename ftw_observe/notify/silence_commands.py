"""CLI commands `silence add|list|expire`, against a running engine's API (`FTW_OBSERVE_URL`).

Writes send the engine's API token (see `ftw_observe.notify.engine_api` for where it is read
from); listing needs none.
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from ftw_observe.display.terminal import (
    Column,
    JsonAlias,
    Output,
    OutputOption,
    chosen,
    is_terminal,
    print_json,
    print_table,
)
from ftw_observe.durations import parse_duration
from ftw_observe.matching.silences import SilenceError, parse_matchers
from ftw_observe.notify.engine_api import (
    DEFAULT_URL,
    EXIT_INVALID,
    FILE_VARIABLE,
    call,
    fail,
    require_token,
)

Url = Annotated[str, typer.Option(envvar="FTW_OBSERVE_URL", help="Base URL of the engine.")]
TokenFile = Annotated[
    Path | None,
    typer.Option(
        help=f"File holding the engine's API token [default: $FTW_API_TOKEN, ${FILE_VARIABLE}, "
        "else $FTW_HOME/api-token when it exists]."
    ),
]


def _when(text: str, now: datetime, option: str) -> datetime:
    """Return a time from ISO 8601 (UTC without an offset) or a duration from now (`30m`)."""
    try:
        return now + timedelta(seconds=parse_duration(text))
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise fail(
            f"{option}: {text!r} is neither a time (2025-06-01T22:00Z) nor 30m", EXIT_INVALID
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _time(text: str | None) -> str:
    if not text:
        return "—"
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _summary(silence: dict[str, Any]) -> str:
    state = silence["state"]
    until = _time(silence["expired_at"] or silence["ends_at"])
    when = f"from {_time(silence['starts_at'])} " if state == "pending" else ""
    return f"silence {silence['id']} {state} {when}until {until}: {', '.join(silence['matchers'])}"


def _mutes(silence: dict[str, Any]) -> str:
    muted, known = silence.get("muted_alerts"), silence.get("known_alerts")
    if muted is None or known is None:
        return ""
    every = " (every one)" if muted == known and known else ""
    return f"mutes {muted} of {known} known alerts{every}"


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
    force: Annotated[
        bool,
        typer.Option("--force", help="Set it even if it mutes every known alert (announced)."),
    ] = False,
    url: Url = DEFAULT_URL,
    token_file: TokenFile = None,
    output: OutputOption = Output.TABLE,
    as_json: JsonAlias = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the new silence's id.")
    ] = False,
) -> None:
    """Silence matching alerts for a while, now or in a maintenance window."""
    try:
        parse_matchers(matchers)
    except SilenceError as error:
        raise fail(str(error), EXIT_INVALID) from None
    if (duration is None) == (until is None):
        raise fail("give --duration (such as 2h) or --until, one of them", EXIT_INVALID)
    token = require_token(token_file)
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "matchers": matchers,
        "author": author or os.environ.get("USER") or getpass.getuser(),
        "reason": reason,
        "force": force,
    }
    if starts is not None:
        body["starts_at"] = _when(starts, now, "--starts").isoformat()
    if until is not None:
        body["ends_at"] = _when(until, now, "--until").isoformat()
    else:
        body["duration"] = duration
    created = call(url, "POST", "/api/silences", token=token, json=body)
    if quiet:
        typer.echo(created["id"])
    elif chosen(output, as_json) is Output.JSON:
        print_json(created)
    else:
        typer.echo(_summary(created))
        if mutes := _mutes(created):
            typer.echo(f"  {mutes}; announced in the ticket channel")


def _columns(wide: bool, stacked: bool) -> list[Column]:
    if stacked:
        columns = [Column("id / matchers", identity=True), Column("state")]
    else:
        columns = [Column("id", identity=True), Column("state"), Column("matchers", identity=True)]
    if wide:
        columns.append(Column("starts"))
    columns += [Column("ends"), Column("author")]
    if wide:
        columns.append(Column("reason"))
    return columns


def silence_rows(found: list[dict[str, Any]], wide: bool, stacked: bool = False) -> list[list[str]]:
    """Return the table's cells: one row per silence, one line per matcher.

    Stacked, the matchers go under the id in one column, so both fit 80 columns whole.
    """
    rows = []
    for silence in found:
        if stacked:
            matchers = "".join(f"\n  {matcher}" for matcher in silence["matchers"])
            row = [f"{silence['id']}{matchers}", silence["state"]]
        else:
            row = [silence["id"], silence["state"], "\n".join(silence["matchers"])]
        if wide:
            row.append(_time(silence["starts_at"]))
        row += [_time(silence["expired_at"] or silence["ends_at"]), silence["author"]]
        if wide:
            row.append(silence["reason"])
        rows.append(row)
    return rows


def silence_list(
    url: Url = DEFAULT_URL,
    show_all: Annotated[bool, typer.Option("--all", help="Include expired silences.")] = False,
    output: OutputOption = Output.TABLE,
    as_json: JsonAlias = False,
) -> None:
    """List active silences and maintenance windows ahead (every one with --all)."""
    found = call(url, "GET", "/api/silences", params={"all": str(show_all).lower()})
    shown = chosen(output, as_json)
    if shown is Output.JSON:
        print_json(found)
    elif not found:
        typer.echo("no silences")
    else:
        wide = shown is Output.WIDE
        stacked = not wide and is_terminal()
        print_table(
            _columns(wide, stacked),
            silence_rows(found, wide, stacked),
            title="Silences",
            fit=not wide,
        )


def silence_expire(
    silence_id: Annotated[str, typer.Argument(metavar="ID", help="The silence's id.")],
    url: Url = DEFAULT_URL,
    token_file: TokenFile = None,
) -> None:
    """Expire a silence now, or cancel a maintenance window before it starts."""
    token = require_token(token_file)
    typer.echo(_summary(call(url, "DELETE", f"/api/silences/{silence_id}", token=token)))
