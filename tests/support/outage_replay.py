"""Replay an outage's timeline through the engine and Alertmanager, into the router and fakes.

Minute by minute, as production runs it:

- the engine (`Engine.run_cycle`, on the rig's store and clock, with a target per SLO of the
  scenario) reads the counts promtool recorded for that minute, each labelled with its SLO:
  its own alert states, transitions and evaluations;
- Alertmanager (`alertmanager_sim`, configured by `alerts/alertmanager.yml`) takes every alert
  Prometheus fired that minute with its full labels (burn-rate tiers and threshold alerts),
  inhibits, groups and sends its webhook notifications, which pass the webhook's own checks
  (`examine`) on their way into the outbox;
- the dispatcher routes and delivers both to the fake PagerDuty and Slack.

Every half minute the dispatcher and Alertmanager run again (page groups flush every 30 s).
`log()` returns what happened, minute by minute, for a test's failure message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ftw_observe.burnrate import WINDOWS
from ftw_observe.engine.cycle import Engine
from ftw_observe.engine.evaluate import Target, targets
from ftw_observe.model import SentItem, TransitionKind
from ftw_observe.notify.alertmanager import AlertmanagerPayload, examine, notifications
from ftw_observe.prometheus import Sample
from ftw_observe.rules import names
from ftw_observe.spec.load import load_specs
from tests.support.alertmanager_sim import AlertmanagerSim
from tests.support.dispatch import REPO, Rig
from tests.support.outage_series import SERVICE
from tests.support.outages import Minute, Timeline, alert_name

SERIES = {value: key for key, value in names.recorded_counts(WINDOWS).items()}
ENGINE, ALERTMANAGER = "engine", "alertmanager"


def engine_targets(slos: tuple[str, ...]) -> list[Target]:
    """Return the engine's targets for the SLOs a timeline records, in its order."""
    found = {
        target.slo.name: target
        for target in targets(item.spec for item in load_specs([REPO / "slo"]))
        if target.service.service == SERVICE
    }
    return [found[slo] for slo in slos]


class Counts:
    """Answers the engine's query with the counts promtool recorded for the current minute."""

    def __init__(self) -> None:
        self.minute: Minute | None = None

    def query(self, promql: str, *, at: float) -> list[Sample]:
        """Return every recorded count of the current minute, labelled with its SLO."""
        assert self.minute is not None
        found = []
        for kind, counts in (("errors", self.minute.errors), ("events", self.minute.events)):
            for slo, values in counts.items():
                labels = {"service": SERVICE, "slo": slo, "team": "marketplace"}
                for window, value in values.items():
                    name = SERIES[(kind, window)]
                    found.append(Sample({"__name__": name, **labels}, value))
        return found


@dataclass(frozen=True)
class Event:
    """One line of a replay's log."""

    at: datetime
    what: str


class Replay:
    """Drive a rig's dispatcher through a timeline with the engine, Alertmanager, or both.

    Usage::

        replay = Replay(rig, outages.load(scenario))
        replay.run()
        assert replay.kinds() == {...}, replay.log()
    """

    def __init__(
        self, rig: Rig, timeline: Timeline, sources: tuple[str, ...] = (ENGINE, ALERTMANAGER)
    ) -> None:
        self.rig, self.timeline, self.sources = rig, timeline, sources
        self.counts = Counts()
        slos = timeline.scenario.slos
        self.engine = Engine(engine_targets(slos), self.counts, rig.store, clock=rig.clock)
        self.alertmanager = AlertmanagerSim.from_file(REPO / "alerts" / "alertmanager.yml")
        self.start = rig.clock() - timedelta(minutes=timeline.minutes[0].at)
        self.events: list[Event] = []

    def time(self, minute: int) -> datetime:
        """Return the time of a minute of the timeline (0: the outage starts)."""
        return self.start + timedelta(minutes=minute)

    def run(self) -> None:
        """Replay every minute of the timeline, then let the dispatcher settle."""
        previous: tuple[str, ...] = ()
        for minute in self.timeline.minutes:
            now = self.time(minute.at)
            self.rig.clock.now = now
            if minute.firing != previous:
                shown = ", ".join(minute.firing) or "nothing"
                self.events.append(Event(now, f"Prometheus fires {shown}"))
                previous = minute.firing
            if ENGINE in self.sources:
                self._engine(minute)
            if ALERTMANAGER in self.sources:
                labels = self.timeline.alert_labels
                self.alertmanager.receive(now, [labels[name] for name in minute.firing])
            for offset in (0, 30):
                self.rig.clock.now = now + timedelta(seconds=offset)
                if ALERTMANAGER in self.sources:
                    self._alertmanager(self.rig.clock())
                self.rig.dispatcher.run_once()
        for _ in range(20):
            self.rig.run(30)

    def _engine(self, minute: Minute) -> None:
        self.counts.minute = minute
        result = self.engine.run_cycle()
        for transition in result.transitions:
            verb = "fires" if transition.kind is TransitionKind.FIRING else "resolves"
            key = transition.state.key
            self.events.append(Event(result.at, f"engine: {key.instance.slo}/{key.tier} {verb}"))

    def _alertmanager(self, now: datetime) -> None:
        for body in self.alertmanager.flush(now):
            payload = AlertmanagerPayload.model_validate(body)
            examined = examine(payload)
            assert not examined.rejected, examined.rejected
            found = notifications(examined.accepted, received_at=now, group_by=lambda *_: [])
            self.rig.store.enqueue(found)
            shown = ", ".join(f"{alert_name(a.labels)} {a.status}" for a in examined.accepted)
            self.events.append(Event(now, f"Alertmanager sends [{shown}]"))

    def sent(self) -> list[SentItem]:
        """Return every delivery, oldest first."""
        return sorted(self.rig.store.sent(limit=1000), key=lambda item: (item.sent_at, item.id))

    def kinds(self) -> dict[str, list[str]]:
        """Return, per receiver, the kinds of notification it got, in order."""
        found: dict[str, list[str]] = {}
        for item in self.sent():
            found.setdefault(item.receiver, []).append(item.notification.kind.value)
        return found

    def minutes_after_start(self, moment: datetime) -> float:
        """Return how long after the outage started a moment came, in minutes."""
        return (moment - self.start).total_seconds() / 60

    def log(self) -> str:
        """Return the replay minute by minute: what fired, what was sent, to whom."""
        lines = [f"{self.timeline.scenario.name}: {self.timeline.scenario.description}"]
        delivered = [
            Event(
                item.sent_at,
                f"-> {item.receiver}: {item.notification.kind.value} {item.notification.dedup_key}",
            )
            for item in self.sent()
        ]
        for event in sorted(self.events + delivered, key=lambda e: e.at):
            lines.append(f"  {self.minutes_after_start(event.at):7.1f} min  {event.what}")
        return "\n".join(lines)
