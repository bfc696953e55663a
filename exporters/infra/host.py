"""Host health via psutil: CPU, memory, the data disk and load averages."""

from __future__ import annotations

from collections.abc import Sequence

import psutil
from prometheus_client.core import GaugeMetricFamily, Metric

from exporters.source import SourceError

# Guest time is already counted in user time on Linux; adding it again would double it.
_NOT_IN_TOTAL = ("guest", "guest_nice")
_IDLE = ("idle", "iowait")


class HostSource:
    """Reads the machine's CPU, memory, load and the filesystem that holds `data_dir`.

    CPU utilisation covers the time since the previous read (since construction on the
    first), so every scrape sees what happened since the last one.

    Usage::

        source = HostSource("/var/lib/postgresql")
        families = source.read()
    """

    name = "host"

    def __init__(self, data_dir: str) -> None:
        self._data_dir = data_dir
        # A read of /proc/stat, never blocking: it gives the first read a baseline.
        self._cpu_times = _cpu_ticks()

    def read(self) -> Sequence[Metric]:
        """Sample CPU, memory, disk and load and return their metric families."""
        try:
            disk = psutil.disk_usage(self._data_dir)
        except OSError as exc:
            raise SourceError(f"disk usage of {self._data_dir}: {exc.strerror or exc}") from exc
        memory = psutil.virtual_memory()
        # Used means not reclaimable: what cache the kernel can drop is still available.
        memory_used = memory.total - memory.available
        load1, load5, load15 = psutil.getloadavg()
        usable = disk.used + disk.free
        families: list[Metric] = [
            self._cpu_utilization(),
            _cpus(),
            _gauge("memory_used_bytes", "Memory in use: total minus available.", memory_used),
            _gauge("memory_total_bytes", "Physical memory of the host.", memory.total),
            _gauge(
                "memory_used_ratio",
                "Share of physical memory in use (total minus available, over total).",
                memory_used / memory.total,
            ),
            _disk_gauge(
                "disk_used_bytes", "Bytes used on the filesystem.", self._data_dir, disk.used
            ),
            _disk_gauge("disk_total_bytes", "Size of the filesystem.", self._data_dir, disk.total),
            _disk_gauge(
                "disk_used_ratio",
                "Share of the filesystem in use as df reports it: used over used plus "
                "available, so blocks reserved for root count as unavailable.",
                self._data_dir,
                disk.used / usable if usable else 0.0,
            ),
            _gauge("load1", "Load average over 1 minute.", load1),
            _gauge("load5", "Load average over 5 minutes.", load5),
            _gauge("load15", "Load average over 15 minutes.", load15),
        ]
        return families

    def close(self) -> None:
        """Release nothing: the host source holds no connection."""

    def _cpu_utilization(self) -> GaugeMetricFamily:
        """Return the busy share of CPU time since the previous read and move the baseline."""
        family = GaugeMetricFamily(
            "ftw_host_cpu_utilization_ratio",
            "Share of CPU time, all CPUs together, spent busy since the exporter last looked.",
        )
        now = _cpu_ticks()
        busy, total = _busy_and_total(self._cpu_times, now)
        # Under one clock tick since the baseline there is nothing to measure; keep the
        # baseline so the next read covers the longer span.
        if total > 0:
            family.add_metric([], min(1.0, max(0.0, busy / total)))
            self._cpu_times = now
        return family


def _cpus() -> GaugeMetricFamily:
    """Return the logical CPU count, without a sample when the OS does not tell."""
    family = GaugeMetricFamily("ftw_host_cpus", "Logical CPUs of the host.")
    count = psutil.cpu_count(logical=True)
    if count:
        family.add_metric([], float(count))
    return family


def _cpu_ticks() -> dict[str, float]:
    """Return the cumulative CPU seconds of every kind, all CPUs summed."""
    return dict(psutil.cpu_times()._asdict())


def _busy_and_total(before: dict[str, float], after: dict[str, float]) -> tuple[float, float]:
    """Return busy and total CPU seconds between two samples."""
    delta = {field: after[field] - before[field] for field in after}
    total = sum(value for field, value in delta.items() if field not in _NOT_IN_TOTAL)
    idle = sum(delta.get(field, 0.0) for field in _IDLE)
    return total - idle, total


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    """Return an unlabelled host gauge."""
    return GaugeMetricFamily(f"ftw_host_{name}", documentation, value=float(value))


def _disk_gauge(name: str, documentation: str, path: str, value: float) -> GaugeMetricFamily:
    """Return a disk gauge labelled with the directory it was measured for."""
    family = GaugeMetricFamily(f"ftw_host_{name}", documentation, labels=["path"])
    family.add_metric([path], float(value))
    return family
