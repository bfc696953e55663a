"""The engine's log: text or JSON lines, routine chatter off, secrets masked.

At `info` (the default) the scheduler's per-job lines, httpx's per-request lines and the
access lines of machine traffic that succeeded (Prometheus scraping `/metrics`, probes of
`/healthz` and `/readyz`, Alertmanager's webhook) are left out: they repeat every second or
minute and say nothing. `debug` brings them all back. A job that raises or is missed, and any
request that fails, still logs at every level.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TextIO
from urllib.parse import urlsplit

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Loggers that write a line per job run or per request: warnings and errors only unless debug.
CHATTY = ("apscheduler", "httpx", "httpcore")
# Machine traffic every few seconds: its successful requests leave no access line.
ROUTINE_PATHS = frozenset({"/metrics", "/healthz", "/readyz", "/api/webhooks/alertmanager"})
# Variables whose values are secrets by their name, and those that carry one inside a URL.
SECRET_SUFFIXES = ("TOKEN", "KEY", "PASSWORD", "SECRET", "HEARTBEAT_URL")
SHORTEST_SECRET = 6  # shorter values would mask ordinary words
MASK = "***"
_RECORD_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class LogLevel(StrEnum):
    """How much the engine logs."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class LogFormat(StrEnum):
    """How each line is written."""

    TEXT = "text"
    JSON = "json"


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Return the secrets the environment holds: tokens, keys, passwords, URL passwords."""
    found: set[str] = set()
    for name, value in env.items():
        if name.upper().endswith(SECRET_SUFFIXES):
            found.add(value.strip())
        if "://" in value:
            try:
                password = urlsplit(value.strip()).password
            except ValueError:
                continue
            if password:
                found.add(password)
    # Longest first, so a secret holding another is masked whole.
    return sorted((s for s in found if len(s) >= SHORTEST_SECRET), key=len, reverse=True)


class Masking(logging.Formatter):
    """Wrap a formatter: replace every known secret in its output with `***`.

    >>> masking = Masking(logging.Formatter("%(message)s"), ["s3cr3t-token"])
    >>> masking.format(logging.makeLogRecord({"msg": "sent with s3cr3t-token"}))
    'sent with ***'
    """

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        # A secret quoted in a JSON line is escaped: mask that spelling too.
        forms = {form for s in secrets for form in (s, json.dumps(s)[1:-1])}
        self.forms = sorted(forms, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """Format with the wrapped formatter, then mask."""
        text = self.inner.format(record)
        for secret in self.forms:
            text = text.replace(secret, MASK)
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the record's own fields.

    Fields come from `extra=` (`log.info("…", extra={"event": "transition"})`); an exception
    goes in `exception`; uvicorn's access lines get `method`, `path` and `status`.

    >>> record = logging.makeLogRecord({"name": "ftw_observe.engine", "msg": "hi", "event": "x"})
    >>> sorted(json.loads(JsonFormatter().format(record)))
    ['event', 'level', 'logger', 'message', 'time']
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_access_fields(record))
        for name, value in record.__dict__.items():
            if name not in _RECORD_FIELDS and name not in line:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


def _access_fields(record: logging.LogRecord) -> dict[str, Any]:
    """Return the method, path and status of one of uvicorn's access lines."""
    args = record.args
    if record.name != "uvicorn.access" or not isinstance(args, tuple) or len(args) != 5:
        return {}
    return {"method": args[1], "path": args[2], "status": args[4]}


class RoutineAccess(logging.Filter):
    """Drop access lines of machine traffic that succeeded; keep every other request."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Tell whether the access line is worth a line."""
        fields = _access_fields(record)
        if not fields:
            return True
        path = str(fields["path"]).split("?", 1)[0]
        status = fields["status"]
        return not (path in ROUTINE_PATHS and isinstance(status, int) and status < 400)


UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def configure(
    level: LogLevel = LogLevel.INFO,
    log_format: LogFormat = LogFormat.TEXT,
    *,
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every log line to `stream` (stderr) in `log_format`; return the handler."""
    inner = JsonFormatter() if log_format is LogFormat.JSON else logging.Formatter(TEXT_FORMAT)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(Masking(inner, secret_values(os.environ if env is None else env)))
    root = logging.getLogger()
    for previous in root.handlers[:]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's own logging config, if one ran in this process, gives its loggers handlers of
    # their own and stops them propagating: every line goes through the handler above instead.
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.disabled = False
    debug = level is LogLevel.DEBUG
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET if debug else logging.WARNING)
    if not debug:
        handler.addFilter(RoutineAccess())
    return handler
