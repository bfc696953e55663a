"""Spec problems reported to people: file, line, field and what is wrong."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Path = tuple[str | int, ...]


def field_name(path: Path) -> str:
    """Return a field path as people write it: `slos[0].sli.ratio.errors`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True)
class SpecIssue:
    """One problem in a spec file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class SpecError(Exception):
    """Raised when specs do not validate; carries every issue found, not just the first.

    >>> str(SpecError([SpecIssue("slo/a.yaml", 3, "slos[0].objective", "too high")]))
    'slo/a.yaml:3: slos[0].objective: too high'
    """

    def __init__(self, issues: Sequence[SpecIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


def sort_issues(issues: Iterable[SpecIssue]) -> list[SpecIssue]:
    """Return issues ordered by file and line."""
    return sorted(issues, key=lambda i: (i.file, i.line or 0, i.field, i.message))
