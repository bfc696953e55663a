"""Engine settings from the environment, each error naming the variable."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger

from ftw_observe.deploy import CONFIG_VARIABLE, DeployConfig, config_file, load_deploy_config
from ftw_observe.durations import parse_duration
from ftw_observe.prometheus import PrometheusAuth, PrometheusAuthError, prometheus_auth
from ftw_observe.rules import names

# Alertmanager groups alerts; a megabyte holds hundreds of them with their annotations.
DEFAULT_WEBHOOK_MAX_BYTES = 1024 * 1024
HeartbeatMethod = Literal["GET", "POST"]
DEFAULT_REVIEW_SCHEDULE = "0 9 * * 1"  # the weekly budget review: Mondays 09:00 UTC


class SettingsError(ValueError):
    """Raised when an environment variable holds a value the engine cannot use."""


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise SettingsError(f"{name}={raw!r} must be at least {minimum:g}")
    return value


def _duration(env: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        seconds = parse_duration(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a duration such as 7d or 12h") from None
    if seconds <= 0:
        raise SettingsError(f"{name}={raw!r} must be longer than 0s")
    return timedelta(seconds=seconds)


def _heartbeat_url(env: Mapping[str, str]) -> str | None:
    """Return the heartbeat URL if set; its errors never quote it (it carries a token)."""
    raw = (env.get("FTW_HEARTBEAT_URL") or "").strip()
    if not raw:
        return None
    problem = "must be an http:// or https:// URL with a host"
    try:
        parts = urlsplit(raw)
        host = parts.hostname
    except ValueError:
        raise SettingsError(f"FTW_HEARTBEAT_URL {problem}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise SettingsError(f"FTW_HEARTBEAT_URL {problem}")
    if any(ch.isspace() or not ch.isprintable() for ch in raw):
        raise SettingsError("FTW_HEARTBEAT_URL must not contain spaces or control characters")
    return raw


def _heartbeat_method(env: Mapping[str, str]) -> HeartbeatMethod:
    raw = (env.get("FTW_HEARTBEAT_METHOD") or "GET").strip()
    if raw.upper() == "GET":
        return "GET"
    if raw.upper() == "POST":
        return "POST"
    raise SettingsError(f"FTW_HEARTBEAT_METHOD={raw!r} must be GET or POST")


def _byte_count(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    value = float(_number(env, name, default, minimum))
    if not value.is_integer():
        raise SettingsError(f"{name}={env.get(name)!r} must be a whole number of bytes")
    return int(value)


def _deploy_config(env: Mapping[str, str]) -> DeployConfig:
    """Return the deployment config `generate` reads, with its overrides; raise SpecError."""
    given = env.get(CONFIG_VARIABLE)
    return load_deploy_config(config_file(Path(), Path(given) if given else None), env)


# The runbooks installed with the package, which every generated alert links to: in a checkout
# a symlink to docs/runbooks, in a wheel real files. FTW_RUNBOOK_DIR puts a team's own first.
SHIPPED_RUNBOOKS = Path(__file__).resolve().parents[1] / "demo" / "packaged" / "docs" / "runbooks"


def _runbook_dirs(env: Mapping[str, str]) -> tuple[Path, ...]:
    """Return where runbooks are looked up: FTW_RUNBOOK_DIR first, then the shipped ones."""
    own = env.get("FTW_RUNBOOK_DIR")
    if not own:
        return (SHIPPED_RUNBOOKS,)
    # The shipped runbooks stay behind a team's own: the self-monitoring and threshold alerts
    # generated for every spec set link to them.
    if Path(own).resolve() == SHIPPED_RUNBOOKS.resolve():
        return (Path(own),)
    return (Path(own), SHIPPED_RUNBOOKS)


# Crontab numbers days of the week from Sunday (0 or 7); APScheduler 3 from Monday (0).
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NUMBER = re.compile(r"(?<![/\d])\d+")


def parse_schedule(text: str) -> CronTrigger | None:
    """Return a schedule from a crontab in UTC (`0 9 * * 1`), or None for an empty one (off).

    >>> from datetime import datetime
    >>> monday = parse_schedule("0 9 * * 1")  # crontab's 1 is Monday, whatever APScheduler says
    >>> monday.get_next_fire_time(None, datetime(2026, 11, 24, tzinfo=UTC)).isoformat()
    '2026-11-30T09:00:00+00:00'
    """
    fields = text.split()
    if not fields:
        return None
    example = f"a crontab such as {DEFAULT_REVIEW_SCHEDULE!r} (minute hour day month weekday)"
    if len(fields) != 5:
        raise ValueError(f"{text.strip()!r} is not {example}")
    minute, hour, day, month, weekday = fields

    def name(match: re.Match[str]) -> str:
        number = int(match.group())
        if number > 7:
            raise ValueError(f"{number} is not a day of the week (0-7)")
        return _DAY_NAMES[number]

    try:
        weekday = _DAY_NUMBER.sub(name, weekday)
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=UTC
        )
    except ValueError as error:
        raise ValueError(f"{text.strip()!r} is not {example}: {error}") from None


def _review_schedule(env: Mapping[str, str]) -> str:
    raw = env.get("FTW_REVIEW_SCHEDULE")
    text = DEFAULT_REVIEW_SCHEDULE if raw is None else raw.strip()
    try:
        parse_schedule(text)
    except ValueError as error:
        raise SettingsError(f"FTW_REVIEW_SCHEDULE: {error}") from None
    return text


@dataclass(frozen=True)
class EngineSettings:
    """How the engine runs.

    >>> EngineSettings.from_env({"FTW_EVALUATION_INTERVAL_SECONDS": "15"}).interval
    datetime.timedelta(seconds=15)
    """

    prometheus_url: str = "http://127.0.0.1:9090"
    # Paths to the secrets, never the secrets: its repr is safe to log.
    prometheus_auth: PrometheusAuth = field(default_factory=PrometheusAuth)
    database_url: str = "sqlite:///.ftw/observe.db"
    slo_dir: Path = Path("slo")
    # Searched in order: a runbook of the first directory holding `<name>.md` is served.
    runbook_dirs: tuple[Path, ...] = (SHIPPED_RUNBOOKS,)
    interval: timedelta = timedelta(seconds=30)
    lease_ttl: timedelta = timedelta(seconds=30)
    meta_alert_after: timedelta = timedelta(minutes=3)
    # No watchdog from Alertmanager this long pages (zero: no check).
    watchdog_timeout: timedelta = timedelta(minutes=3)
    # Pinged after each good cycle while the watchdog arrives; it carries a token.
    heartbeat_url: str | None = field(default=None, repr=False)
    heartbeat_method: HeartbeatMethod = "GET"
    heartbeat_timeout: float = 5.0
    retention: timedelta = timedelta(days=35)
    raw_for: timedelta = timedelta(hours=48)
    silence_retention: timedelta = timedelta(days=35)  # after a silence ends
    incident_retention: timedelta = timedelta(days=35)  # after an incident closes
    replica: str = "engine"
    prometheus_timeout: float = 10.0
    dispatch_interval: timedelta = timedelta(seconds=1)
    routing_policy: Path = Path("alerts/routing.yaml")
    webhook_token: str | None = field(default=None, repr=False)
    webhook_max_bytes: int = DEFAULT_WEBHOOK_MAX_BYTES
    # The status page as people open it, linked from messages: the deployment's engine_url
    # unless FTW_STATUS_PAGE_URL says otherwise.
    status_page_url: str = "http://localhost:8080"
    api_token: str | None = field(default=None, repr=False)  # silence writes need it
    silence_max_duration: timedelta = timedelta(days=7)
    # An outage resolves once its fast window stays clean this long (zero: when every tier has).
    recovery_hold: timedelta = timedelta(minutes=10)
    # How often the log gets a summary of the cycles, deliveries and errors (zero: never).
    log_summary_interval: timedelta = timedelta(minutes=15)
    # Where the links of SLO alerts and of the API point: the engine_url and grafana_url.
    deploy: DeployConfig = field(default_factory=DeployConfig)
    # When the weekly budget review is sent (a crontab in UTC); empty: never.
    review_schedule: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EngineSettings:
        """Read settings from environment variables (defaults for those unset).

        The deployment config is the file FTW_DEPLOY_CONFIG names, else `deploy/default.yaml`
        in the working directory if present, with the FTW_DEPLOY_* overrides; a bad one
        raises SpecError naming its file, line and field.
        """
        env = os.environ if env is None else env
        deploy = _deploy_config(env)
        interval = _number(env, "FTW_EVALUATION_INTERVAL_SECONDS", 30, 1)
        lease = _number(env, "FTW_LEASE_TTL_SECONDS", max(30.0, 2 * interval), 3)
        if lease <= interval / 2:
            raise SettingsError(
                f"FTW_LEASE_TTL_SECONDS={lease:g} must exceed half the evaluation interval"
            )
        retention_days = _number(env, "FTW_SNAPSHOT_RETENTION_DAYS", 35, 1)
        raw_hours = _number(env, "FTW_SNAPSHOT_RAW_HOURS", 48, 1)
        if raw_hours > retention_days * 24:
            raise SettingsError(
                f"FTW_SNAPSHOT_RAW_HOURS={raw_hours:g} must not exceed "
                f"FTW_SNAPSHOT_RETENTION_DAYS={retention_days:g} in hours"
            )
        prometheus_url = env.get("PROMETHEUS_URL") or cls.prometheus_url
        try:
            auth = prometheus_auth(env, prometheus_url)
        except PrometheusAuthError as error:
            raise SettingsError(str(error)) from None
        return cls(
            prometheus_url=prometheus_url,
            prometheus_auth=auth,
            database_url=(
                env.get("FTW_OBSERVE_DATABASE_URL") or env.get("DATABASE_URL") or cls.database_url
            ),
            slo_dir=Path(env.get("FTW_SLO_DIR") or "slo"),
            runbook_dirs=_runbook_dirs(env),
            interval=timedelta(seconds=interval),
            lease_ttl=timedelta(seconds=lease),
            meta_alert_after=timedelta(
                seconds=_number(env, "FTW_META_ALERT_AFTER_SECONDS", 180, 0)
            ),
            watchdog_timeout=timedelta(
                seconds=_number(
                    env, "FTW_WATCHDOG_TIMEOUT_SECONDS", names.WATCHDOG_TIMEOUT_SECONDS, 0
                )
            ),
            heartbeat_url=_heartbeat_url(env),
            heartbeat_method=_heartbeat_method(env),
            # A ping that hangs must not cost a cycle.
            heartbeat_timeout=min(cls.heartbeat_timeout, interval / 2),
            retention=timedelta(days=retention_days),
            raw_for=timedelta(hours=raw_hours),
            silence_retention=timedelta(days=_number(env, "FTW_SILENCE_RETENTION_DAYS", 35, 1)),
            incident_retention=timedelta(days=_number(env, "FTW_INCIDENT_RETENTION_DAYS", 35, 1)),
            replica=env.get("FTW_REPLICA_ID") or f"{socket.gethostname()}-{os.getpid()}",
            prometheus_timeout=_number(env, "FTW_PROMETHEUS_TIMEOUT_SECONDS", 10, 0.1),
            dispatch_interval=timedelta(
                seconds=_number(env, "FTW_DISPATCH_INTERVAL_SECONDS", 1, 0.1)
            ),
            routing_policy=Path(env.get("FTW_ROUTING_POLICY") or "alerts/routing.yaml"),
            webhook_token=env.get("FTW_WEBHOOK_TOKEN") or None,
            webhook_max_bytes=_byte_count(
                env, "FTW_WEBHOOK_MAX_BYTES", DEFAULT_WEBHOOK_MAX_BYTES, 1024
            ),
            status_page_url=(env.get("FTW_STATUS_PAGE_URL") or deploy.engine_url).rstrip("/"),
            api_token=(env.get("FTW_API_TOKEN") or "").strip() or None,
            silence_max_duration=_duration(env, "FTW_SILENCE_MAX_DURATION", timedelta(days=7)),
            recovery_hold=timedelta(seconds=_number(env, "FTW_RECOVERY_HOLD_SECONDS", 600, 0)),
            log_summary_interval=timedelta(seconds=_number(env, "FTW_LOG_SUMMARY_SECONDS", 900, 0)),
            deploy=deploy,
            review_schedule=_review_schedule(env),
        )
