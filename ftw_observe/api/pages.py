"""The status page: every SLO instance at a glance, and one SLO's burn-down and alerts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from markupsafe import Markup

from ftw_observe.api import slos, views
from ftw_observe.api.deps import Context, ContextDep
from ftw_observe.api.schemas import InstanceDetail, SLODetail, page
from ftw_observe.budget import Status
from ftw_observe.burnrate import TIER_NAMES
from ftw_observe.display import charts
from ftw_observe.display import format as fmt
from ftw_observe.engine.runtime_status import RuntimeStatus, merged
from ftw_observe.model import InstanceKey

WINDOWS = ("5m", "1h", "6h", "1d", "3d")
STALE_AFTER = timedelta(minutes=5)
HISTORY_POINTS = 400
STATUS_ORDER = (Status.EXHAUSTED, Status.BURNING, Status.UNKNOWN, Status.NO_DATA, Status.OK)
HTML = {"content": {"text/html": {}}, "description": "An HTML page"}

router = APIRouter(
    tags=["status page"],
    responses={503: page("The store's database does not answer")},
)


def get_templates(request: Request) -> Environment:
    """Return the app's template environment."""
    environment: Environment = request.app.state.templates
    return environment


TemplatesDep = Annotated[Environment, Depends(get_templates)]


def render(environment: Environment, name: str, **context: Any) -> HTMLResponse:
    """Render a template to an HTML response."""
    return HTMLResponse(environment.get_template(name).render(**context))


def page_header(context: Context) -> dict[str, Any]:
    """Return what the header of every page shows: engine role, freshness, Prometheus."""
    now = context.clock()
    runtime: RuntimeStatus = merged(context.status(), context.store.health())
    last = runtime.last_cycle_at
    return {"now": now, "runtime": runtime, "stale": last is None or now - last > STALE_AFTER}


@router.get("/", response_class=HTMLResponse, responses={200: HTML})
def index(context: ContextDep, environment: TemplatesDep) -> HTMLResponse:
    """Show every SLO instance with its budget bar, burn rates and status."""
    header = page_header(context)
    rows = slos.list_slos(context)
    tally = {status: sum(1 for row in rows if row.status is status) for status in STATUS_ORDER}
    counts = [(status.value, n) for status, n in tally.items() if n]
    thresholds = {
        "/".join(entry.key): views.window_thresholds(context.catalog.tiers(entry))
        for entry in context.catalog.entries
    }
    return render(
        environment,
        "index.html",
        rows=rows,
        counts=counts,
        windows=WINDOWS,
        thresholds=thresholds,
        **header,
    )


def tier_rows(detail: SLODetail, current: InstanceDetail) -> list[dict[str, Any]]:
    """Return each tier with the current burn of its windows against its threshold."""
    burns = {w.window: w.burn_rate for w in current.windows}
    phases = {alert.tier: alert.phase.value for alert in current.alerts}
    out = []
    for tier in detail.tiers:
        long, short = burns.get(tier.long_window), burns.get(tier.short_window)
        out.append(
            {
                "spec": tier,
                "long": long,
                "short": short,
                "long_hot": long is not None and long > tier.factor,
                "short_hot": short is not None and short > tier.factor,
                "phase": phases.get(tier.name, "inactive"),
            }
        )
    return out


def burn_down(context: Context, detail: SLODetail, current: InstanceDetail, now: datetime) -> str:
    """Return the SVG burn-down of one instance over the last period."""
    start = now - timedelta(seconds=round(detail.period_days * 86_400))
    key = InstanceKey(detail.service, detail.slo, tuple(current.group.items()))
    history = context.store.history(key, since=start, until=now, max_points=HISTORY_POINTS)
    points = [charts.Point(e.evaluated_at, views.finite(e.remaining)) for e in history]
    title = f"Remaining error budget of {detail.service}/{detail.slo} {current.instance}"
    return charts.burn_down_svg(points, period_start=start, period_end=now, title=title.strip())


@router.get(
    "/slos/{service}/{slo}",
    response_class=HTMLResponse,
    responses={200: HTML, 404: page("No such SLO, or no such instance of it")},
)
def detail_page(
    service: str,
    slo: str,
    context: ContextDep,
    environment: TemplatesDep,
    instance: Annotated[str | None, Query(description="Which instance of a grouped SLO")] = None,
) -> HTMLResponse:
    """Show one SLO: budget, burn-down against the ideal line, windows, tiers, alert history."""
    header = page_header(context)
    detail = slos.get_slo(service, slo, context)
    chosen = [i for i in detail.instances if instance is None or i.instance == instance]
    if not chosen:
        names = [i.instance for i in detail.instances]
        raise HTTPException(404, f"{slo} has no instance {instance!r}; it has {names}")
    current = chosen[0]
    events = context.store.alert_events(service=service, slo=slo, limit=200)
    firings = views.firings((e for e in events if e.state.key.tier in TIER_NAMES), header["now"])
    chart = burn_down(context, detail, current, header["now"])
    return render(
        environment,
        "detail.html",
        slo=detail,
        current=current,
        instances=detail.instances,
        links=detail.links,
        tiers=tier_rows(detail, current),
        thresholds=views.window_thresholds(detail.tiers),
        chart=Markup(chart),  # noqa: S704 - charts.py escapes every text it draws
        firings=firings,
        **header,
    )


def filters() -> dict[str, Any]:
    """Return the number formats the templates use as filters."""
    return {
        "sli": fmt.sli,
        "budget": fmt.budget,
        "minutes": fmt.minutes,
        "objective": fmt.objective,
        "ratio": fmt.ratio,
        "burn": fmt.burn,
        "count": fmt.count,
        "duration": fmt.duration,
        "timestamp": fmt.timestamp,
        "budget_level": fmt.budget_level,
        "bar_width": fmt.bar_width,
    }
