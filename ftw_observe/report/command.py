"""The `ftw-observe report` command: the weekly SRE review from the engine's store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from ftw_observe.report.build import Report

# A bad option is a usage error (2); invalid specs or a store that cannot be read fail (1).
EXIT_INVALID = 2
EXIT_FAILED = 1
DEFAULT_DATABASE_URL = "sqlite:///.ftw/observe.db"
UNTIL_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z")


class ReportFormat(StrEnum):
    """The report's output formats."""

    MARKDOWN = "markdown"
    CSV = "csv"
    HTML = "html"


def _fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def safe_url(url: str) -> str:
    """Return a database URL fit to print: any password replaced by ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a database URL that cannot be parsed)"


def _scrub(text: str, url: str) -> str:
    """Return the first line of an error message with the URL and its password masked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    first = text.strip().splitlines()[0] if text.strip() else text
    first = first.replace(url, safe_url(url))
    try:
        password = make_url(url).password
    except ArgumentError:
        return first
    return first.replace(str(password), "***") if password else first


def _missing_sqlite_file(url: str) -> bool:
    """Tell whether `url` names an SQLite file that does not exist (connecting would make it)."""
    from ftw_observe.store import database_url, sqlite_file

    path = sqlite_file(database_url(url))
    return path is not None and not path.is_file()


def _renderer(name: ReportFormat) -> Callable[[Report], str]:
    from ftw_observe.report import render

    return {"markdown": render.markdown, "csv": render.csv, "html": render.html}[name.value]


def report(
    period: Annotated[
        str, typer.Option(help="How far back the report reaches from --until, e.g. 7d, 30d.")
    ] = "30d",
    format_: Annotated[
        ReportFormat, typer.Option("--format", help="Output format.")
    ] = ReportFormat.MARKDOWN,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            formats=[*UNTIL_FORMATS],
            help="End of the report, in UTC unless it has an offset [default: now].",
        ),
    ] = None,
    database_url: Annotated[
        str,
        typer.Option(
            envvar=["FTW_OBSERVE_DATABASE_URL", "DATABASE_URL"],
            help="The engine's store.",
            show_default=False,
        ),
    ] = DEFAULT_DATABASE_URL,
    slo_dir: Annotated[
        Path, typer.Option(envvar="FTW_SLO_DIR", help="Directory of the SLO specs.")
    ] = Path("slo"),
) -> None:
    """Report compliance, budget consumed, worst hours and alert firings per SLO."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from ftw_observe.report.build import build_report
    from ftw_observe.report.load import load_instances, slo_infos
    from ftw_observe.report.model import ReportWindow, parse_period
    from ftw_observe.spec.issues import SpecError
    from ftw_observe.spec.load import load_specs
    from ftw_observe.store import Store, make_store_engine

    try:
        window = ReportWindow.ending(until or datetime.now(UTC), parse_period(period))
    except ValueError as error:
        _fail(f"--period: {error}")
    try:
        slos = slo_infos(item.spec for item in load_specs([slo_dir]))
    except SpecError as error:
        for issue in error.issues:
            typer.echo(f"error: {issue}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    shown = safe_url(database_url)
    try:
        if _missing_sqlite_file(database_url):
            _fail(
                f"no store at {shown}: the file does not exist (has `ftw-observe serve` run?)",
                EXIT_FAILED,
            )
        engine = make_store_engine(database_url)
    except (ArgumentError, ValueError, ImportError) as error:
        _fail(f"cannot use the database URL {shown}: {_scrub(str(error), database_url)}")
    try:
        instances = load_instances(Store(engine), slos, window)
    except (SQLAlchemyError, NotImplementedError) as error:
        reason = _scrub(str(getattr(error, "orig", None) or error), database_url)
        _fail(f"cannot read the store at {shown}: {reason}", EXIT_FAILED)
    finally:
        engine.dispose()
    text = _renderer(format_)(build_report(window, slos, instances))
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {output}: {error}", EXIT_FAILED)
    typer.echo(f"wrote {output}", err=True)
