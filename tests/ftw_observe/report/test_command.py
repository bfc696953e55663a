"""`ftw-observe report` end to end: specs and a real store in, a report out, clear errors."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from ftw_observe.report.command import report
from ftw_observe.report.load import load_instances
from ftw_observe.store import Store
from tests.ftw_observe.report.data import SLOS, SPEC, WINDOW

app = typer.Typer()


@app.callback()
def main() -> None:
    """Stand in for `ftw-observe`."""


app.command("report")(report)

UNTIL = "2024-06-08T06:00:00+00:00"


@pytest.fixture
def slo_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "slo"
    directory.mkdir()
    (directory / "marketplace.yaml").write_text(SPEC, encoding="utf-8")
    return directory


def run(*args: str):
    return CliRunner().invoke(app, ["report", *args])


def test_markdown_goes_to_stdout(seeded_store: Store, report_db: str, slo_dir: Path) -> None:
    result = run(
        "--period",
        "6h",
        "--until",
        UNTIL,
        "--database-url",
        report_db,
        "--slo-dir",
        str(slo_dir),
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# SLO report 2024-06-08 00:00:00 UTC to 2024-06-08 06:00:00")
    assert "| 63 | 5,000 | 98.740 % | 8.8 % | 3.8 min | 5 / 6 | 5 | burning |" in result.stdout


def test_csv_goes_to_a_file_with_database_and_specs_from_the_environment(
    seeded_store: Store,
    report_db: str,
    slo_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FTW_OBSERVE_DATABASE_URL", report_db)
    monkeypatch.setenv("FTW_SLO_DIR", str(slo_dir))
    target = tmp_path / "report.csv"
    result = run(
        "--period", "6h", "--until", "2024-06-08 06:00:00", "--format", "csv", "-o", str(target)
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    table = pd.read_csv(target)
    assert table["budget_consumed_minutes"].iloc[0] == pytest.approx(3.78)


def test_html_renders(seeded_store: Store, report_db: str, slo_dir: Path) -> None:
    result = run(
        "--period",
        "6h",
        "--until",
        UNTIL,
        "--format",
        "html",
        "--database-url",
        report_db,
        "--slo-dir",
        str(slo_dir),
    )
    assert result.exit_code == 0, result.stderr
    assert "<svg" in result.stdout


@pytest.mark.parametrize("period", ["thirty days", "30m", "0d"])
def test_a_bad_period_exits_2(period: str, report_db: str, slo_dir: Path) -> None:
    result = run("--period", period, "--database-url", report_db, "--slo-dir", str(slo_dir))
    assert result.exit_code == 2
    assert "error: --period" in result.stderr


def test_a_bad_format_exits_2(slo_dir: Path) -> None:
    assert run("--format", "pdf", "--slo-dir", str(slo_dir)).exit_code == 2


def test_a_missing_sqlite_file_exits_1_without_creating_it(tmp_path: Path, slo_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere' / 'observe.db'}"
    result = run("--database-url", url, "--slo-dir", str(slo_dir))
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_a_database_without_the_store_exits_1(tmp_path: Path, slo_dir: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    result = run("--database-url", f"sqlite:///{empty}", "--slo-dir", str(slo_dir))
    assert result.exit_code == 1
    assert f"cannot read the store at sqlite:///{empty}" in result.stderr


def test_an_unreachable_database_is_named_without_its_password(slo_dir: Path) -> None:
    url = "postgresql://reporter:s3cr3t@127.0.0.1:1/observe"
    result = run("--database-url", url, "--slo-dir", str(slo_dir))
    assert result.exit_code == 1
    assert "reporter:***@127.0.0.1:1/observe" in result.stderr
    assert "s3cr3t" not in result.stderr + result.stdout


def test_invalid_specs_exit_1(tmp_path: Path, report_db: str) -> None:
    (tmp_path / "bad.yaml").write_text("service: [\n", encoding="utf-8")
    result = run("--database-url", report_db, "--slo-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "bad.yaml" in result.stderr


@pytest.mark.parametrize("url", ["not a url:hunter2@", "nosuchdb://user:hunter2@host/db"])
def test_an_unusable_url_exits_2_without_its_password(url: str, slo_dir: Path) -> None:
    result = run("--database-url", url, "--slo-dir", str(slo_dir))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "hunter2" not in result.stderr + result.stdout


def test_progress_shows_on_a_terminal(seeded_store: Store) -> None:
    screen = io.StringIO()
    load_instances(seeded_store, SLOS, WINDOW, Console(file=screen, force_terminal=True))
    assert "Loading marketplace/api-latency-p95" in screen.getvalue()
    assert "3/3" in screen.getvalue()
