"""Merge promtool's many small blocks into a few: one block per rule and 2 hours is too many.

`create-blocks-from rules` writes a block for every rule and every 2 hours: 30 days of 24
rules are 8,640 blocks, which a Prometheus opens all at once when they are copied in. promtool
2.42 has no option against that, so the blocks are dumped (one series at a time, its samples
in order), written out as OpenMetrics and turned into blocks of up to `BLOCK_HOURS` each.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from ftw_observe.backfill.run import LOG_TAIL, BackfillError, run_promtool

# As long as the longest block Prometheus compacts to itself (31 days).
BLOCK_HOURS = 744
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def openmetrics_line(dumped: str) -> tuple[str, str]:
    """Return the metric name and OpenMetrics sample of a `promtool tsdb dump` line.

    A dumped line reads `{__name__="x", a="b"} 3000 1700000000000` (milliseconds); label values
    are quoted alike in both formats for the backslashes, quotes and newlines they may hold.
    """
    labels, value, millis = dumped.rsplit(" ", 2)
    pairs = dict(LABEL.findall(labels))
    name = pairs.pop("__name__", None)
    if name is None:
        raise ValueError(f"a dumped series without a name: {dumped[:200]!r}")
    text = ",".join(f'{key}="{pairs[key]}"' for key in sorted(pairs))
    seconds = f"{int(millis) // 1000}.{int(millis) % 1000:03d}"
    return name, f"{name}{{{text}}} {value} {seconds}\n"


def write_openmetrics(dumped: Iterable[str], out: TextIO) -> int:
    """Write dumped series as OpenMetrics, a TYPE line opening each name; return the samples."""
    current = None
    samples = 0
    for line in dumped:
        if not line.strip():
            continue
        name, sample = openmetrics_line(line.rstrip("\n"))
        if name != current:
            out.write(f"# TYPE {name} unknown\n")
            current = name
        out.write(sample)
        samples += 1
    out.write("# EOF\n")
    return samples


def merge_blocks(promtool: str, source: Path, output: Path, work: Path) -> int:
    """Rewrite the blocks in `source` as blocks of up to BLOCK_HOURS in `output`; return samples.

    `work` holds the OpenMetrics file; `source` must be a directory promtool wrote blocks to.
    """
    (source / "wal").mkdir(exist_ok=True)  # `tsdb dump` opens a data directory, which has one
    samples_file = work / "history.om"
    errors = work / "dump.log"
    with samples_file.open("w", encoding="utf-8") as out, errors.open("w") as log:
        dump = subprocess.Popen(  # noqa: S603 - promtool with our own arguments, no shell
            [promtool, "tsdb", "dump", str(source)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert dump.stdout is not None
        try:
            samples = write_openmetrics(dump.stdout, out)
        except ValueError as error:
            raise BackfillError(f"promtool tsdb dump: {error}") from None
        finally:
            dump.stdout.close()
            status = dump.wait()
    if status != 0:
        tail = "\n".join(errors.read_text().strip().splitlines()[-LOG_TAIL:])
        raise BackfillError(f"promtool tsdb dump failed (exit status {status}); its log:\n{tail}")
    command = [
        promtool,
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        f"--max-block-duration={BLOCK_HOURS}h",
        str(samples_file),
        str(output),
    ]
    run_promtool(command, "")
    samples_file.unlink()
    return samples
