"""The whole observed stack for live tests: marketplace, exporter, traffic and Prometheus.

The marketplace runs on its own Postgres database and Redis key prefix; Prometheus scrapes it
and the exporter every second and loads the generated rules, so recorded `ftw_slo:*` series
exist within seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import (
    REDIS_TEST_URL,
    create_database,
    delete_redis_keys,
    drop_database,
    free_port,
    wait_until,
)
from tests.support.prometheus import PrometheusServer, is_ready, start_prometheus

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class LiveStack:
    """URLs of the running parts."""

    marketplace: str
    exporter: str
    prometheus: PrometheusServer
    operator_key: str


def _process(
    args: list[str], env: dict[str, str], log: Path, stack: ExitStack
) -> subprocess.Popen[bytes]:
    sink = stack.enter_context(log.open("wb"))
    process = subprocess.Popen(
        args, env={**os.environ, **env}, stdout=sink, stderr=subprocess.STDOUT, cwd=REPO
    )

    def stop() -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    stack.callback(stop)
    return process


@contextmanager
def live_stack(directory: Path, *, rate: float = 30, duration: float = 600) -> Iterator[LiveStack]:
    """Run the stack until the context ends; everything is stopped and removed afterwards."""
    directory.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        database = create_database()
        stack.callback(drop_database, database)
        prefix = f"ftw-live-{os.getpid()}-{free_port()}:"
        stack.callback(delete_redis_keys, prefix)
        env = {
            "DATABASE_URL": database,
            "REDIS_URL": REDIS_TEST_URL,
            "REDIS_KEY_PREFIX": prefix,
            "PROMETHEUS_MULTIPROC_DIR": str(directory / "multiproc"),
            "FTW_DATA_DIR": str(directory),
        }
        market_port, exporter_port = free_port(), free_port()
        marketplace = f"http://127.0.0.1:{market_port}"
        server = _process(
            [str(BIN / "ftw-marketplace"), "serve", "--port", str(market_port)],
            env,
            directory / "marketplace.log",
            stack,
        )

        def ready() -> bool:
            if server.poll() is not None:
                raise RuntimeError((directory / "marketplace.log").read_text())
            return httpx.get(f"{marketplace}/readyz", timeout=2).status_code == 200

        wait_until(ready, timeout=60)
        seeded = subprocess.run(
            [str(BIN / "ftw-marketplace"), "seed", "--json"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        operator_key = json.loads(seeded.stdout)["operator"]["api_key"]
        _process(
            [
                str(BIN / "ftw-exporter"),
                "--port",
                str(exporter_port),
                "--redis-url",
                REDIS_TEST_URL,
            ],
            env,
            directory / "exporter.log",
            stack,
        )
        _process(
            [
                str(BIN / "ftw-loadgen"),
                "run",
                "--url",
                marketplace,
                "--rate",
                f"{rate:g}",
                "--duration",
                f"{duration:g}",
                "--progress-interval",
                "0",
            ],
            {**env, "FTW_OPERATOR_KEY": operator_key},
            directory / "loadgen.log",
            stack,
        )
        prometheus = start_prometheus(
            directory / "prometheus",
            free_port(),
            jobs={
                "marketplace": [f"127.0.0.1:{market_port}"],
                "ftw-exporter": [f"127.0.0.1:{exporter_port}"],
            },
            rule_files=sorted((REPO / "alerts").glob("*.rules.yml")),
        )
        stack.callback(prometheus.stop)
        wait_until(lambda: is_ready(prometheus), timeout=60)
        yield LiveStack(marketplace, f"http://127.0.0.1:{exporter_port}", prometheus, operator_key)
