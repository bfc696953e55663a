"""The real engine over HTTP against the silence that froze it: it keeps working and pages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from tests.conftest import wait_until
from tests.support.engine import API_TOKEN, WEBHOOK_TOKEN, RunningEngine, watch_health

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

ATTACK = "(([a-z-]+)+)+!"
# 53 characters of [a-z-]: Python's re would backtrack on it for longer than anyone waits.
LONG_SLO = "abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstuvwxyz"
API = {"Authorization": f"Bearer {API_TOKEN}"}


def silence(*matchers: str) -> dict[str, Any]:
    return {"matchers": list(matchers), "author": "mallory", "reason": "probe", "duration": "1h"}


def firing(**labels: str) -> dict[str, Any]:
    alert = {"status": "firing", "labels": labels, "annotations": {"summary": "probe"}}
    return {"version": "4", "status": "firing", "receiver": "ftw-observe", "alerts": [alert]}


def test_a_backtracking_silence_neither_freezes_the_engine_nor_mutes_the_page(
    engine_with_receivers: RunningEngine, fake_pagerduty: FakePagerDuty
):
    engine = engine_with_receivers
    created = engine.post("/api/silences", json=silence(f"slo=~{ATTACK}"), headers=API)
    assert created.status_code == 201, created.text

    with watch_health(engine, timeout=1.0) as health:
        posted = engine.post(
            "/api/webhooks/alertmanager",
            json=firing(alertname="HostileLabelProbe", severity="critical", slo=LONG_SLO),
            headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
        )
        assert posted.status_code < 300, posted.text
        cycles = engine.metric("ftw_observe_cycles_total")
        wait_until(
            lambda: any("HostileLabelProbe" in json.dumps(e) for e in fake_pagerduty.events()),
            timeout=30,
        )
        wait_until(lambda: engine.metric("ftw_observe_cycles_total") >= cycles + 3, timeout=30)

    assert health.failures == []
    assert len(health.polls) >= 5
    assert engine.process.poll() is None


def test_a_pattern_re2_refuses_is_a_422_naming_the_matcher(engine_with_receivers: RunningEngine):
    response = engine_with_receivers.post(
        "/api/silences", json=silence("service=marketplace", r"slo=~(a)\1"), headers=API
    )

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "matchers", 1]
    assert problem["msg"].startswith(r"'(a)\\1' is not a regular expression RE2 accepts")
    assert "backreferences are not supported" in problem["msg"]
