"""The engine's log format: JSON lines with fields, secrets masked, routine lines left out."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import sys

import pytest
import uvicorn.config

from ftw_observe.engine.logs import (
    JsonFormatter,
    LogFormat,
    LogLevel,
    Masking,
    RoutineAccess,
    configure,
    secret_values,
)

SECRET = "xoxb-0123456789-abcdef"


def record(
    name: str = "ftw_observe.engine", msg: str = "hello", **fields: object
) -> logging.LogRecord:
    return logging.makeLogRecord(
        {"name": name, "msg": msg, "levelname": "INFO", "levelno": logging.INFO, **fields}
    )


def access(path: str, status: int, method: str = "GET") -> logging.LogRecord:
    args = ("127.0.0.1:5000", method, path, "1.1", status)
    return record("uvicorn.access", '%s - "%s %s HTTP/%s" %d', args=args)


def test_a_json_line_has_time_level_logger_and_message() -> None:
    line = json.loads(JsonFormatter().format(record(created=1_793_534_400.25)))
    assert line == {
        "time": "2026-11-01T12:00:00.250+00:00",
        "level": "info",
        "logger": "ftw_observe.engine",
        "message": "hello",
    }


def test_a_json_line_carries_the_fields_given_as_extra() -> None:
    line = json.loads(JsonFormatter().format(record(event="transition", burn_rate=20.5)))
    assert (line["event"], line["burn_rate"]) == ("transition", 20.5)


def test_a_field_json_cannot_hold_is_written_as_text() -> None:
    line = json.loads(JsonFormatter().format(record(path=io.StringIO)))
    assert line["path"] == str(io.StringIO)


def test_an_exception_goes_in_its_own_field_of_the_same_line() -> None:
    try:
        raise RuntimeError("store down")
    except RuntimeError:
        text = JsonFormatter().format(record(msg="cycle failed", exc_info=sys.exc_info()))
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "cycle failed"
    assert "RuntimeError: store down" in line["exception"]


def test_an_access_line_gets_method_path_and_status() -> None:
    line = json.loads(JsonFormatter().format(access("/api/slos", 200)))
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/slos", 200)
    assert line["message"] == '127.0.0.1:5000 - "GET /api/slos HTTP/1.1" 200'


def test_secret_values_are_found_by_their_variables_name() -> None:
    env = {
        "SLACK_BOT_TOKEN": SECRET,
        "PAGERDUTY_ROUTING_KEY": "R0123456789ABCDEF",
        "FTW_HEARTBEAT_URL": "https://hc-ping.com/0f1e2d3c",
        "FTW_EVALUATION_INTERVAL_SECONDS": "30",
        "PROMETHEUS_URL": "http://127.0.0.1:9090",
    }
    assert set(secret_values(env)) == {
        SECRET,
        "R0123456789ABCDEF",
        "https://hc-ping.com/0f1e2d3c",
    }


def test_a_password_inside_a_url_is_a_secret() -> None:
    env = {"DATABASE_URL": "postgresql://ftw:hunter22@db/ftw"}
    assert secret_values(env) == ["hunter22"]


def test_values_too_short_to_be_secrets_are_not_masked() -> None:
    assert secret_values({"FTW_API_TOKEN": "abc"}) == []


@pytest.mark.parametrize("formatter", [logging.Formatter("%(message)s"), JsonFormatter()])
def test_a_secret_in_a_line_is_masked(formatter: logging.Formatter) -> None:
    masking = Masking(formatter, [SECRET, 'quote"d-secret'])
    text = masking.format(record(msg=f'posting with {SECRET} and quote"d-secret'))
    assert SECRET not in text
    assert "quote" not in text
    assert "***" in text


@pytest.mark.parametrize("path", ["/metrics", "/healthz", "/readyz?x=1"])
def test_a_successful_probe_leaves_no_access_line(path: str) -> None:
    assert not RoutineAccess().filter(access(path, 200))


def test_a_failed_probe_keeps_its_access_line() -> None:
    assert RoutineAccess().filter(access("/readyz", 503))


def test_a_person_s_request_keeps_its_access_line() -> None:
    assert RoutineAccess().filter(access("/api/silences", 201, method="POST"))


def test_at_info_scheduler_and_request_lines_are_left_out() -> None:
    stream = io.StringIO()
    configure(LogLevel.INFO, LogFormat.TEXT, env={}, stream=stream)
    logging.getLogger("apscheduler.executors.default").info('Job "tick" executed successfully')
    logging.getLogger("httpx").info("HTTP Request: POST http://prometheus/api/v1/query")
    logging.getLogger("apscheduler.scheduler").warning("Execution of job skipped")
    assert stream.getvalue().count("\n") == 1
    assert "Execution of job skipped" in stream.getvalue()


def test_at_debug_every_line_is_kept() -> None:
    stream = io.StringIO()
    configure(LogLevel.DEBUG, LogFormat.TEXT, env={}, stream=stream)
    logging.getLogger("apscheduler.executors.default").info('Job "tick" executed successfully')
    logging.getLogger("uvicorn.access").handle(access("/metrics", 200))
    assert stream.getvalue().count("\n") == 2


def test_json_format_masks_the_environment_s_secrets() -> None:
    stream = io.StringIO()
    configure(LogLevel.INFO, LogFormat.JSON, env={"SLACK_BOT_TOKEN": SECRET}, stream=stream)
    logging.getLogger("ftw_observe.notify").warning("token %s refused", SECRET)
    line = json.loads(stream.getvalue())
    assert line["message"] == "token *** refused"


def test_uvicorns_lines_reach_the_handler_after_uvicorn_configured_its_own() -> None:
    logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)  # as an in-process uvicorn does
    stream = io.StringIO()
    configure(LogLevel.DEBUG, LogFormat.TEXT, env={}, stream=stream)
    logging.getLogger("uvicorn.access").info('127.0.0.1:1 - "GET /api/slos HTTP/1.1" 200')
    assert "GET /api/slos" in stream.getvalue()
