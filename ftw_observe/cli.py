"""`ftw-observe`: the SLO service's command line."""

from __future__ import annotations

from dataclasses import asdict
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Annotated, Any

import typer

from ftw_observe import __version__
from ftw_observe.display.terminal import (
    EXIT_CODES,
    JsonAlias,
    Output,
    OutputOption,
    chosen,
    print_json,
)
from ftw_observe.engine.logs import LogFormat, LogLevel
from ftw_observe.spec.issues import SpecError, SpecIssue

app = typer.Typer(
    help="FTW Observe: SLOs, error budgets and burn-rate alerts.",
    no_args_is_help=True,
    epilog=EXIT_CODES,
)

# Exit statuses, as promtool's: a failed check (invalid spec, stale generated files) is 1,
# a usage error (bad option, argument or setting) is 2.
EXIT_STALE = 1
EXIT_INVALID = 1
EXIT_USAGE = 2
DISTRIBUTION = "ftw-observe"


def _print_version(shown: bool) -> None:
    if shown:
        typer.echo(f"ftw-observe {installed_version(DISTRIBUTION)}")
        raise typer.Exit()


@app.callback()
def cli(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """FTW Observe: SLOs, error budgets and burn-rate alerts."""


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def _report(issues: list[SpecIssue]) -> None:
    for issue in issues:
        typer.echo(f"error: {issue}", err=True)
    typer.echo(f"{len(issues)} problem{'s' if len(issues) != 1 else ''} found", err=True)


@app.command(epilog=EXIT_CODES)
def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Spec files or directories [default: slo/].")
    ] = None,
    output: OutputOption = Output.TABLE,
    as_json: JsonAlias = False,
) -> None:
    """Check SLO and threshold specs; print every problem with file, line and field."""
    from ftw_observe.spec.load import validate_files

    loaded, issues = validate_files(paths or [Path("slo")])
    if chosen(output, as_json) is Output.JSON:
        files: list[dict[str, Any]] = [
            {
                "file": str(item.file),
                "service": item.spec.service,
                "slos": [slo.name for slo in item.spec.slos],
                "thresholds": [alert.name for alert in item.spec.thresholds],
            }
            for item in loaded
        ]
        print_json({"valid": not issues, "files": files, "problems": [asdict(i) for i in issues]})
        if issues:
            raise typer.Exit(EXIT_INVALID)
        return
    if issues:
        _report(issues)
        raise typer.Exit(EXIT_INVALID)
    for item in loaded:
        count, alerts = len(item.spec.slos), len(item.spec.thresholds)
        found = f"{count} SLO{'s' if count != 1 else ''}"
        if alerts:
            found += f", {alerts} threshold alert{'s' if alerts != 1 else ''}"
        typer.echo(f"{item.file}: {item.spec.service}, {found}, ok")


@app.command(epilog=EXIT_CODES)
def generate(
    check: Annotated[
        bool, typer.Option("--check", help="Change nothing; exit 1 if a generated file is stale.")
    ] = False,
    root: Annotated[Path, typer.Option(help="Project root holding slo/ and alerts/.")] = Path(),
    config: Annotated[
        Path | None,
        typer.Option(
            envvar="FTW_DEPLOY_CONFIG",
            help="Deployment config: the URLs and secret files the outputs point at.",
            show_default="ROOT/deploy/default.yaml",
        ),
    ] = None,
) -> None:
    """Generate alerts/ and dashboards/ from the specs in slo/ and the deployment config."""
    from ftw_observe.deploy import config_file, load_deploy_config
    from ftw_observe.generate import build_outputs, stale_files, write_outputs

    try:
        deploy = load_deploy_config(config_file(root, config))
        outputs = build_outputs(root, deploy=deploy)
    except SpecError as error:
        _report(error.issues)
        raise typer.Exit(EXIT_INVALID) from None
    if check:
        stale = stale_files(root, outputs)
        for path in stale:
            typer.echo(f"stale: {path}", err=True)
        if stale:
            typer.echo("run `ftw-observe generate` and commit the result", err=True)
            raise typer.Exit(EXIT_STALE)
        typer.echo(f"{len(outputs)} generated files are up to date")
        return
    changed = write_outputs(root, outputs)
    for path in changed:
        typer.echo(f"wrote {path}")
    typer.echo(f"{len(outputs)} generated files, {len(changed)} changed")


@app.command(epilog=EXIT_CODES)
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(envvar="FTW_ENGINE_PORT", help="Port of the API and status page.")
    ] = 8080,
    log_level: Annotated[
        LogLevel,
        typer.Option(
            envvar="FTW_LOG_LEVEL",
            case_sensitive=False,
            help="debug also logs every scheduler job, Prometheus query and probe.",
        ),
    ] = LogLevel.INFO,
    log_format: Annotated[
        LogFormat,
        typer.Option(
            envvar="FTW_LOG_FORMAT", case_sensitive=False, help="json: one object per line."
        ),
    ] = LogFormat.TEXT,
) -> None:
    """Run the engine: evaluate every SLO on a schedule and serve the API and status page."""
    import logging

    import uvicorn

    from ftw_observe.engine import logs
    from ftw_observe.engine.settings import EngineSettings, SettingsError
    from ftw_observe.prometheus import PrometheusAuthError, safe_url
    from ftw_observe.service import EngineService

    logs.configure(log_level, log_format)
    try:
        settings = EngineSettings.from_env()
        service = EngineService.build(settings)
    except (SettingsError, PrometheusAuthError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except SpecError as error:
        _report(error.issues)
        raise typer.Exit(EXIT_INVALID) from None
    auth = settings.prometheus_auth
    logging.getLogger("ftw_observe.engine").info(
        "ftw-observe: replica %s, %d spec file(s), Prometheus %s (auth: %s%s%s), every %g s",
        settings.replica,
        len(service.specs),
        safe_url(settings.prometheus_url),
        auth.scheme,
        ", client certificate" if auth.client_cert_file else "",
        ", headers " + ", ".join(n for n, _ in auth.headers) if auth.headers else "",
        settings.interval.total_seconds(),
        extra={"event": "start", "replica": settings.replica},
    )
    # No log_config: uvicorn's lines go through the handler above, in the same format.
    uvicorn.run(service.app(), host=host, port=port, log_level=log_level.value, log_config=None)


def _register_commands() -> None:
    from ftw_observe.backfill.command import backfill
    from ftw_observe.demo.cli import demo_app
    from ftw_observe.importers.command import import_specs
    from ftw_observe.notify.commands import routes
    from ftw_observe.notify.probe import send_test
    from ftw_observe.notify.silence_commands import silence_add, silence_expire, silence_list
    from ftw_observe.report.command import report
    from ftw_observe.status import status

    app.command("import", epilog=EXIT_CODES)(import_specs)
    app.command("status", epilog=EXIT_CODES)(status)
    app.command("report", epilog=EXIT_CODES)(report)
    app.command("backfill", epilog=EXIT_CODES)(backfill)
    alerts_app = typer.Typer(help="Alert routing: where alerts go.", no_args_is_help=True)
    alerts_app.command("routes", epilog=EXIT_CODES)(routes)
    alerts_app.command("test", epilog=EXIT_CODES)(send_test)
    app.add_typer(alerts_app, name="alerts")
    silence_app = typer.Typer(help="Silences and maintenance windows.", no_args_is_help=True)
    silence_app.command("add", epilog=EXIT_CODES)(silence_add)
    silence_app.command("list", epilog=EXIT_CODES)(silence_list)
    silence_app.command("expire", epilog=EXIT_CODES)(silence_expire)
    app.add_typer(silence_app, name="silence")
    app.add_typer(demo_app, name="demo")


_register_commands()


def main() -> None:
    """Run the command line."""
    app()
