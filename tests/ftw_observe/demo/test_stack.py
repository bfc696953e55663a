"""`demo.json`: what a running demo writes down for the drill, and reads back."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ftw_observe.demo.stack import DemoStack, find_stack


def stack(home: Path, pid: int) -> DemoStack:
    return DemoStack(
        home=home,
        pid=pid,
        marketplace_url="http://127.0.0.1:8000",
        engine_url="http://127.0.0.1:8080",
        prometheus_url="http://127.0.0.1:9090",
        alertmanager_url="http://127.0.0.1:9093",
        operator_key_file=home / "operator.key",
        fake_pagerduty_url="http://127.0.0.1:8091",
        fake_slack_url=None,
        exporter_url="http://127.0.0.1:9464",
        started_at=1_700_000_000.5,
        api_token_file=home / "api-token",
        control_dir=home / "control",
    )


def test_what_is_saved_loads_back_the_same(tmp_path: Path) -> None:
    saved = stack(tmp_path, os.getpid())
    saved.save()
    assert DemoStack.load(tmp_path) == saved
    assert [p.name for p in tmp_path.iterdir()] == ["demo.json"]  # no temporary file left


def test_the_file_keeps_its_field_names(tmp_path: Path) -> None:
    stack(tmp_path, 4242).save()
    data = json.loads(DemoStack.path(tmp_path).read_text())
    assert data == {
        "pid": 4242,
        "marketplace_url": "http://127.0.0.1:8000",
        "engine_url": "http://127.0.0.1:8080",
        "prometheus_url": "http://127.0.0.1:9090",
        "alertmanager_url": "http://127.0.0.1:9093",
        "operator_key_file": str(tmp_path / "operator.key"),
        "fake_pagerduty_url": "http://127.0.0.1:8091",
        "fake_slack_url": None,
        "exporter_url": "http://127.0.0.1:9464",
        "started_at": 1_700_000_000.5,
        "api_token_file": str(tmp_path / "api-token"),
        "control_dir": str(tmp_path / "control"),
    }


def test_saving_replaces_the_previous_file(tmp_path: Path) -> None:
    stack(tmp_path, 1).save()
    stack(tmp_path, os.getpid()).save()
    assert DemoStack.load(tmp_path).pid == os.getpid()


def test_a_stack_whose_process_is_gone_is_not_running(tmp_path: Path) -> None:
    stack(tmp_path, os.getpid()).save()
    assert find_stack(tmp_path) is not None
    stack(tmp_path, 2**22 + 1).save()  # above Linux's largest pid
    assert find_stack(tmp_path) is None


def test_a_stack_file_of_a_demo_without_control_requests_loads(tmp_path: Path) -> None:
    stack(tmp_path, 1).save()
    data = json.loads(DemoStack.path(tmp_path).read_text())
    del data["control_dir"]
    DemoStack.path(tmp_path).write_text(json.dumps(data))
    assert DemoStack.load(tmp_path).control_dir is None
