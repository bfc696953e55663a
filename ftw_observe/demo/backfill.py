"""Give a new demo Prometheus hours of steady past traffic (see `ftw_observe.demo.history`).

Two steps: before Prometheus first starts, promtool turns samples written at the rates the
live targets show into blocks; once Prometheus runs, promtool evaluates the period's recording
rules over those hours against it and the blocks it writes are moved into Prometheus's data
directory, which loads them at its next compaction check.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from ftw_observe.backfill.plan import TimeRange, promtool_command
from ftw_observe.backfill.rules import history_rule_file, load_services
from ftw_observe.backfill.run import blocks
from ftw_observe.demo.history import Target, history_lines
from ftw_observe.demo.settings import DemoError
from ftw_observe.demo.supervisor import tail
from ftw_observe.spec.issues import SpecError

METRIC_PREFIXES = (
    "http_requests",
    "http_request_duration_seconds",
    "ftw_bid_response_seconds",
    "ftw_payouts",
)
MEASURE_SECONDS = 15.0  # between the two scrapes that measure the rates
STEP_SECONDS = 100.0  # between backfilled samples
LOG_TAIL = 20


@dataclass(frozen=True)
class Backfill:
    """One backfill of `hours` of history into `<home>/prometheus`, ending at `end`.

    Usage::

        backfill = Backfill.ending_after_measure(home, 36, promtool="/usr/bin/promtool")
        backfill.write_samples([Target("marketplace", "127.0.0.1:8000")])
        # ... start Prometheus, wait until it scrapes ...
        backfill.record_rules(rule_files, "http://127.0.0.1:9090")
    """

    home: Path
    hours: float
    end: int  # Unix time of the last sample
    promtool: str

    @classmethod
    def ending_after_measure(cls, home: Path, hours: float, *, promtool: str) -> Backfill:
        """Plan history that ends once the rates are measured, before Prometheus starts."""
        return cls(home, hours, int(time.time() + MEASURE_SECONDS), promtool)

    @property
    def start(self) -> int:
        """Return the Unix time of the first sample."""
        return self.end - round(self.hours * 3600)

    @property
    def log(self) -> Path:
        """Return the log both steps write to."""
        return self.home / "logs" / "history.log"

    def write_samples(self, targets: Sequence[Target]) -> None:
        """Measure the targets' rates and turn steady history at them into TSDB blocks."""
        samples = self.home / "history.om"
        with self.log.open("w") as log:
            try:
                for line in history_lines(
                    list(targets),
                    hours=self.hours,
                    step=STEP_SECONDS,
                    measure_seconds=MEASURE_SECONDS,
                    prefixes=METRIC_PREFIXES,
                    out=samples,
                    end=self.end,
                ):
                    log.write(f"history: {line}\n")
            except (OSError, httpx.HTTPError, ValueError) as error:
                log.write(f"history: error: {error}\n")
                raise DemoError(self._failed("backfilling failed")) from None
        if not self._promtool(
            [
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                str(samples),
                str(self.home / "prometheus"),
            ]
        ):
            raise DemoError(self._failed("backfilling failed"))
        samples.unlink(missing_ok=True)

    def record_rules(self, spec_dir: Path, prometheus_url: str) -> None:
        """Record the parts the long windows add up over the backfilled hours, into Prometheus."""
        rules = self.home / "history-rules.yml"
        output = self.home / "history-rules"
        try:
            history = history_rule_file(load_services([spec_dir]))
            rules.write_text(yaml.safe_dump(history, sort_keys=False))
        except (OSError, yaml.YAMLError, SpecError) as error:
            with self.log.open("a") as log:
                log.write(f"history: error: {error}\n")
            raise DemoError(self._failed("recording the backfilled hours failed")) from None
        span = TimeRange(self.start, self.end - 60)
        command = promtool_command(self.promtool, prometheus_url, span, output, rules)
        recorded = self._promtool(command[1:])
        if not recorded:
            raise DemoError(self._failed("recording the backfilled hours failed"))
        # Blocks only: promtool also leaves an empty chunks_head, which Prometheus has its own of.
        for block in blocks(output):
            block.path.rename(self.home / "prometheus" / block.path.name)
        shutil.rmtree(output, ignore_errors=True)
        rules.unlink(missing_ok=True)

    def loaded(self, prometheus_url: str) -> bool:
        """Tell whether Prometheus serves the recorded series over the backfilled hours."""
        seconds = round(self.hours * 3600)
        query = f"max(count_over_time(ftw_slo:events:increase1h[{seconds}s]))"
        response = httpx.get(f"{prometheus_url}/api/v1/query", params={"query": query}, timeout=5)
        found = response.json()["data"]["result"]
        return any(float(result["value"][1]) > 12 for result in found)

    def _promtool(self, arguments: Sequence[str]) -> bool:
        with self.log.open("a") as log:
            finished = subprocess.run(  # noqa: S603 - promtool with our own arguments, no shell
                [self.promtool, *arguments],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        return finished.returncode == 0

    def _failed(self, what: str) -> str:
        return f"{what}; its log:\n{tail(self.log, LOG_TAIL)}"
