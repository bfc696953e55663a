"""CLI command `alerts routes`: where an alert goes, and what mutes it right now.

Routes come from the policy file. What mutes the alert comes from the running engine's API
(`--url`): its active silences and maintenance windows ahead, and the alerts firing now (for
inhibition). When the engine cannot be read the command says so rather than claim the page
goes through; `--offline` checks the policy alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from ftw_observe.display.terminal import (
    Column,
    JsonAlias,
    Output,
    OutputOption,
    chosen,
    print_json,
    print_table,
)
from ftw_observe.matching.matchers import describe
from ftw_observe.matching.silences import Silence, SilenceError, SilenceState
from ftw_observe.notify.decide import Routing, inhibiting_rule, routing, show_repeat
from ftw_observe.notify.engine_api import DEFAULT_URL, EXIT_FAILED, EXIT_INVALID, fail
from ftw_observe.notify.policy import DEFAULT_PATH, RoutingPolicy
from ftw_observe.notify.policy_file import load_policy
from ftw_observe.spec.issues import SpecError

Url = Annotated[str, typer.Option(envvar="FTW_OBSERVE_URL", help="Base URL of the engine.")]


def _labels(pairs: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise fail(f"{pair!r} is not label=value", EXIT_INVALID)
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


def _time(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def muting(
    alert: Mapping[str, str],
    silences: Sequence[Silence],
    firing: Sequence[Mapping[str, str]],
    policy: RoutingPolicy,
    now: datetime,
) -> list[str]:
    """Return a sentence per silence and firing alert that mutes the alert now or later."""
    lines = []
    for silence in silences:
        if not silence.matches(alert):
            continue
        who = f"by {silence.author}: {silence.reason}"
        matchers = ", ".join(silence.matcher_texts())
        state = silence.state(now)
        if state is SilenceState.ACTIVE:
            lines.append(
                f"MUTED now by silence {silence.id} ({who}) until {_time(silence.ends)}: {matchers}"
            )
        elif state is SilenceState.PENDING:
            lines.append(
                f"will be muted by maintenance window {silence.id} ({who}) from "
                f"{_time(silence.starts_at)} until {_time(silence.ends)}: {matchers}"
            )
    found = inhibiting_rule(alert, firing, policy)
    if found is not None:
        rule, source = found
        lines.append(f"MUTED now by {rule.name or 'an inhibit rule'}: {describe(source)} fires")
    return lines


def _silence(record: Mapping[str, Any]) -> Silence:
    times = ("starts_at", "ends_at", "created_at", "expired_at")
    values = {key: datetime.fromisoformat(record[key]) if record[key] else None for key in times}
    return Silence.from_record({**record, **values})


def _engine_view(url: str) -> tuple[list[Silence], list[dict[str, str]]]:
    """Return the engine's active and pending silences and the labels of alerts firing now."""
    with httpx.Client(base_url=url.rstrip("/"), timeout=5) as client:
        silences = client.get("/api/silences")
        firing = client.get("/api/notifications/firing")
    silences.raise_for_status()
    firing.raise_for_status()
    found = [_silence(record) for record in silences.json()]
    return found, [dict(item["labels"]) for item in firing.json()["firing"]]


def _mute_report(alert: dict[str, str], policy: RoutingPolicy, url: str) -> list[str] | None:
    """Return what mutes the alert by the engine's view, or None (said on stderr) without one."""
    try:
        silences, firing = _engine_view(url)
    except (httpx.HTTPError, ValueError, KeyError, TypeError, SilenceError) as error:
        typer.echo(
            f"warning: cannot read silences and firing alerts from the engine at {url} "
            f"({type(error).__name__}): this alert may be muted; check the engine, or pass "
            "--url (--offline checks the policy alone)",
            err=True,
        )
        return None
    return muting(alert, silences, firing, policy, datetime.now(UTC))


ROUTE_COLUMNS = [
    Column("receiver", identity=True),
    Column("kind"),
    Column("target"),
    Column("route"),
    Column("repeat"),
]


def _routes_json(
    alert: dict[str, str], found: Routing, policy: RoutingPolicy, mutes: list[str] | None
) -> dict[str, Any]:
    """Return the routing of an alert as `-o json` prints it."""
    return {
        "alert": alert,
        "receivers": [
            {
                "name": name,
                "kind": policy.receivers[name].kind,
                "target": policy.receivers[name].target,
            }
            for name in found.receivers
        ],
        "routes": list(found.routes),
        "repeat_seconds": found.repeat_seconds,
        "inhibit_rules": _rules(alert, policy),
        "muted_by": mutes,
    }


def routes(
    labels: Annotated[list[str], typer.Argument(help="The alert's labels: label=value ...")],
    policy: Annotated[Path, typer.Option(help="The routing policy.")] = DEFAULT_PATH,
    verify: Annotated[
        list[str] | None,
        typer.Option("--verify-receivers", help="Exit 1 unless exactly these receivers."),
    ] = None,
    url: Url = DEFAULT_URL,
    offline: Annotated[
        bool, typer.Option("--offline", help="Check the policy only; ask no engine.")
    ] = False,
    output: OutputOption = Output.TABLE,
    as_json: JsonAlias = False,
) -> None:
    """Show the receivers an alert would reach, by which route, and what mutes it."""
    try:
        loaded = load_policy(policy)
    except SpecError as error:
        for issue in error.issues:
            typer.echo(f"error: {issue}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    alert = _labels(labels)
    found = routing(alert, loaded)
    shown = chosen(output, as_json)
    if shown is not Output.JSON:
        typer.echo(f"alert: {describe(alert)}")
        route, repeat = ", ".join(found.routes), show_repeat(found.repeat_seconds)
        rows = [
            [name, loaded.receivers[name].kind, loaded.receivers[name].target, route, repeat]
            for name in found.receivers
        ]
        print_table(ROUTE_COLUMNS, rows)
        for line in _rules(alert, loaded):
            typer.echo(line)
    mutes = None if offline else _mute_report(alert, loaded, url)
    if shown is Output.JSON:
        print_json(_routes_json(alert, found, loaded, mutes))
    elif mutes:
        for line in mutes:
            typer.echo(line)
    elif mutes is not None:
        typer.echo(f"not muted: no silence matches it and no firing alert inhibits it ({url})")
    if verify is not None and sorted(verify) != sorted(found.receivers):
        wanted, got = ", ".join(sorted(verify)), ", ".join(found.receivers)
        raise fail(f"expected receivers {wanted}, got {got}")
