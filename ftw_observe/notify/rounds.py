"""What happens to incidents with time, not with notifications: the router's rounds.

Each dispatch pass makes every round once, in this order, on the leader replica only, over
one read of the incidents not closed:

- `resolve_quiet`: an incident only Alertmanager reported resolves once the grace for a
  slower tier it may have hidden is over;
- `unmute`: a muted incident whose silence ended or whose inhibitor stopped is paged;
- `recover`: an outage that is over resolves before its slowest tier says so
  (`ftw_observe.notify.recovery`);
- `release`: a tail alert still firing one short window after its incident ended is a burn
  of its own, and opens the incident again;
- `remind`: an incident still firing after its route's repeat interval is recalled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from ftw_observe.durations import format_duration
from ftw_observe.model import IncidentState, NotificationKind
from ftw_observe.notify import recovery
from ftw_observe.notify.decide import routing
from ftw_observe.notify.incidents import lead, restart
from ftw_observe.notify.live import Change, Live, notice
from ftw_observe.notify.router import Router
from ftw_observe.notify.tails import due_tail, make_tail

OPEN, MUTED = IncidentState.OPEN.value, IncidentState.MUTED.value


class Rounds:
    """The router's passes on the clock; each returns how many incidents it moved.

    Usage::

        rounds = Rounds(router, rule=Recovery())
        moved = rounds.run(now)
    """

    def __init__(self, router: Router, *, rule: recovery.Recovery | None = None) -> None:
        self.router = router
        self.store = router.store
        self.rule = rule

    def run(self, now: datetime) -> int:
        """Make every round once; return how many incidents they moved."""
        live = Live(self.store)
        steps: list[Callable[[datetime, Live], int]] = [
            self.resolve_quiet,
            self.unmute,
            self.recover,
            self.release,
            self.remind,
        ]
        return sum(step(now, live) for step in steps)

    def resolve_quiet(self, now: datetime, live: Live) -> int:
        """Resolve open incidents that waited for a slower tier in vain."""
        resolved = 0
        for incident in list(live.incidents.values()):
            due = incident.resolves_at
            if incident.state != OPEN or incident.firing or due is None or due > now:
                continue
            resolve = notice(incident, NotificationKind.RESOLVE, now)
            change = self.router.finish(incident, live, now, resolve)
            self.router.save(change, now)
            live.keep(change.incidents)
            resolved += 1
        return resolved

    def unmute(self, now: datetime, live: Live) -> int:
        """Page muted incidents whose silence ended or whose inhibitor stopped."""
        muted = [i for i in live.incidents.values() if i.state == MUTED]
        if not muted:
            return 0
        policy, silences, opened = self.router.policy(), self.store.silences(now=now), 0
        for incident in muted:
            leading = lead(incident)
            keys = sorted(incident.firing_members(), key=lambda key: key != leading)
            change = self.router.judge(incident, keys, policy, live, silences, now)
            if incident.state == OPEN:
                self.router.save(change, now)
                live.keep(change.incidents)
                opened += 1
        return opened

    def recover(self, now: datetime, live: Live) -> int:
        """Resolve open incidents whose outage is over while slower tiers still fire."""
        if self.rule is None:
            return 0
        rule, resolved = self.rule, 0
        for incident in list(live.incidents.values()):
            found = recovery.candidates(incident)
            if not found or not all(self._recovered(each, now, rule) for each in found):
                continue
            slower = ", ".join(sorted({tier.name for each in found for tier in each.firing}))
            fast = ", ".join(sorted({each.fast.short_window for each in found}))
            why = (
                f"the {fast} window has been clean for "
                f"{format_duration(int(rule.hold.total_seconds()))}; {slower} still "
                "counts the outage's errors and clears by itself"
            )
            resolve = notice(incident, NotificationKind.RESOLVE, now, resolution=why)
            resolve = self.router.told(incident, resolve)
            make_tail(incident, now)
            self.router.save(Change([incident], [(r, resolve) for r in incident.receivers]), now)
            live.keep([incident])
            resolved += 1
        return resolved

    def _recovered(self, found: recovery.Candidate, now: datetime, rule: recovery.Recovery) -> bool:
        """Tell whether one SLO instance's fast window has stayed clean for the hold."""
        since = recovery.lookback(now, rule)
        evaluations = self.store.evaluations(found.service, found.slo, found.instance, since=since)
        return recovery.recovered(evaluations, found, now=now, rule=rule)

    def release(self, now: datetime, live: Live) -> int:
        """Open tails whose alerts still fire one short window on: burns of their own."""
        due = {key: found for key, i in live.incidents.items() if (found := due_tail(i, now))}
        if not due:
            return 0
        policy, silences = self.router.policy(), self.store.silences(now=now)
        for dedup_key, keys in due.items():
            incident = live.incidents[dedup_key]
            restart(incident)
            others = [key for key in incident.members if key not in keys]
            change = self.router.judge(incident, keys + others, policy, live, silences, now)
            self.router.save(change, now)
            live.keep(change.incidents)
        return len(due)

    def remind(self, now: datetime, live: Live) -> int:
        """Queue a reminder for incidents still firing after their route's repeat interval."""
        incidents = [i for i in live.incidents.values() if i.state == OPEN and i.firing]
        if not incidents:
            return 0
        policy, reminded = self.router.policy(), 0
        for incident in incidents:
            seconds = routing(incident.labels, policy).repeat_seconds
            last = incident.notified_at or incident.opened_at
            if not seconds or last is None or (now - last).total_seconds() < seconds:
                continue
            incident.notified_at = now
            reminder = replace(notice(incident, NotificationKind.REMIND, now), source="reminder")
            self.router.save(Change([incident], [(r, reminder) for r in incident.receivers]), now)
            live.keep([incident])
            reminded += 1
        return reminded
