"""Assemble the sources for a configuration and serve them over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from wsgiref.simple_server import WSGIServer
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prometheus_client import CollectorRegistry, ProcessCollector, start_http_server

from exporters.business.source import BusinessSource
from exporters.guard import GuardedCollector
from exporters.infra.host import HostSource
from exporters.infra.postgres import PostgresSource
from exporters.infra.redis import RedisSource
from exporters.source import Source
from marketplace.db.session import normalise_url


@dataclass(frozen=True)
class ExporterConfig:
    """What the exporter reads, and how long it may take.

    Usage::

        exporter = start(ExporterConfig(database_url="postgresql://…"), "127.0.0.1", 9464)
    """

    database_url: str
    redis_url: str | None = None
    data_dir: Path = Path(".ftw")
    timeout: float = 2.0
    overlap: timedelta = timedelta(seconds=30)
    timezone: str = "America/Chicago"


def build_sources(config: ExporterConfig) -> list[Source]:
    """Return the sources a configuration asks for; nothing is connected yet."""
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"FTW_BUSINESS_TIMEZONE: unknown time zone {config.timezone!r}") from None
    sources: list[Source] = [
        BusinessSource(config.database_url, overlap=config.overlap, timezone=config.timezone),
        HostSource(str(config.data_dir)),
    ]
    if normalise_url(config.database_url).startswith("postgresql"):
        sources.append(PostgresSource(config.database_url))
    if config.redis_url:
        sources.append(RedisSource(config.redis_url))
    return sources


@dataclass
class Exporter:
    """A running exporter: its HTTP server and its sources."""

    server: WSGIServer
    collector: GuardedCollector
    sources: list[Source]

    @property
    def port(self) -> int:
        """Return the port the server listens on."""
        return int(self.server.server_address[1])

    def stop(self) -> None:
        """Stop serving and close every source."""
        self.server.shutdown()
        self.server.server_close()
        self.collector.close()
        for source in self.sources:
            source.close()


def start(config: ExporterConfig, host: str, port: int) -> Exporter:
    """Start serving /metrics in a background thread."""
    sources = build_sources(config)
    registry = CollectorRegistry()
    collector = GuardedCollector(sources, timeout=config.timeout)
    registry.register(collector)
    ProcessCollector(registry=registry)
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return Exporter(server, collector, sources)
