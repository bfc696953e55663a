"""The rule-cost benchmark's parts: Sloth's rule layout and the synthetic history."""

from __future__ import annotations

import itertools
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from rule_cost import load_slo, write_rules  # noqa: E402 - a script directory, not a package
from rule_cost_traffic import STEP, History, counter_values, plan_series  # noqa: E402


def test_sloth_rules_follow_its_layout_and_pass_promtool(tmp_path: Path) -> None:
    service, slo = load_slo()
    ftw, sloth, backfill = write_rules(tmp_path, service, slo)
    groups = yaml.safe_load(sloth.read_text())["groups"]
    ident = "marketplace-api-availability"
    assert [g["name"] for g in groups] == [
        f"sloth-slo-sli-recordings-{ident}",
        f"sloth-slo-meta-recordings-{ident}",
        f"sloth-slo-alerts-{ident}",
    ]
    records = [rule["record"] for rule in groups[0]["rules"]]
    assert records == [
        f"slo:sli_error:ratio_rate{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")
    ]
    assert 'route!~"/api/admin/.*"' in groups[0]["rules"][0]["expr"]
    assert [a["labels"]["sloth_severity"] for a in groups[2]["rules"]] == ["page", "ticket"]
    backfilled = [
        r["record"] for g in yaml.safe_load(backfill.read_text())["groups"] for r in g["rules"]
    ]
    assert "ftw_slo:events:increase1d" in backfilled
    assert "slo:sli_error:ratio_rate5m" in backfilled
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed")
    subprocess.run([promtool, "check", "rules", str(ftw), str(sloth), str(backfill)], check=True)


def test_history_resets_once_per_instance_and_some_series_start_late() -> None:
    steps = 3 * 86_400 // STEP
    series = plan_series(2, steps)
    assert len(series) == 600
    assert len({s.reset_step for s in series}) == 2
    assert any(s.first_step > 0 for s in series)
    values = counter_values(series[0], 1_800_000_000, steps)
    drops = np.flatnonzero(np.diff(values) < 0)
    assert list(drops) == [series[0].reset_step - 1]
    errors = sum(s.rate for s in series if s.status.startswith("5"))
    assert 0.001 < errors / sum(s.rate for s in series) < 0.005


def test_history_chunks_cover_every_step_once_on_block_boundaries() -> None:
    history = History(plan_series(2, 3 * 86_400 // STEP), ["a:1", "b:2"], end=1_800_000_300)
    chunks = history.chunks()
    assert chunks[0][0] == 0
    assert chunks[-1][1] == history.steps + 1
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    for first, _ in chunks[1:]:
        assert (history.start + first * STEP) % 7_200 == 0
    assert not math.isnan(counter_values(history.series[0], history.start, history.steps)[-1])
