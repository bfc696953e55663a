"""`make demo` from the scripts it calls: it starts, shows live figures and stops cleanly."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psutil

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_demo_shows_live_route_figures_and_leaves_no_process(tmp_path: Path) -> None:
    port, exporter_port = free_port(), free_port()
    env = {
        **os.environ,
        "FTW_HOME": str(tmp_path / "home"),
        "MARKETPLACE_PORT": str(port),
        "EXPORTER_PORT": str(exporter_port),
        "DEMO_UPDATES": "1",
        "DEMO_INTERVAL": "4",
        "DEMO_RATE": "10",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"http://127.0.0.1:{port}/docs" in result.stdout
    assert "req/s" in result.stdout
    assert "/api/jobs" in result.stdout
    assert f"http://127.0.0.1:{exporter_port}/metrics" in result.stdout
    assert (tmp_path / "home" / "operator.key").stat().st_mode & 0o077 == 0
    leftovers = [
        proc.info["cmdline"]
        for proc in psutil.process_iter(["cmdline"])
        if any(
            str(p) in part for p in (port, exporter_port) for part in (proc.info["cmdline"] or [])
        )
    ]
    assert leftovers == []
