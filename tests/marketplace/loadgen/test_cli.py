from __future__ import annotations

import io
import socket

import pytest
from typer.testing import CliRunner

from marketplace.loadgen.cli import app
from marketplace.loadgen.report import render_faults
from marketplace.output import output_console

runner = CliRunner()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--rate", "0"], "--rate"),
        (["--rate", "-5"], "--rate"),
        (["--duration", "0"], "--duration"),
        (["--max-requests", "0"], "--max-requests"),
        (["--concurrency", "0"], "--concurrency"),
        (["--pools", "0"], "--pools"),
        (["--timeout", "0"], "--timeout"),
        (["--flow-share", "1.5"], "--flow-share"),
    ],
)
def test_bad_run_input_is_refused_naming_the_flag(args, flag):
    result = runner.invoke(app, ["run", "--operator-key", "ftw_x", *args])
    assert result.exit_code == 2
    assert flag in result.output


def test_run_without_an_operator_key_says_how_to_give_one():
    result = runner.invoke(app, ["run"], env={"FTW_OPERATOR_KEY": ""})
    assert result.exit_code == 2
    assert "FTW_OPERATOR_KEY" in result.output


def test_run_against_nothing_says_the_marketplace_cannot_be_reached():
    url = closed_port_url()
    result = runner.invoke(app, ["run", "--url", url, "--operator-key", "ftw_secret_value"])
    assert result.exit_code == 1
    assert f"cannot reach the marketplace at {url}" in result.output
    assert "ftw_secret_value" not in result.output


def test_a_plan_beyond_max_users_is_refused_before_any_request():
    url = closed_port_url()
    args = ["run", "--url", url, "--operator-key", "k", "--rate", "900", "--max-users", "10"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "--max-users 10" in result.output


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--route", "/api/jobs", "--error-ratio", "1.5"], "--error-ratio"),
        (["--route", "/api/jobs", "--status", "200"], "--status"),
        (["--route", "/api/jobs", "--latency", "-1"], "--latency"),
        (["--route", "api/jobs"], "--route"),
    ],
)
def test_bad_fault_input_is_refused_naming_the_flag(args, flag):
    result = runner.invoke(app, ["fault", "set", "--operator-key", "k", *args])
    assert result.exit_code == 2
    assert flag in result.output


def test_payment_outage_takes_on_or_off():
    result = runner.invoke(app, ["fault", "payment-outage", "maybe", "--operator-key", "k"])
    assert result.exit_code == 2
    assert "on or off" in result.output


def test_fault_show_against_nothing_says_the_marketplace_cannot_be_reached():
    url = closed_port_url()
    result = runner.invoke(app, ["fault", "show", "--url", url, "--operator-key", "k"])
    assert result.exit_code == 1
    assert "cannot reach the marketplace" in result.output


def test_an_unknown_output_format_is_a_usage_error():
    result = runner.invoke(app, ["fault", "show", "-o", "yaml", "--operator-key", "k"])
    assert result.exit_code == 2


def test_route_faults_piped_are_plain_text_with_routes_whole():
    faults = {
        "routes": [
            {
                "route": "/api/jobs/{job_id}/messages",
                "error_ratio": 0.5,
                "error_status": 503,
                "latency_seconds": 0,
            }
        ]
    }
    piped = io.StringIO()

    render_faults(faults, output_console(piped))

    assert "/api/jobs/{job_id}/messages" in piped.getvalue()
    assert not set("─│┃━┏┓┗┛┡┩") & set(piped.getvalue())
