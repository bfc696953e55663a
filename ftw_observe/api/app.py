"""The engine's HTTP app: JSON API, probes, `/metrics` and the status page."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import iter_route_contexts
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ftw_observe import __version__
from ftw_observe.api import (
    alerts,
    health,
    metrics,
    notifications,
    pages,
    reports,
    runbooks,
    silences,
    slos,
    webhook,
)
from ftw_observe.api.bodies import DEFAULT_MAX_BODY_BYTES, BodyLimit
from ftw_observe.api.catalog import Catalog
from ftw_observe.api.deps import Context, StoreReader
from ftw_observe.api.silence_access import SilenceRules
from ftw_observe.api.webhook_metrics import WebhookMetrics
from ftw_observe.deploy.model import DeployConfig
from ftw_observe.display import format as fmt
from ftw_observe.engine.runtime_status import STOPPED, RuntimeStatus
from ftw_observe.rules.catalogue import alert_catalogue
from ftw_observe.spec.model import ServiceSpec

log = logging.getLogger("ftw_observe.api")
# Every router of the app, in the order OpenAPI lists them.
ROUTERS = (
    slos,
    alerts,
    notifications,
    health,
    metrics,
    pages,
    reports,
    runbooks,
    silences,
    webhook,
)
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
JSON_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics", "/docs", "/openapi")

DESCRIPTION = """
The FTW Observe engine: error budgets of every SLO, evaluated on a schedule from Prometheus.

* `/api/slos`: every SLO instance with its budget, least budget left first.
* `/api/alerts`: burn-rate alert states and their history.
* `/`: the status page for people; `/metrics`: the engine's own health for Prometheus.

Figures the engine could not read are `null` with a status of `unknown` or `no_data`, never
a made-up `ok`.
"""


def template_environment() -> Environment:
    """Return the status page's templates, autoescaped, with the number formats as filters."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(pages.filters())
    environment.globals.update(
        {
            "age": fmt.age,
            "exhaustion": fmt.exhaustion,
            "heat": fmt.heat,
            "budget_note_parts": fmt.budget_note_parts,
        }
    )
    return environment


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PREFIXES) or request.url.path == "/api"


def _error_page(
    request: Request,
    status_code: int,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    environment: Environment = request.app.state.templates
    page = environment.get_template("error.html").render(
        status_code=status_code, title=title, detail=detail
    )
    return HTMLResponse(page, status_code=status_code, headers=headers)


def allowed_methods(request: Request) -> str:
    """Return every method the request's path answers to, for `Allow` on a 405."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        pattern = getattr(route, "path_regex", None)
        if route.methods and pattern is not None and pattern.match(request.url.path):
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> Response:
    """Answer HTTP errors in JSON on the API and as a page on the status page."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        # Starlette names only the first route of the path; GET and POST may be two routes.
        headers = {**(exc.headers or {}), "Allow": allowed_methods(request)}
        exc = StarletteHTTPException(405, exc.detail, headers)
    if _wants_json(request):
        return await http_exception_handler(request, exc)
    title = "Not found" if exc.status_code == 404 else "Error"
    return _error_page(request, exc.status_code, title, str(exc.detail), exc.headers)


def _as_text(value: object) -> object:
    """Return a JSON value whose strings UTF-8 can encode (lone surrogates escaped)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    if isinstance(value, dict):
        return {_as_text(key): _as_text(item) for key, item in value.items()}
    return value


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """Answer 422 naming the field, even when the refused input is not valid Unicode."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": _as_text(jsonable_encoder(exc.errors()))}, status_code=422)


async def _store_down(request: Request, exc: Exception) -> Response:
    """Answer 503 with a sentence when the store's database does not answer."""
    log.warning("the store's database does not answer: %s", health.describe(exc))
    detail = f"the store's database does not answer ({health.describe(exc)})"
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=503)
    return _error_page(request, 503, "Database unavailable", detail)


def create_app(
    *,
    store: StoreReader,
    specs: Sequence[ServiceSpec],
    deploy: DeployConfig | None = None,
    status: Callable[[], RuntimeStatus] | None = None,
    registry: CollectorRegistry | None = None,
    runbook_dirs: Sequence[Path] = (runbooks.RUNBOOK_DIR,),
    webhook_token: str | None = None,
    silence_rules: SilenceRules | None = None,
    webhook_max_bytes: int = webhook.DEFAULT_MAX_BYTES,
    webhook_metrics: WebhookMetrics | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """Build the engine's HTTP app; it opens no connection and reads no file until asked.

    `status` tells this process's engine role and last cycle (none: an API-only process);
    `registry` holds the engine's own metrics, served on `/metrics` with the outbox depth;
    `runbook_dirs` hold the Markdown runbooks alerts link to, searched in order (the first
    holding a name serves it); `webhook_token` is the bearer token Alertmanager's webhook must
    present (none: the webhook refuses every call), and
    `webhook_max_bytes` the largest body it reads; `webhook_metrics` count its calls (on the
    engine's registry when given, else on one of this app's own); every other body is refused
    over `max_body_bytes`. `silence_rules` hold the API token silence writes need (none: writes
    are refused) and the longest silence; the alerts silences are judged against come from
    `specs`. SLOs' runbook and dashboard links point at `deploy`'s engine and Grafana (its
    defaults if None).
    """
    app = FastAPI(title="FTW Observe", version=__version__, description=DESCRIPTION)
    app.state.context = Context(
        store=store, catalog=Catalog(specs, deploy), status=status or (lambda: STOPPED)
    )
    app.state.templates = template_environment()
    app.state.runbook_dirs = tuple(runbook_dirs)
    app.state.webhook_token = webhook_token
    app.state.silence_rules = replace(
        silence_rules or SilenceRules(), alerts=alert_catalogue(specs)
    )
    app.state.webhook_max_bytes = webhook_max_bytes
    registries = [] if registry is None else [registry]
    if webhook_metrics is None:
        own = CollectorRegistry()
        webhook_metrics = WebhookMetrics.create(own)
        registries.append(own)
    app.state.webhook_metrics = webhook_metrics
    app.state.metrics_registry = metrics.exposition_registry(store, *registries)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes, own_limit={webhook.PATH})
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for unavailable in (OperationalError, InterfaceError, PoolTimeoutError):
        app.add_exception_handler(unavailable, _store_down)
    for module in ROUTERS:
        app.include_router(module.router)
    return app
