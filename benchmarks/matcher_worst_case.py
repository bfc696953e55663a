"""Label matchers under hostile input: Python's backtracking `re` against the RE2 matcher.

Side by side in one run:

- the finding: `slo=~(([a-z-]+)+)+!` on Python's `re`, whose time doubles with each character
  of the label value, extrapolated to a 30-character value;
- the same matcher as the engine runs it now (RE2, anchored), on 30 characters and on 1 MiB;
- the worst cases left within the bounds: patterns built to defeat RE2's DFA (so its NFA runs),
  each on a value as long as it reads (`Regex.max_value_bytes`), and on a 1 MiB value (not
  read: no answer); and compiling patterns built to be big.

Goal: every matcher evaluation and every compile within a few milliseconds (~10 ms worst).

Run:
    .venv/bin/python benchmarks/matcher_worst_case.py [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ftw_observe.matching.matchers import parse_matcher
from ftw_observe.matching.regex import MAX_PATTERN_CHARS, Regex

ATTACK = "(([a-z-]+)+)+!"
MIB = 1 << 20
LONG = "ab" * (MIB // 2)
# Each makes RE2's DFA give up on random a/b text, so that its NFA runs every instruction.
HOSTILE = (
    "[ab]*a[ab]{20}",
    r"(?:\b[ab]*a[ab]{20}\b)+",
    "[ab]*a[ab]{200}",
    "[ab]*a[ab]{500}",
    "[ab]*a[ab]{995}",
    "(?:[ab]*a[ab]{20}){45}",
    ".*a.{120}",
)
BIG = (r"\pL{1000}", r"\w{1000}", "(?:" * 300 + "a" + ")" * 300, "a|" * 499 + "a")


def worst(call: Callable[[], object], runs: int) -> float:
    """Return the slowest of `runs` calls, in milliseconds."""
    slowest = 0.0
    for _ in range(runs):
        started = time.perf_counter()
        call()
        slowest = max(slowest, time.perf_counter() - started)
    return slowest * 1000


def refused(pattern: str) -> None:
    """Compile a pattern, which may be refused."""
    with contextlib.suppress(ValueError):
        Regex.compile(pattern)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)

    print("Python's re, the silence of the finding (time doubles per character):")
    backtracking = re.compile(ATTACK)
    last = 0.0
    for length in range(10, 17, 2):
        value = ("ab-" * length)[:length]
        last = worst(partial(backtracking.fullmatch, value), 1)
        print(f"  {length:2d} characters: {last:10.1f} ms")
    hours = last * 2 ** (30 - 16) / 3_600_000
    print(f"  30 characters: about {hours:.1f} h (extrapolated)")

    matcher = parse_matcher(f"slo=~{ATTACK}")
    print("The same matcher on RE2, as the engine runs it:")
    for label, value in (("30 characters", "ab-" * 10), ("1 MiB", "a" * MIB)):
        took = worst(partial(matcher.matches, {"slo": value}), args.runs)
        print(f"  {label:>13}: {took:8.3f} ms")

    print("Worst cases within the bounds (slowest of the runs):")
    slowest = 0.0
    for pattern in HOSTILE:
        regex = Regex.compile(pattern)
        size = regex.max_value_bytes
        value = "".join(rng.choice("ab") for _ in range(size))
        took = worst(partial(regex.matches, value), args.runs)
        beyond = worst(partial(regex.matches, LONG), args.runs)
        slowest = max(slowest, took)
        print(
            f"  {pattern[:26]:<26} {regex._program.programsize:5d} instructions, "
            f"{size:6,d} bytes: {took:6.2f} ms   1 MiB (not read): {beyond:6.3f} ms"
        )
    for pattern in BIG:
        took = worst(partial(refused, pattern), 1)
        slowest = max(slowest, took)
        print(f"  compile {pattern[:30]!r:<34} ({len(pattern):4d} chars): {took:6.2f} ms")
    cap = "a" * MAX_PATTERN_CHARS
    took = worst(partial(refused, cap), 1)
    print(f"  compile a pattern of {len(cap):,} characters: {took:.2f} ms")
    print(f"Slowest single call: {slowest:.2f} ms")


if __name__ == "__main__":
    main()
