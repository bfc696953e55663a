"""Read the routing policy file: every problem reported at once, each with file and line."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ftw_observe.notify.policy import DEFAULT_PATH, RoutingPolicy
from ftw_observe.notify.policy_checks import check_references, find_secrets
from ftw_observe.spec.document import Document, parse_document
from ftw_observe.spec.issues import Path as FieldPath
from ftw_observe.spec.issues import SpecError, SpecIssue, field_name, sort_issues


def _issue(doc: Document, path: FieldPath, message: str) -> SpecIssue:
    clean = tuple(part for part in path if part != "[key]")
    return SpecIssue(doc.file, doc.line(clean), field_name(clean), message)


def _message(path: FieldPath, kind: str, message: str) -> str:
    """Return a pydantic error as a sentence about the policy."""
    if kind == "extra_forbidden":
        return f"unknown field {path[-1]!r}"
    if kind == "missing":
        return "required field is missing"
    if kind == "too_short" and path[-1] in ("source", "target"):
        return "give at least one matcher"
    if kind == "too_short":
        return "list at least one receiver"
    return message.removeprefix("Value error, ")


def validate_policy_text(text: str, file: str) -> tuple[RoutingPolicy | None, list[SpecIssue]]:
    """Validate a routing policy; return it if clean, and every issue found."""
    doc, issues = parse_document(text, file)
    if doc is None:
        # parse_document speaks of spec files; say what a routing policy needs instead.
        return None, [
            SpecIssue(file, i.line, i.field, "a routing policy is a mapping with receivers")
            if i.message.startswith("a spec file must be a mapping")
            else i
            for i in issues
        ]
    secrets = find_secrets(doc.data)
    issues = [_issue(doc, path, message) for path, message in secrets]
    try:
        policy = RoutingPolicy.model_validate(doc.data)
    except ValidationError as error:
        told = {path for path, _ in secrets}
        for problem in error.errors(include_url=False):
            path = tuple(problem["loc"])
            if path not in told:
                issues.append(_issue(doc, path, _message(path, problem["type"], problem["msg"])))
        return None, sort_issues(issues)
    if issues:
        return None, sort_issues(issues)
    issues = [_issue(doc, path, message) for path, message in check_references(policy)]
    return (
        (None, sort_issues(issues)) if issues else (_resolve_files(policy, Path(file).parent), [])
    )


def _resolve_files(policy: RoutingPolicy, base: Path) -> RoutingPolicy:
    """Make relative routing_key_file paths relative to the policy file's directory."""
    receivers = {}
    for name, receiver in policy.receivers.items():
        key_file = receiver.pagerduty.routing_key_file if receiver.pagerduty else None
        if receiver.pagerduty and key_file and not Path(key_file).is_absolute():
            pagerduty = receiver.pagerduty.model_copy(
                update={"routing_key_file": str(base / key_file)}
            )
            receiver = receiver.model_copy(update={"pagerduty": pagerduty})
        receivers[name] = receiver
    return policy.model_copy(update={"receivers": receivers})


def load_policy(path: str | Path = DEFAULT_PATH) -> RoutingPolicy:
    """Load and validate a routing policy; raise SpecError naming file, line and field."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError([SpecIssue(str(path), None, "", f"cannot read: {error}")]) from None
    policy, issues = validate_policy_text(text, str(path))
    if policy is None:
        raise SpecError(issues)
    return policy
