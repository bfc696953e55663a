"""`ftw-observe backfill` against a real Prometheus with hours of raw counters, and real promtool.

Prometheus starts over backfilled counters (steady traffic, 1 % errors); the command records
the SLO's 5-minute and 1-hour counts over those hours into a block or two, which hold the
series.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_until
from tests.support.cli import run_cli
from tests.support.prometheus import PrometheusServer, is_ready, start_prometheus

SPEC = """\
version: ftw-observe/v1
service: shop
team: shop
slos:
  - name: availability
    description: Requests answered without a server error.
    objective: 99
    period: 7d
    sli:
      ratio:
        errors: http_requests_total{job="shop",status=~"5.."}
        total: http_requests_total{job="shop"}
"""
RAW_HOURS = 4
HOURS = 3
STEP = 60
RATES = {"200": 9.9, "500": 0.1}  # requests per second

pytestmark = pytest.mark.skipif(
    shutil.which("promtool") is None or shutil.which("prometheus") is None,
    reason="promtool and prometheus are installed by `make test`",
)


def _raw_counters(path: Path, end: int) -> None:
    start = end - RAW_HOURS * 3600
    with path.open("w") as out:
        out.write("# TYPE http_requests_total counter\n")
        for status, rate in RATES.items():
            for at in range(start, end + 1, STEP):
                labels = f'instance="shop:80",job="shop",status="{status}"'
                out.write(f"http_requests_total{{{labels}}} {rate * (at - start):g} {at}\n")
        out.write("# EOF\n")


@pytest.fixture
def raw_prometheus(tmp_path: Path) -> Iterator[tuple[PrometheusServer, int]]:
    """A Prometheus holding RAW_HOURS of counters that end a few minutes ago."""
    end = int(time.time()) // STEP * STEP - 300
    samples = tmp_path / "raw.om"
    _raw_counters(samples, end)
    data = tmp_path / "prometheus" / "data"
    data.mkdir(parents=True)
    subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(samples), str(data)],
        check=True,
        capture_output=True,
    )
    server = start_prometheus(tmp_path / "prometheus", free_port(), jobs={}, rule_files=[])
    try:
        wait_until(lambda: is_ready(server), timeout=60)
        wait_until(lambda: server.query("http_requests_total", at=end), timeout=60)
        yield server, end
    finally:
        server.stop()


def test_the_blocks_hold_the_recorded_counts(
    tmp_path: Path, raw_prometheus: tuple[PrometheusServer, int]
) -> None:
    server, end = raw_prometheus
    specs = tmp_path / "slo"
    specs.mkdir()
    (specs / "shop.yaml").write_text(SPEC)
    output = tmp_path / "blocks"
    result = run_cli(
        "backfill",
        "--prometheus-url",
        server.url,
        "--specs",
        str(specs),
        "--hours",
        str(HOURS),
        "--end",
        str(end),
        "--output",
        str(output),
    )
    assert result.exit_code == 0, result.output
    metas = list(output.glob("*/meta.json"))
    assert metas, result.output
    assert f"wrote {len(metas)} block" in result.output
    assert len(metas) <= 2  # promtool's block per rule and 2 hours, merged
    assert sorted(output.iterdir()) == sorted(meta.parent for meta in metas)  # blocks only
    # promtool dumps a data directory, which has a write-ahead log.
    database = tmp_path / "database"
    shutil.copytree(output, database)
    (database / "wal").mkdir()
    dumped = subprocess.run(
        ["promtool", "tsdb", "dump", str(database)], capture_output=True, text=True, check=True
    ).stdout
    counts: dict[str, list[float]] = {}
    for line in dumped.splitlines():
        labels, value, at = line.rsplit(" ", 2)
        assert 'service="shop"' in labels
        assert 'slo="availability"' in labels
        assert end - HOURS * 3600 - 300 <= int(at) / 1000 <= end
        name = labels.split('__name__="', 1)[1].split('"', 1)[0]
        counts.setdefault(name, []).append(float(value))
    # The parts the long windows and the period add up, and their coverage.
    assert set(counts) == {
        f"ftw_slo:{kind}:{window}"
        for window in ("increase1h", "increase2h", "increase6h", "increase1d")
        for kind in ("errors", "events")
    } | {f"ftw_slo:coverage:window{w}" for w in ("1h", "2h", "6h", "1d")}
    # Every 5 minutes over the hours asked for.
    steps = len(counts["ftw_slo:events:increase1h"])
    assert HOURS * 12 <= steps <= HOURS * 12 + 1
    assert counts["ftw_slo:events:increase1h"][-1] == pytest.approx(36000.0)
    assert counts["ftw_slo:errors:increase1h"][-1] == pytest.approx(360.0)
    assert counts["ftw_slo:events:increase2h"][-1] == pytest.approx(72000.0)
    assert set(counts["ftw_slo:coverage:window1h"]) == {1.0}
