"""Throwaway resources on this machine's services: free ports, Postgres databases, Redis keys.

Plain functions, without pytest, so that the benchmarks provision the same way as the tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid

import psycopg
import redis
from psycopg import sql

POSTGRES_ADMIN_URL = os.environ.get("FTW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS_TEST_URL = os.environ.get("FTW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True)


def end_connections(url: str) -> None:
    """End every server process of the database at `url`, as a restart of Postgres would."""
    name = url.rsplit("/", 1)[1]
    with _admin_connection() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )


def create_database() -> str:
    """Create an empty, uniquely named Postgres database and return its URL."""
    name = f"ftw_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{POSTGRES_ADMIN_URL}/{name}"


def drop_database(url: str) -> None:
    """Drop the database at `url`, disconnecting whoever still uses it."""
    name = url.rsplit("/", 1)[1]
    with _admin_connection() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def delete_redis_keys(prefix: str) -> None:
    """Delete every key under `prefix` in the test Redis."""
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def stop_process(process: subprocess.Popen[bytes], grace: float = 20) -> None:
    """Terminate a server process (SIGKILL after `grace` seconds) and wait for it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
