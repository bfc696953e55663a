"""VictoriaMetrics and vmalert for tests: own ports, data directories and logs.

`start_victoriametrics` runs Debian's single-node `victoria-metrics`, scraping the given jobs
with its Prometheus-compatible scraper; `start_vmalert` evaluates rule files against it and
writes the recorded series and `ALERTS` back into it. The flags are the ones the README's
"Running in production" recommends for a low time to page.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.services import free_port, stop_process

# VictoriaMetrics hides samples younger than -search.latencyOffset (30 s by default) from
# queries: every level of chained recording rules under vmalert then lags by that much.
VICTORIAMETRICS_FLAGS = ("-search.latencyOffset=1s", "-retentionPeriod=1d")
# vmalert's defaults evaluate every minute and flush recorded series every 5 s; the rules
# are written for Prometheus's 5 s evaluation here, and each chained level waits a flush.
VMALERT_FLAGS = ("-evaluationInterval=5s", "-remoteWrite.flushInterval=1s")


@dataclass
class Server:
    """One running process of the VictoriaMetrics family and where it listens."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def query(self, promql: str, at: float | None = None) -> list[dict[str, Any]]:
        """Run an instant query and return the result list."""
        data = {"query": promql} if at is None else {"query": promql, "time": f"{at:.3f}"}
        response = httpx.post(f"{self.url}/api/v1/query", data=data, timeout=30)
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()["data"]["result"]
        return result

    def get(self, path: str) -> Any:
        """Return the JSON of a GET on `path`."""
        response = httpx.get(f"{self.url}{path}", timeout=30)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        """Stop the process and wait for it."""
        stop_process(self.process)

    def wait_ready(self, timeout: float = 60) -> None:
        """Return once the process answers its health check; raise if it exits or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready within {timeout:g} s: {self.log}")


def _binary(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not installed: `make test` installs Debian's victoria-metrics"
    return found


def _start(name: str, arguments: list[str], directory: Path, port: int) -> Server:
    log = directory / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [_binary(name), f"-httpListenAddr=127.0.0.1:{port}", *arguments],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(name, f"http://127.0.0.1:{port}", process, log)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


def start_victoriametrics(
    directory: Path, jobs: dict[str, list[str]], interval: str = "5s"
) -> Server:
    """Start VictoriaMetrics scraping `jobs` (job name → host:port targets) every `interval`."""
    directory.mkdir(parents=True, exist_ok=True)
    config = {
        "global": {"scrape_interval": interval},
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": targets}]}
            for job, targets in jobs.items()
        ],
    }
    scrape = directory / "scrape.yml"
    scrape.write_text(yaml.safe_dump(config))
    arguments = [
        f"-storageDataPath={directory / 'data'}",
        f"-promscrape.config={scrape}",
        *VICTORIAMETRICS_FLAGS,
    ]
    return _start("victoria-metrics", arguments, directory, free_port())


def start_vmalert(
    directory: Path, datasource: str, rule_files: list[Path], notifier: str
) -> Server:
    """Start vmalert on `rule_files`, reading and writing `datasource`, alerting `notifier`."""
    directory.mkdir(parents=True, exist_ok=True)
    arguments = [
        *(f"-rule={path}" for path in rule_files),
        f"-datasource.url={datasource}",
        f"-remoteWrite.url={datasource}",
        f"-remoteRead.url={datasource}",
        f"-notifier.url={notifier}",
        *VMALERT_FLAGS,
    ]
    return _start("vmalert", arguments, directory, free_port())


def prometheus_text(openmetrics: Iterable[str]) -> Iterator[str]:
    """Return OpenMetrics sample lines (timestamps in seconds) as Prometheus text (in ms)."""
    for line in openmetrics:
        if line.startswith("#") or not line.strip():
            continue
        sample, _, seconds = line.rstrip("\n").rpartition(" ")
        yield f"{sample} {round(float(seconds) * 1000)}\n"


def import_openmetrics(server: Server, path: Path, batch: int = 100_000) -> None:
    """Import the samples of an OpenMetrics file into VictoriaMetrics, searchable at once."""
    with path.open() as lines:
        chunk: list[str] = []
        for line in prometheus_text(lines):
            chunk.append(line)
            if len(chunk) == batch:
                _post_import(server, chunk)
                chunk = []
        if chunk:
            _post_import(server, chunk)
    httpx.get(f"{server.url}/internal/force_flush", timeout=60).raise_for_status()


def _post_import(server: Server, lines: list[str]) -> None:
    url = f"{server.url}/api/v1/import/prometheus"
    httpx.post(url, content="".join(lines).encode(), timeout=120).raise_for_status()


def replay_rules(
    directory: Path, datasource: str, rule_file: Path, start: float, end: float
) -> None:
    """Evaluate `rule_file` over [start, end] with vmalert's replay, writing into `datasource`."""
    directory.mkdir(parents=True, exist_ok=True)

    def rfc3339(at: float) -> str:
        return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    log = directory / "replay.log"
    with log.open("wb") as sink:
        done = subprocess.run(
            [
                _binary("vmalert"),
                f"-rule={rule_file}",
                f"-datasource.url={datasource}",
                f"-remoteWrite.url={datasource}",
                f"-replay.timeFrom={rfc3339(start)}",
                f"-replay.timeTo={rfc3339(end)}",
                "-replay.disableProgressBar",
                f"-httpListenAddr=127.0.0.1:{free_port()}",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"vmalert replay failed: {log.read_text()[-2000:]}")
    httpx.get(f"{datasource}/internal/force_flush", timeout=60).raise_for_status()
