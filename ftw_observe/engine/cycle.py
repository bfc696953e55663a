"""One evaluation cycle: read Prometheus at a pinned time, advance alert states, persist."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ftw_observe.burnrate import TIERS, Tier
from ftw_observe.deploy.model import DeployConfig
from ftw_observe.engine import evaluate, notes, watchdog
from ftw_observe.engine.alert_state import advance
from ftw_observe.model import (
    ACTIVE_SINCE,
    AlertKey,
    AlertPhase,
    AlertState,
    EngineHealth,
    Evaluation,
    InstanceKey,
    Notification,
    NotificationKind,
    Transition,
    TransitionKind,
)
from ftw_observe.prometheus import PrometheusError, Sample
from ftw_observe.rules import names

META_KEY = names.META_KEY
META_ALERT = names.META_ALERT
# Alert states to save and the transitions they made, beside the SLOs' own.
Changes = tuple[list[AlertState], list[Transition]]
NO_SERIES = (
    "no recorded series for this SLO: load alerts/*.rules.yml into Prometheus and check that "
    "its SLI metrics are scraped"
)


class Querier(Protocol):
    """What the cycle needs of a Prometheus client."""

    def query(self, promql: str, *, at: float) -> list[Sample]:
        """Run an instant query at a pinned unix time."""
        ...


class CycleStore(Protocol):
    """What the cycle needs of the store."""

    def health(self) -> EngineHealth:
        """Return the engine's persisted health."""
        ...

    def alert_states(self) -> dict[AlertKey, AlertState]:
        """Return every alert's current state."""
        ...

    def latest_evaluations(self) -> list[Evaluation]:
        """Return the newest evaluation of every instance."""
        ...

    def watchdog_received_at(self) -> datetime | None:
        """Return when Alertmanager's watchdog last reached any replica, if ever."""
        ...

    def save_cycle(
        self,
        *,
        evaluations: Sequence[Evaluation],
        states: Sequence[AlertState],
        transitions: Sequence[Transition],
        notifications: Sequence[Notification],
        health: EngineHealth,
    ) -> None:
        """Persist one cycle atomically."""
        ...


@dataclass(frozen=True)
class CycleResult:
    """What one cycle found and changed."""

    at: datetime
    evaluations: list[Evaluation]
    transitions: list[Transition] = field(default_factory=list)
    error: str | None = None
    watchdog_at: datetime | None = None  # the last watchdog arrival the cycle saw
    pending: list[AlertState] = field(default_factory=list)  # alerts that began pending


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _began_pending(
    updates: Sequence[AlertState], before: dict[AlertKey, AlertState]
) -> list[AlertState]:
    """Return the alerts this cycle moved into pending (a pending alert is no transition)."""
    began = []
    for state in updates:
        previous = before.get(state.key)
        if state.phase is AlertPhase.PENDING and (
            previous is None or previous.phase is not AlertPhase.PENDING
        ):
            began.append(state)
    return began


class Engine:
    """Evaluate every SLO once per call, at one pinned time.

    >>> # engine = Engine(targets(specs), PrometheusClient(url), Store(db_engine))
    >>> # engine.run_cycle().evaluations
    """

    def __init__(
        self,
        targets: Sequence[evaluate.Target],
        client: Querier,
        store: CycleStore,
        *,
        meta_alert_after: timedelta = timedelta(minutes=3),
        watchdog_timeout: timedelta = timedelta(0),
        deploy: DeployConfig | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.targets = list(targets)
        self.client = client
        self.store = store
        self.meta_alert_after = meta_alert_after
        self.watchdog_timeout = watchdog_timeout  # zero: no watchdog check
        self.deploy = deploy or DeployConfig()  # where alerts' links point
        self.clock = clock
        self._first_cycle_at: datetime | None = None
        self._texts: dict[tuple[int, str], notes.BurnText] = {}
        self._query = evaluate.series_query(self.targets)  # the targets are fixed: so is it
        # The alert states as this engine's last saved cycle left them, and that cycle's time.
        self._saved: tuple[datetime, dict[AlertKey, AlertState]] | None = None

    def _burn_text(self, index: int, tier: Tier) -> notes.BurnText:
        """Return the fixed parts of a target's alerts of one tier, worked out on first use."""
        text = self._texts.get((index, tier.name))
        if text is None:
            text = notes.burn_text(self.targets[index], tier, self.deploy)
            self._texts[(index, tier.name)] = text
        return text

    def run_cycle(self, *, leader_since: datetime | None = None) -> CycleResult:
        """Evaluate every SLO, advance alert states, and persist the cycle in one transaction.

        `leader_since` is when this replica began to lead (default: its first cycle): the
        watchdog check gives the chain that long before it pages.
        """
        now = self.clock()
        at = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._first_cycle_at = self._first_cycle_at or at
        health = self.store.health()
        states = self._alert_states(health)
        arrival, watched = self._watchdog(at, states, leader_since or self._first_cycle_at)
        try:
            samples = self.client.query(self._query, at=at.timestamp())
        except PrometheusError as error:
            result = self._unreadable(at, health, states, str(error), watched)
            return replace(result, watchdog_at=arrival)
        evaluations, updates, transitions = self._evaluate(at, samples, states)
        updates += watched[0]
        transitions += watched[1]
        recovered = health.prometheus_unreachable_since is not None
        meta_state, meta_transition = advance(
            states.get(META_KEY), META_KEY, condition=False, at=at, for_seconds=0
        )
        if recovered or META_KEY in states:
            updates.append(meta_state)
        if meta_transition:
            transitions.append(meta_transition)
        new_health = EngineHealth(last_cycle_at=at, last_success_at=at)
        self._save(evaluations, updates, transitions, new_health, states)
        pending = _began_pending(updates, states)
        return CycleResult(at, evaluations, transitions, watchdog_at=arrival, pending=pending)

    def _watchdog(
        self, at: datetime, states: dict[AlertKey, AlertState], leader_since: datetime
    ) -> tuple[datetime | None, Changes]:
        """Read the last watchdog arrival and advance its alert, Prometheus readable or not."""
        key = watchdog.WATCHDOG_KEY
        enabled = self.watchdog_timeout > timedelta(0)
        arrival = self.store.watchdog_received_at() if enabled else None
        state, transition = watchdog.watch(
            states.get(key),
            now=at,
            last_arrival=arrival,
            leader_since=leader_since,
            timeout=self.watchdog_timeout,
        )
        changed = [state] if state is not None and state != states.get(key) else []
        return arrival, (changed, [transition] if transition else [])

    def _evaluate(
        self, at: datetime, samples: list[Sample], states: dict[AlertKey, AlertState]
    ) -> tuple[list[Evaluation], list[AlertState], list[Transition]]:
        readings = evaluate.collect(self.targets, samples)
        by_slo = _by_slo(readings)
        evaluations: list[Evaluation] = []
        updates: list[AlertState] = []
        transitions: list[Transition] = []
        seen: set[AlertKey] = set()
        for index, target in enumerate(self.targets):
            keys = sorted(by_slo.get((target.service.service, target.slo.name), ()))
            if not keys:
                evaluations.append(evaluate.no_data(target, at, NO_SERIES))
            for key in keys:
                evaluation, conditions = evaluate.evaluate_instance(target, key, readings[key], at)
                evaluations.append(evaluation)
                for tier in evaluate.enabled_tiers(target):
                    text = self._burn_text(index, tier)
                    alert_key = AlertKey(key, tier.name)
                    seen.add(alert_key)
                    previous = states.get(alert_key)
                    if not conditions[tier.name] and _quiet(previous):
                        # Nothing to say until the condition holds: no figures to refresh.
                        state = (
                            _hushed(previous)
                            if previous is not None
                            else AlertState(
                                alert_key, AlertPhase.INACTIVE, labels=text.labels(evaluation)
                            )
                        )
                        if state != previous:
                            updates.append(state)
                        continue
                    state, transition = advance(
                        previous,
                        alert_key,
                        condition=conditions[tier.name],
                        at=at,
                        for_seconds=target.slo.alerting.tier(tier.name).for_,
                        value=evaluation.burn_rate(tier.long_window),
                        labels=text.labels(evaluation),
                        annotations=text.annotations(evaluation),
                    )
                    if state != states.get(alert_key):
                        updates.append(state)
                    if transition:
                        transitions.append(transition)
        tier_names = {tier.name for tier in TIERS}
        for alert_key, previous in states.items():
            # An instance that vanished (route gone, SLO removed) cannot stay firing.
            if alert_key in seen or alert_key.tier not in tier_names:
                continue
            if previous.phase in (AlertPhase.PENDING, AlertPhase.FIRING):
                state, transition = advance(
                    previous, alert_key, condition=False, at=at, for_seconds=0
                )
                updates.append(state)
                if transition:
                    transitions.append(transition)
        return evaluations, updates, transitions

    def _unreadable(
        self,
        at: datetime,
        health: EngineHealth,
        states: dict[AlertKey, AlertState],
        error: str,
        watched: Changes,
    ) -> CycleResult:
        since = health.prometheus_unreachable_since or at
        detail = f"Prometheus unreadable since {since.isoformat()}: {error}"
        previous = {e.key: e for e in self.store.latest_evaluations()}
        by_slo = _by_slo(previous)
        evaluations = []
        for target in self.targets:
            keys = by_slo.get((target.service.service, target.slo.name), [])
            mine = [previous[k] for k in keys]
            for evaluation in mine or [evaluate.no_data(target, at, detail)]:
                evaluations.append(evaluate.unknown(evaluation, at, detail))
        # Alert states stay as they are: a page is never resolved for lack of data.
        meta_state, transition = advance(
            states.get(META_KEY),
            META_KEY,
            condition=at - since >= self.meta_alert_after,
            at=at,
            for_seconds=0,
            value=(at - since).total_seconds(),
            labels=dict(names.META_ALERT_LABELS),
            annotations=notes.meta_annotations(since, error),
        )
        transitions = [transition] if transition else []
        health = EngineHealth(
            last_cycle_at=at,
            last_success_at=health.last_success_at,
            prometheus_error=error,
            prometheus_unreachable_since=since,
        )
        states_saved = [meta_state, *watched[0]]
        transitions += watched[1]
        self._save(evaluations, states_saved, transitions, health, states)
        return CycleResult(at, evaluations, transitions, error)

    def _alert_states(self, health: EngineHealth) -> dict[AlertKey, AlertState]:
        """Return every alert's state: as this engine saved it, if the last cycle was its own.

        The health row names the last saved cycle; when it is not this engine's (another
        replica led meanwhile, or a save failed), the states are read from the store.
        """
        saved = self._saved
        if saved is not None and health.last_cycle_at == saved[0]:
            return dict(saved[1])
        return self.store.alert_states()

    def _save(
        self,
        evaluations: list[Evaluation],
        states: list[AlertState],
        transitions: list[Transition],
        health: EngineHealth,
        before: dict[AlertKey, AlertState],
    ) -> None:
        notifications = [
            Notification(
                dedup_key=t.state.key.dedup_key,
                kind=NotificationKind.TRIGGER
                if t.kind is TransitionKind.FIRING
                else NotificationKind.RESOLVE,
                created_at=t.at,
                labels=t.state.labels,
                annotations=_announced(t),
            )
            for t in transitions
        ]
        self._saved = None
        self.store.save_cycle(
            evaluations=evaluations,
            states=states,
            transitions=transitions,
            notifications=notifications,
            health=health,
        )
        if health.last_cycle_at is not None:
            self._saved = (health.last_cycle_at, before | {state.key: state for state in states})


def _quiet(state: AlertState | None) -> bool:
    """Tell whether an alert is neither pending nor firing (or is new)."""
    return state is None or state.phase in (AlertPhase.INACTIVE, AlertPhase.RESOLVED)


def _hushed(state: AlertState) -> AlertState:
    """Return a quiet alert as it is kept while its condition stays false.

    A resolved alert keeps what it said when it resolved, and no alert keeps a value that
    would go stale: a quiet alert is written once, not every cycle. (A new one is written with
    its labels and no figures.)
    """
    return state if state.value is None else replace(state, value=None)


def _by_slo(instances: Iterable[InstanceKey]) -> dict[tuple[str, str], list[InstanceKey]]:
    """Return instance keys by (service, SLO), in the order given: one pass, not one per SLO."""
    found: dict[tuple[str, str], list[InstanceKey]] = {}
    for key in instances:
        found.setdefault((key.service, key.slo), []).append(key)
    return found


def _announced(transition: Transition) -> dict[str, str]:
    """Return a transition's annotations; a trigger's say since when its condition holds."""
    since = transition.state.active_since
    if transition.kind is not TransitionKind.FIRING or since is None:
        return transition.state.annotations
    at = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    return {**transition.state.annotations, ACTIVE_SINCE: at.isoformat()}
