"""`ftw-observe demo`: run the whole stack, or prove the pager works with a drill."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from ftw_observe.demo.chain import BreakPlan, Component
from ftw_observe.demo.chain_drill import break_stack
from ftw_observe.demo.drill import DrillPlan, run_drill
from ftw_observe.demo.history import Target, history_lines
from ftw_observe.demo.probes import ProbeError
from ftw_observe.demo.render import as_json, break_as_json, print_break_report, print_report
from ftw_observe.demo.stack import DemoStack, StackError, StartedStack, find_stack
from ftw_observe.demo.waits import DrillError
from ftw_observe.display.terminal import EXIT_CODES, Output, OutputOption, chosen
from ftw_observe.durations import parse_duration

T = TypeVar("T")

EXIT_FAILED = 1
# A long outage can fire a slower page tier, whose short window takes longer to clear.
OUTAGE_RESOLVE_TIMEOUT = 1800.0

demo_app = typer.Typer(
    help="The whole stack on this machine, and the incident drill.",
    invoke_without_command=True,
    epilog=EXIT_CODES,
)


def _home(home: Path | None) -> Path:
    return home if home is not None else Path(os.environ.get("FTW_HOME") or ".ftw")


@demo_app.callback()
def demo(
    context: typer.Context,
    drill: Annotated[
        bool,
        typer.Option(
            "--drill",
            help="Break job posting (or with --break one link of the alerting chain), wait for "
            "the page and the resolve, print the figures. Uses the demo running in --home, "
            "else starts one and stops it afterwards.",
        ),
    ] = False,
    home: Annotated[
        Path | None,
        typer.Option(help="The demo's data directory (default: $FTW_HOME, else .ftw)"),
    ] = None,
    project: Annotated[
        Path | None,
        typer.Option(
            help="The project directory whose slo/, alerts/ and docs/runbooks/ the demo uses "
            "(default: the current directory when it holds slo/ and alerts/, else the copies "
            "installed with ftw-observe)"
        ),
    ] = None,
    min_outage: Annotated[
        float, typer.Option(help="Keep job posting broken at least this many seconds.")
    ] = 0.0,
    outage: Annotated[
        str | None,
        typer.Option(
            help="Keep job posting broken this long, as a duration such as 15m "
            "(the SLO drill only)."
        ),
    ] = None,
    break_component: Annotated[
        Component | None,
        typer.Option(
            "--break",
            help="Instead of breaking job posting, stop this link of the alerting chain "
            "(engine: kill every replica), wait for the page, start it again, wait for the "
            "resolve.",
        ),
    ] = None,
    start_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for a demo this command starts.")
    ] = 300.0,
    output: OutputOption = Output.TABLE,
    json_output: Annotated[bool, typer.Option("--json", help="Same as -o json.")] = False,
) -> None:
    """Run the whole stack (as `make demo`), or with --drill prove the pager works."""
    if context.invoked_subcommand is not None:
        return
    # The drill's report has no wider form: table and wide print the same.
    json_output = chosen(output, json_output) is Output.JSON
    _check_drill_options(drill, outage, break_component)
    directory = _home(home)
    if not drill:
        from ftw_observe.demo.run import run_demo

        raise typer.Exit(run_demo(directory, project=project))
    hold = _outage_seconds(outage, min_outage, break_component)
    console = Console(stderr=json_output)

    def say(line: str) -> None:
        console.print(f"drill: {line}", highlight=False)

    if break_component is not None:
        plan = BreakPlan(break_component)
        result = _on_stack(
            directory, project, start_timeout, say, lambda s: break_stack(s, plan, say)
        )
        if json_output:
            sys.stdout.write(json.dumps(break_as_json(result), indent=2) + "\n")
        else:
            print_break_report(result, console)
        return
    resolve_timeout = OUTAGE_RESOLVE_TIMEOUT if outage else DrillPlan.resolve_timeout
    slo_plan = DrillPlan(min_outage_seconds=hold, resolve_timeout=resolve_timeout)
    drilled = _on_stack(
        directory, project, start_timeout, say, lambda s: run_drill(s, slo_plan, say)
    )
    if json_output:
        sys.stdout.write(json.dumps(as_json(drilled), indent=2) + "\n")
    else:
        print_report(drilled, console)


def _check_drill_options(
    drill: bool, outage: str | None, break_component: Component | None
) -> None:
    for given, option in (
        (outage is not None, "--outage"),
        (break_component is not None, "--break"),
    ):
        if given and not drill:
            raise typer.BadParameter("goes with --drill", param_hint=option)


def _outage_seconds(
    outage: str | None, min_outage: float, break_component: Component | None
) -> float:
    """Return how long the SLO drill keeps job posting broken at least."""
    if outage is None:
        return min_outage
    if break_component is not None:
        raise typer.BadParameter("applies to the SLO drill, not to --break", param_hint="--outage")
    if min_outage:
        raise typer.BadParameter("give --outage or --min-outage, not both", param_hint="--outage")
    try:
        return float(parse_duration(outage))
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--outage") from None


def _on_stack(
    directory: Path,
    project: Path | None,
    start_timeout: float,
    say: Callable[[str], None],
    drill: Callable[[DemoStack], T],
) -> T:
    """Run `drill` on the demo running in `directory`, or on one started for it and stopped."""
    started: StartedStack | None = None
    try:
        stack = find_stack(directory)
        if stack is None:
            started = StartedStack.start(
                directory, timeout=start_timeout, project=project, progress=say
            )
            stack = started.stack
        else:
            say(f"using the demo running in {directory}")
        return drill(stack)
    except (DrillError, StackError, ProbeError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        if started is not None:
            say("stopping the demo stack this drill started")
            started.stop()


@demo_app.command("receivers")
def receivers(
    pagerduty_port: Annotated[int, typer.Option(help="Port of the fake PagerDuty.")] = 8091,
    slack_port: Annotated[int, typer.Option(help="Port of the fake Slack.")] = 8092,
    ready_file: Annotated[
        Path | None, typer.Option(help="Write the fakes' URLs here once they listen.")
    ] = None,
) -> None:
    """Serve fake PagerDuty and Slack APIs on 127.0.0.1 until stopped."""
    from ftw_observe.demo.fakes.serve import run_until_signalled

    run_until_signalled(pagerduty_port, slack_port, ready_file)


@demo_app.command("history")
def history(
    target: Annotated[
        list[str], typer.Option(help="A scrape target as JOB=HOST:PORT; repeat for each.")
    ],
    out: Annotated[Path, typer.Option(help="The OpenMetrics file to write.")],
    hours: Annotated[float, typer.Option(help="Hours of history to write.")] = 36.0,
    step: Annotated[float, typer.Option(help="Seconds between samples.")] = 300.0,
    metric_prefix: Annotated[
        list[str] | None,
        typer.Option(help="Only metrics whose names start so; repeat for each (default: all)"),
    ] = None,
    measure_seconds: Annotated[
        float, typer.Option(help="Seconds between the two scrapes that measure the rates.")
    ] = 15.0,
    end: Annotated[
        float | None,
        typer.Option(help="Unix time of the last sample (default: a minute ago)"),
    ] = None,
) -> None:
    """Write steady past traffic at the targets' current rates, for promtool to backfill."""
    targets = []
    for item in target:
        job, sep, address = item.partition("=")
        if not sep or not job or not address:
            typer.echo(f"error: --target {item!r}: expected JOB=HOST:PORT", err=True)
            raise typer.Exit(2)
        targets.append(Target(job, address))
    for line in history_lines(
        targets,
        hours=hours,
        step=step,
        measure_seconds=measure_seconds,
        prefixes=tuple(metric_prefix or [""]),
        out=out,
        end=end,
    ):
        typer.echo(f"history: {line}")
