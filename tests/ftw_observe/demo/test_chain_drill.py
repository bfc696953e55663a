"""The break drill's steps on a fake chain: stop, page, Slack, restart, resolve, and its errors."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.console import Console

from ftw_observe.demo.chain import BreakPlan, BreakResult, Component
from ftw_observe.demo.chain_drill import break_stack, run_break
from ftw_observe.demo.inbox import Receipt
from ftw_observe.demo.render import break_as_json, print_break_report
from ftw_observe.demo.stack import DemoStack
from ftw_observe.demo.waits import DrillError

GROUP = "6f1c0b1e2d"
OLD = "ftw/marketplace/job-posting-availability/page"


def receipt(receiver: str, kind: str, key: str, sender: str, *, top: bool = True) -> Receipt:
    return Receipt(receiver, kind, key, time.time(), f"{kind} {key}", top, sender)


@dataclass
class FakeChain:
    """The demo's parts and fake receivers: the break releases the page, the restart the resolve."""

    on_stop: list[tuple[str, str, str, str, bool]] = field(default_factory=list)
    on_start: list[tuple[str, str, str, str, bool]] = field(default_factory=list)
    description: str = "the fakes"
    calls: list[str] = field(default_factory=list)
    arrived: list[Receipt] = field(default_factory=list)
    ready: bool = True

    def stop(self, component: Component, *, kill: bool) -> None:
        self.calls.append(f"stop {component.value}{' kill' if kill else ''}")
        self.arrived += [receipt(*r[:4], top=r[4]) for r in self.on_stop]

    def start(self, component: Component) -> None:
        self.calls.append(f"start {component.value}")
        self.arrived += [receipt(*r[:4], top=r[4]) for r in self.on_start]

    def receipts(self) -> list[Receipt]:
        return list(self.arrived)


ENGINE_DEAD = [
    ("pagerduty", "trigger", GROUP, "alertmanager", True),
    ("slack #incidents", "trigger", "", "alertmanager", True),
]
ENGINE_BACK = [
    ("pagerduty", "resolve", GROUP, "alertmanager", False),
    ("slack #incidents", "resolve", "", "alertmanager", True),
]


def plan(component: Component = Component.ENGINE) -> BreakPlan:
    return BreakPlan(
        component,
        page_timeout=0.2,
        slack_timeout=0.2,
        ready_timeout=0.2,
        resolve_timeout=0.2,
        poll_seconds=0.01,
    )


def drill(chain: FakeChain, component: Component = Component.ENGINE) -> BreakResult:
    return run_break(plan(component), chain, chain, lambda: chain.ready)


def test_the_engine_break_kills_pages_restarts_and_resolves() -> None:
    chain = FakeChain(ENGINE_DEAD, ENGINE_BACK)
    old = receipt("pagerduty", "trigger", OLD, "ftw-observe")
    chain.arrived.append(old)

    result = drill(chain)

    assert chain.calls == ["stop engine kill", "start engine"]
    assert (result.page.dedup_key, result.page.sender) == (GROUP, "alertmanager")
    assert result.slack_page.receiver == "slack #incidents"
    assert result.resolve.kind == "resolve"
    assert result.slack_resolve.kind == "resolve"
    assert old not in result.receipts
    assert len(result.receipts) == 4


def test_alertmanager_is_stopped_not_killed() -> None:
    page = [
        ("pagerduty", "trigger", "meta", "ftw-observe", True),
        ("slack #incidents", "trigger", "meta", "ftw-observe", True),
    ]
    back = [
        ("pagerduty", "resolve", "meta", "ftw-observe", False),
        ("slack #incidents", "resolve", "meta", "ftw-observe", False),
    ]
    chain = FakeChain(page, back)
    result = drill(chain, Component.ALERTMANAGER)
    assert chain.calls == ["stop alertmanager", "start alertmanager"]
    assert result.slack_resolve.dedup_key == "meta"


def test_no_page_names_the_break_and_what_was_expected_and_restores() -> None:
    chain = FakeChain([], ENGINE_BACK)
    with pytest.raises(DrillError) as raised:
        drill(chain)
    message = str(raised.value)
    assert message.startswith("no page reached the fakes after stopping engine")
    assert "FTWObserveEngineDown or FTWObserveWebhookFailing from alertmanager" in message
    assert message.endswith("within 0.2 s")
    assert chain.calls == ["stop engine kill", "start engine"]


def test_a_reminder_of_an_open_incident_is_not_the_page() -> None:
    chain = FakeChain([("pagerduty", "trigger", OLD, "ftw-observe", True)], [])
    chain.arrived.append(receipt("pagerduty", "trigger", OLD, "ftw-observe"))
    with pytest.raises(DrillError, match="no page reached"):
        drill(chain)


def test_no_slack_message_is_named() -> None:
    chain = FakeChain(ENGINE_DEAD[:1], ENGINE_BACK)
    with pytest.raises(DrillError, match=f"no Slack message for the page {GROUP} of the stopped"):
        drill(chain)
    assert chain.calls[-1] == "start engine"


def test_a_component_that_does_not_come_back_is_named() -> None:
    chain = FakeChain(ENGINE_DEAD, ENGINE_BACK, ready=False)
    with pytest.raises(DrillError, match="engine did not answer as ready after its restart"):
        drill(chain)


def test_no_resolve_is_named() -> None:
    chain = FakeChain(ENGINE_DEAD, ENGINE_BACK[1:])
    with pytest.raises(DrillError, match=f"the page {GROUP} was not resolved at the fakes"):
        drill(chain)


def test_no_slack_resolve_is_named() -> None:
    chain = FakeChain(ENGINE_DEAD, ENGINE_BACK[:1])
    with pytest.raises(DrillError, match=f"no Slack resolve for the page {GROUP}"):
        drill(chain)


def test_the_result_renders_as_json_and_for_people() -> None:
    result = drill(FakeChain(ENGINE_DEAD, ENGINE_BACK))
    data = break_as_json(result)
    assert json.loads(json.dumps(data)) == data
    assert (data["break"], data["sender"], data["goal_seconds"]) == ("engine", "alertmanager", 180)
    assert data["met"] is True
    assert [r["kind"] for r in data["receipts"]] == ["trigger", "trigger", "resolve", "resolve"]
    console = Console(record=True, width=200)
    print_break_report(result, console)
    text = console.export_text()
    assert "Drill result: engine broken" in text
    assert "≤ 180 s met" in text
    assert "(no dedup key)" in text


def _stack(home: Path, **changes: object) -> DemoStack:
    fields: dict[str, object] = {
        "home": home,
        "pid": 1,
        "marketplace_url": "http://127.0.0.1:1",
        "engine_url": "http://127.0.0.1:1",
        "prometheus_url": "http://127.0.0.1:1",
        "alertmanager_url": "http://127.0.0.1:1",
        "operator_key_file": home / "operator.key",
        "fake_pagerduty_url": "http://127.0.0.1:1",
        "fake_slack_url": "http://127.0.0.1:1",
        "control_dir": home / "control",
    }
    return DemoStack(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_demo_with_real_receivers_cannot_be_drilled(tmp_path: Path) -> None:
    with pytest.raises(DrillError, match="sends to real receivers"):
        break_stack(_stack(tmp_path, fake_pagerduty_url=None), plan())


def test_a_demo_without_control_requests_is_named(tmp_path: Path) -> None:
    with pytest.raises(DrillError, match=f"the demo running in {tmp_path} takes no requests"):
        break_stack(_stack(tmp_path, control_dir=None), plan())


def test_a_component_not_ready_before_the_break_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        DrillError, match=r"prometheus is not ready \(http://127\.0\.0\.1:1/-/ready\)"
    ):
        break_stack(_stack(tmp_path), plan(Component.PROMETHEUS))
