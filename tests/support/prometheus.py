"""A real Prometheus server for tests: own config, data directory and port; fast intervals."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.services import stop_process


@dataclass
class PrometheusServer:
    """A running `prometheus` process scraping the given targets and loading rule files."""

    url: str
    process: subprocess.Popen[bytes]
    directory: Path
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def query(self, promql: str, at: float | None = None) -> list[dict[str, Any]]:
        """Run an instant query and return the result list."""
        data = {"query": promql} if at is None else {"query": promql, "time": f"{at:.3f}"}
        response = httpx.post(f"{self.url}/api/v1/query", data=data, timeout=10)
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()["data"]["result"]
        return result

    def stop(self) -> None:
        """Stop the server and wait for it."""
        stop_process(self.process)


def start_prometheus(
    directory: Path,
    port: int,
    *,
    jobs: dict[str, list[str]],
    rule_files: list[Path],
    interval: str = "1s",
    alertmanagers: list[str] | None = None,
    retention: str = "1d",
) -> PrometheusServer:
    """Start Prometheus scraping `jobs` (job name → host:port targets); return once it is up."""
    binary = shutil.which("prometheus")
    assert binary, "prometheus is not installed: `make test` installs Debian's package"
    directory.mkdir(parents=True, exist_ok=True)
    rules = []
    for index, source in enumerate(rule_files):
        copy = directory / f"{index}-{source.name}"
        shutil.copy(source, copy)
        rules.append(str(copy))
    config: dict[str, Any] = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": rules,
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": targets}]}
            for job, targets in jobs.items()
        ],
    }
    if alertmanagers:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": alertmanagers}]}]}
    (directory / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = directory / "prometheus.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={directory / 'prometheus.yml'}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--web.enable-lifecycle",
                f"--storage.tsdb.retention.time={retention}",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return PrometheusServer(f"http://127.0.0.1:{port}", process, directory, log)


def is_ready(server: PrometheusServer) -> bool:
    """Tell whether Prometheus answers its readiness probe."""
    if server.process.poll() is not None:
        raise RuntimeError(f"prometheus exited: {server.log.read_text()[-2000:]}")
    try:
        return httpx.get(f"{server.url}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
