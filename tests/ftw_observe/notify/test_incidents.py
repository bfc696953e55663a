"""Which incident an alert belongs to, and what its alerts make of it: the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ftw_observe.engine.cycle import META_ALERT, META_KEY
from ftw_observe.model import AlertKey, Incident, InstanceKey, Member
from ftw_observe.notify.alertmanager import dedup_key
from ftw_observe.notify.incidents import (
    ALERTMANAGER_GROUP_INTERVAL,
    ALERTMANAGER_MARGIN,
    grace,
    grouping,
    more_urgent,
    record,
    subordinates,
)
from ftw_observe.notify.tails import due_tail, make_tail
from ftw_observe.rules import names
from tests.support.alertmanager_sim import AlertmanagerSim
from tests.support.dispatch import REPO

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
JOBS = InstanceKey("marketplace", "api-latency-p95", (("route", "/api/jobs"),))
SEVERITY = {"page-1h": "page", "page-6h": "page", "ticket-1d": "ticket", "ticket-3d": "ticket"}


def labels(tier: str, instance: InstanceKey = JOBS, **extra: str) -> dict[str, str]:
    return {
        "alertname": "SLOErrorBudgetBurn",
        **instance.labels,
        "severity": SEVERITY[tier],
        "tier": tier,
        **extra,
    }


def engine_key(tier: str, instance: InstanceKey = JOBS) -> str:
    return AlertKey(instance, tier).dedup_key


def member(tier: str, *sources: str) -> tuple[str, Member]:
    return engine_key(tier), Member(dict.fromkeys(sources, "firing"), labels(tier))


@pytest.mark.parametrize("tier", ["page-1h", "page-6h"])
def test_every_page_tier_joins_its_services_page(tier: str) -> None:
    found = grouping(engine_key(tier), labels(tier))

    assert found.group_key == "ftw/marketplace/page"
    assert found.member_key == engine_key(tier)
    assert found.instance == "ftw/marketplace/api-latency-p95/route=/api/jobs"


@pytest.mark.parametrize("tier", ["ticket-1d", "ticket-3d"])
def test_every_ticket_tier_shares_another(tier: str) -> None:
    found = grouping(engine_key(tier), labels(tier))

    assert found.group_key == "ftw/marketplace/api-latency-p95/route=/api/jobs/ticket"


def test_alertmanagers_report_of_a_tier_belongs_where_the_engines_does() -> None:
    by_alertmanager = dedup_key(labels("page-6h"), lambda service, slo: ["route"])

    assert grouping(by_alertmanager, labels("page-6h")) == grouping(
        engine_key("page-6h"), labels("page-6h")
    )


def test_the_pages_of_every_slo_and_instance_of_a_service_share_one_incident() -> None:
    other = InstanceKey("marketplace", "api-latency-p95", (("route", "/api/bids"),))
    plain = InstanceKey("marketplace", "api-availability")

    keys = {
        grouping(engine_key(tier, instance), labels(tier, instance)).group_key
        for instance in (JOBS, other, plain)
        for tier in ("page-1h", "page-6h")
    }

    assert keys == {"ftw/marketplace/page"}


def test_another_services_pages_are_another_incident() -> None:
    payouts = InstanceKey("payments", "payouts-same-day")

    found = grouping(engine_key("page-1h", payouts), labels("page-1h", payouts))

    assert found.group_key == "ftw/payments/page"


def test_the_tickets_of_each_instance_are_incidents_of_their_own() -> None:
    other = InstanceKey("marketplace", "api-latency-p95", (("route", "/api/bids"),))

    mine = grouping(engine_key("ticket-1d"), labels("ticket-1d"))
    theirs = grouping(engine_key("ticket-1d", other), labels("ticket-1d", other))

    assert mine.group_key != theirs.group_key


def test_a_tier_given_another_severity_joins_that_severitys_incident() -> None:
    found = grouping(engine_key("page-6h"), labels("page-6h", severity="ticket"))

    assert found.group_key.endswith("/ticket")


def test_a_critical_threshold_alert_joins_its_services_page() -> None:
    errors = {"alertname": "MarketplaceHighErrorRatio", "severity": "critical"}
    errors |= {"service": "marketplace", "job": "marketplace"}
    key = dedup_key(errors, lambda service, slo: None)

    found = grouping(key, errors)

    assert (found.group_key, found.member_key) == ("ftw/marketplace/page", key)
    assert (found.instance, found.rank, found.tier) == (None, None, None)


@pytest.mark.parametrize(
    "extra",
    [
        {"severity": "critical"},  # no service to gather it under
        {"severity": "warning", "service": "marketplace"},
        {"service": "marketplace"},  # no severity
    ],
)
def test_other_threshold_alerts_keep_their_own_identity(extra: dict[str, str]) -> None:
    cpu = {"alertname": "HostHighCpuUtilization", "instance": "db1", **extra}
    key = dedup_key(cpu, lambda service, slo: None)

    found = grouping(key, cpu)

    assert (found.group_key, found.instance, found.rank) == (key, None, None)


def test_the_engines_meta_alert_keeps_its_own_identity() -> None:
    meta = {"alertname": META_ALERT, "severity": "critical"}

    assert grouping(META_KEY.dedup_key, meta).group_key == META_KEY.dedup_key


def test_a_missing_watchdog_joins_the_meta_alerts_incident() -> None:
    watchdog = dict(names.WATCHDOG_MISSING_LABELS)

    found = grouping(names.WATCHDOG_MISSING_KEY.dedup_key, watchdog)

    assert found.group_key == META_KEY.dedup_key
    assert found.member_key == names.WATCHDOG_MISSING_KEY.dedup_key
    assert (found.instance, found.rank, found.tier) == (None, None, None)


def test_alerts_named_like_the_engines_from_elsewhere_stay_out_of_its_incident() -> None:
    forged = dict(names.WATCHDOG_MISSING_LABELS)
    key = dedup_key(forged, lambda service, slo: None)

    found = grouping(key, forged)

    assert found.group_key != META_KEY.dedup_key
    assert found.member_key == key


def test_a_key_that_does_not_name_its_labels_tier_is_not_taken_for_that_tier() -> None:
    forged = labels("page-1h", slo="payout-success", severity="ticket")

    found = grouping(engine_key("page-1h"), forged)

    assert (found.group_key, found.instance, found.tier) == (engine_key("page-1h"), None, None)


def test_a_ticket_may_be_outranked_by_its_services_page_only() -> None:
    page = grouping(engine_key("page-6h"), labels("page-6h"))
    ticket = grouping(engine_key("ticket-1d"), labels("ticket-1d"))

    assert more_urgent(ticket) == ["ftw/marketplace/page"]
    assert more_urgent(page) == []


def test_a_page_outranks_the_tickets_of_its_own_instances_only() -> None:
    other = InstanceKey("marketplace", "api-latency-p95", (("route", "/api/bids"),))
    page = Incident("ftw/marketplace/page", members=dict([member("page-6h", "engine")]))
    ticket = Incident("ftw/marketplace/api-latency-p95/route=/api/jobs/ticket")
    ticket.members = dict([member("ticket-1d", "engine")])
    elsewhere = Incident("ftw/marketplace/api-latency-p95/route=/api/bids/ticket")
    key = engine_key("ticket-1d", other)
    elsewhere.members = {key: Member({"engine": "firing"}, labels("ticket-1d", other))}

    assert subordinates(page, [page, ticket, elsewhere]) == [ticket]
    assert subordinates(ticket, [page, ticket, elsewhere]) == []


def test_an_alert_fires_afresh_only_when_no_source_reported_it_firing() -> None:
    incident = Incident("k")
    key = engine_key("page-6h")

    def fires(source: str) -> bool:
        return record(incident, key, source, firing=True, labels={}, annotations={})

    assert fires("engine")
    assert not fires("alertmanager")
    record(incident, key, "engine", firing=False, labels={}, annotations={})
    assert not fires("engine"), "Alertmanager still reports it firing"
    for source in ("engine", "alertmanager"):
        record(incident, key, source, firing=False, labels={}, annotations={})
    assert fires("alertmanager")


def test_a_resolve_of_an_alert_the_incident_never_had_is_not_kept() -> None:
    incident = Incident("k")

    record(incident, engine_key("page-1h"), "engine", firing=False, labels={}, annotations={})

    assert incident.members == {}


def test_a_tail_waits_one_short_window_per_tier_then_is_due() -> None:
    incident = Incident("k", "open", members=dict([member("page-6h", "engine")]))

    make_tail(incident, T0)

    assert incident.state == "tail"
    assert incident.members[engine_key("page-6h")].tail_until == T0 + timedelta(minutes=30)
    assert due_tail(incident, T0 + timedelta(minutes=29)) == []
    assert due_tail(incident, T0 + timedelta(minutes=30)) == [engine_key("page-6h")]


def test_a_covered_tail_waits_for_the_incident_covering_it() -> None:
    incident = Incident("k", "open", members=dict([member("ticket-1d", "engine")]))

    make_tail(incident, T0, covered=True)

    assert due_tail(incident, T0 + timedelta(days=7)) == []


def test_an_incident_only_alertmanager_reported_waits_for_a_tier_it_may_hide() -> None:
    incident = Incident("k", "open", members=dict([member("page-1h", "alertmanager")]))
    fast = grouping(engine_key("page-1h"), labels("page-1h"))

    assert grace(incident, fast) == ALERTMANAGER_GROUP_INTERVAL["page"] + ALERTMANAGER_MARGIN


def test_the_engine_hides_no_tier_so_nothing_waits() -> None:
    incident = Incident("k", "open", members=dict([member("page-1h", "alertmanager", "engine")]))

    assert grace(incident, grouping(engine_key("page-1h"), labels("page-1h"))) is None


def test_the_slowest_tier_of_a_severity_hides_none_of_its_incident() -> None:
    incident = Incident("k", "open", members=dict([member("page-6h", "alertmanager")]))

    assert grace(incident, grouping(engine_key("page-6h"), labels("page-6h"))) is None


def test_a_ticket_waits_for_the_ticket_groups_longer_interval() -> None:
    incident = Incident("k", "open", members=dict([member("ticket-1d", "alertmanager")]))
    found = grouping(engine_key("ticket-1d"), labels("ticket-1d"))

    assert grace(incident, found) == ALERTMANAGER_GROUP_INTERVAL["ticket"] + ALERTMANAGER_MARGIN


@pytest.mark.parametrize("severity", sorted(ALERTMANAGER_GROUP_INTERVAL))
def test_the_wait_follows_the_group_interval_of_the_generated_alertmanager_config(
    severity: str,
) -> None:
    alertmanager = AlertmanagerSim.from_file(REPO / "alerts" / "alertmanager.yml")

    route = alertmanager.route_of({"severity": severity})

    assert route.group_interval == ALERTMANAGER_GROUP_INTERVAL[severity]
