"""Optional py-spy profiles of the server during the app's scenarios (``--profile DIR``).

Each scenario leaves ``DIR/<scenario>.txt`` (collapsed stacks: one line per
stack and its sample count, for flamegraph.pl or speedscope) and
``DIR/<scenario>.top.txt``: where the samples are, inclusive, by function.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from benchmarks.servers import stop_process_group


def find_py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class Recording:
    """py-spy attached to ``pid`` (and its worker processes) for ``seconds``, or until
    ``finish`` when ``seconds`` is None."""

    def __init__(self, py_spy: str, pid: int, seconds: int | None, output: Path) -> None:
        self.output = output
        self._open_ended = seconds is None
        duration = ["--duration", str(seconds)] if seconds is not None else []
        self._process = subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(pid),
                "--subprocesses",
                *duration,
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                str(output),
                "--nonblocking",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def finish(self) -> None:
        if self._open_ended and self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGINT)  # py-spy writes its output
        try:
            self._process.wait(30)
        except subprocess.TimeoutExpired:
            stop_process_group(self._process, grace_seconds=2)
        if self.output.exists():
            self.output.with_suffix(".top.txt").write_text(summary(self.output))

    def abandon(self) -> None:
        stop_process_group(self._process, grace_seconds=2)


def summary(path: Path, top: int = 40) -> str:
    """Inclusive share of the samples of each function (counted once per stack)."""
    total = 0
    inclusive: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = {_frame(frame) for frame in stack.split(";")}
        for frame in frames:
            inclusive[frame] += count
    lines = [f"{total} samples; inclusive share by function"]
    for frame, count in inclusive.most_common(top):
        lines.append(f"{100 * count / total:5.1f}%  {frame}")
    return "\n".join(lines) + "\n"


def _frame(frame: str) -> str:
    """``function (path/to/module.py:12)`` → ``function (module.py)``."""
    name, _, where = frame.partition(" (")
    module = where.rsplit(":", 1)[0].rsplit("/", 1)[-1]
    return f"{name} ({module})" if module else name
