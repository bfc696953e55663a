"""Link templates of a spec: the placeholders they may hold, and the links of a spec without.

A template such as `{engine_url}/runbooks/{service}/{slo}` names the SLO by `{service}`,
`{slo}` and `{tier}`, and the deployment by `{engine_url}` and `{grafana_url}` (from the
deployment config), so one spec serves every deployment.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

PLACEHOLDERS = ("service", "slo", "tier", "engine_url", "grafana_url")
# The engine redirects this to the SLO's section of its service's runbook.
DEFAULT_RUNBOOK = "{engine_url}/runbooks/{service}/{slo}"
# The SLO detail dashboard (uid ftw-slo-detail), showing this SLO.
DEFAULT_DASHBOARD = "{grafana_url}/d/ftw-slo-detail?var-service={service}&var-slo={slo}"

# A run of braces around text without braces: `{slo}` is a placeholder, while a doubled
# `{{ $labels.route }}` is a Go template Prometheus expands, left as written.
_BRACED = re.compile(r"(\{+)([^{}]*)(\}+)")


def _placeholder(match: re.Match[str]) -> str | None:
    """Return the name a match holds if it is a placeholder (single braces), else None."""
    opening, name, closing = match.groups()
    return name if len(opening) == 1 and len(closing) == 1 else None


def unquoted_link(value: object) -> object:
    """Refuse a mapping where a link belongs: what YAML makes of an unquoted `{engine_url}`."""
    if isinstance(value, dict):
        raise ValueError("a link is a string: quote it when it starts with {")
    return value


def check_link_template(value: str) -> str:
    """Return a link template; raise ValueError naming a placeholder it does not know."""
    for match in _BRACED.finditer(value):
        name = _placeholder(match)
        if name is None or name in PLACEHOLDERS:
            continue
        braced = [f"{{{known}}}" for known in PLACEHOLDERS]
        close = difflib.get_close_matches(name, PLACEHOLDERS, n=1)
        hint = f" (did you mean {{{close[0]}}}?)" if close else ""
        raise ValueError(
            f"unknown placeholder {{{name}}}{hint}; a link may hold "
            f"{', '.join(braced[:-1])} or {braced[-1]}"
        )
    return value


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """Return a link template with each placeholder of `values` replaced by its value.

    >>> fill_template("{engine_url}/runbooks/{slo}", {"engine_url": "https://e", "slo": "a"})
    'https://e/runbooks/a'
    """

    def replace(match: re.Match[str]) -> str:
        name = _placeholder(match)
        return values[name] if name is not None and name in values else match.group(0)

    return _BRACED.sub(replace, template)
