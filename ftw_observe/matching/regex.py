"""Label-value patterns run by RE2: time linear in the value, memory bounded, as in Alertmanager.

Python's `re` backtracks, so a pattern such as `(([a-z-]+)+)+!` takes hours on a 30-character
label value, and it holds the GIL while it does. RE2 never backtracks. Patterns are anchored
as Alertmanager anchors them (`^(?:PATTERN)$`) and refused when RE2 cannot run them or when
they are too big to run within the bound below.

The bound: at worst (when RE2's DFA gives up and its NFA runs) one match costs about
(compiled size + 50) times value length steps of 5 to 15 ns. So patterns have at most
`MAX_PATTERN_CHARS` characters and compile to at most `MAX_PROGRAM_SIZE` RE2 instructions, and
each pattern reads values up to a length that keeps that product under one budget: 1 KiB for
the biggest pattern, 2 KiB (Mimir's and Cortex's default limit on label values) up to some 570
instructions, which covers nearly every pattern people write, some 20 KiB for a small one such
as `api-.*`. On a longer value `Regex.matches` has no answer (None), and matchers treat that as
"does not select". `benchmarks/matcher_worst_case.py` measures the worst case this leaves:
10 to 15 ms on a busy 2-core machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import re2

MAX_PATTERN_CHARS = 1_000
MAX_PROGRAM_SIZE = 1_200  # room for one Unicode class such as \pL (1,198)
MIN_VALUE_BYTES = 1_024  # what the biggest pattern reads
_PER_BYTE = 50  # the NFA's cost per byte beyond its instructions, in instructions (measured)
_WORK = MIN_VALUE_BYTES * (MAX_PROGRAM_SIZE + _PER_BYTE)
# Bounds compiling (a hostile pattern fails fast) and the DFA cache of each pattern.
MAX_MEMORY_BYTES = 256 * 1024

_SURROGATE = re.compile("[\ud800-\udfff]")
# RE2's own message, and what to say about the construct it refused.
_HINTS = (
    (re.compile(r"invalid escape sequence: \\[1-9]"), "backreferences are not supported"),
    (re.compile(r"invalid perl operator: \(\?P$"), "(?P=name) backreferences are not supported"),
    (re.compile(r"invalid perl operator: \(\?<?[=!]"), "lookarounds are not supported"),
    (re.compile(r"invalid perl operator: \(\?>"), "atomic groups are not supported"),
    (re.compile(r"bad repetition operator: [*+?}]\+"), "possessive quantifiers are not supported"),
    (re.compile(r"invalid escape sequence: \\Z"), "write \\z (or nothing: patterns are anchored)"),
    (re.compile(r"invalid repetition size"), "a count goes up to 1000"),
    (re.compile(r"pattern too large"), f"it needs more than {MAX_MEMORY_BYTES // 1024} KiB"),
)


def shown(text: str, limit: int = 60) -> str:
    """Return text quoted for a message, cut to `limit` characters so that errors stay short."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"… ({len(text):,} chars)"


def _options() -> Any:
    options = re2.Options()
    options.max_mem = MAX_MEMORY_BYTES
    options.log_errors = False  # refusals are reported to the caller, not printed on stderr
    options.never_capture = True  # only "does it match" is asked: no submatch pass
    return options


def _utf8(text: str) -> bytes:
    """Return text as UTF-8, lone surrogates (JSON may carry them) as U+FFFD, as Go reads them."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text).encode()


def _refusal(pattern: str, error: re2.error) -> ValueError:
    reason = error.args[0].decode(errors="replace") if error.args else "refused"
    hint = next((hint for found, hint in _HINTS if found.search(reason)), None)
    detail = f"{reason}; {hint}" if hint else reason
    return ValueError(f"{shown(pattern)} is not a regular expression RE2 accepts: {detail}")


@lru_cache(maxsize=256)
def _program(pattern: str) -> Any:
    """Return the compiled anchored pattern; raise ValueError saying why it cannot run."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(
            f"{shown(pattern)} is too long: patterns have at most {MAX_PATTERN_CHARS:,} characters"
        )
    if _SURROGATE.search(pattern):
        raise ValueError(f"{shown(pattern)} holds a lone surrogate, which is not text")
    options = _options()
    try:
        # Alone first: `a)|(b` must not close the anchoring group and escape it.
        re2.compile(pattern.encode(), options)
        program = re2.compile(f"^(?:{pattern})$".encode(), options)
    except re2.error as error:
        raise _refusal(pattern, error) from None
    size = int(program.programsize)
    if size > MAX_PROGRAM_SIZE:
        raise ValueError(
            f"{shown(pattern)} is too big: it compiles to {size:,} RE2 instructions, more than "
            f"{MAX_PROGRAM_SIZE:,} (counts like {{500}} and classes like \\w, \\pL or . cost "
            "several each); shorten it or split it"
        )
    return program


@dataclass(frozen=True)
class Regex:
    """A pattern that matches whole label values, in RE2 syntax and in time linear in the value.

    >>> api = Regex.compile("api-.*|checkout")
    >>> api.matches("api-availability"), api.matches("checkout-latency")
    (True, False)
    >>> api.max_value_bytes > 16_000  # a small pattern reads long values; the biggest, 1 KiB
    True
    >>> api.matches("api-" + "x" * api.max_value_bytes) is None  # too long to read: no answer
    True
    """

    pattern: str
    max_value_bytes: int = field(compare=False)
    _program: Any = field(repr=False, compare=False)

    @classmethod
    def compile(cls, pattern: str) -> Regex:
        """Return the pattern ready to match; raise ValueError naming it and saying why not."""
        program = _program(pattern)
        return cls(pattern, _WORK // (int(program.programsize) + _PER_BYTE), program)

    def matches(self, value: str) -> bool | None:
        """Tell whether the whole value matches; None when it is too long to read in time."""
        if len(value) > self.max_value_bytes:  # every character takes at least one byte
            return None
        encoded = _utf8(value)
        if len(encoded) > self.max_value_bytes:
            return None
        return self._program.fullmatch(encoded) is not None
