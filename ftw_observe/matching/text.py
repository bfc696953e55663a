"""What text labels, annotations and silences may hold.

Labels identify an alert: they end up in dedup keys, database rows, Slack and PagerDuty.
They may hold any Unicode text but control characters (C0, DEL, C1: a newline in an
identity is never meant) and lone UTF-16 surrogates (which no UTF-8 encoder, database or
JSON writer accepts). Annotations are prose: tabs and line breaks are legitimate in a
description, the other control characters (NUL first of all) and lone surrogates are not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

# Whitespace a description may carry; every other control character is refused.
PROSE_WHITESPACE = frozenset("\t\n\r")
# How much of a refused name an error message shows.
NAME_CHARS = 64


class TextFault(StrEnum):
    """Why a piece of text is refused."""

    CONTROL_CHARACTER = "control_character"
    INVALID_UNICODE = "invalid_unicode"


@dataclass(frozen=True)
class TextProblem:
    """A refused character and where it is, safe to show: it quotes no refused text.

    >>> TextProblem(TextFault.CONTROL_CHARACTER, "labels['job']", "\\x00").sentence()
    "labels['job'] holds U+0000, a control character"
    """

    fault: TextFault
    where: str
    character: str

    def sentence(self) -> str:
        """Say which character was found where."""
        kind = (
            "a control character"
            if self.fault is TextFault.CONTROL_CHARACTER
            else "a lone UTF-16 surrogate (not valid Unicode text)"
        )
        return f"{self.where} holds U+{ord(self.character):04X}, {kind}"


def fault_of(character: str, allowed: frozenset[str] = frozenset()) -> TextFault | None:
    """Return why one character is refused, or None when it is fine."""
    if character in allowed:
        return None
    category = unicodedata.category(character)
    if category == "Cs":
        return TextFault.INVALID_UNICODE
    if category == "Cc":
        return TextFault.CONTROL_CHARACTER
    return None


def first_fault(text: str, allowed: frozenset[str] = frozenset()) -> tuple[TextFault, str] | None:
    """Return the first refused character of a text and why, or None when it is clean."""
    if text.isprintable():  # the common case, checked in C
        return None
    for character in text:
        fault = fault_of(character, allowed)
        if fault is not None:
            return fault, character
    return None


def shown_name(name: str) -> str:
    """Return a name as an error message may quote it: clean and short, or described."""
    if first_fault(name) is not None:
        return "a name"
    if len(name) > NAME_CHARS:
        return repr(name[:NAME_CHARS] + "…")
    return repr(name)


def mapping_problem(
    field: str, values: Mapping[str, str], *, prose: bool = False
) -> TextProblem | None:
    """Return the first refused character of a label or annotation map, or None."""
    allowed = PROSE_WHITESPACE if prose else frozenset()
    for name, value in values.items():
        found = first_fault(name)
        if found is not None:
            return TextProblem(found[0], f"{field}: {shown_name(name)}", found[1])
        found = first_fault(value, allowed)
        if found is not None:
            return TextProblem(found[0], f"{field}[{shown_name(name)}]", found[1])
    return None
