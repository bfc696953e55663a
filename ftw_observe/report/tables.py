"""Column schemas of the report's tables, and a builder that honours them even when empty."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

TIME = "datetime64[us, UTC]"
KEY = {"service": "str", "slo": "str", "instance": "str"}

SUMMARY = {
    **KEY,
    "objective": "float64",
    "period_seconds": "int64",
    "status": "str",
    "measured_at": TIME,
    "period_events": "float64",
    "period_errors": "float64",
    "sli": "float64",
    "compliant": "boolean",
    "coverage": "float64",
    "remaining_end": "float64",
    "errors": "float64",
    "events": "float64",
    "window_sli": "float64",
    "budget_consumed": "float64",
    "budget_consumed_minutes": "float64",
    "hours_measured": "int64",
    "hours": "int64",
    "firings": "int64",
}
HOURLY = {
    **KEY,
    "hour": TIME,
    "sampled_at": TIME,
    "errors": "float64",
    "events": "float64",
    "error_ratio": "float64",
}
BUDGET = {**KEY, "at": TIME, "remaining": "float64"}
FIRINGS = {
    **KEY,
    "tier": "str",
    "fired_at": TIME,
    "resolved_at": TIME,
    "duration_seconds": "float64",
    "still_firing": "bool",
}
ALERTS = {
    **KEY,
    "tier": "str",
    "firings": "int64",
    "firing_seconds": "float64",
    "longest_seconds": "float64",
    "still_firing": "bool",
}


def frame(rows: Sequence[Mapping[str, object]], schema: Mapping[str, str]) -> pd.DataFrame:
    """Return a DataFrame of `rows` with exactly the columns and dtypes of `schema`."""
    table = pd.DataFrame(list(rows), columns=list(schema))
    return table.astype(dict(schema))
