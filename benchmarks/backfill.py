"""`ftw-observe backfill`: promtool's small blocks against the merged ones, on a real Prometheus.

A Prometheus holds DAYS of one SLO's raw counters. Side by side in one run:

- recording the SLO's 4 history rules with `promtool tsdb create-blocks-from rules` (a block
  per rule and 2 hours), and merging those blocks (`tsdb dump`, then `create-blocks-from
  openmetrics`): blocks, bytes and seconds of each step;
- a fresh Prometheus started over each set of blocks: seconds until ready, open files.

Goals: at most 2 merged blocks per 31 days; merging within 10 % of the recording's time.

Run:
    .venv/bin/python benchmarks/backfill.py [--days 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ftw_observe.backfill.merge import merge_blocks
from ftw_observe.backfill.plan import TimeRange, promtool_command
from ftw_observe.backfill.rules import history_rule_file
from ftw_observe.backfill.run import blocks, run_promtool
from ftw_observe.spec.load import validate_text
from tests.conftest import free_port, wait_until
from tests.support.prometheus import PrometheusServer, is_ready, start_prometheus

SPEC = """\
version: ftw-observe/v1
service: shop
team: shop
slos:
  - name: availability
    description: Requests answered without a server error.
    objective: 99
    period: 30d
    sli:
      ratio:
        errors: http_requests_total{job="shop",status=~"5.."}
        total: http_requests_total{job="shop"}
"""
RATES = {"200": 9.9, "500": 0.1}


def _raw(path: Path, start: int, end: int) -> None:
    with path.open("w") as out:
        out.write("# TYPE http_requests_total counter\n")
        for status, rate in RATES.items():
            for at in range(start, end + 1, 60):
                labels = f'job="shop",status="{status}"'
                out.write(f"http_requests_total{{{labels}}} {rate * (at - start):g} {at}\n")
        out.write("# EOF\n")


def _version(program: str) -> str:
    done = subprocess.run([program, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0].split(" (")[0]


def _size(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def _open_over(directory: Path, source: Path) -> tuple[float, int]:
    """Start Prometheus over a copy of the blocks in `source`: seconds to ready, open files."""
    data = directory / "data"
    shutil.copytree(source, data, ignore=shutil.ignore_patterns("wal", "chunks_head"))
    began = time.monotonic()
    server = start_prometheus(directory, free_port(), jobs={}, rule_files=[], retention="60d")
    try:
        wait_until(lambda: is_ready(server), timeout=300)
        ready = time.monotonic() - began
        return ready, len(os.listdir(f"/proc/{server.process.pid}/fd"))
    finally:
        server.stop()


def _measure(work: Path, days: int) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is not installed"
    end = int(time.time()) // 60 * 60 - 300
    raw = work / "raw.om"
    _raw(raw, end - days * 86400 - 7200, end)
    source = work / "source"
    (source / "data").mkdir(parents=True)
    into = ["--max-block-duration=744h", str(raw), str(source / "data")]
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", *into],
        check=True,
        capture_output=True,
    )
    server: PrometheusServer = start_prometheus(
        source, free_port(), jobs={}, rule_files=[], retention="60d"
    )
    try:
        wait_until(lambda: is_ready(server), timeout=120)
        spec, issues = validate_text(SPEC, "shop.yaml")
        assert spec is not None, issues
        rules = work / "history.rules.yml"
        rules.write_text(yaml.safe_dump(history_rule_file([spec])))
        small = work / "small"
        span = TimeRange.ending(end, days * 24)
        began = time.monotonic()
        run_promtool(promtool_command(promtool, server.url, span, small, rules), server.url)
        recording = time.monotonic() - began
    finally:
        server.stop()
    merged = work / "merged"
    merged.mkdir()
    began = time.monotonic()
    merge_blocks(promtool, small, merged, work)
    merging = time.monotonic() - began
    small_count, merged_count = len(blocks(small)), len(blocks(merged))
    small_ready, small_files = _open_over(work / "open-small", small)
    merged_ready, merged_files = _open_over(work / "open-merged", merged)
    allowed = 2 * -(-days // 31)
    print(f"{days} days of one SLO (4 rules), {_version('prometheus')}, {_version('promtool')}")
    print(f"{'':28}{'promtool blocks':>18}{'merged':>12}")
    print(f"{'blocks':28}{small_count:>18}{merged_count:>12}")
    print(f"{'bytes':28}{_size(small):>18,}{_size(merged):>12,}")
    print(f"{'seconds to write':28}{recording:>18.1f}{merging:>12.1f}")
    print(f"{'Prometheus ready after (s)':28}{small_ready:>18.1f}{merged_ready:>12.1f}")
    print(f"{'Prometheus open files':28}{small_files:>18}{merged_files:>12}")
    print(
        f"goals: merged blocks {merged_count} <= {allowed} "
        f"({'met' if merged_count <= allowed else 'MISSED'}); merging "
        f"{merging / recording:.1%} of the recording's time <= 10 % "
        f"({'met' if merging <= 0.1 * recording else 'MISSED'})"
    )
    print(f"rerun: .venv/bin/python benchmarks/backfill.py --days {days}")


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7, help="days of history to record")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ftw-backfill-bench-") as directory:
        _measure(Path(directory), arguments.days)


if __name__ == "__main__":
    main()
