"""Credentials for a secured Prometheus-compatible API, from environment variables.

Secrets live in files and are never held here: `PrometheusAuth` keeps paths, and the token or
password is read on every request, so a rotated file counts from the next query on without a
restart. TLS files are loaded when the client is built (restart to pick up a new certificate).
"""

from __future__ import annotations

import base64
import re
import ssl
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

# The names of variables that point at secrets, not secrets.
BEARER_TOKEN_FILE = "PROMETHEUS_BEARER_TOKEN_FILE"  # noqa: S105
BASIC_AUTH_USER = "PROMETHEUS_BASIC_AUTH_USER"
BASIC_AUTH_PASSWORD_FILE = "PROMETHEUS_BASIC_AUTH_PASSWORD_FILE"  # noqa: S105
CA_FILE = "PROMETHEUS_CA_FILE"
CLIENT_CERT_FILE = "PROMETHEUS_CLIENT_CERT_FILE"
CLIENT_KEY_FILE = "PROMETHEUS_CLIENT_KEY_FILE"
HEADERS = "PROMETHEUS_HEADERS"
AUTH_VARIABLES = (
    BEARER_TOKEN_FILE,
    BASIC_AUTH_USER,
    BASIC_AUTH_PASSWORD_FILE,
    CA_FILE,
    CLIENT_CERT_FILE,
    CLIENT_KEY_FILE,
    HEADERS,
)
# RFC 9110's token: the characters a header name may hold.
HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Headers the client sets itself: a value from PROMETHEUS_HEADERS would break or bypass them.
RESERVED_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "host", "content-length", "content-type", "cookie"}
)


class PrometheusAuthError(ValueError):
    """Raised when a credential variable or file is unusable; it names the variable."""


@dataclass(frozen=True, repr=False)
class PrometheusAuth:
    """How to authenticate to Prometheus: paths to secret files, TLS files and extra headers.

    >>> PrometheusAuth(headers=(("X-Scope-OrgID", "team-a"),))
    PrometheusAuth(headers=['X-Scope-OrgID'])
    """

    bearer_token_file: Path | None = None
    basic_user: str | None = None
    basic_password_file: Path | None = None
    ca_file: Path | None = None
    client_cert_file: Path | None = None
    client_key_file: Path | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        # Paths and the user name are safe to log; header values may carry a tenant or key.
        parts = [
            f"{name}={value!s}"
            for name, value in (
                ("bearer_token_file", self.bearer_token_file),
                ("basic_user", self.basic_user),
                ("basic_password_file", self.basic_password_file),
                ("ca_file", self.ca_file),
                ("client_cert_file", self.client_cert_file),
                ("client_key_file", self.client_key_file),
            )
            if value is not None
        ]
        if self.headers:
            parts.append(f"headers={[name for name, _ in self.headers]}")
        return f"PrometheusAuth({', '.join(parts)})"

    @property
    def scheme(self) -> str:
        """Return how requests authenticate: bearer, basic or none (TLS aside)."""
        return "bearer" if self.bearer_token_file else "basic" if self.basic_user else "none"


def _file(env: Mapping[str, str], name: str) -> Path | None:
    """Return the path a variable names after checking it is a readable file."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    path = Path(raw)
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise PrometheusAuthError(f"{name}={raw}: cannot read the file: {reason}") from None
    return path


def parse_headers(raw: str) -> tuple[tuple[str, str], ...]:
    """Parse `Name=value,Name=value` into header pairs; errors never quote a value."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw.split(","), start=1):
        if not item.strip():
            continue
        name, equals, value = item.partition("=")
        name, value = name.strip(), value.strip()
        where = f"{HEADERS} entry {index}"
        if not equals or not name:
            raise PrometheusAuthError(f"{where} must be Name=value, e.g. X-Scope-OrgID=team-a")
        if not HEADER_NAME.match(name):
            raise PrometheusAuthError(f"{where}: {name!r} is not a valid header name")
        if name.lower() in RESERVED_HEADERS:
            hint = (
                f" (use {BEARER_TOKEN_FILE} or {BASIC_AUTH_USER})" if "auth" in name.lower() else ""
            )
            raise PrometheusAuthError(f"{where}: {name} is set by the client itself{hint}")
        if not value or any(not ch.isprintable() for ch in value):
            raise PrometheusAuthError(f"{where}: the value of {name} is empty or not printable")
        if name.lower() in seen:
            raise PrometheusAuthError(f"{where}: {name} is given twice")
        seen.add(name.lower())
        pairs.append((name, value))
    return tuple(pairs)


def prometheus_auth(env: Mapping[str, str], url: str) -> PrometheusAuth:
    """Read and check the credential variables for the Prometheus at `url`."""
    bearer = _file(env, BEARER_TOKEN_FILE)
    user = (env.get(BASIC_AUTH_USER) or "").strip() or None
    password = _file(env, BASIC_AUTH_PASSWORD_FILE)
    if bearer and (user or password):
        raise PrometheusAuthError(
            f"{BEARER_TOKEN_FILE} and {BASIC_AUTH_USER}/{BASIC_AUTH_PASSWORD_FILE} are both set: "
            "choose one"
        )
    if (bearer or user) and "@" in urlsplit(url).netloc:
        raise PrometheusAuthError(
            "PROMETHEUS_URL holds a user and password and a credential file is set: choose one"
        )
    if bool(user) != bool(password):
        given, missing = (
            (BASIC_AUTH_USER, BASIC_AUTH_PASSWORD_FILE)
            if user
            else (BASIC_AUTH_PASSWORD_FILE, BASIC_AUTH_USER)
        )
        raise PrometheusAuthError(f"{given} is set without {missing}")
    cert, key = _file(env, CLIENT_CERT_FILE), _file(env, CLIENT_KEY_FILE)
    if bool(cert) != bool(key):
        given, missing = (
            (CLIENT_CERT_FILE, CLIENT_KEY_FILE) if cert else (CLIENT_KEY_FILE, CLIENT_CERT_FILE)
        )
        raise PrometheusAuthError(f"{given} is set without {missing}")
    ca = _file(env, CA_FILE)
    if (ca or cert) and urlsplit(url).scheme != "https":
        variable = CA_FILE if ca else CLIENT_CERT_FILE
        raise PrometheusAuthError(f"{variable} is set but PROMETHEUS_URL is not an https:// URL")
    auth = PrometheusAuth(
        bearer_token_file=bearer,
        basic_user=user,
        basic_password_file=password,
        ca_file=ca,
        client_cert_file=cert,
        client_key_file=key,
        headers=parse_headers(env.get(HEADERS) or ""),
    )
    if auth.bearer_token_file:
        read_secret(auth.bearer_token_file, BEARER_TOKEN_FILE)
    if auth.basic_password_file:
        read_secret(auth.basic_password_file, BASIC_AUTH_PASSWORD_FILE)
    if ca or cert:
        tls_context(auth)
    return auth


def read_secret(path: Path, variable: str) -> str:
    """Return a secret file's content without surrounding whitespace; never quote it."""
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise PrometheusAuthError(f"{variable}={path}: cannot read the file: {reason}") from None
    if not secret or any(not ch.isprintable() for ch in secret):
        raise PrometheusAuthError(f"{variable}={path}: the file is empty or holds several lines")
    return secret


def tls_context(auth: PrometheusAuth) -> ssl.SSLContext | bool:
    """Return the TLS context for the CA and client certificate, or True for the defaults."""
    if not (auth.ca_file or auth.client_cert_file):
        return True
    try:
        context = ssl.create_default_context(cafile=str(auth.ca_file) if auth.ca_file else None)
    except (OSError, ssl.SSLError) as error:
        problem = f"not a PEM CA bundle: {error}"
        raise PrometheusAuthError(f"{CA_FILE}={auth.ca_file}: {problem}") from None
    if auth.client_cert_file and auth.client_key_file:
        try:
            context.load_cert_chain(auth.client_cert_file, auth.client_key_file)
        except (OSError, ssl.SSLError) as error:
            raise PrometheusAuthError(
                f"{CLIENT_CERT_FILE}={auth.client_cert_file}, {CLIENT_KEY_FILE}="
                f"{auth.client_key_file}: not a PEM certificate and its key: {error}"
            ) from None
    return context


class FileCredentials(httpx.Auth):
    """Set the Authorization header from the secret file, read again for every request."""

    def __init__(self, auth: PrometheusAuth) -> None:
        self.auth = auth

    def __repr__(self) -> str:
        return f"FileCredentials({self.auth!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the current credentials to the request."""
        auth = self.auth
        if auth.bearer_token_file:
            token = read_secret(auth.bearer_token_file, BEARER_TOKEN_FILE)
            request.headers["Authorization"] = f"Bearer {token}"
        elif auth.basic_user and auth.basic_password_file:
            password = read_secret(auth.basic_password_file, BASIC_AUTH_PASSWORD_FILE)
            pair = f"{auth.basic_user}:{password}".encode()
            request.headers["Authorization"] = f"Basic {base64.b64encode(pair).decode('ascii')}"
        yield request
