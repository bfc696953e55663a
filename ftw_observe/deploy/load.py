"""Read the deployment config: a YAML file, then one environment variable per field."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ftw_observe.deploy.model import DeployConfig
from ftw_observe.spec.document import Document, parse_document
from ftw_observe.spec.issues import SpecError, SpecIssue, field_name, sort_issues
from ftw_observe.spec.load import pydantic_issues

CONFIG_VARIABLE = "FTW_DEPLOY_CONFIG"
DEFAULT_FILE = "deploy/default.yaml"
ENV_PREFIX = "FTW_DEPLOY_"


def env_variable(field: str) -> str:
    """Return the environment variable that overrides a field: `FTW_DEPLOY_GRAFANA_URL`."""
    return ENV_PREFIX + field.upper()


def config_file(root: Path, given: Path | None = None) -> Path | None:
    """Return the config to read: the one given, else the project's default file if present."""
    if given is not None:
        return given
    default = root / DEFAULT_FILE
    return default if default.is_file() else None


def _read(path: Path) -> tuple[Document | None, list[SpecIssue]]:
    """Parse the config file; return it, or the issues that stop it from parsing."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [SpecIssue(str(path), None, "", f"cannot read: {error}")]
    doc, issues = parse_document(text, str(path))
    # parse_document speaks of spec files; say what a deploy config needs instead.
    return doc, [
        SpecIssue(i.file, i.line, i.field, "a deploy config is a mapping of fields")
        if i.message.startswith("a spec file must be a mapping")
        else i
        for i in issues
    ]


def _overrides(env: Mapping[str, str]) -> dict[str, str]:
    """Return the fields set by environment variables; an empty variable counts as unset."""
    return {
        name: env[env_variable(name)]
        for name in DeployConfig.model_fields
        if env.get(env_variable(name))
    }


def load_deploy_config(path: Path | None, env: Mapping[str, str] | None = None) -> DeployConfig:
    """Return the config of `path` (defaults if None) with `env` overrides; raise SpecError.

    Usage::

        config = load_deploy_config(Path("deploy/production.yaml"))
        config.webhook_url  # 'https://ftw.example.com/api/webhooks/alertmanager'
    """
    env = os.environ if env is None else env
    doc = Document("", {})
    if path is not None:
        parsed, issues = _read(path)
        if parsed is None:
            raise SpecError(issues)
        doc = parsed
    overrides = _overrides(env)
    data: dict[str, Any] = {**doc.data, **overrides}
    try:
        return DeployConfig.model_validate(data)
    except ValidationError as error:
        raise SpecError(_issues(doc, error, overrides)) from None


def _issues(doc: Document, error: ValidationError, overrides: Mapping[str, str]) -> list[SpecIssue]:
    """Return each problem at its line in the file, or at the variable that set the value."""
    issues = []
    for issue in pydantic_issues(doc, error):
        name = issue.field.split(".")[0].split("[")[0]
        if name in overrides:
            variable = f"environment variable {env_variable(name)}"
            issue = SpecIssue(variable, None, field_name((name,)), issue.message)
        issues.append(issue)
    return sort_issues(issues)
