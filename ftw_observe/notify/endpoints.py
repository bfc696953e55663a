"""What every receiver's HTTP client checks the same way: endpoints and `Retry-After`."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

DEFAULT_RETRY_AFTER = 30.0


def check_endpoint(url: str, variable: str) -> str:
    """Return `url` when it is https://, or http:// on a loopback host; raise ValueError."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and _loopback(host):
        return url
    shown = f"{parts.scheme}://{host}" if parts.scheme else repr(url[:40])
    raise ValueError(
        f"{variable} must be an https:// URL (plain http:// only for 127.0.0.1, ::1 or "
        f"localhost), not {shown}"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_retry_after(value: str | None, default: float = DEFAULT_RETRY_AFTER) -> float:
    """Return the seconds a `Retry-After` header asks for (seconds or an HTTP date)."""
    if not value:
        return default
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)
