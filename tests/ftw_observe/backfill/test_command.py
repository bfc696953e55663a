"""`ftw-observe backfill`: its errors name the parameter, its summary says what to do next."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ftw_observe.backfill import run
from tests.support.cli import run_cli
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[3]
SPECS = str(ROOT / "slo")
META = '{"ulid": "01HTEST", "minTime": 1700000000000, "maxTime": 1700007200000, '
META += '"stats": {"numSeries": 12}}'


def _promtool(tmp_path: Path, script: str) -> str:
    path = tmp_path / "promtool"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def _backfill(tmp_path: Path, *extra: str, url: str = "http://127.0.0.1:9") -> list[str]:
    return ["backfill", "--prometheus-url", url, "--output", str(tmp_path / "out"), *extra]


def test_a_missing_promtool_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(*_backfill(tmp_path, "--promtool", str(tmp_path / "nope")))
    assert result.exit_code == 2
    assert "--promtool" in result.output
    assert "not found" in result.output


def test_a_directory_without_slo_specs_is_refused(tmp_path: Path) -> None:
    promtool = _promtool(tmp_path, "exit 0")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli(*_backfill(tmp_path, "--promtool", promtool, "--specs", str(empty)))
    assert result.exit_code == 1
    assert f"{empty}: no spec files (*.yaml) found" in result.output
    assert "--specs: 1 problem(s) found" in result.output


def test_an_output_directory_with_files_is_refused(tmp_path: Path) -> None:
    promtool = _promtool(tmp_path, "exit 0")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old").mkdir()
    result = run_cli(*_backfill(tmp_path, "--promtool", promtool, "--specs", SPECS))
    assert result.exit_code == 2
    assert "--output" in result.output
    assert "not empty" in result.output


def test_an_unreachable_prometheus_is_named_without_its_credentials(tmp_path: Path) -> None:
    promtool = _promtool(tmp_path, "exit 0")
    url = f"http://ops:s3cret@127.0.0.1:{free_port()}"
    result = run_cli(*_backfill(tmp_path, "--promtool", promtool, "--specs", SPECS, url=url))
    assert result.exit_code == 1
    assert "--prometheus-url http://***@127.0.0.1:" in result.output
    assert "unreachable" in result.output
    assert "s3cret" not in result.output


def test_a_promtool_failure_shows_its_log_tail_without_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "prometheus_version", lambda url: "2.42.0")
    script = 'for i in $(seq 1 30); do echo "line $i"; done; echo "query $4 failed" >&2; exit 3'
    promtool = _promtool(tmp_path, script)
    url = "http://ops:s3cret@prometheus.example:9090"
    result = run_cli(*_backfill(tmp_path, "--promtool", promtool, "--specs", SPECS, url=url))
    assert result.exit_code == 1
    assert "promtool failed (exit status 3); its log:" in result.output
    assert "line 30" in result.output
    assert "line 5\n" not in result.output  # only the tail
    assert "--url=http://***@prometheus.example:9090 failed" in result.output
    assert "s3cret" not in result.output


def test_the_summary_lists_the_blocks_and_what_to_do_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "prometheus_version", lambda url: "2.30.0")
    # The fake promtool records one block, dumps one sample and writes one merged block.
    script = f"""case "$3" in
  rules) dir=${{8#--output-dir=}}/01HRULES;;
  openmetrics) dir=$6/01HTEST;;
  *) echo '{{__name__="x", a="b"}} 1 1700000000000'; exit 0;;
esac
mkdir -p $dir; echo '{META}' > $dir/meta.json"""
    promtool = _promtool(tmp_path, script)
    extra = ("--promtool", promtool, "--specs", SPECS, "--end", "1700007200", "--hours", "2")
    result = run_cli(*_backfill(tmp_path, *extra))
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert "from 2023-11-14T22:13:20Z to 2023-11-15T00:13:20Z (2 h)" in result.output
    assert "promtool wrote 1 small blocks; merging them" in result.output
    assert f"wrote 1 block to {out}:" in result.output
    assert [path.name for path in out.iterdir()] == ["01HTEST"]
    assert "01HTEST  2023-11-14T22:13:20Z to 2023-11-15T00:13:19Z (2 h), 12 series" in result.output
    assert f"cp -r {out}/* " in result.output
    assert "--storage.tsdb.allow-overlapping-blocks" in result.output  # 2.30 needs the flag


def test_no_blocks_written_is_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "prometheus_version", lambda url: "2.42.0")
    promtool = _promtool(tmp_path, "exit 0")
    result = run_cli(*_backfill(tmp_path, "--promtool", promtool, "--specs", SPECS))
    assert result.exit_code == 1
    assert "promtool wrote no blocks" in result.output


def test_versions_before_2_39_need_the_overlap_flag() -> None:
    assert not run.merges_overlaps("2.38.0")
    assert run.merges_overlaps("2.39.1")
    assert run.merges_overlaps("2.42.0+ds")
    assert run.merges_overlaps("3.0.0-rc.0")
