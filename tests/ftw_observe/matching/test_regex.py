"""Patterns run by RE2: anchored like Alertmanager's, capped, refused with a reason, bounded."""

from __future__ import annotations

import doctest
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftw_observe.matching import regex
from ftw_observe.matching.regex import (
    _PER_BYTE,
    _WORK,
    MAX_PATTERN_CHARS,
    MAX_PROGRAM_SIZE,
    MIN_VALUE_BYTES,
    Regex,
    _utf8,
    shown,
)

ATTACK = "(([a-z-]+)+)+!"


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("api", "api-availability", False),  # the whole value, never a part of it
        ("api-.*", "api-availability", True),
        ("a|b", "a", True),
        ("a|b", "ab", False),  # ^(?:a|b)$, not ^a|b$
        ("a|b", "xb", False),
        ("^api-.*$", "api-latency", True),  # its own anchors are harmless
        ("a$|^b", "b", True),
        ("a$", "a\n", False),  # $ is the end of the text, never before a last newline
        ("(?m)^a$", "a\nb", False),  # multi-line anchors still must cover the whole value
        ("a\nb", "a\nb", True),  # a newline in a pattern is a plain character
        ("a.b", "a\nb", False),  # . stops at newlines ...
        ("(?s)a.b", "a\nb", True),  # ... unless (?s) says otherwise
        ("", "", True),
        ("", "x", False),
    ],
)
def test_patterns_match_whole_values_as_alertmanager_anchors_them(
    pattern: str, value: str, expected: bool
):
    assert Regex.compile(pattern).matches(value) is expected


def test_a_pattern_cannot_close_the_anchoring_group_and_escape_it():
    # Alertmanager compiles ^(?:a)|(b)$ from this, which matches "a…" or "…b".
    with pytest.raises(ValueError, match=r"'a\)\|\(b' is not a regular expression RE2 accepts"):
        Regex.compile("a)|(b")


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        (r"\d+", "٣٤", False),  # Python's re: Unicode digits; RE2: [0-9]
        (r"\w+", "café", False),  # Python's re: Unicode letters; RE2: [0-9A-Za-z_]
        (r"\pL+", "café", True),  # RE2's way to say "any letter"
        ("[[:alpha:]]+", "abc", True),  # a POSIX class; Python's re reads a set of [:alph
        ("x{,2}", "x{,2}", True),  # a literal; Python's re reads {0,2}
        ("x{,2}", "xx", False),
        (r"a\z", "a", True),  # RE2's end of text (Python spells it \Z)
    ],
)
def test_re2_syntax_where_it_differs_from_pythons(pattern: str, value: str, expected: bool):
    assert Regex.compile(pattern).matches(value) is expected


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", r"invalid escape sequence: \1; backreferences are not supported"),
        (
            "(?P<x>a)(?P=x)",
            "invalid perl operator: (?P; (?P=name) backreferences are not supported",
        ),
        ("(?=api)a.*", "invalid perl operator: (?=; lookarounds are not supported"),
        ("(?<!x)y", "invalid perl operator: (?<!; lookarounds are not supported"),
        ("(?>a+)b", "invalid perl operator: (?>; atomic groups are not supported"),
        ("a++", "bad repetition operator: ++; possessive quantifiers are not supported"),
        (r"a\Z", r"invalid escape sequence: \Z; write \z (or nothing: patterns are anchored)"),
        ("a{1001}", "invalid repetition size: {1001}; a count goes up to 1000"),
        ("(?x) a", "invalid perl operator: (?x"),
        ("[", "missing ]: ["),
        ("a\\", "trailing \\"),
    ],
)
def test_what_re2_cannot_run_is_refused_naming_the_pattern_and_why(pattern: str, reason: str):
    with pytest.raises(ValueError, match="is not a regular expression RE2 accepts") as caught:
        Regex.compile(pattern)

    assert str(caught.value) == f"{pattern!r} is not a regular expression RE2 accepts: {reason}"


def test_patterns_are_capped_in_length():
    Regex.compile("a" * MAX_PATTERN_CHARS)  # a long list of names fits

    with pytest.raises(ValueError, match=r"\(1,001 chars\) is too long: .* at most 1,000"):
        Regex.compile("a" * (MAX_PATTERN_CHARS + 1))


def test_patterns_that_compile_too_big_are_refused():
    Regex.compile(r"[\pL-]+")  # one Unicode class fits

    with pytest.raises(ValueError, match=r"is too big: .* 1,502 RE2 instructions, more than 1,200"):
        Regex.compile(r"\w{500}")


def test_compiling_stops_at_the_memory_bound():
    with pytest.raises(ValueError, match=r"pattern too large.*more than 256 KiB"):
        Regex.compile(r"\pL{1000}")


def test_values_longer_than_a_pattern_reads_get_no_answer():
    anything = Regex.compile(".*")

    assert anything.matches("x" * anything.max_value_bytes) is True
    assert anything.matches("x" * (anything.max_value_bytes + 1)) is None
    # The bound counts UTF-8 bytes, as RE2 reads them: "é" takes two.
    assert anything.matches("é" * (anything.max_value_bytes // 2 + 1)) is None


def test_small_patterns_read_longer_values_than_big_ones():
    small, big = Regex.compile("api-.*"), Regex.compile("[ab]*a[ab]{1000}[ab]{190}")

    assert small.max_value_bytes > 16_000
    assert MIN_VALUE_BYTES <= big.max_value_bytes < 2 * MIN_VALUE_BYTES


def test_lone_surrogates_are_read_as_replacement_characters():
    assert Regex.compile("a.b").matches("a\ud800b") is True
    assert Regex.compile("a\ufffdb").matches("a\udfffb") is True
    with pytest.raises(ValueError, match="lone surrogate"):
        Regex.compile("a\ud800")


def test_the_attack_pattern_answers_at_once_on_a_long_value():
    # On Python's re this takes hours: the time doubles with every character.
    assert Regex.compile(ATTACK).matches("a-b" * 600) is False


def test_messages_quote_long_text_cut_short():
    assert shown("abc") == "'abc'"
    assert shown("x" * 1_000_000) == repr("x" * 60) + "… (1,000,000 chars)"


def test_regex_docstrings_run():
    result = doctest.testmod(regex)

    assert result.attempted > 0
    assert result.failed == 0


# Arbitrary patterns and values: every call returns or refuses within the bound.

# Pieces of regex syntax, RE2's own and what it refuses, to build patterns from.
SYNTAX = r"a b - . * + ? | ( ) (?: [ ] [ab] [a-z-] {2} {1,40} {,3} {1000} ^ $ \ \1 \b \w \pL \d"
FLAGS_AND_PERL = r"(?i) (?s) (?m) (?= (?! (?<= (?> ++ *? ! é"
PIECES = st.sampled_from([*SYNTAX.split(), *FLAGS_AND_PERL.split(), "\n", "\ud800"])
PATTERNS = st.one_of(
    st.text(max_size=60),
    st.lists(PIECES, max_size=40).map("".join),
    st.builds(
        lambda inner, n: f"(?:{inner}){{{n}}}",
        st.lists(PIECES, max_size=8).map("".join),
        st.integers(0, 1000),
    ),
    st.builds(
        lambda unit, n: unit * n,
        st.sampled_from(["(a+)+", "[ab]*a[ab]{20}", "(.*)*"]),
        st.integers(1, 80),
    ),
    # RE2's worst case: its DFA gives up on random a/b text and its NFA runs n threads.
    st.builds(lambda n: f"[ab]*a[ab]{{{n}}}", st.integers(0, 1000)),
)
VALUES = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda chars, n: (chars or "a") * n, st.text(min_size=1, max_size=3), st.integers(0, 50_000)
    ),
    st.builds(lambda char, n: char * n, st.sampled_from("ab-é"), st.sampled_from([1 << 20])),
    st.builds(
        lambda seed, n: "".join(random.Random(seed).choices("ab", k=n)),
        st.integers(),
        st.integers(0, 50_000),
    ),
)


@pytest.mark.timeout(300)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=PATTERNS, value=VALUES)
def test_any_pattern_on_any_value_stays_within_the_work_bound(pattern: str, value: str):
    # How long a step takes is measured by benchmarks/matcher_worst_case.py; here, that no
    # pattern runs more steps than the bound allows.
    try:
        runnable = Regex.compile(pattern)
    except ValueError:
        return  # a refusal is an answer
    size = runnable._program.programsize
    assert size <= MAX_PROGRAM_SIZE
    if runnable.matches(value) is not None:
        assert (size + _PER_BYTE) * len(_utf8(value)) <= _WORK


@pytest.mark.timeout(300)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(threads=st.integers(0, 1000), seed=st.integers(), extra=st.integers(-64, 64))
def test_the_worst_patterns_read_values_up_to_their_bound_and_no_further(
    threads: int, seed: int, extra: int
):
    # RE2's worst case: its DFA gives up on random a/b text and its NFA runs every thread.
    hostile = Regex.compile(f"[ab]*a[ab]{{{threads}}}")
    value = "".join(random.Random(seed).choices("ab", k=hostile.max_value_bytes + extra))

    assert (hostile.matches(value) is None) == (extra > 0)
