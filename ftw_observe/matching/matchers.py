"""Label matchers shared by the routing policy and silences, in Alertmanager's four flavours.

A label an alert does not carry matches as the empty string, as in Prometheus. Regular
expressions are RE2's, anchored and bounded as `ftw_observe.matching.regex` describes. A value
too long for a regex to read satisfies neither `=~` nor `!~`: a silence or an inhibition never
mutes an alert on a value it could not read, and a route with such a matcher does not take it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ftw_observe.matching.regex import Regex, shown
from ftw_observe.spec.model import LABEL_NAME

# Only the label and operator: a pattern for the rest would backtrack on long runs of spaces.
_HEAD = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)")
# In policy files, a value starting with one of these is an operator; `\` escapes it.
_SPECIAL = re.compile(r"[.^$*+?{}\[\]\\|()]")
_PREFIXES = (("!~", "!~"), ("!", "!="), ("~", "=~"))


class Op(StrEnum):
    """How a matcher compares a label's value."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


@dataclass(frozen=True)
class Matcher:
    """One condition on one label; regular expressions match the whole value.

    >>> Matcher.of("slo", "=~", "api-.*").matches({"slo": "api-availability"})
    True
    >>> str(parse_matcher('tier!="ticket-3d"'))
    'tier!=ticket-3d'
    """

    label: str
    op: Op
    value: str
    # None for a regex only when it was stored earlier and cannot run now (`stored_matcher`).
    pattern: Regex | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, label: str, op: str, value: str) -> Matcher:
        """Return a matcher; raise ValueError on a bad label name, operator or regex."""
        kind = _checked(label, op)
        pattern = Regex.compile(value) if kind in (Op.REGEX, Op.NOT_REGEX) else None
        return cls(label, kind, value, pattern)

    @property
    def inert(self) -> bool:
        """Tell whether it is a regex the engine cannot run, which matches nothing."""
        return self.op in (Op.REGEX, Op.NOT_REGEX) and self.pattern is None

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Tell whether the labels satisfy this matcher (missing labels are empty)."""
        value = labels.get(self.label, "")
        if self.op is Op.EQUAL:
            return value == self.value
        if self.op is Op.NOT_EQUAL:
            return value != self.value
        found = self.pattern.matches(value) if self.pattern is not None else None
        if found is None:
            # Unreadable within the bound: select nothing, so that nothing is muted by it.
            return False
        return found if self.op is Op.REGEX else not found

    def __str__(self) -> str:
        return f"{self.label}{self.op.value}{self.value}"


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """Tell whether the labels satisfy every matcher (true for no matchers)."""
    return all(matcher.matches(labels) for matcher in matchers)


def _checked(label: str, op: str) -> Op:
    if not LABEL_NAME.fullmatch(label):
        raise ValueError(f"{shown(label)} is not a label name")
    try:
        return Op(op)
    except ValueError:
        raise ValueError(f"{shown(op)} is not one of =, !=, =~, !~") from None


def _parts(text: str) -> tuple[str, str, str]:
    """Split `name=value` into label, operator and value (quotes removed); raise ValueError."""
    stripped = text.strip()
    found = _HEAD.match(stripped)
    value = stripped[found.end() :].strip() if found else ""
    if found is None or "\n" in value:
        raise ValueError(
            f"{shown(text)} is not a matcher such as service=marketplace, slo=~api-.* "
            "or tier!=ticket-3d"
        )
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return found.group(1), found.group(2), value


def parse_matcher(text: str) -> Matcher:
    """Parse `name=value`, `name!=value`, `name=~regex` or `name!~regex`; raise ValueError.

    The value may be wrapped in double quotes, as amtool prints it.
    """
    return Matcher.of(*_parts(text))


def stored_matcher(text: str) -> Matcher:
    """Parse a matcher kept earlier; a regex the engine cannot run now matches nothing.

    Patterns are checked when they are written; one kept by an earlier version (with a
    lookahead, say) must neither stop the router nor mute anything. Raise ValueError when the
    text is not a matcher at all.
    """
    label, op, value = _parts(text)
    try:
        return Matcher.of(label, op, value)
    except ValueError:
        if _checked(label, op) not in (Op.REGEX, Op.NOT_REGEX):
            raise
        return Matcher(label, Op(op), value, None)


def policy_matcher(label: str, value: str | Sequence[str]) -> Matcher:
    """Return the matcher of a policy `match:` entry; raise ValueError when it is bad.

    A value is matched exactly; `!value` negates, `~regex` and `!~regex` are regexes;
    `\\` before a leading `!`, `~` or `\\` keeps it literal. A list matches any of its
    values (plain or `~regex`, never negated).

    >>> str(policy_matcher("severity", ["page", "critical"]))
    'severity=~page|critical'
    >>> str(policy_matcher("tier", "!ticket-3d"))
    'tier!=ticket-3d'
    """
    if isinstance(value, str):
        op, text = _split(value)
        return Matcher.of(label, op, text)
    if not value:
        raise ValueError("list at least one value")
    alternatives = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"{item!r} is not a string; quote it")
        op, text = _split(item)
        if op in (Op.NOT_EQUAL, Op.NOT_REGEX):
            raise ValueError(
                f"{shown(item)}: a list matches any of its values; negate a single value"
            )
        if op is Op.REGEX:
            Regex.compile(text)  # alone, so that its error names it and `a)|(b` stays refused
            # Grouped, so that its `|` or a flag such as (?i) stays inside it.
            alternatives.append(f"(?:{text})" if len(value) > 1 else text)
        else:
            alternatives.append(_escape(text))
    try:
        return Matcher.of(label, "=~", "|".join(alternatives))
    except ValueError as error:
        raise ValueError(f"these {len(value)} values make one pattern, and {error}") from None


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\g<0>", text)


def _split(value: str) -> tuple[Op, str]:
    if value.startswith("\\"):
        return Op.EQUAL, value[1:]
    for prefix, op in _PREFIXES:
        if value.startswith(prefix):
            return Op(op), value[len(prefix) :]
    return Op.EQUAL, value


def describe(labels: Mapping[str, str]) -> str:
    """Return an alert's labels as Prometheus prints them: `Name{label="value",...}`."""
    rest = ",".join(f'{key}="{labels[key]}"' for key in sorted(labels) if key != "alertname")
    return f"{labels.get('alertname', '')}{{{rest}}}"
