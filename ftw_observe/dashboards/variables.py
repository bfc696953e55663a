"""Template variables of the generated queries, and how to fill them in outside Grafana.

Grafana replaces these before a query reaches Prometheus; a check that runs the queries
against Prometheus directly (the live test, `promtool`, a parser) must do the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

# Values that make every query of every dashboard return data in the demo.
DEMO_VALUES: Mapping[str, str] = {
    "__rate_interval": "1m",  # Grafana: max(4 x scrape interval, step + scrape interval)
    "__range": "1h",  # the dashboard's time range
    "service": "marketplace",
    "slo": "api-availability",
    "route": ".*",  # "All" of a query variable with allValue .*
}
VARIABLE = re.compile(r"\$\{(\w+)(?::([^}]*))?\}|\$(\w+)")


def substitute(
    expr: str, values: Mapping[str, str] = DEMO_VALUES, now: datetime | None = None
) -> str:
    """Return `expr` with every `$name`, `${name}` and `${__to:date:…}` replaced.

    `${__to:date:M}` becomes the month (1-12) and `${__to:date:seconds}` the Unix time of
    `now` (UTC, default the current time); a variable missing from `values` raises KeyError.
    """
    moment = now or datetime.now(UTC)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        form = match.group(2)
        if name in {"__to", "__from"} and form == "date:M":
            return str(moment.month)
        if name in {"__to", "__from"} and form == "date:seconds":
            return str(int(moment.timestamp()))
        return values[name]

    return VARIABLE.sub(replace, expr)
