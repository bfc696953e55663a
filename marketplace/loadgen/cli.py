"""`ftw-loadgen`: send marketplace traffic, and switch injected faults on and off."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import signal
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
import uvloop

from marketplace.loadgen.client import LoadgenError, MarketplaceClient
from marketplace.loadgen.population import PlanError
from marketplace.loadgen.report import render_faults, render_summary
from marketplace.loadgen.runner import RunConfig, run_load
from marketplace.output import EXIT_CODES, Output, OutputOption, output_console, wants_json
from marketplace.version import version_option

DEFAULT_URL = "http://127.0.0.1:8000"
T = TypeVar("T")

app = typer.Typer(
    help="Synthetic marketplace traffic within the rate limits, and fault drills.",
    no_args_is_help=True,
    add_completion=False,
    epilog=EXIT_CODES,
)
fault_app = typer.Typer(help="Inject, show and clear faults (needs an operator key).")
app.add_typer(fault_app, name="fault", no_args_is_help=True)


@app.callback()
def cli(
    show_version: Annotated[bool, version_option("ftw-loadgen")] = False,
) -> None:
    """Synthetic marketplace traffic within the rate limits, and fault drills."""


Url = Annotated[
    str, typer.Option("--url", envvar="FTW_MARKETPLACE_URL", help="Marketplace base URL.")
]
OperatorKey = Annotated[
    str | None,
    typer.Option(
        "--operator-key",
        envvar="FTW_OPERATOR_KEY",
        show_default=False,
        help="An operator's API key (from `ftw-marketplace seed --json`).",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Same as -o json.")]


def _require(condition: bool, flag: str, message: str) -> None:
    if not condition:
        raise typer.BadParameter(message, param_hint=f"'{flag}'")


def _key(operator_key: str | None) -> str:
    _require(
        bool(operator_key and operator_key.strip()),
        "--operator-key",
        "an operator API key is required: pass --operator-key or set FTW_OPERATOR_KEY",
    )
    assert operator_key is not None
    return operator_key.strip()


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"ftw-loadgen: {message}", err=True)
    return typer.Exit(code)


def _progress(line: str) -> None:
    typer.echo(line, err=True)


async def _until_stopped(work: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """Run `work`; the first Ctrl-C asks it to stop, the second one aborts."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def request_stop() -> None:
        _progress("stopping: waiting for the requests in flight (Ctrl-C again to abort)")
        stop.set()
        for sig in signals:
            loop.remove_signal_handler(sig)

    with contextlib.suppress(NotImplementedError, RuntimeError):
        for sig in signals:
            loop.add_signal_handler(sig, request_stop)
    try:
        return await work(stop)
    finally:
        for sig in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


@app.command(epilog=EXIT_CODES)
def run(
    url: Url = DEFAULT_URL,
    operator_key: OperatorKey = None,
    rate: Annotated[float, typer.Option(help="Requests per second to send (open loop).")] = 50.0,
    duration: Annotated[float, typer.Option(help="Seconds to send for, at most.")] = 60.0,
    max_requests: Annotated[
        int | None, typer.Option(help="Requests to send at most.", show_default=False)
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at most.")] = 256,
    pools: Annotated[
        int, typer.Option(help="Separate connection pools the users are spread over.")
    ] = 16,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for one answer.")] = 10.0,
    flow_share: Annotated[
        float, typer.Option(help="Share of job-flow requests; the rest is browsing.")
    ] = 0.3,
    seed: Annotated[int | None, typer.Option(help="Random seed for a repeatable mix.")] = None,
    max_users: Annotated[int, typer.Option(help="Users the run may create, at most.")] = 2000,
    progress_interval: Annotated[
        float, typer.Option(help="Seconds between progress lines on stderr; 0 for none.")
    ] = 2.0,
    output: OutputOption = Output.TABLE,
    json_output: JsonFlag = False,
) -> None:
    """Send a mixed workload of browsing and job flows, then print a summary."""
    _require(math.isfinite(rate) and rate > 0, "--rate", f"must be > 0 requests/s, got {rate}")
    _require(
        math.isfinite(duration) and duration > 0, "--duration", f"must be > 0 s, got {duration}"
    )
    _require(max_requests is None or max_requests > 0, "--max-requests", "must be > 0")
    _require(concurrency > 0, "--concurrency", f"must be > 0, got {concurrency}")
    _require(pools > 0, "--pools", f"must be > 0, got {pools}")
    _require(timeout > 0, "--timeout", f"must be > 0 s, got {timeout}")
    _require(0 <= flow_share <= 1, "--flow-share", f"must be within 0..1, got {flow_share}")
    _require(max_users > 0, "--max-users", f"must be > 0, got {max_users}")
    _require(progress_interval >= 0, "--progress-interval", "must be >= 0")
    config = RunConfig(
        base_url=url,
        operator_key=_key(operator_key),
        rate=rate,
        duration_seconds=duration,
        max_requests=max_requests,
        concurrency=concurrency,
        pools=pools,
        timeout_seconds=timeout,
        flow_share=flow_share,
        seed=seed,
        max_users=max_users,
        progress_interval=progress_interval,
    )
    try:
        summary = uvloop.run(_until_stopped(lambda stop: run_load(config, _progress, stop)))
    except PlanError as exc:
        raise _fail(str(exc), code=2) from None
    except LoadgenError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        raise _fail("aborted", code=130) from None
    if wants_json(output, json_output):
        typer.echo(json.dumps(summary, indent=2))
    else:
        render_summary(summary, output_console())


def _operator_call(url: str, operator_key: str | None, calls: list[tuple[str, str, Any]]) -> Any:
    """Send operator requests in order and return the current faults afterwards."""
    key = _key(operator_key)

    async def send() -> Any:
        async with MarketplaceClient(url) as client:
            for method, path, payload in calls:
                params = payload if method == "DELETE" and payload else None
                body = None if method == "DELETE" else payload
                await client.operator_json(method, path, key, json=body, params=params)
            return await client.operator_json("GET", "/api/admin/faults", key)

    try:
        return asyncio.run(send())
    except LoadgenError as exc:
        raise _fail(str(exc)) from None


def _show(faults: Any, json_output: bool) -> None:
    if json_output:
        typer.echo(json.dumps(faults, indent=2))
    else:
        render_faults(faults if isinstance(faults, dict) else {}, output_console())


@fault_app.command("show", epilog=EXIT_CODES)
def fault_show(
    url: Url = DEFAULT_URL,
    operator_key: OperatorKey = None,
    output: OutputOption = Output.TABLE,
    json_output: JsonFlag = False,
) -> None:
    """Show the faults in force."""
    _show(_operator_call(url, operator_key, []), wants_json(output, json_output))


@fault_app.command("set", epilog=EXIT_CODES)
def fault_set(
    route: Annotated[
        str, typer.Option(help="Route template such as /api/jobs, or * for every route.")
    ],
    error_ratio: Annotated[float, typer.Option(help="Share of requests to fail, 0..1.")] = 1.0,
    status: Annotated[int, typer.Option(help="Status code of injected errors.")] = 500,
    latency: Annotated[float, typer.Option(help="Seconds of latency to add.")] = 0.0,
    url: Url = DEFAULT_URL,
    operator_key: OperatorKey = None,
    output: OutputOption = Output.TABLE,
    json_output: JsonFlag = False,
) -> None:
    """Fail or slow down one route template (all its methods), or every route with *."""
    _require(route == "*" or route.startswith("/"), "--route", "must start with / or be *")
    _require(0 <= error_ratio <= 1, "--error-ratio", f"must be within 0..1, got {error_ratio}")
    _require(400 <= status <= 599, "--status", f"must be an error status 400..599, got {status}")
    _require(math.isfinite(latency) and latency >= 0, "--latency", f"must be >= 0 s, got {latency}")
    body = {
        "route": route,
        "error_ratio": error_ratio,
        "error_status": status,
        "latency_seconds": latency,
    }
    _show(
        _operator_call(url, operator_key, [("PUT", "/api/admin/faults/routes", body)]),
        wants_json(output, json_output),
    )


@fault_app.command("clear", epilog=EXIT_CODES)
def fault_clear(
    route: Annotated[
        str | None,
        typer.Option(help="Clear only this route's fault; without it, clear every fault."),
    ] = None,
    url: Url = DEFAULT_URL,
    operator_key: OperatorKey = None,
    output: OutputOption = Output.TABLE,
    json_output: JsonFlag = False,
) -> None:
    """Clear one route's fault, or every fault including a payment outage."""
    call = (
        ("DELETE", "/api/admin/faults/routes", {"route": route})
        if route
        else ("DELETE", "/api/admin/faults", None)
    )
    _show(_operator_call(url, operator_key, [call]), wants_json(output, json_output))


@fault_app.command("payment-outage", epilog=EXIT_CODES)
def fault_payment_outage(
    state: Annotated[str, typer.Argument(help="on or off", metavar="on|off")],
    url: Url = DEFAULT_URL,
    operator_key: OperatorKey = None,
    output: OutputOption = Output.TABLE,
    json_output: JsonFlag = False,
) -> None:
    """Start or end a simulated payment-provider outage."""
    _require(state in ("on", "off"), "STATE", f"must be on or off, got {state!r}")
    body = {"outage": state == "on"}
    calls = [("PUT", "/api/admin/faults/payment-provider", body)]
    _show(_operator_call(url, operator_key, calls), wants_json(output, json_output))


def main() -> None:
    """Run the command line."""
    app()
