"""Where an alert goes: routes, inhibition and silences, as pure functions of their inputs.

Nothing here reads a clock, a file or a database: the caller passes the policy, the labels
of the alerts firing now and the silences, and gets a `RouteDecision` back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ftw_observe.durations import format_duration
from ftw_observe.matching.matchers import describe, matches_all
from ftw_observe.matching.silences import Silence
from ftw_observe.model import Notification, NotificationKind
from ftw_observe.notify.model import RouteDecision
from ftw_observe.notify.policy import InhibitRule, RoutingPolicy

DEFAULT_ROUTE = "default_receivers"


def route_name(policy: RoutingPolicy, index: int) -> str:
    """Return a route's name, or `routes[i]` when it has none."""
    return policy.routes[index].name or f"routes[{index}]"


def show_repeat(seconds: int) -> str:
    """Return a repeat interval as people write it (`4h`, `off`)."""
    return "off" if seconds == 0 else format_duration(seconds)


@dataclass(frozen=True)
class Routing:
    """The routes an alert matched, the receivers they reach and the reminder interval."""

    routes: tuple[str, ...]  # route names, or `default_receivers` when none matched
    receivers: tuple[str, ...]
    repeat_seconds: int  # the shortest positive interval of the matched routes; 0: none


def routing(labels: Mapping[str, str], policy: RoutingPolicy) -> Routing:
    """Return the routes that match, in order, stopping at the first without `continue`."""
    names: list[str] = []
    receivers: dict[str, None] = {}
    repeats: list[int] = []
    for index, route in enumerate(policy.routes):
        if not matches_all(route.matchers, labels):
            continue
        names.append(route_name(policy, index))
        receivers.update(dict.fromkeys(route.receivers))
        repeats.append(policy.repeat_seconds(route.receivers, route.repeat_interval))
        if not route.continue_:
            break
    if not names:
        names.append(DEFAULT_ROUTE)
        receivers.update(dict.fromkeys(policy.default_receivers))
        repeats.append(
            policy.repeat_seconds(policy.default_receivers, policy.default_repeat_interval)
        )
    positive = [seconds for seconds in repeats if seconds > 0]
    return Routing(tuple(names), tuple(receivers), min(positive, default=0))


def route(labels: Mapping[str, str], policy: RoutingPolicy) -> tuple[str, ...]:
    """Return the receivers an alert with these labels reaches, in policy order."""
    return routing(labels, policy).receivers


def _equal(rule: InhibitRule, one: Mapping[str, str], other: Mapping[str, str]) -> bool:
    """Tell whether two alerts agree on the rule's `equal` labels (missing counts as empty)."""
    return all(one.get(label, "") == other.get(label, "") for label in rule.equal)


def inhibiting_rule(
    labels: Mapping[str, str], firing: Sequence[Mapping[str, str]], policy: RoutingPolicy
) -> tuple[InhibitRule, Mapping[str, str]] | None:
    """Return the first rule and firing alert that mute an alert, or None."""
    for rule in policy.inhibit:
        if not matches_all(rule.target_matchers, labels):
            continue
        for source in firing:
            if dict(source) == dict(labels):
                continue  # an alert never inhibits itself
            if matches_all(rule.source_matchers, source) and _equal(rule, source, labels):
                return rule, source
    return None


def inhibitor(
    labels: Mapping[str, str], firing: Sequence[Mapping[str, str]], policy: RoutingPolicy
) -> Mapping[str, str] | None:
    """Return the labels of a firing alert that mutes this one through an inhibit rule."""
    found = inhibiting_rule(labels, firing, policy)
    return found[1] if found else None


def active_silence(
    labels: Mapping[str, str], silences: Sequence[Silence], now: datetime
) -> Silence | None:
    """Return the active silence matching the labels that ends last, or None."""
    matching = [s for s in silences if s.is_active(now) and s.matches(labels)]
    return max(matching, key=lambda s: (s.ends_at, s.id), default=None)


def decide(
    notification: Notification,
    *,
    policy: RoutingPolicy,
    firing: Sequence[Mapping[str, str]],
    silences: Sequence[Silence],
    now: datetime,
) -> RouteDecision:
    """Decide where a trigger goes: its routed receivers, or none when muted, and why.

    `firing` holds the labels of every other alert firing now, muted or not. A resolve is
    never muted and gets the routed receivers too, but the delivery loop sends a resolve to
    the receivers that got the trigger instead: `decide` is meant for triggers.
    """
    labels = notification.labels
    found = routing(labels, policy)
    details = {
        "route": ", ".join(found.routes),
        "receivers": ", ".join(found.receivers),
        "repeat_interval": show_repeat(found.repeat_seconds),
    }
    if notification.kind is NotificationKind.RESOLVE:
        return RouteDecision(found.receivers, details=details)
    silence = active_silence(labels, silences, now)
    if silence is not None:
        details.update(silence=silence.id, silenced_until=silence.ends_at.isoformat())
        return RouteDecision((), muted_by=f"silence {silence.id}", details=details)
    inhibited = inhibiting_rule(labels, firing, policy)
    if inhibited is not None:
        rule, source = inhibited
        details.update(inhibited_by=describe(source), inhibit_rule=rule.name or "")
        return RouteDecision((), muted_by=f"inhibited by {describe(source)}", details=details)
    return RouteDecision(found.receivers, details=details)
