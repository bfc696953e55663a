"""The host source: values match what the operating system reports through psutil."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
import pytest

from exporters.infra.host import HostSource
from exporters.source import SourceError
from tests.conftest import wait_until
from tests.exporters.infra.conftest import assert_promtool_accepts, sample_value


def test_memory_total_matches_psutil(tmp_path: Path) -> None:
    families = HostSource(str(tmp_path)).read()

    assert sample_value(families, "ftw_host_memory_total_bytes") == psutil.virtual_memory().total


def test_memory_used_ratio_is_used_over_total(tmp_path: Path) -> None:
    families = HostSource(str(tmp_path)).read()
    used = sample_value(families, "ftw_host_memory_used_bytes")
    total = sample_value(families, "ftw_host_memory_total_bytes")

    assert 0 < used < total
    assert sample_value(families, "ftw_host_memory_used_ratio") == pytest.approx(used / total)


def test_disk_total_is_the_size_of_the_filesystem_holding_the_data_dir(tmp_path: Path) -> None:
    families = HostSource(str(tmp_path)).read()

    total = sample_value(families, "ftw_host_disk_total_bytes", path=str(tmp_path))

    assert total == psutil.disk_usage(str(tmp_path)).total


def test_disk_used_ratio_agrees_with_statvfs(tmp_path: Path) -> None:
    families = HostSource(str(tmp_path)).read()
    stat = os.statvfs(tmp_path)
    used = (stat.f_blocks - stat.f_bfree) * stat.f_frsize
    available = stat.f_bavail * stat.f_frsize

    ratio = sample_value(families, "ftw_host_disk_used_ratio", path=str(tmp_path))

    # Other processes write meanwhile; a hundredth covers them without hiding a wrong formula.
    assert ratio == pytest.approx(used / (used + available), abs=0.01)


def test_cpus_match_the_logical_cpu_count(tmp_path: Path) -> None:
    families = HostSource(str(tmp_path)).read()

    assert sample_value(families, "ftw_host_cpus") == psutil.cpu_count(logical=True)


def test_cpu_utilization_covers_at_least_this_process_burning_cpu(tmp_path: Path) -> None:
    source = HostSource(str(tmp_path))
    source.read()
    wall_start, cpu_start = time.monotonic(), time.process_time()
    while time.process_time() - cpu_start < 0.5:
        pass
    own_share = (time.process_time() - cpu_start) / (
        (time.monotonic() - wall_start) * (psutil.cpu_count() or 1)
    )

    utilization = sample_value(source.read(), "ftw_host_cpu_utilization_ratio")

    # The whole host was at least as busy as this process; ticks are 10 ms, hence the slack.
    assert own_share * 0.8 <= utilization <= 1.0


def test_load_averages_match_the_kernel(tmp_path: Path) -> None:
    source = HostSource(str(tmp_path))

    def matches() -> bool:
        families = source.read()
        reported = tuple(
            sample_value(families, f"ftw_host_load{minutes}") for minutes in (1, 5, 15)
        )
        # The kernel refreshes load every 5 s; retry if that happened between the two looks.
        return reported == os.getloadavg()

    wait_until(matches)


def test_missing_data_dir_raises_source_error_naming_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone")

    with pytest.raises(SourceError, match="gone"):
        HostSource(missing).read()


def test_every_family_passes_promtool(tmp_path: Path) -> None:
    assert_promtool_accepts(HostSource(str(tmp_path)).read())
