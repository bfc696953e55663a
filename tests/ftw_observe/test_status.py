"""`ftw-observe status`: the engine's SLO table in a terminal, or its JSON."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ftw_observe.cli import app
from ftw_observe.status import PARTIAL, PARTIAL_NOTE, covered
from tests.conftest import free_port
from tests.ftw_observe.api.seed import marketplace_specs
from tests.ftw_observe.conftest import Server
from tests.support.terminal import BOX, run_in_terminal, run_piped, script


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


MESSAGES = "route=/api/jobs/{job_id}/messages"


def _entry(slo: str, instance: str, coverage: float | None) -> dict[str, Any]:
    return {
        "service": "marketplace",
        "slo": slo,
        "instance": instance,
        "group": {"route": "/api/jobs/{job_id}/messages"} if instance else {},
        "status": "burning",
        "objective": 99.9,
        "period_days": 30,
        "sli": 0.99874,
        "remaining": -1.2,
        "remaining_minutes": -51.8,
        "seconds_to_exhaustion": 0,
        "events": 1000.0,
        "errors": 3.0,
        "burn_rates": {"5m": 30.1, "1h": 25.35, "6h": 8.0, "1d": 2.5, "3d": 1.1, "period": 2.2},
        "evaluated_at": "2026-12-02T12:00:00Z",
        "detail": "",
        "description": "",
        "links": {},
        "coverage": coverage,
    }


def canned_slos() -> list[dict[str, Any]]:
    """Return /api/slos entries for every SLO of the committed specs, with and without routes."""
    names = [slo.name for spec in marketplace_specs() for slo in spec.slos]
    return [_entry(name, MESSAGES, None) for name in names] + [
        _entry(names[0], "", 0.05),
        _entry(names[1], "route=/api/jobs", 1.0),
    ]


@pytest.fixture
def canned() -> Iterator[str]:
    """Serve canned /api/slos JSON on a free port; return the base URL."""
    body = json.dumps(canned_slos()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/api/slos" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output to the test's own

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _names_whole(text: str) -> None:
    for name in {f"{slo['service']}/{slo['slo']}" for slo in canned_slos()}:
        assert name in text
    assert MESSAGES in text
    assert "…" not in text


def test_a_terminal_80_columns_wide_gets_every_name_whole_within_80_columns(canned: str) -> None:
    ran = run_in_terminal([script("ftw-observe"), "status", "--url", canned], columns=80)
    assert ran.returncode == 0, ran.stderr
    _names_whole(ran.stdout)
    assert max(len(line) for line in ran.stdout.splitlines()) <= 80


def test_piped_output_is_plain_complete_and_one_line_per_instance(canned: str) -> None:
    ran = run_piped([script("ftw-observe"), "status", "--url", canned], columns=80)
    assert ran.returncode == 0, ran.stderr
    _names_whole(ran.stdout)
    assert "\x1b" not in ran.stdout
    assert not BOX & set(ran.stdout)
    rows = [line for line in ran.stdout.splitlines() if line.startswith("marketplace/")]
    assert len(rows) == len(canned_slos())
    assert any(row.startswith("marketplace/bid-response") and MESSAGES in row for row in rows)


def test_the_table_names_every_slo_whole_at_80_columns_in_process(canned: str) -> None:
    result = CliRunner().invoke(app, ["status", "--url", canned], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    _names_whole(result.stdout)


def test_wide_shows_every_column_and_the_covered_part_of_the_period(canned: str) -> None:
    result = CliRunner().invoke(app, ["status", "--url", canned, "-o", "wide"])
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0]
    for column in ("objective", "SLI", "minutes left", "burn 5m", "burn 3d", "exhausts in"):
        assert column in header
    assert "-120.0 % (1d 12h of 30d)" in result.stdout
    assert "-120.0 % (" not in result.stdout.replace("-120.0 % (1d 12h of 30d)", "")


def test_the_narrow_table_marks_a_budget_measured_over_part_of_its_period(canned: str) -> None:
    result = CliRunner().invoke(app, ["status", "--url", canned])
    assert result.exit_code == 0, result.output
    assert result.stdout.count(f"-120.0 % {PARTIAL}") == 1
    assert PARTIAL_NOTE in result.stdout


def test_coverage_is_shown_only_when_under_1() -> None:
    full, partial = _entry("a", "", 1.0), _entry("a", "", 0.5)
    assert (covered(full), covered(_entry("a", "", None)), covered(partial)) == (
        "",
        "",
        "15d of 30d",
    )


@pytest.mark.parametrize("args", [["-o", "json"], ["--output", "json"], ["--json"]])
def test_json_is_the_engines_list_under_every_spelling(canned: str, args: list[str]) -> None:
    result = CliRunner().invoke(app, ["status", "--url", canned, *args])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == canned_slos()


def test_an_unknown_output_format_is_a_usage_error(canned: str) -> None:
    assert CliRunner().invoke(app, ["status", "--url", canned, "-o", "yaml"]).exit_code == 2
