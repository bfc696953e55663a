"""Import Sloth or OpenSLO v1 specs: detect the format, convert, check, render for editing."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import yaml

from ftw_observe.burnrate import TIERS, display_number
from ftw_observe.durations import parse_duration
from ftw_observe.importers import DEFAULT_PERIOD, DEFAULT_TEAM
from ftw_observe.importers.common import Notes, SpecImportError
from ftw_observe.importers.openslo import OPENSLO_VERSION, convert_openslo
from ftw_observe.importers.sloth import SLOTH_VERSION, convert_sloth
from ftw_observe.spec.document import load_all
from ftw_observe.spec.emit import block_yaml
from ftw_observe.spec.issues import SpecIssue
from ftw_observe.spec.load import validate_text
from ftw_observe.spec.model import SPEC_VERSION

__all__ = ["ImportResult", "SpecImportError", "import_text", "render_spec"]

EXPECTED = (
    f"a Sloth spec (version: {SLOTH_VERSION}) or OpenSLO documents (apiVersion: {OPENSLO_VERSION})"
)


class ImportResult(NamedTuple):
    """What one file imports to: (output file name, spec document) pairs, and warnings.

    >>> text = '''
    ... version: prometheus/v1
    ... service: api
    ... labels: {team: core}
    ... slos:
    ...   - name: up
    ...     objective: 99
    ...     description: Targets that answer their scrapes.
    ...     sli: {raw: {error_ratio_query: "1 - avg(avg_over_time(up[{{.window}}]))"}}
    ... '''
    >>> specs, warnings = import_text(text, "sloth.yaml")
    >>> [name for name, _ in specs], warnings
    (['api.yaml'], [])
    """

    specs: list[tuple[str, dict[str, Any]]]
    warnings: list[SpecIssue]


def header(source: str) -> str:
    """Return the comment line that opens an imported spec."""
    return f"# Imported from {source} by ftw-observe import; review, then edit freely.\n"


def render_spec(doc: dict[str, Any], source: str) -> str:
    """Render an imported spec document as YAML for people to edit, SLOs a blank line apart."""
    body = block_yaml(doc, indent_lists=True)
    spaced = body.replace("\n  - name: ", "\n\n  - name: ").replace("\nslos:\n\n", "\nslos:\n", 1)
    return header(source) + spaced


def import_text(
    text: str, file: str, *, team: str = DEFAULT_TEAM, period: str = DEFAULT_PERIOD
) -> ImportResult:
    """Convert a Sloth or OpenSLO v1 file into FTW Observe spec documents, one per service.

    `team` is used for services whose spec names no team; `period` for Sloth SLOs (Sloth has
    one period for all). Raise SpecImportError listing every problem if the file cannot be
    imported.
    """
    notes = Notes(file)
    try:
        parse_duration(period)
    except ValueError as error:
        raise notes.error("--period", str(error)) from None
    documents = _load(text, notes)
    if _format(documents, notes) == SLOTH_VERSION:
        specs = _sloth(documents, notes, team, period)
    else:
        specs = convert_openslo(documents, notes, team=team, period=period)
    results: list[tuple[str, dict[str, Any]]] = []
    for doc in specs:
        _disable_unreachable_tiers(doc, notes)
        name = f"{doc['service']}.yaml"
        if name in {existing for existing, _ in results}:
            raise notes.error("service", f"service {doc['service']!r} is defined twice")
        _check(doc, name, notes)
        results.append((name, doc))
    return ImportResult(results, notes.warnings)


def _load(text: str, notes: Notes) -> list[dict[str, Any]]:
    try:
        loaded = [doc for doc in load_all(text) if doc is not None]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        issue = SpecIssue(notes.file, line, "", f"not valid YAML: {error.problem or error}")
        raise SpecImportError([issue]) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as error:
        raise notes.error("", f"not valid YAML: {error}") from None
    documents: list[Any] = []
    for doc in loaded:
        documents.extend(doc if isinstance(doc, list) else [doc])
    if not documents:
        raise notes.error("", f"empty file; expected {EXPECTED}")
    for index, doc in enumerate(documents):
        if not isinstance(doc, dict):
            raise notes.error(f"documents[{index}]", f"not a mapping; expected {EXPECTED}")
    return documents


def _format(documents: list[dict[str, Any]], notes: Notes) -> str:
    """Return the format all documents share, or raise naming the first that does not fit."""
    formats = []
    for index, doc in enumerate(documents):
        at = f"documents[{index}]" if len(documents) > 1 else ""
        version, api = doc.get("version"), doc.get("apiVersion")
        if version == SLOTH_VERSION or api == OPENSLO_VERSION:
            formats.append(SLOTH_VERSION if version == SLOTH_VERSION else OPENSLO_VERSION)
            continue
        if version == SPEC_VERSION or ("version" not in doc and "slos" in doc and "team" in doc):
            hint = "this is already an FTW Observe spec: check it with `ftw-observe validate`"
        elif isinstance(api, str) and api.startswith("openslo/"):
            hint = f"apiVersion {api!r} is not supported; only {OPENSLO_VERSION} is"
        elif isinstance(api, str) and api.startswith("sloth.slok.dev/"):
            hint = f"Sloth's Kubernetes resource ({api}) is not supported; use its {SLOTH_VERSION}"
        elif version is not None or api is not None:
            found = f"version {version!r}" if version is not None else f"apiVersion {api!r}"
            hint = f"unknown {found}"
        else:
            hint = "no version or apiVersion field"
        raise notes.error(at, f"{hint}; expected {EXPECTED}")
    if len(set(formats)) > 1:
        raise notes.error("", "mixes Sloth and OpenSLO documents; import them from separate files")
    return formats[0]


def _sloth(
    documents: list[dict[str, Any]], notes: Notes, team: str, period: str
) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = []
    problems: list[SpecIssue] = []
    for index, doc in enumerate(documents):
        at = f"documents[{index}]." if len(documents) > 1 else ""
        try:
            specs.append(convert_sloth(doc, notes, team=team, period=period, at=at))
        except SpecImportError as error:
            problems.extend(error.issues)
    if problems:
        raise SpecImportError(problems)
    return specs


def _disable_unreachable_tiers(doc: dict[str, Any], notes: Notes) -> None:
    """Turn off tiers that can never fire at an SLO's objective and period, with a warning."""
    for slo in doc["slos"]:
        alerting = slo.setdefault("alerting", {})
        try:
            period = parse_duration(slo["period"])
            budget = 1 - Fraction(Decimal(repr(slo["objective"]))) / 100
        except (ValueError, ArithmeticError):
            continue  # validation reports it
        tiers = alerting.get("tiers", {})
        for tier in TIERS:
            if tiers.get(tier.name, {}).get("enabled", True) is False:
                continue
            if tier.long > period:
                why = f"its {tier.long_window} window is longer than the {slo['period']} period"
            elif budget > 0 and not tier.reachable(period, budget):
                needed = display_number(tier.error_ratio_threshold(period, budget) * 100)
                why = (
                    f"it would need an error ratio of {needed} % at objective {slo['objective']} %"
                )
            else:
                continue
            kept = {
                key: value for key, value in tiers.get(tier.name, {}).items() if key != "enabled"
            }
            tiers[tier.name] = {"enabled": False, **kept}
            notes.warn(f"SLO {slo['name']}", f"tier {tier.name} disabled: {why}")
        if tiers:
            alerting["tiers"] = {t.name: tiers[t.name] for t in TIERS if t.name in tiers}
        if not alerting:
            del slo["alerting"]


def _check(doc: dict[str, Any], name: str, notes: Notes) -> None:
    """Raise SpecImportError listing every problem if a converted spec does not validate."""
    _, issues = validate_text(render_spec(doc, notes.file), name)
    if issues:
        prefix = f"the converted {name} does not validate"
        raise SpecImportError(
            [SpecIssue(notes.file, None, "", f"{prefix}: {i.field}: {i.message}") for i in issues]
        )
