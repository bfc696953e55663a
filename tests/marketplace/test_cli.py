"""`ftw-marketplace` commands: migrate, seed, and clear errors on bad settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from marketplace.app import create_app
from marketplace.config import Settings

CLI = str(Path(sys.executable).parent / "ftw-marketplace")


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )


def test_seed_prints_keys_that_authenticate(postgres_url: str) -> None:
    result = _run(
        "seed",
        "--json",
        "--homeowners",
        "1",
        "--contractors",
        "1",
        env={"DATABASE_URL": postgres_url},
    )
    assert result.returncode == 0, result.stderr
    seeded = json.loads(result.stdout)
    roles = sorted(user["role"] for user in seeded["users"])
    assert roles == ["contractor", "homeowner", "operator"]
    with TestClient(create_app(Settings(database_url=postgres_url))) as client:
        for user in seeded["users"]:
            me = client.get("/api/me", headers={"Authorization": f"Bearer {user['api_key']}"})
            assert me.json()["role"] == user["role"]


def test_seeding_again_issues_new_keys_and_revokes_the_old(postgres_url: str) -> None:
    env = {"DATABASE_URL": postgres_url}
    first = json.loads(_run("seed", "--json", env=env).stdout)["operator"]
    second = json.loads(_run("seed", "--json", env=env).stdout)["operator"]
    assert first["id"] == second["id"]
    with TestClient(create_app(Settings(database_url=postgres_url))) as client:
        old = client.get("/api/me", headers={"Authorization": f"Bearer {first['api_key']}"})
        new = client.get("/api/me", headers={"Authorization": f"Bearer {second['api_key']}"})
    assert (old.status_code, new.status_code) == (401, 200)


def test_bad_setting_is_named_and_exits_2(tmp_path: Path) -> None:
    result = _run(
        "migrate",
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "FTW_DB_POOL_SIZE": "many"},
    )
    assert result.returncode == 2
    assert "FTW_DB_POOL_SIZE" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_schema(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    result = _run("migrate", env={"DATABASE_URL": f"sqlite:///{database}"})
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert database.exists()


def test_seed_ignores_a_missing_multiprocess_directory(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "not-yet"),
    }
    result = _run("seed", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "not-yet").exists()


def test_seed_output_json_is_the_same_as_json(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = _run("seed", "-o", "json", "--homeowners", "1", "--contractors", "1", env=env)
    assert result.returncode == 0, result.stderr
    seeded = json.loads(result.stdout)
    assert {user["role"] for user in seeded["users"]} >= {"homeowner", "contractor"}
