"""Redis health from INFO: cache effectiveness, throughput, memory and clients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import redis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from redis.backoff import NoBackoff
from redis.retry import Retry

from exporters.source import SourceError

# (INFO field, metric name without prefix, help); counters get _total from prometheus_client.
_COUNTERS = (
    ("keyspace_hits", "keyspace_hits", "Key lookups that found the key."),
    ("keyspace_misses", "keyspace_misses", "Key lookups that did not find the key."),
    ("total_commands_processed", "commands_processed", "Commands the server processed."),
    ("evicted_keys", "evicted_keys", "Keys evicted because memory reached maxmemory."),
)
_GAUGES = (
    ("used_memory", "memory_used_bytes", "Memory allocated by Redis."),
    ("maxmemory", "memory_max_bytes", "Configured memory limit (maxmemory); 0 means no limit."),
    ("connected_clients", "connected_clients", "Client connections, replicas excluded."),
    (
        "instantaneous_ops_per_sec",
        "instantaneous_ops_per_second",
        "Commands per second as Redis samples them over its last few seconds.",
    ),
)


class RedisSource:
    """Reads one INFO reply per scrape and turns its fields into metric families.

    Usage::

        source = RedisSource("redis://127.0.0.1:6379/0")
        families = source.read()
    """

    name = "redis"

    def __init__(self, url: str, timeout: float = 1.0) -> None:
        # Building the client opens no socket; the pool connects on first use and replaces
        # a connection the server closed, so a restarted Redis is picked up by itself.
        # redis-py retries ten times by default with up to 1 s of backoff; without retries
        # one scrape makes one attempt bounded by `timeout`.
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        kwargs = self._client.get_connection_kwargs()
        self._target = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
        if kwargs.get("path"):
            self._target = str(kwargs["path"])

    def read(self) -> Sequence[Metric]:
        """Ask the server for INFO and return its metric families."""
        try:
            info = self._client.info()
        except redis.RedisError as exc:
            # Drop every pooled socket so the next read starts from a clean connection.
            self._client.connection_pool.disconnect()
            raise SourceError(f"Redis at {self._target}: {type(exc).__name__}: {exc}") from exc
        return _families(info, self._target)

    def close(self) -> None:
        """Close pooled connections; the next read opens a new one."""
        self._client.close()


def _families(info: Mapping[str, Any], target: str) -> list[Metric]:
    """Build every family from one INFO reply."""
    families: list[Metric] = []
    for field, name, documentation in _COUNTERS:
        value = _field(info, field, target)
        families.append(CounterMetricFamily(f"ftw_redis_{name}", documentation, value=value))
    for field, name, documentation in _GAUGES:
        value = _field(info, field, target)
        families.append(GaugeMetricFamily(f"ftw_redis_{name}", documentation, value=value))
    return families


def _field(info: Mapping[str, Any], field: str, target: str) -> float:
    """Return a numeric INFO field, or raise naming the one that is missing."""
    try:
        return float(info[field])
    except (KeyError, TypeError, ValueError):
        raise SourceError(f"Redis at {target}: INFO has no numeric {field!r}") from None
