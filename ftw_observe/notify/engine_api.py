"""The CLI's client of a running engine's API: where its token comes from, and calls that fail
with a sentence saying what to do.

The API token (for silence writes) is read from, in order: `--token-file`, `FTW_API_TOKEN`,
the file `FTW_API_TOKEN_FILE` names, then `$FTW_HOME/api-token` (`.ftw/api-token`, which
`make demo` writes) when it exists. It is sent only with writes and never printed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import typer

DEFAULT_URL = "http://127.0.0.1:8080"
EXIT_FAILED = 1
EXIT_INVALID = 2
AUTH_VARIABLE = "FTW_API_TOKEN"
FILE_VARIABLE = "FTW_API_TOKEN_FILE"
HOW_TO = (
    f"set {AUTH_VARIABLE} to the engine's token, or name a file holding it with --token-file "
    f"or {FILE_VARIABLE} (make demo writes .ftw/api-token, which is read by itself)"
)


class TokenError(ValueError):
    """A token file that was named but cannot be used."""


@dataclass(frozen=True)
class ApiToken:
    """The engine's API token and where it was found (shown in errors; the value never is).

    >>> ApiToken("s3cret", "FTW_API_TOKEN")
    ApiToken(source='FTW_API_TOKEN')
    """

    value: str = field(repr=False)
    source: str


def _read(path: Path, source: str) -> ApiToken:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise TokenError(f"{source}: cannot read the token: {type(error).__name__}") from None
    if not value:
        raise TokenError(f"{source}: the file is empty")
    return ApiToken(value, source)


def find_token(token_file: Path | None, env: Mapping[str, str]) -> ApiToken | None:
    """Return the API token from the first place that has one, or None; raise TokenError."""
    if token_file is not None:
        return _read(token_file, f"--token-file {token_file}")
    if value := env.get(AUTH_VARIABLE, "").strip():
        return ApiToken(value, AUTH_VARIABLE)
    if named := env.get(FILE_VARIABLE, "").strip():
        return _read(Path(named), f"{FILE_VARIABLE}={named}")
    default = Path(env.get("FTW_HOME") or ".ftw") / "api-token"
    return _read(default, str(default)) if default.is_file() else None


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    """Print `error: message` on stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def require_token(token_file: Path | None) -> ApiToken:
    """Return the API token for a write, or exit saying where to put one."""
    try:
        found = find_token(token_file, os.environ)
    except TokenError as error:
        raise fail(str(error), EXIT_INVALID) from None
    if found is None:
        raise fail(f"changing silences needs the engine's API token: {HOW_TO}")
    return found


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    return str(detail)


def call(url: str, method: str, path: str, *, token: ApiToken | None = None, **kwargs: Any) -> Any:
    """Send one request to the engine and return its JSON; exit with a sentence when it fails."""
    headers = {"Authorization": f"Bearer {token.value}"} if token else {}
    try:
        with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=10) as client:
            response = client.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        raise fail(f"cannot reach {url}: {type(error).__name__}: {error}") from None
    if response.status_code == 422:
        for problem in response.json().get("detail", []):
            where = ".".join(str(part) for part in problem.get("loc", [])[1:])
            typer.echo(f"error: {where}: {problem.get('msg')}", err=True)
        raise typer.Exit(EXIT_INVALID)
    if response.status_code == 401:
        source = token.source if token else "nowhere"
        raise fail(
            f"the engine at {url} refused the API token from {source} (HTTP 401): it must "
            f"equal the engine's {AUTH_VARIABLE}; {HOW_TO}"
        )
    if response.status_code == 403:
        raise fail(f"the engine at {url} refuses silence changes: {_detail(response)}")
    if response.status_code >= 400:
        raise fail(f"{url}{path}: HTTP {response.status_code}: {_detail(response)}")
    return response.json()
