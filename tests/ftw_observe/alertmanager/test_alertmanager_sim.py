"""The replays' model of Alertmanager: threshold alerts routed, grouped and muted as configured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.alertmanager_sim import AlertmanagerSim

ROOT = Path(__file__).resolve().parents[3]
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
RATIO = {"alertname": "MarketplaceHighErrorRatio", "job": "marketplace", "service": "marketplace"}
WARNING = {**RATIO, "severity": "warning"}
CRITICAL = {**RATIO, "severity": "critical"}


def _model() -> AlertmanagerSim:
    return AlertmanagerSim.from_file(ROOT / "alerts" / "alertmanager.yml")


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _sent(model: AlertmanagerSim, minutes: float) -> list[tuple[str, list[tuple[str, str]]]]:
    """Flush the model; return each body as its receiver and (severity, status) per alert."""
    return [
        (body["receiver"], [(a["labels"]["severity"], a["status"]) for a in body["alerts"]])
        for body in model.flush(_at(minutes))
    ]


def test_a_critical_threshold_alert_goes_to_the_urgent_webhook_at_once() -> None:
    model = _model()
    model.receive(_at(0), [CRITICAL])
    assert _sent(model, 0) == [("ftw-observe-urgent", [("critical", "firing")])]


def test_a_warning_threshold_alert_waits_for_its_group_then_goes_to_the_ticket_webhook() -> None:
    model = _model()
    model.receive(_at(0), [WARNING])
    assert _sent(model, 0.25) == []
    assert _sent(model, 0.5) == [("ftw-observe", [("warning", "firing")])]


def test_a_warning_is_muted_while_its_critical_twin_fires() -> None:
    model = _model()
    model.receive(_at(0), [WARNING, CRITICAL])
    assert _sent(model, 0) == [("ftw-observe-urgent", [("critical", "firing")])]
    assert _sent(model, 0.5) == []


def test_a_group_muted_after_it_was_sent_sends_nothing_until_it_resolves() -> None:
    model = _model()
    model.receive(_at(0), [WARNING])
    assert _sent(model, 0.5) == [("ftw-observe", [("warning", "firing")])]
    model.receive(_at(1), [WARNING, CRITICAL])
    assert _sent(model, 5.5) == [("ftw-observe-urgent", [("critical", "firing")])]
    model.receive(_at(6), [])
    assert ("ftw-observe", [("warning", "resolved")]) in _sent(model, 10.5)
