"""The `ftw-observe import` command: convert Sloth or OpenSLO specs into FTW Observe specs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ftw_observe.importers import DEFAULT_PERIOD, DEFAULT_TEAM
from ftw_observe.spec.issues import SpecIssue

# Input that cannot be imported is a failed check, as an invalid spec in `ftw-observe validate`.
EXIT_INVALID = 1


def import_specs(
    files: Annotated[
        list[Path], typer.Argument(help="Sloth (prometheus/v1) or OpenSLO v1 spec files.")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here instead of stdout: a file for one service, else a directory "
            "holding <service>.yaml per service. Existing files are never overwritten.",
        ),
    ] = None,
    team: Annotated[
        str, typer.Option(help="Team for services whose spec names none.")
    ] = DEFAULT_TEAM,
    period: Annotated[
        str,
        typer.Option(
            help="Period of Sloth SLOs (Sloth has none) and of OpenSLO ones without timeWindow."
        ),
    ] = DEFAULT_PERIOD,
) -> None:
    """Convert Sloth or OpenSLO v1 specs into FTW Observe specs to review and edit."""
    from ftw_observe.importers.convert import SpecImportError, import_text, render_spec

    specs: list[tuple[str, str, dict[str, Any]]] = []
    problems: list[SpecIssue] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            result = import_text(text, str(path), team=team, period=period)
        except (OSError, UnicodeDecodeError) as error:
            problems.append(SpecIssue(str(path), None, "", f"cannot read: {error}"))
            continue
        except SpecImportError as error:
            problems.extend(error.issues)
            continue
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)
        specs.extend((str(path), name, doc) for name, doc in result.specs)
    sources: dict[str, str] = {}
    for source, name, _ in specs:
        if name in sources:
            problems.append(
                SpecIssue(source, None, "service", f"{name} is also imported from {sources[name]}")
            )
        sources.setdefault(name, source)
    if problems:
        _fail([str(problem) for problem in problems])
    rendered = [(name, render_spec(doc, source)) for source, name, doc in specs]
    if output is None:
        typer.echo("---\n".join(text for _, text in rendered), nl=False)
        return
    _write(output, rendered)


def _write(output: Path, rendered: list[tuple[str, str]]) -> None:
    into_directory = len(rendered) > 1 or output.is_dir()
    targets = [(output / name if into_directory else output, text) for name, text in rendered]
    existing = [str(path) for path, _ in targets if path.exists()]
    if existing:
        _fail(
            [
                f"{path}: exists; not overwritten (move it away or pick another --output)"
                for path in existing
            ]
        )
    try:
        for path, text in targets:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            typer.echo(f"wrote {path}")
    except OSError as error:
        _fail([f"cannot write: {error}"])


def _fail(messages: list[str]) -> None:
    for message in messages:
        typer.echo(f"error: {message}", err=True)
    count = len(messages)
    typer.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing imported", err=True)
    raise typer.Exit(EXIT_INVALID)
