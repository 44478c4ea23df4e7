"""Driving a server with wrk: one scenario, one wrk run, one ``LoadResult``."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.servers import stop_process_group

LUA_DIR = Path(__file__).resolve().parent / "lua"
RESULT_PREFIX = "WRK_RESULT "
WRK_TIMEOUT = "30s"
"""A request slower than this counts as a timeout error (wrk's default is 2 s)."""


class LoadProblem(Exception):
    """wrk is missing or failed; the message says what to do, in one line."""


def check_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise LoadProblem(
            "wrk is not installed: install it (Debian/Ubuntu: sudo apt-get install wrk; "
            "macOS: brew install wrk) and run make bench again"
        )
    return path


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    """connect, read, write and timeout errors (no response at all)."""

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(count for code, count in self.statuses.items() if not 200 <= code < 300)

    def count(self, *codes: int) -> int:
        return sum(self.statuses.get(code, 0) for code in codes)

    @property
    def failures(self) -> int:
        """Responses other than 2xx, and requests that got no response."""
        return self.non_2xx + sum(self.socket_errors.values())

    @property
    def tail_ratio(self) -> float:
        return self.p99_ms / self.p50_ms if self.p50_ms else float("inf")


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string literal


def lua_prelude(**values: str | list[str]) -> str:
    """Global variables for a scenario script."""
    lines = []
    for name, value in values.items():
        if isinstance(value, list):
            lines.append(f"{name} = {{{', '.join(lua_string(v) for v in value)}}}")
        else:
            lines.append(f"{name} = {lua_string(value)}")
    return "\n".join(lines) + "\n"


def write_script(path: Path, *parts: str) -> Path:
    """A scenario script: its own parts, then the shared reporting code."""
    path.write_text("\n".join([*parts, (LUA_DIR / "report.lua").read_text()]))
    return path


def scenario_script(path: Path, name: str, **values: str | list[str]) -> Path:
    """``lua/<name>.lua`` with its variables, and the reporting code."""
    return write_script(path, lua_prelude(**values), (LUA_DIR / f"{name}.lua").read_text())


def static_request_script(
    path: Path, method: str = "GET", body: str | None = None, headers: dict[str, str] | None = None
) -> Path:
    """The same request every time (wrk's fastest path), with reporting."""
    lines = [f"wrk.method = {lua_string(method)}"]
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body)}")
    for name, value in (headers or {}).items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    return write_script(path, "\n".join(lines) + "\n")


def run_wrk(
    wrk: str,
    url: str,
    script: Path,
    *,
    seconds: int,
    connections: int,
    threads: int,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        WRK_TIMEOUT,
        "-s",
        str(script),
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=seconds + 120)
    except BaseException:
        stop_process_group(process, grace_seconds=2)
        raise
    text = stdout.decode(errors="replace")
    line = next((x for x in text.splitlines() if x.startswith(RESULT_PREFIX)), None)
    if process.returncode != 0 or line is None:
        reason = (stderr.decode(errors="replace") or text).strip().splitlines()
        raise LoadProblem(f"wrk failed on {url}: {reason[-1] if reason else process.returncode}")
    data = json.loads(line.removeprefix(RESULT_PREFIX))
    latency = data["latency_us"]
    errors = data["errors"]
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        statuses={int(code): count for code, count in data["statuses"].items()},
        socket_errors={name: errors[name] for name in ("connect", "read", "write", "timeout")},
    )
