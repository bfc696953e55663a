"""Alert annotation templates: what burns, how fast, what is left, and where to look."""

from __future__ import annotations

from ftw_observe.rules import names
from ftw_observe.spec.model import ServiceSpec, SLOSpec


def fill_link(
    template: str | None, service: ServiceSpec, slo: SLOSpec, tier: str = ""
) -> str | None:
    """Return a link template with `{service}`, `{slo}` and `{tier}` filled in."""
    if template is None:
        return None
    return (
        template.replace("{service}", service.service)
        .replace("{slo}", slo.name)
        .replace("{tier}", tier)
    )


def instance_text(slo: SLOSpec) -> str:
    """Return template text naming a grouped SLO's instance, e.g. ` (route=/api/jobs)`."""
    if not slo.group_by:
        return ""
    parts = ", ".join(f"{label}={{{{ $labels.{label} }}}}" for label in slo.group_by)
    return f" ({parts})"


def query_expression(service: ServiceSpec, slo: SLOSpec, template: str) -> str:
    """Return a Go-template expression that builds a PromQL query for this alert's instance.

    `template` holds `{of}` where the instance's matchers go; group labels come from the
    alert's own labels at notification time.
    """
    fixed = f'service=\\"{service.service}\\",slo=\\"{slo.name}\\"'
    # Indexed verbs (%[1]q) let `{of}` appear several times with one argument per label.
    grouped = "".join(f",{label}=%[{i}]q" for i, label in enumerate(slo.group_by, start=1))
    query = template.replace("{of}", "{" + fixed + grouped + "}")
    arguments = "".join(f" $labels.{label}" for label in slo.group_by)
    return f'(printf "{query}"{arguments})'


def first_value(expression: str, format_: str, fallback: str = "unknown") -> str:
    """Return a template printing the first value of a query, or a fallback when empty."""
    return (
        f"{{{{ with query {expression} }}}}{{{{ . | first | value | {format_} }}}}"
        f"{{{{ else }}}}{fallback}{{{{ end }}}}"
    )


def remaining_budget(service: ServiceSpec, slo: SLOSpec) -> str:
    """Return a template printing the share of the period's budget left."""
    query = query_expression(service, slo, names.BUDGET_REMAINING + "{of}")
    return first_value(query, "humanizePercentage")


def time_to_exhaustion(service: ServiceSpec, slo: SLOSpec, window: str) -> str:
    """Return a template printing how long the remaining budget lasts at a window's burn rate."""
    burn = names.BURN_RATE.format(window=window)
    query = query_expression(
        service, slo, f"{names.BUDGET_REMAINING}{{of}} * {slo.period} / ({burn}{{of}} > 0)"
    )
    return (
        f"{{{{ with query {query} }}}}{{{{ $seconds := . | first | value }}}}"
        "{{ if gt $seconds 0.0 }}{{ humanizeDuration $seconds }}{{ else }}already exhausted"
        "{{ end }}{{ else }}unknown{{ end }}"
    )


def burn_rate(service: ServiceSpec, slo: SLOSpec, window: str) -> str:
    """Return a template printing a window's current burn rate."""
    query = query_expression(service, slo, names.BURN_RATE.format(window=window) + "{of}")
    return first_value(query, 'printf "%.2f"')
