"""`ftw-observe backfill`: record the long windows' history over the past, as TSDB blocks."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
import yaml

from ftw_observe.backfill import plan, rules, run
from ftw_observe.backfill.merge import merge_blocks
from ftw_observe.backfill.run import EXIT_FAILED, EXIT_USAGE, BackfillError
from ftw_observe.prometheus import safe_url
from ftw_observe.spec.model import ServiceSpec


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _services(specs: list[Path]) -> list[ServiceSpec]:
    from ftw_observe.spec.issues import SpecError

    try:
        services = rules.load_services(specs)
    except SpecError as error:
        for issue in error.issues:
            typer.echo(f"error: {issue}", err=True)
        raise BackfillError(f"--specs: {len(error.issues)} problem(s) found", EXIT_FAILED) from None
    if not services:
        shown = " ".join(str(path) for path in specs)
        raise BackfillError(f"--specs {shown}: no SLO specs there", EXIT_USAGE)
    return services


def _end(text: str | None) -> int:
    if text is None:
        return int(time.time())
    try:
        return plan.parse_time(text)
    except ValueError as error:
        raise BackfillError(f"--end: {error}", EXIT_USAGE) from None


def backfill(
    prometheus_url: Annotated[
        str,
        typer.Option(
            envvar="PROMETHEUS_URL",
            help="Prometheus holding the raw counters; the blocks go into its data directory.",
        ),
    ],
    output: Annotated[
        Path, typer.Option(help="New or empty directory promtool writes the blocks to.")
    ],
    specs: Annotated[
        list[Path] | None,
        typer.Option(
            help="SLO spec files or directories the rules come from.", show_default="slo/"
        ),
    ] = None,
    hours: Annotated[
        float | None,
        typer.Option(help="Hours to record, ending at --end.", show_default="longest SLO period"),
    ] = None,
    max_hours: Annotated[
        float, typer.Option(help="Cap on the default --hours.")
    ] = plan.DEFAULT_MAX_HOURS,
    end: Annotated[
        str | None,
        typer.Option(help="End of the range: RFC 3339 time or Unix timestamp.", show_default="now"),
    ] = None,
    promtool: Annotated[
        str | None, typer.Option(help="promtool to run.", show_default="promtool on PATH")
    ] = None,
) -> None:
    """Record the parts the long windows and the period add up over the past, as blocks to load."""
    try:
        _backfill(prometheus_url, output, specs, hours, max_hours, end, promtool)
    except BackfillError as error:
        _fail(str(error), error.code)


def _backfill(
    prometheus_url: str,
    output: Path,
    specs: list[Path] | None,
    hours: float | None,
    max_hours: float,
    end: str | None,
    promtool_option: str | None,
) -> None:
    promtool = run.find_promtool(promtool_option)
    services = _services(specs or [Path("slo")])
    history = rules.history_rule_file(services)
    try:
        longest = rules.longest_period(services)
        span = plan.TimeRange.ending(_end(end), plan.backfill_hours(hours, longest, max_hours))
    except ValueError as error:
        raise BackfillError(f"--hours: {error}", EXIT_USAGE) from None
    run.check_output(output)
    version = run.prometheus_version(prometheus_url)
    shown = safe_url(prometheus_url)
    typer.echo(
        f"recording {rules.count_rules(history)} rules of {len(history['groups'])} "
        f"SLO{'s' if len(history['groups']) != 1 else ''} "
        f"from {span.describe()}, every {plan.EVAL_INTERVAL}, "
        f"from Prometheus {version} at {shown}"
    )
    # promtool's own blocks and the merge's samples stay beside the blocks, on their disk.
    with tempfile.TemporaryDirectory(prefix=".ftw-backfill-", dir=output) as directory:
        work = Path(directory)
        rule_file = work / "history.rules.yml"
        rule_file.write_text(yaml.safe_dump(history, sort_keys=False), encoding="utf-8")
        recorded = work / "blocks"
        command = plan.promtool_command(promtool, prometheus_url, span, recorded, rule_file)
        run.run_promtool(command, prometheus_url)
        small = run.blocks(recorded) if recorded.is_dir() else []
        if not small:
            raise BackfillError(
                f"promtool wrote no blocks: Prometheus at {shown} holds none of the SLOs' raw "
                f"series from {span.describe()}"
            )
        typer.echo(f"promtool wrote {len(small)} small blocks; merging them into blocks of 31 days")
        samples = merge_blocks(promtool, recorded, output, work)
    run.remove_leftovers(output)
    written = run.blocks(output)
    if not written:
        raise BackfillError(f"promtool wrote no blocks from the {samples} samples recorded")
    _summary(written, output, version)


def _summary(written: list[run.Block], output: Path, version: str) -> None:
    typer.echo(f"wrote {len(written)} block{'s' if len(written) != 1 else ''} to {output}:")
    for block in written:
        # maxTime is exclusive: the last sample is a millisecond before it.
        span = plan.TimeRange(block.min_time // 1000, (block.max_time - 1) // 1000)
        typer.echo(f"  {block.path.name}  {span.describe()}, {block.series} series")
    typer.echo(
        "next: copy the block directories into Prometheus' data directory "
        "(its --storage.tsdb.path), owned by the user Prometheus runs as, e.g.\n"
        f"  cp -r {output}/* /var/lib/prometheus/metrics2/\n"
        "Prometheus loads them at its next compaction check, within a minute or two; "
        "blocks older than its retention are deleted then."
    )
    if run.merges_overlaps(version):
        typer.echo("Blocks that overlap its own data are fine: Prometheus merges them (2.39+).")
    else:
        typer.echo(
            f"warning: Prometheus {version} loads blocks that overlap its own data only when "
            "started with --storage.tsdb.allow-overlapping-blocks (2.39 and later need no flag)."
        )
