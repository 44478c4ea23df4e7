"""The printed result: the machine, one table of scenarios, and the targets."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.load import LoadResult


@dataclass(frozen=True)
class Row:
    scenario: str
    result: LoadResult | None = None
    ratio: str = ""
    """The scenario against its reference, or what a timed scenario measured."""

    def cells(self) -> list[str]:
        r = self.result
        if r is None:
            return [self.scenario, "-", "-", "-", "-", "-", self.ratio]
        return [
            self.scenario,
            f"{r.requests_per_second:,.0f}",
            _ms(r.p50_ms),
            _ms(r.p99_ms),
            f"{r.tail_ratio:.1f}",
            f"{r.failures:,}",
            self.ratio,
        ]


@dataclass(frozen=True)
class Target:
    description: str
    measured: str
    passed: bool | None
    """None: not applicable to this run (say why in ``measured``)."""

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "n/a "}[self.passed]


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


HEADER = ["scenario", "req/s", "p50 ms", "p99 ms", "p99/p50", "non-2xx", "ratio / result"]


def table(rows: list[Row]) -> str:
    grid = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in grid) for i in range(len(HEADER))]
    out = []
    for index, line in enumerate(grid):
        cells = [
            cell.ljust(widths[i]) if i in (0, len(HEADER) - 1) else cell.rjust(widths[i])
            for i, cell in enumerate(line)
        ]
        out.append("  ".join(cells).rstrip())
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def targets_text(targets: list[Target]) -> str:
    width = max(len(t.description) for t in targets)
    return "\n".join(f"  {t.verdict}  {t.description.ljust(width)}  {t.measured}" for t in targets)


def machine() -> str:
    """nproc, CPU model and memory, as the README records them."""
    model = "unknown CPU"
    memory = "unknown memory"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        model = platform.processor() or model
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cpus} CPUs ({model}), {memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews absolute numbers."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")


def server_errors(log_path: Path, limit: int = 3) -> list[str]:
    """The errors a server logged: each ``ERROR`` line with the first exception line of
    its traceback (the innermost cause comes first in a chained traceback)."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    errors: list[str] = []
    for index, line in enumerate(lines):
        if not line.startswith("ERROR"):
            continue
        cause = next(
            (
                candidate.strip()
                for candidate in lines[index + 1 : index + 200]
                if _EXCEPTION_LINE.match(candidate)
            ),
            "",
        )
        errors.append(f"{line.strip()}" + (f" [{cause[:160]}]" if cause else ""))
    distinct = list(dict.fromkeys(errors))
    summary = [f"note: the server logged {len(errors)} error(s):"] if errors else []
    return summary + [f"  {error}" for error in distinct[:limit]]


def tree_revision(directory: Path) -> str:
    """The commit measured, and whether the working tree differed from it."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return described.stdout.strip() or "unknown"
