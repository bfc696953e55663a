"""Run `ftw-observe` commands in-process, with a wide terminal and a controlled environment."""

from __future__ import annotations

from collections.abc import Mapping

from typer.testing import CliRunner, Result

from ftw_observe.cli import app

# Where the CLI looks for the API token; a test names the ones it wants.
TOKEN_VARIABLES = ("FTW_API_TOKEN", "FTW_API_TOKEN_FILE", "FTW_HOME")


def run_cli(*args: str, env: Mapping[str, str] | None = None) -> Result:
    """Run `ftw-observe ARGS`; only the token variables in `env` are set (FTW_HOME: nowhere)."""
    clean: dict[str, str | None] = dict.fromkeys(TOKEN_VARIABLES)
    clean["FTW_HOME"] = "/nonexistent/ftw-home"
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **clean, **(env or {})})
