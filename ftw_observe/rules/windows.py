"""Long windows and the period as sums of a shorter recorded window, read at whole offsets.

A window of an hour or less counts the raw counters. A longer window adds up its SLO's
recorded counts of a shorter window that divides it, read whole multiples of that window
back: 6h = the 2h count now + the 2h count 2h ago + the 2h count 4h ago. Every evaluation of a
group lands on the same grid, so an offset of whole hours reads the sample recorded exactly
that long before: the parts meet end to end and the sum is the window's count (up to
`increase`'s extrapolation at the seams, as with any window). It reads a handful of recorded
samples instead of days of raw samples of every series.

A part from before the rules were loaded was never recorded and counts as nothing: the window
then holds the parts since, and its coverage (`ftw_slo:coverage:window<w>`, the period's
`ftw_slo:period:coverage`) says which share of it has data. `ftw-observe backfill` records
those parts over the days before, from the raw counters (`backfill_rules`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ftw_observe.burnrate import DAY, DERIVED_WINDOWS, EXACT_SPAN, WINDOWS
from ftw_observe.durations import format_duration
from ftw_observe.rules import names
from ftw_observe.rules.identity import Rule, identity_labels, record
from ftw_observe.rules.sli import window_queries
from ftw_observe.spec.model import ServiceSpec, SLOSpec

STEP = 300  # the step at which the newest hour's coverage counts recorded 5-minute counts


@dataclass(frozen=True)
class Chain:
    """A window as `count` consecutive parts of `part` seconds, the newest first.

    >>> chain(6 * 3600)
    Chain(window=21600, part=7200, count=3)
    >>> chain(6 * 3600).offsets()
    [7200, 14400]
    """

    window: int
    part: int
    count: int

    def offsets(self) -> list[int]:
        """Return how far back each older part is read."""
        return [self.part * k for k in range(1, self.count)]


def chain(window: int) -> Chain:
    """Return how a long window adds up: the longest shorter window that divides it."""
    part = max(w for w in WINDOWS if EXACT_SPAN <= w < window and window % w == 0)
    return Chain(window, part, window // part)


def period_chain(period: int) -> Chain:
    """Return how a period (whole days) adds up: one day at a time."""
    return Chain(period, DAY, period // DAY)


def parts() -> tuple[int, ...]:
    """Return every window that is read at offsets: what a backfill must record."""
    return tuple(sorted({chain(w).part for w in DERIVED_WINDOWS} | {DAY}))


def raw_ratio(slo: SLOSpec) -> bool:
    """Tell whether an SLO's SLI is a raw error ratio, which has no counts to add up."""
    return slo.sli.raw is not None and slo.sli.raw.error_ratio is not None


def just_under(seconds: int) -> str:
    """Return a range a millisecond shorter than `seconds`, in Prometheus spelling.

    A subquery's steps are aligned to whole multiples of its step and Prometheus 2 includes
    both ends of a range: a range of whole steps that starts on a step holds one step too
    many. A millisecond less holds `seconds // step` steps whenever it is evaluated.

    >>> just_under(3600)
    '59m59s999ms'
    """
    return f"{format_duration(seconds - 1)}999ms"


def add_up(series: str, of: str, parts_: Chain) -> str:
    """Return the sum of a series' parts over a chain; a part never recorded counts as 0."""
    now = f"{series}{of}"
    older = [f"({now} offset {format_duration(o)} or 0 * {now})" for o in parts_.offsets()]
    return " + ".join([now, *older])


def mean_of(series: str, of: str, parts_: Chain) -> str:
    """Return the mean of a series' recorded parts over a chain (for raw error ratios)."""
    now = f"{series}{of}"
    present = [
        f"({now} offset {format_duration(o)} * 0 + 1 or 0 * {now})" for o in parts_.offsets()
    ]
    return f"({add_up(series, of, parts_)}) / ({' + '.join(['1', *present])})"


def window_counts(slo: SLOSpec, seconds: int, of: str, labels: dict[str, str]) -> list[Rule]:
    """Return a long window's errors, events and error ratio, added up from its parts."""
    parts_ = chain(seconds)
    ratio = names.windowed(names.ERROR_RATIO, seconds)
    if raw_ratio(slo):
        part_ratio = names.windowed(names.ERROR_RATIO, parts_.part)
        return [record(ratio, mean_of(part_ratio, of, parts_), labels)]
    errors = names.windowed(names.ERRORS, seconds)
    events = names.windowed(names.EVENTS, seconds)
    return [
        record(errors, add_up(names.windowed(names.ERRORS, parts_.part), of, parts_), labels),
        record(events, add_up(names.windowed(names.EVENTS, parts_.part), of, parts_), labels),
        record(ratio, f"{errors}{of} / ({events}{of} > 0)", labels),
    ]


def period_counts(slo: SLOSpec, of: str, labels: dict[str, str]) -> list[Rule]:
    """Return the period's errors, events and error ratio, added up one day at a time."""
    days = period_chain(slo.period)
    if raw_ratio(slo):
        day_ratio = names.windowed(names.ERROR_RATIO, DAY)
        return [record(names.PERIOD_ERROR_RATIO, mean_of(day_ratio, of, days), labels)]
    errors = add_up(names.windowed(names.ERRORS, DAY), of, days)
    events = add_up(names.windowed(names.EVENTS, DAY), of, days)
    ratio = f"{names.PERIOD_ERRORS}{of} / ({names.PERIOD_EVENTS}{of} > 0)"
    return [
        record(names.PERIOD_ERRORS, errors, labels),
        record(names.PERIOD_EVENTS, events, labels),
        record(names.PERIOD_ERROR_RATIO, ratio, labels),
    ]


def _presence(slo: SLOSpec) -> str:
    """Return the 5-minute series whose samples say that a step has data."""
    template = names.ERROR_RATIO if raw_ratio(slo) else names.EVENTS
    return names.windowed(template, STEP)


def coverage_rules(slo: SLOSpec, of: str, labels: dict[str, str]) -> list[Rule]:
    """Return the coverage of the newest hour, of each long window and of the period.

    The newest hour counts its 5-minute steps with a recorded count (a quiet step records 0
    and is covered; a step without any sample is not); longer windows average their parts.
    """
    hour = names.windowed(names.COVERAGE, EXACT_SPAN)
    steps = EXACT_SPAN // STEP
    counted = (
        f"count_over_time({_presence(slo)}{of}[{just_under(EXACT_SPAN)}:{format_duration(STEP)}])"
    )
    rules = [record(hour, f"clamp_max({counted} / {steps}, 1)", labels)]
    for seconds in DERIVED_WINDOWS:
        parts_ = chain(seconds)
        part = names.windowed(names.COVERAGE, parts_.part)
        share = f"({add_up(part, of, parts_)}) / {parts_.count}"
        rules.append(record(names.windowed(names.COVERAGE, seconds), share, labels))
    days = period_chain(slo.period)
    day = names.windowed(names.COVERAGE, DAY)
    rules.append(record(names.PERIOD_COVERAGE, f"({add_up(day, of, days)}) / {days.count}", labels))
    return rules


def backfill_rules(service: ServiceSpec, slo: SLOSpec) -> list[Rule]:
    """Return rules that record an SLO's parts from the raw counters, for `promtool` to backfill.

    The live rules add parts up from what they recorded before; over the days before they were
    loaded, each part is counted over the raw counters instead, which is the same count.
    """
    labels = identity_labels(service, slo)
    rules = []
    for seconds in parts():
        window = format_duration(seconds)
        probe = window_queries(slo, window, "vector(0)")
        if probe.ratio is not None:
            ratio = names.windowed(names.ERROR_RATIO, seconds)
            rules.append(record(ratio, probe.ratio, labels))
            present = f"0 * ({probe.ratio}) + 1"
        else:
            assert probe.events is not None
            queries = window_queries(slo, window, probe.events)
            assert queries.errors is not None
            rules.append(record(names.windowed(names.EVENTS, seconds), probe.events, labels))
            rules.append(record(names.windowed(names.ERRORS, seconds), queries.errors, labels))
            present = f"0 * {probe.events} + 1"
        rules.append(record(names.windowed(names.COVERAGE, seconds), present, labels))
    return rules


def backfill_groups(services: list[ServiceSpec]) -> dict[str, list[dict[str, object]]]:
    """Return a rule file of every SLO's backfill rules, one group per SLO."""
    groups: list[dict[str, object]] = []
    for service in services:
        for slo in service.slos:
            name = f"ftw-slo-{service.service}-{slo.name}-backfill"
            groups.append({"name": name, "rules": backfill_rules(service, slo)})
    return {"groups": groups}
