"""The routing policy (`alerts/routing.yaml`): receivers, routes and inhibition rules.

Structure is checked by the models; references between fields (receivers named by routes,
label names) and secrets written into the file are checked by `policy_file.load_policy`,
which reports every problem with file, line and field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from ftw_observe.durations import parse_duration
from ftw_observe.matching.matchers import Matcher, policy_matcher
from ftw_observe.spec.model import NAME

DEFAULT_PATH = Path("alerts/routing.yaml")
PAGE_REPEAT = 4 * 3600  # default repeat interval of routes that reach PagerDuty
OTHER_REPEAT = 24 * 3600

_ENV = re.compile(r"[A-Z_][A-Z0-9_]*")
_CHANNEL = re.compile(r"#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{8,}")


def _name(value: str) -> str:
    if not NAME.fullmatch(value) or len(value) > 63:
        raise ValueError(f"{value!r} is not a name: lowercase letters, digits, '-' or '_'")
    return value


def _env(value: str) -> str:
    if not _ENV.fullmatch(value):
        raise ValueError(
            "names an environment variable such as PAGERDUTY_ROUTING_KEY (uppercase letters, "
            "digits and _), never the key itself"
        )
    return value


def _channel(value: str) -> str:
    if not _CHANNEL.fullmatch(value):
        raise ValueError(f"{value!r} is not a channel: use #channel-name or an ID like C0123ABCD")
    return value


def _repeat(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("a duration such as 30m, 4h or 1d (0 disables reminders)")
    if isinstance(value, int) or value == "0":
        if int(value) != 0:
            raise ValueError("write a duration with its unit, such as 4h (0 disables reminders)")
        return 0
    return parse_duration(value)


def _match_value(value: object) -> object:
    if not isinstance(value, str | list) or (
        isinstance(value, list) and not all(isinstance(item, str) for item in value)
    ):
        raise ValueError("a value or a list of values, as strings (quote numbers and booleans)")
    policy_matcher("label", value)  # raises ValueError saying what is wrong
    return value


Name = Annotated[str, AfterValidator(_name)]
EnvName = Annotated[str, AfterValidator(_env)]
Channel = Annotated[str, AfterValidator(_channel)]
Repeat = Annotated[int, BeforeValidator(_repeat)]
MatchValue = Annotated[str | list[str], BeforeValidator(_match_value)]
Match = dict[str, MatchValue]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PagerDuty(_Model):
    """A PagerDuty service, by the Events API v2 routing key read at runtime."""

    routing_key_env: EnvName | None = None
    routing_key_file: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> PagerDuty:
        if (self.routing_key_env is None) == (self.routing_key_file is None):
            raise ValueError("give exactly one of routing_key_env and routing_key_file")
        return self

    def routing_key(self, environ: Mapping[str, str]) -> str | None:
        """Return the key from its variable or file, or None when unset, empty or unreadable."""
        if self.routing_key_env:
            return environ.get(self.routing_key_env, "").strip() or None
        try:
            return Path(str(self.routing_key_file)).read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError):
            return None


class Slack(_Model):
    """A Slack channel; the bot token comes from SLACK_BOT_TOKEN at runtime."""

    channel: Channel


class Receiver(_Model):
    """Where notifications go: one PagerDuty service or one Slack channel."""

    pagerduty: PagerDuty | None = None
    slack: Slack | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Receiver:
        if (self.pagerduty is None) == (self.slack is None):
            raise ValueError("a receiver is either pagerduty: {...} or slack: {...}")
        return self

    @property
    def kind(self) -> str:
        """Return `pagerduty` or `slack`."""
        return "pagerduty" if self.pagerduty else "slack"

    @property
    def target(self) -> str:
        """Return what people know it by: the Slack channel or where the key comes from."""
        if self.slack:
            return self.slack.channel
        assert self.pagerduty is not None
        if self.pagerduty.routing_key_env:
            return f"key from ${self.pagerduty.routing_key_env}"
        return f"key from {self.pagerduty.routing_key_file}"


def _compile(match: Match) -> tuple[Matcher, ...]:
    return tuple(policy_matcher(label, value) for label, value in sorted(match.items()))


class Route(_Model):
    """Alerts whose labels satisfy every matcher go to the receivers (empty match: all)."""

    name: str | None = None
    match: Match = Field(default_factory=dict)
    receivers: list[Name] = Field(min_length=1)
    continue_: bool = Field(default=False, alias="continue")
    repeat_interval: Repeat | None = None
    _matchers: tuple[Matcher, ...] = PrivateAttr(default=())

    def model_post_init(self, _context: Any) -> None:
        """Compile the matchers once."""
        self._matchers = _compile(self.match)

    @property
    def matchers(self) -> tuple[Matcher, ...]:
        """Return the compiled matchers, by label name."""
        return self._matchers


class InhibitRule(_Model):
    """While a `source` alert fires, `target` alerts with the same `equal` labels are muted."""

    name: str | None = None
    source: Match = Field(min_length=1)
    target: Match = Field(min_length=1)
    equal: list[str] = Field(default_factory=list)
    _source: tuple[Matcher, ...] = PrivateAttr(default=())
    _target: tuple[Matcher, ...] = PrivateAttr(default=())

    def model_post_init(self, _context: Any) -> None:
        """Compile both sides once."""
        self._source = _compile(self.source)
        self._target = _compile(self.target)

    @property
    def source_matchers(self) -> tuple[Matcher, ...]:
        """Return the matchers of the alerts that mute."""
        return self._source

    @property
    def target_matchers(self) -> tuple[Matcher, ...]:
        """Return the matchers of the alerts that are muted."""
        return self._target


class RoutingPolicy(_Model):
    """The whole policy: first matching route wins unless it says `continue: true`."""

    labels: list[str] = Field(default_factory=list)
    receivers: dict[Name, Receiver] = Field(min_length=1)
    routes: list[Route] = Field(default_factory=list)
    default_receivers: list[Name] = Field(min_length=1)
    default_repeat_interval: Repeat | None = None
    inhibit: list[InhibitRule] = Field(default_factory=list)

    def repeat_seconds(self, receivers: list[str], configured: int | None) -> int:
        """Return a route's reminder interval: as configured, else 4h with PagerDuty, else 24h."""
        if configured is not None:
            return configured
        paging = any(self.receivers[name].pagerduty for name in receivers if name in self.receivers)
        return PAGE_REPEAT if paging else OTHER_REPEAT
