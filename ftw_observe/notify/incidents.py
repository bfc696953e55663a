"""Which incident an alert belongs to, and what its alerts make of it: pure rules, no I/O.

One outage, one page. Every page-level alert of a service (severity page or critical, with a
`service` label) joins one incident while it lasts: the page tiers of each of its SLOs and its
critical threshold alerts, from whichever source (the engine or Alertmanager), in whatever
order. A job-posting outage burns job-posting-availability, burns api-availability (its
errors are API errors too) and trips the 5xx threshold: on-call hears of it once, under one
dedup key, and once more when it is over: when none of its alerts fires any more (or sooner,
see `ftw_observe.notify.recovery`). An alert whose route reaches a receiver the incident has not
paged yet pages that receiver, under the same key. Ticket tiers are gathered per SLO instance
and severity. The engine's two alerts about the chain that feeds it (Prometheus unreadable,
the watchdog missing) share one incident too: Prometheus down trips both. Any other alert
(warnings, tickets of thresholds) is an incident of its own.

A page outranks a ticket of an SLO instance among its alerts: opening it supersedes the
ticket, and while it lasts the ticket tiers are its concern. When it ends, the ticket tiers
that still fire are the outage's tail, as are the tiers of an incident resolved early: each
still firing one short window later is a burn of its own and opens the incident again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ftw_observe.burnrate import TIER_NAMES, TIERS, Tier, tier
from ftw_observe.model import Incident, IncidentState, Member, Notification, NotificationKind
from ftw_observe.rules import names

# Lower is more urgent: a page (0) supersedes a ticket (1) of the same SLO instance.
SEVERITY_RANK = {name: rank for rank, name in enumerate(dict.fromkeys(t.severity for t in TIERS))}
# How long Alertmanager may take to send a tier it no longer inhibits: its group interval
# per severity in the generated alerts/alertmanager.yml, plus a margin for the network.
ALERTMANAGER_GROUP_INTERVAL = {"page": timedelta(seconds=30), "ticket": timedelta(minutes=5)}
ALERTMANAGER_MARGIN = timedelta(seconds=30)
ALERTMANAGER = "alertmanager"
# The chain's incident keeps the key the meta-alert's incidents always had, so that one open
# before the watchdog joined it still resolves under the key its receivers hold.
CHAIN_GROUP = names.META_KEY.dedup_key
CHAIN_MEMBERS = frozenset({names.META_KEY.dedup_key, names.WATCHDOG_MISSING_KEY.dedup_key})
# The severities that page: the burn-rate page tiers' and threshold alerts' critical.
PAGE_SEVERITIES = frozenset({"page", "critical"})


def service_page_key(service: str) -> str:
    """Return the key of the incident gathering a service's page-level alerts."""
    return f"ftw/{service}/page"


@dataclass(frozen=True)
class Grouping:
    """Where one alert belongs: its incident's group key, and what it is within it.

    >>> labels = {"alertname": "SLOErrorBudgetBurn", "service": "marketplace",
    ...           "slo": "api-availability", "tier": "ticket-1d", "severity": "ticket"}
    >>> found = grouping("ftw/marketplace/api-availability//ticket-1d", labels)
    >>> found.group_key, found.instance, found.rank
    ('ftw/marketplace/api-availability//ticket', 'ftw/marketplace/api-availability/', 1)
    """

    group_key: str  # the incident's key: per service for pages, per SLO instance for tickets
    member_key: str  # the alert's own dedup key
    instance: str | None = None  # `ftw/<service>/<slo>/<instance>` of a burn-rate tier
    severity: str = ""
    tier: Tier | None = None
    service: str = ""

    @property
    def rank(self) -> int | None:
        """Return how urgent the incident is among its SLO instance's (0: a page), if ranked."""
        return None if self.instance is None else SEVERITY_RANK.get(self.severity)

    @property
    def tail(self) -> timedelta | None:
        """Return how long the tier keeps firing after an outage ends: its short window."""
        return None if self.tier is None else timedelta(seconds=self.tier.short)


def grouping(dedup_key: str, labels: Mapping[str, str]) -> Grouping:
    """Return where an alert belongs: its service's page, its SLO instance's ticket, or alone.

    The group key depends only on the alert: neither on the routing policy nor on which alert
    fired first. The engine's chain alerts share CHAIN_GROUP.

    >>> grouping("ftw/ftw-observe/watchdog//meta", {}).group_key
    'ftw/ftw-observe/prometheus//meta'
    >>> grouping("am/1f2e", {"service": "marketplace", "severity": "critical"}).group_key
    'ftw/marketplace/page'
    """
    if dedup_key in CHAIN_MEMBERS:
        return Grouping(CHAIN_GROUP, dedup_key)
    service, severity = labels.get("service", ""), labels.get("severity", "")
    found = _tier_grouping(dedup_key, labels)
    if found is not None:
        return found
    if service and severity in PAGE_SEVERITIES:
        return Grouping(service_page_key(service), dedup_key, severity=severity, service=service)
    return Grouping(dedup_key, dedup_key)


def _tier_grouping(dedup_key: str, labels: Mapping[str, str]) -> Grouping | None:
    """Return where an engine burn-rate tier belongs, or None for any other alert."""
    service, slo, name = labels.get("service", ""), labels.get("slo", ""), labels.get("tier", "")
    burn = labels.get("alertname") == names.BURN_ALERT and name in TIER_NAMES
    prefix, suffix = f"ftw/{service}/{slo}/", f"/{name}"
    if not (burn and service and slo and dedup_key.startswith(prefix)):
        return None
    if not dedup_key.endswith(suffix) or len(dedup_key) < len(prefix) + len(suffix):
        return None
    found = tier(name)
    severity = labels.get("severity") or found.severity
    instance = dedup_key[: len(dedup_key) - len(suffix)]
    group = service_page_key(service) if severity in PAGE_SEVERITIES else f"{instance}/{severity}"
    return Grouping(group, dedup_key, instance, severity, found, service)


def member_grouping(key: str, member: Member) -> Grouping:
    """Return where an incident's member belongs, from its key and labels."""
    return grouping(key, member.labels)


def more_urgent(found: Grouping) -> list[str]:
    """Return the group keys of the incidents that may outrank an alert's: its service's page."""
    rank = found.rank
    if rank is None or not found.service or found.severity in PAGE_SEVERITIES:
        return []
    return [service_page_key(found.service)]


def instances(incident: Incident) -> set[str]:
    """Return the SLO instances whose burn-rate tiers are among an incident's alerts."""
    found = (member_grouping(key, member).instance for key, member in incident.members.items())
    return {instance for instance in found if instance is not None}


def news(incident: Incident, key: str) -> bool:
    """Tell whether an alert joining an incident is news: not a tier of an instance it has."""
    found = member_grouping(key, incident.members[key])
    if found.instance is None:
        return True
    return not any(
        member_grouping(other, member).instance == found.instance
        for other, member in incident.members.items()
        if other != key
    )


def member_trigger(incident: Incident, key: str, now: datetime) -> Notification:
    """Return the trigger of one of an incident's alerts, under the incident's key."""
    member = incident.members[key]
    source = next(iter(member.sources), "engine")
    kind = NotificationKind.TRIGGER
    return Notification(incident.dedup_key, kind, now, member.labels, member.annotations, source)


def record(
    incident: Incident,
    key: str,
    source: str,
    *,
    firing: bool,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
) -> bool:
    """Record what a source says of one alert; return True when it starts firing afresh."""
    member = incident.members.get(key)
    fresh = firing and (member is None or not member.firing)
    if member is None:
        if not firing:
            return False  # a resolve of an alert the incident never had: nothing to keep
        member = incident.members[key] = Member()
    member.sources[source] = "firing" if firing else "resolved"
    if firing:
        member.labels, member.annotations = dict(labels), dict(annotations)
    return fresh


def lead(incident: Incident) -> str | None:
    """Return the key of the alert whose labels the incident's receivers were shown."""
    return next((k for k, m in incident.members.items() if m.labels == incident.labels), None)


def restart(incident: Incident) -> None:
    """Forget a finished incident's receivers and resolved alerts before it opens again."""
    incident.members = {
        key: Member(member.sources, member.labels, member.annotations)
        for key, member in incident.members.items()
        if member.firing
    }
    incident.receivers, incident.muted_by = [], None
    incident.opened_at = incident.closed_at = None


def open_with(incident: Incident, key: str, receivers: list[str], now: datetime) -> None:
    """Open the incident for its receivers, shown as the alert `key`."""
    member = incident.members[key]
    incident.state, incident.muted_by = IncidentState.OPEN.value, None
    incident.receivers = list(receivers)
    incident.labels, incident.annotations = dict(member.labels), dict(member.annotations)
    incident.opened_at, incident.closed_at, incident.notified_at = now, None, now
    incident.resolves_at = None
    for each in incident.members.values():
        each.tail_until = None


def mute(incident: Incident, why: str, key: str) -> None:
    """Keep the incident firing for nobody, and say why (a silence, an inhibition, no route)."""
    member = incident.members[key]
    if incident.state != IncidentState.MUTED.value:
        incident.labels, incident.annotations = dict(member.labels), dict(member.annotations)
    incident.state, incident.muted_by = IncidentState.MUTED.value, why


def close(incident: Incident, now: datetime) -> None:
    """Close an incident none of whose alerts fires any more."""
    incident.state, incident.closed_at = IncidentState.CLOSED.value, now
    incident.resolves_at = None
    for member in incident.members.values():
        member.tail_until = None


def grace(incident: Incident, resolved: Grouping) -> timedelta | None:
    """Return how long an incident waits for a slower tier before it resolves, if at all.

    Alertmanager sends no alert it inhibits: while page-1h fires, page-6h reaches the engine
    only from the engine itself. An incident that only Alertmanager reported cannot know
    whether the tier that just resolved was hiding a slower one of the same severity, which
    Alertmanager sends at its group's next flush: it waits that long before resolving.
    """
    if resolved.tier is None or resolved.instance is None:
        return None
    if any(set(m.sources) - {ALERTMANAGER} for m in incident.members.values()):
        return None  # the engine reports every tier that fires, inhibited or not
    mine = resolved.tier
    if not any(t.severity == mine.severity and t.long > mine.long for t in TIERS):
        return None  # the slowest tier of its severity hides nothing of the incident
    interval = ALERTMANAGER_GROUP_INTERVAL.get(
        resolved.severity, max(ALERTMANAGER_GROUP_INTERVAL.values())
    )
    return interval + ALERTMANAGER_MARGIN


def subordinates(incident: Incident, others: list[Incident]) -> list[Incident]:
    """Return the incidents the given one outranks.

    A page outranks the tickets of the SLO instances among its alerts, and the open warning
    twin of a threshold alert among them (the same labels but the severity): a warning fires
    before its critical as an error ratio climbs past both.
    """
    mine = [member_grouping(key, member) for key, member in incident.members.items()]
    ranks = [each.rank for each in mine if each.rank is not None]
    covered, rank = instances(incident), min(ranks, default=None)
    twins = {
        _twin(member.labels)
        for found, member in zip(mine, incident.members.values(), strict=True)
        if found.instance is None and found.severity in PAGE_SEVERITIES
    }
    subordinate = []
    for other in others:
        if other.dedup_key == incident.dedup_key or not other.members:
            continue
        key, member = next(iter(other.members.items()))
        theirs = member_grouping(key, member)
        if theirs.instance is None:
            alone = theirs.group_key == key and member.labels.get("severity") not in PAGE_SEVERITIES
            outranked = alone and _twin(member.labels) in twins
        else:
            outranked = (
                rank is not None and theirs.instance in covered and (theirs.rank or 0) > rank
            )
        if outranked:
            subordinate.append(other)
    return subordinate


def _twin(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Return what a threshold alert's levels share: every label but the severity."""
    return tuple(sorted((name, value) for name, value in labels.items() if name != "severity"))
