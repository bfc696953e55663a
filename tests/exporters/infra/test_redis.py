"""The Redis source against real servers: values match what Redis says of itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exporters.infra.redis import RedisSource
from exporters.source import SourceError
from tests.conftest import REDIS_TEST_URL, RedisServer, free_port
from tests.exporters.infra.conftest import assert_promtool_accepts, sample_value

FAMILIES = {
    "ftw_redis_keyspace_hits_total",
    "ftw_redis_keyspace_misses_total",
    "ftw_redis_commands_processed_total",
    "ftw_redis_evicted_keys_total",
    "ftw_redis_memory_used_bytes",
    "ftw_redis_memory_max_bytes",
    "ftw_redis_connected_clients",
    "ftw_redis_instantaneous_ops_per_second",
}


@pytest.fixture
def source(redis_server: RedisServer) -> Iterator[RedisSource]:
    source = RedisSource(redis_server.url)
    yield source
    source.close()


def test_constructing_a_source_opens_no_connection(redis_server: RedisServer) -> None:
    RedisSource(redis_server.url)

    with redis_server.client() as admin:
        assert admin.info("clients")["connected_clients"] == 1


def test_reads_every_family_from_the_shared_redis() -> None:
    source = RedisSource(REDIS_TEST_URL)
    try:
        names = {sample.name for family in source.read() for sample in family.samples}
    finally:
        source.close()

    assert names == FAMILIES


def test_keyspace_hits_grow_by_the_hits_caused(
    redis_server: RedisServer, source: RedisSource
) -> None:
    with redis_server.client() as client:
        client.set("present", "1")
        before = sample_value(source.read(), "ftw_redis_keyspace_hits_total")
        for _ in range(3):
            client.get("present")

        assert sample_value(source.read(), "ftw_redis_keyspace_hits_total") == before + 3


def test_keyspace_misses_grow_by_the_misses_caused(
    redis_server: RedisServer, source: RedisSource
) -> None:
    with redis_server.client() as client:
        before = sample_value(source.read(), "ftw_redis_keyspace_misses_total")
        for _ in range(2):
            client.get("absent")

        assert sample_value(source.read(), "ftw_redis_keyspace_misses_total") == before + 2


def test_commands_processed_grow_by_the_commands_sent(
    redis_server: RedisServer, source: RedisSource
) -> None:
    with redis_server.client() as client:
        # Connect first: a new connection sends setup commands of its own.
        client.ping()
        before = sample_value(source.read(), "ftw_redis_commands_processed_total")
        for index in range(5):
            client.set(f"key-{index}", "1")

        after = sample_value(source.read(), "ftw_redis_commands_processed_total")

    # The previous read's INFO is counted once it finished, so it shows up in this one.
    assert after == before + 5 + 1


def test_evicted_keys_match_the_servers_count(
    redis_server: RedisServer, source: RedisSource
) -> None:
    with redis_server.client() as client:
        client.config_set("maxmemory", "2mb")
        client.config_set("maxmemory-policy", "allkeys-random")
        for index in range(100):
            client.set(f"big-{index}", "x" * 100_000)
        evicted = client.info("stats")["evicted_keys"]

        assert evicted > 0
        assert sample_value(source.read(), "ftw_redis_evicted_keys_total") == evicted


def test_memory_max_matches_the_configured_maxmemory(
    redis_server: RedisServer, source: RedisSource
) -> None:
    with redis_server.client() as client:
        client.config_set("maxmemory", str(64 * 1024 * 1024))

    assert sample_value(source.read(), "ftw_redis_memory_max_bytes") == 64 * 1024 * 1024


def test_memory_max_is_zero_without_a_limit(source: RedisSource) -> None:
    assert sample_value(source.read(), "ftw_redis_memory_max_bytes") == 0


def test_memory_used_is_positive(source: RedisSource) -> None:
    assert sample_value(source.read(), "ftw_redis_memory_used_bytes") > 0


def test_connected_clients_count_every_open_client(
    redis_server: RedisServer, source: RedisSource
) -> None:
    clients = [redis_server.client() for _ in range(3)]
    try:
        for client in clients:
            client.ping()

        # The three clients and the source's own connection.
        assert sample_value(source.read(), "ftw_redis_connected_clients") == 4
    finally:
        for client in clients:
            client.close()


@pytest.mark.timeout(15)
def test_read_of_a_dead_port_raises_source_error() -> None:
    port = free_port()
    source = RedisSource(f"redis://127.0.0.1:{port}/0")

    with pytest.raises(SourceError, match=f"127.0.0.1:{port}"):
        source.read()


def test_error_message_leaves_out_the_password() -> None:
    source = RedisSource(f"redis://:hunter2@127.0.0.1:{free_port()}/0")

    with pytest.raises(SourceError) as raised:
        source.read()

    assert "hunter2" not in str(raised.value)


def test_read_recovers_when_the_server_comes_back(
    redis_server: RedisServer, source: RedisSource
) -> None:
    source.read()
    redis_server.kill()
    with pytest.raises(SourceError):
        source.read()

    redis_server.start()

    assert sample_value(source.read(), "ftw_redis_connected_clients") == 1


def test_every_family_passes_promtool(source: RedisSource) -> None:
    assert_promtool_accepts(source.read())
