"""Stage one of delivery: alert notifications into incidents, incidents into notices.

Each alert notification (from the engine or Alertmanager's webhook) joins its incident
(`ftw_observe.notify.incidents`). An incident that opens is routed by the policy, or muted by
a silence or an inhibition; an alert of an incident already open is merged into it. The
per-receiver notices go to the outbox under the incident's dedup key, in the transaction that
saves the incident, so a crash or a restart never sends one twice. What happens between
notifications (unmuting, reminders, tails, early resolves) is in `ftw_observe.notify.rounds`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ftw_observe.matching.silences import Silence
from ftw_observe.model import (
    Evaluation,
    Incident,
    IncidentState,
    Notification,
    NotificationKind,
    OutboxItem,
)
from ftw_observe.notify import announce, story
from ftw_observe.notify.decide import decide
from ftw_observe.notify.incidents import (
    Grouping,
    close,
    grace,
    grouping,
    instances,
    lead,
    member_trigger,
    more_urgent,
    mute,
    news,
    open_with,
    record,
    restart,
    subordinates,
)
from ftw_observe.notify.live import Change, Live, notice
from ftw_observe.notify.model import DispatchStore
from ftw_observe.notify.policy import RoutingPolicy
from ftw_observe.notify.tails import join_tail, make_tail

OPEN, MUTED, TAIL, CLOSED = (state.value for state in IncidentState)


class Router:
    """Route alert notifications into incidents: open, merge, mute, supersede or resolve.

    Usage::

        router = Router(store.notifications, lambda: policy)
        router.route(now)  # every due notification, in order
    """

    def __init__(
        self, store: DispatchStore, policy: Callable[[], RoutingPolicy], *, batch: int = 200
    ) -> None:
        self.store = store
        self.policy = policy
        self.batch = batch

    def route(self, now: datetime) -> int:
        """Route every due alert notification and announcement; return how many."""
        routed = 0
        while items := self.store.claim(now, self.batch, routed=False):
            policy, live = self.policy(), Live(self.store)
            silences = self.store.silences(now=now)
            for item in items:
                change = self._route_one(item, policy, live, silences, now)
                self.store.settle_routing(
                    item, change.incidents, change.deliveries, at=now, outcome=change.outcome
                )
                live.keep(change.incidents)
                routed += 1
        return routed

    def save(self, change: Change, now: datetime) -> None:
        """Save what a pass on the clock changed: there is no routed row to settle."""
        made = notice(change.incidents[0], NotificationKind.REMIND, now)
        placeholder = OutboxItem(id=-1, notification=made, attempts=0)
        self.store.settle_routing(
            placeholder, change.incidents, change.deliveries, at=now, outcome={}
        )

    def _route_one(
        self,
        item: OutboxItem,
        policy: RoutingPolicy,
        live: Live,
        silences: Sequence[Silence],
        now: datetime,
    ) -> Change:
        notification = item.notification
        if notification.kind is NotificationKind.ANNOUNCE:
            deliveries, outcome = announce.route(notification, policy)
            return Change([], deliveries, outcome)
        found = grouping(notification.dedup_key, notification.labels)
        incident = live.incident_of(found)
        if notification.kind is NotificationKind.RESOLVE:
            return self._resolve(incident, found, notification, live, now)
        return self._trigger(incident, found, notification, policy, live, silences, now)

    def _trigger(
        self,
        incident: Incident,
        found: Grouping,
        notification: Notification,
        policy: RoutingPolicy,
        live: Live,
        silences: Sequence[Silence],
        now: datetime,
    ) -> Change:
        key, was = found.member_key, incident.state
        known = key in incident.members
        leading = lead(incident) == key
        fresh = record(
            incident,
            key,
            notification.source,
            firing=True,
            labels=notification.labels,
            annotations=notification.annotations,
        )
        if was == OPEN:
            incident.resolves_at = None
            if leading:
                incident.annotations = dict(notification.annotations)
            if fresh:
                return self._join(incident, key, policy, live, silences, now, known=known)
            # Another source or a repeat of an alert already paged.
            outcome = {"merged_into": incident.dedup_key, "receivers": incident.receivers}
            return Change([incident], [], outcome)
        if was == TAIL and not fresh:
            return Change([incident], [], {"tail_of": incident.dedup_key})
        if was == CLOSED:
            restart(incident)
        if was in (CLOSED, TAIL) and (until := self._cover(found, live, now)) is not None:
            # Alertmanager sends a ticket tier once the page stops inhibiting it: it started
            # during the page's outage, and is its tail.
            join_tail(incident, key, until, now)
            return Change([incident], [], {"tail_of": incident.dedup_key})
        if was == TAIL:
            restart(incident)  # a new burn after the last outage's end
        return self.judge(incident, [key], policy, live, silences, now)

    def _cover(self, found: Grouping, live: Live, now: datetime) -> datetime | None:
        """Return until when an alert is the tail of a more urgent incident that just ended."""
        tail = found.tail
        if tail is None:
            return None
        for key in more_urgent(found):
            ended = live.get(key)
            if ended.state != CLOSED or not ended.closed_at or ended.closed_at + tail <= now:
                continue
            if found.instance in instances(ended):
                return ended.closed_at + tail
        return None

    def _join(
        self,
        incident: Incident,
        key: str,
        policy: RoutingPolicy,
        live: Live,
        silences: Sequence[Silence],
        now: datetime,
        *,
        known: bool,
    ) -> Change:
        """Merge an alert into an open incident; page the receivers only it reaches."""
        trigger = member_trigger(incident, key, now)
        others = live.firing_labels(besides=key)
        decision = decide(trigger, policy=policy, firing=others, silences=silences, now=now)
        told, added = list(incident.receivers), []
        if not decision.muted_by:
            added = [name for name in decision.receivers if name not in told]
        incident.receivers = [*told, *added]
        outcome: dict[str, Any] = {"merged_into": incident.dedup_key, "receivers": told + added}
        change = Change([incident], [(name, trigger) for name in added], outcome)
        if added:
            outcome["paged"] = added
        if not decision.muted_by and not known and news(incident, key):
            # Another SLO or alert of the outage, said once (not at every flap) in the thread.
            note = replace(trigger, kind=NotificationKind.JOIN)
            change.deliveries += [(name, note) for name in told]
        self._supersede(incident, change, live, now)
        return change

    def judge(
        self,
        incident: Incident,
        keys: list[str],
        policy: RoutingPolicy,
        live: Live,
        silences: Sequence[Silence],
        now: datetime,
    ) -> Change:
        """Open the incident for the first of these alerts nothing mutes, or keep it muted."""
        first_muted: tuple[str, str] | None = None
        for key in keys:
            trigger = member_trigger(incident, key, now)
            others = live.firing_labels(besides=key)
            decision = decide(trigger, policy=policy, firing=others, silences=silences, now=now)
            if decision.receivers and not decision.muted_by:
                open_with(incident, key, list(decision.receivers), now)
                return self._opened(incident, trigger, live, now)
            if first_muted is None:
                first_muted = key, decision.muted_by or "no route reaches any receiver"
        if first_muted is not None:
            mute(incident, first_muted[1], first_muted[0])
        return Change([incident], [], {"muted_by": incident.muted_by})

    def _opened(
        self, incident: Incident, trigger: Notification, live: Live, now: datetime
    ) -> Change:
        """Page the incident's receivers; supersede any open incident it outranks."""
        change = Change([incident], [(name, trigger) for name in incident.receivers])
        change.outcome = {"receivers": incident.receivers}
        self._supersede(incident, change, live, now)
        return change

    def told(self, incident: Incident, resolve: Notification) -> Notification:
        """Return an incident's resolve with its story: start, end, peak burn, budget consumed."""

        def read(service: str, slo: str, instance: str, since: datetime) -> list[Evaluation]:
            return self.store.evaluations(service, slo, instance, since=since)

        return story.with_story(resolve, incident, read)

    def _supersede(self, incident: Incident, change: Change, live: Live, now: datetime) -> None:
        """Supersede the open tickets an open page outranks: say so in their threads."""
        for other in subordinates(incident, list(live.incidents.values())):
            if other.state != OPEN:
                continue  # muted ones stay muted by inhibition; tails wait
            note = notice(
                other,
                NotificationKind.SUPERSEDE,
                now,
                superseded_by=incident.dedup_key,
                superseded_by_summary=incident.annotations.get("summary", incident.dedup_key),
            )
            change.deliveries += [(name, note) for name in other.receivers]
            make_tail(other, now, covered=True)
            change.incidents.append(other)
            change.outcome.setdefault("superseded", []).append(other.dedup_key)

    def _resolve(
        self,
        incident: Incident,
        found: Grouping,
        notification: Notification,
        live: Live,
        now: datetime,
    ) -> Change:
        key = found.member_key
        if incident.state == CLOSED or key not in incident.members:
            return Change([], [], {"not_paged": True})
        leading = lead(incident) == key
        record(incident, key, notification.source, firing=False, labels={}, annotations={})
        if incident.firing:
            still = sorted(
                f"{member_key} ({source})"
                for member_key, member in incident.firing_members().items()
                for source, state in member.sources.items()
                if state == "firing"
            )
            return Change([incident], [], {"waiting_for": still})
        if incident.state == OPEN and (wait := grace(incident, found)) is not None:
            incident.resolves_at = now + wait
            return Change([incident], [], {"resolves_at": incident.resolves_at.isoformat()})
        annotations = notification.annotations if leading else incident.annotations
        resolve = replace(
            notification,
            dedup_key=incident.dedup_key,
            labels=incident.labels,
            annotations=dict(annotations),
        )
        return self.finish(incident, live, now, resolve)

    def finish(
        self, incident: Incident, live: Live, now: datetime, resolve: Notification
    ) -> Change:
        """Close an incident none of whose alerts fires; tell whoever got its trigger."""
        was = incident.state
        close(incident, now)
        change = Change([incident], [], {"closed": incident.dedup_key})
        if was == OPEN:
            # Whoever got the trigger gets the resolve, even if a silence now matches it.
            resolve = self.told(incident, resolve)
            change.deliveries = [(name, resolve) for name in incident.receivers]
            change.outcome["receivers"] = list(incident.receivers)
        for other in subordinates(incident, list(live.incidents.values())):
            # What it outranked waits one short window, then opens if it still fires.
            if other.state in (MUTED, TAIL) and other.firing:
                make_tail(other, now)
                change.incidents.append(other)
        return change
