"""How much of the alert catalogue a silence would mute, and whether that is everything.

Alertmanager only refuses matchers that all match the empty label set, which `=~".+"` or
`alertname!=""` pass while muting every page. Here a silence is judged against the label sets
of every alert that can actually fire (`ftw_observe.rules.catalogue.alert_catalogue`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ftw_observe.matching.matchers import Matcher, matches_all


@dataclass(frozen=True)
class Coverage:
    """How many of the known alerts a silence's matchers select.

    >>> from ftw_observe.matching.matchers import parse_matcher
    >>> alerts = [{"alertname": "A", "severity": "page"}, {"alertname": "B", "severity": "ticket"}]
    >>> coverage([parse_matcher("severity=~.+")], alerts)
    Coverage(muted=2, known=2)
    >>> coverage([parse_matcher("severity=ticket")], alerts).mutes_all
    False
    """

    muted: int  # alerts of the catalogue every matcher selects
    known: int  # alerts in the catalogue

    @property
    def mutes_all(self) -> bool:
        """Tell whether it would mute every known alert (never true of an empty catalogue)."""
        return self.known > 0 and self.muted == self.known

    def describe(self) -> str:
        """Return `6 of 48 known alerts`, as people read it."""
        return f"{self.muted} of {self.known} known alert{'s' if self.known != 1 else ''}"


def coverage(matchers: Sequence[Matcher], alerts: Iterable[Mapping[str, str]]) -> Coverage:
    """Return how many of `alerts` (label sets) the matchers all select."""
    muted = known = 0
    for labels in alerts:
        known += 1
        muted += matches_all(matchers, labels)
    return Coverage(muted, known)


def mute_all_message(found: Coverage) -> str:
    """Return why a silence is refused without force, and how to force it."""
    return (
        f"these matchers would mute {found.muted} of the {found.known} alerts the engine knows "
        "(every SLO, threshold and engine alert, pages included); narrow them, such as "
        'service=marketplace or slo=api-availability, or send "force": true '
        "(ftw-observe silence add --force) to mute everything on purpose"
    )
