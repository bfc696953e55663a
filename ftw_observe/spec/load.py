"""Load and validate spec files: every problem reported at once, each with file and line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from ftw_observe.spec.checks import check_slo, check_thresholds
from ftw_observe.spec.document import Document, parse_document
from ftw_observe.spec.issues import Path, SpecError, SpecIssue, field_name, sort_issues
from ftw_observe.spec.model import SPEC_VERSION, ServiceSpec, SLOSpec

SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec and the file it came from."""

    file: str
    spec: ServiceSpec


def pydantic_issues(doc: Document, error: ValidationError, prefix: Path = ()) -> list[SpecIssue]:
    """Return each problem pydantic found in `doc` as an issue naming its line and field."""
    issues = []
    for problem in error.errors(include_url=False):
        path = (*prefix, *problem["loc"])
        kind, message = problem["type"], str(problem["msg"])
        if kind == "extra_forbidden":
            message = f"unknown field {path[-1]!r}"
        elif kind == "missing":
            message = "required field is missing"
        message = message.removeprefix("Value error, ")
        issues.append(SpecIssue(doc.file, doc.line(path), field_name(path), message))
    return issues


def _validate_slos(doc: Document, raw_slos: list[Any]) -> tuple[list[SLOSpec], list[SpecIssue]]:
    """Validate each SLO on its own, so one broken SLO does not hide another's problems."""
    slos: list[SLOSpec] = []
    issues: list[SpecIssue] = []
    for index, raw in enumerate(raw_slos):
        at: Path = ("slos", index)
        try:
            slo = SLOSpec.model_validate(raw)
        except ValidationError as error:
            issues.extend(pydantic_issues(doc, error, at))
            continue
        slos.append(slo)
        issues.extend(
            SpecIssue(doc.file, doc.line((*at, *path)), field_name((*at, *path)), message)
            for path, message in check_slo(slo)
        )
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_slos):
        name = raw.get("name") if isinstance(raw, dict) else None
        if isinstance(name, str) and name in seen:
            path = ("slos", index, "name")
            message = f"duplicate SLO name {name!r} (also slos[{seen[name]}])"
            issues.append(SpecIssue(doc.file, doc.line(path), field_name(path), message))
        elif isinstance(name, str):
            seen[name] = index
    return slos, issues


def validate_text(text: str, file: str) -> tuple[ServiceSpec | None, list[SpecIssue]]:
    """Validate one spec document; return the spec if it is clean, and every issue found."""
    doc, issues = parse_document(text, file)
    if doc is None:
        return None, issues
    version = doc.data.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        line = doc.line(("version",))
        return None, [
            SpecIssue(file, line, "version", f"expected {SPEC_VERSION!r}, got {version!r}")
        ]
    raw_slos = doc.data.get("slos", [])
    try:
        service = ServiceSpec.model_validate(
            {**doc.data, "slos": []} if isinstance(raw_slos, list) else doc.data
        )
    except ValidationError as error:
        service = None
        issues.extend(pydantic_issues(doc, error))
    if not isinstance(raw_slos, list):
        return None, issues
    if not raw_slos and not doc.data.get("thresholds"):
        issues.append(
            SpecIssue(file, doc.line(("slos",)), "slos", "list at least one SLO or threshold")
        )
    if service is not None:
        issues.extend(
            SpecIssue(file, doc.line(path), field_name(path), message)
            for path, message in check_thresholds(service.thresholds)
        )
    slos, found = _validate_slos(doc, raw_slos)
    issues.extend(found)
    for slo in slos:
        clash = sorted(set(service.labels if service else {}) & set(slo.group_by))
        for label in clash:
            path = ("labels", label)
            issues.append(
                SpecIssue(
                    file, doc.line(path), field_name(path), f"{label!r} is also a group_by label"
                )
            )
    if issues or service is None:
        return None, issues
    return service.model_copy(update={"slos": slos}), []


def spec_files(paths: Iterable[str | FilePath]) -> list[FilePath]:
    """Expand directories to the spec files inside them, sorted; keep files as given."""
    files: list[FilePath] = []
    for raw in paths:
        path = FilePath(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in SPEC_SUFFIXES))
        else:
            files.append(path)
    return files


def validate_files(paths: Sequence[str | FilePath]) -> tuple[list[LoadedSpec], list[SpecIssue]]:
    """Validate spec files and directories; return the clean specs and every issue."""
    loaded: list[LoadedSpec] = []
    issues: list[SpecIssue] = []
    files = spec_files(paths)
    if not files:
        joined = ", ".join(str(p) for p in paths) or "(none)"
        issues.append(SpecIssue(joined, None, "", "no spec files (*.yaml) found"))
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            issues.append(SpecIssue(str(path), None, "", f"cannot read: {error}"))
            continue
        spec, found = validate_text(text, str(path))
        issues.extend(found)
        if spec is not None:
            loaded.append(LoadedSpec(str(path), spec))
    owners: dict[str, str] = {}
    for item in loaded:
        if item.spec.service in owners:
            issues.append(
                SpecIssue(
                    item.file,
                    None,
                    "service",
                    f"service {item.spec.service!r} is also defined in {owners[item.spec.service]}",
                )
            )
        owners.setdefault(item.spec.service, item.file)
    issues.extend(_duplicate_alerts(loaded))
    return loaded, sort_issues(issues)


def _duplicate_alerts(loaded: Sequence[LoadedSpec]) -> list[SpecIssue]:
    """Return an issue for each threshold alert whose name another file already uses."""
    issues = []
    owners: dict[str, str] = {}
    for item in loaded:
        for index, alert in enumerate(item.spec.thresholds):
            if alert.name in owners and owners[alert.name] != item.file:
                issues.append(
                    SpecIssue(
                        item.file,
                        None,
                        f"thresholds[{index}].name",
                        f"alert {alert.name!r} is also defined in {owners[alert.name]}",
                    )
                )
            owners.setdefault(alert.name, item.file)
    return issues


def load_specs(paths: Sequence[str | FilePath]) -> list[LoadedSpec]:
    """Load spec files and directories; raise SpecError listing every issue if any."""
    loaded, issues = validate_files(paths)
    if issues:
        raise SpecError(issues)
    return loaded
