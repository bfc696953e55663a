"""`ftw-observe status`: the engine's SLO table in a terminal, or its JSON."""

from __future__ import annotations

import json

import httpx
from typer.testing import CliRunner

from ftw_observe.cli import app
from tests.conftest import free_port
from tests.ftw_observe.conftest import Server


def test_the_table_lists_every_instance_with_its_numbers(server: Server) -> None:
    result = CliRunner().invoke(app, ["status", "--url", server.url], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    api = httpx.get(f"{server.url}/api/slos", timeout=10).json()
    for slo in api:
        assert slo["slo"] in result.stdout
    worst = api[0]
    assert f"{worst['remaining'] * 100:.1f} %" in result.stdout
    assert f"{worst['burn_rates']['1h']:.2f}" in result.stdout
    assert "exhausted" in result.stdout


def test_json_is_the_engines_own(server: Server) -> None:
    result = CliRunner().invoke(app, ["status", "--url", server.url, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == httpx.get(f"{server.url}/api/slos", timeout=10).json()


def test_an_unreachable_engine_is_an_error_naming_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["status", "--url", url])
    assert result.exit_code == 1
    assert f"cannot read {url}/api/slos" in result.stderr
