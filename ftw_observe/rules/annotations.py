"""Alert annotation templates: what burns, how fast, what is left, and where to look."""

from __future__ import annotations

from ftw_observe.deploy.model import DeployConfig
from ftw_observe.rules import names
from ftw_observe.spec.links import DEFAULT_DASHBOARD, DEFAULT_RUNBOOK, fill_template
from ftw_observe.spec.model import ServiceSpec, SLOSpec


def fill_link(
    template: str, service: ServiceSpec, slo: SLOSpec, deploy: DeployConfig, tier: str = ""
) -> str:
    """Return a link template with the SLO's names and the deployment's URLs filled in."""
    return fill_template(
        template,
        {
            "service": service.service,
            "slo": slo.name,
            "tier": tier,
            # The config keeps URLs without a trailing slash: `{engine_url}/runbooks` has one.
            "engine_url": deploy.engine_url,
            "grafana_url": deploy.grafana_url,
        },
    )


def slo_links(
    service: ServiceSpec, slo: SLOSpec, deploy: DeployConfig, tier: str = ""
) -> dict[str, str]:
    """Return an SLO's `runbook_url` and `dashboard_url`: its own, its service's, the defaults."""
    runbook = slo.alerting.runbook or service.links.runbook or DEFAULT_RUNBOOK
    dashboard = slo.alerting.dashboard or service.links.dashboard or DEFAULT_DASHBOARD
    return {
        "runbook_url": fill_link(runbook, service, slo, deploy, tier),
        "dashboard_url": fill_link(dashboard, service, slo, deploy, tier),
    }


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
