"""PromQL for an SLI's error and event counts over one window."""

from __future__ import annotations

from dataclasses import dataclass

from ftw_observe.spec.model import SLOSpec
from ftw_observe.spec.selectors import Selector, substitute_window, vector_selectors


@dataclass(frozen=True)
class WindowQueries:
    """Error and event counts over a window; raw ratio SLIs give only the ratio."""

    errors: str | None
    events: str | None
    ratio: str | None = None


def _by(slo: SLOSpec) -> str:
    return f" by ({', '.join(slo.group_by)})" if slo.group_by else ""


def _sum(slo: SLOSpec, inner: str) -> str:
    return f"sum{_by(slo)} (increase({inner}))"


def bucket_label(threshold: float) -> str:
    """Return a matcher for a histogram bucket, accepting both `1` and `1.0` spellings."""
    if threshold == int(threshold):
        whole = str(int(threshold))
        return f'le=~"{whole}|{whole}\\\\.0"'
    return f'le="{threshold!r}"'


def _counts(
    slo: SLOSpec, window: str, recorded_events: str, counters: tuple[str, str | None, str | None]
) -> WindowQueries:
    total, errors, good = counters
    events = _sum(slo, f"{total}[{window}]")
    # The errors read the events the rule before recorded, not the raw counters a second time:
    # `or` evaluates both of its sides, and the total is the largest selector of all.
    recorded = f"sum{_by(slo)} ({recorded_events})"
    # A counter of errors may not exist until the first error: count it as zero, not absent.
    if errors is not None:
        return WindowQueries(f"({_sum(slo, f'{errors}[{window}]')} or 0 * {recorded})", events)
    assert good is not None
    good_count = f"({_sum(slo, f'{good}[{window}]')} or 0 * {recorded})"
    return WindowQueries(f"clamp_min({recorded} - {good_count}, 0)", events)


def window_queries(slo: SLOSpec, window: str, recorded_events: str) -> WindowQueries:
    """Return the queries that count an SLO's errors and events over `window`.

    `recorded_events` selects the series the events query is recorded as: the errors query
    reads it (recorded a rule earlier) where it needs the events again.
    """
    sli = slo.sli
    if sli.ratio is not None:
        counters = (sli.ratio.total, sli.ratio.errors, sli.ratio.good)
        return _counts(slo, window, recorded_events, counters)
    if sli.latency is not None:
        histogram = Selector.parse(sli.latency.histogram)
        good = histogram.with_suffix("_bucket", bucket_label(sli.latency.threshold))
        return _counts(slo, window, recorded_events, (histogram.with_suffix("_count"), None, good))
    raw = sli.raw
    assert raw is not None
    if raw.error_ratio is not None:
        return WindowQueries(None, None, f"({substitute_window(raw.error_ratio, window)}) >= 0")
    assert raw.errors is not None
    assert raw.total is not None
    return WindowQueries(
        f"({substitute_window(raw.errors, window)})", f"({substitute_window(raw.total, window)})"
    )


def presence_selectors(slo: SLOSpec) -> list[str]:
    """Return the selectors that must have samples for the SLI to be measurable.

    Error and good-event counters are left out: they may rightly not exist yet.
    """
    sli = slo.sli
    if sli.ratio is not None:
        return [Selector.parse(sli.ratio.total).text()]
    if sli.latency is not None:
        return [Selector.parse(sli.latency.histogram).with_suffix("_count")]
    assert sli.raw is not None
    query = sli.raw.total if sli.raw.total is not None else sli.raw.error_ratio
    assert query is not None
    return vector_selectors(query)
