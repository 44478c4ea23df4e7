"""The soak scenario: a fixed-rate mix of reads and writes with an asyncio httpx client,
and the server's resident memory before and after."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.load import LoadResult

REQUEST_TIMEOUT_SECONDS = 30
"""As wrk's: a request slower than this counts as an unexpected status (no answer)."""
MAX_IN_FLIGHT = 256
"""The client waits rather than open more; the achieved rate then falls below the rate asked."""


@dataclass(frozen=True)
class SoakRequest:
    kind: str
    """``read`` (2xx expected) or ``write`` (201 expected)."""
    method: str
    path: str
    headers: dict[str, str] | None = None
    body: str | None = None

    def expected(self, status: int) -> bool:
        return status == 201 if self.kind == "write" else 200 <= status < 300


@dataclass(frozen=True)
class SoakResult:
    load: LoadResult
    asked: int
    unexpected: Counter[str]
    """Unexpected answers by what came back: a status code, or the exception's name."""


def tree_rss_kib(pid: int) -> int:
    """VmRSS of the process and all its descendants (uvicorn's worker processes), in KiB."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        parents[int(stat.parent.name)] = int(fields[1])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier += children
    total = 0
    for member in tree:
        try:
            lines = Path(f"/proc/{member}/status").read_text().splitlines()
        except OSError:
            continue
        total += next((int(x.split()[1]) for x in lines if x.startswith("VmRSS:")), 0)
    return total


def run_soak(
    base_url: str, make: Callable[[int], SoakRequest], *, seconds: int, rate: int
) -> SoakResult:
    """Request ``make(0)``, ``make(1)``, … at ``rate`` per second for ``seconds``: at most
    ``seconds * rate`` requests, then up to the request timeout for the last answers."""
    return asyncio.run(_soak(base_url, make, seconds, rate))


async def _soak(
    base_url: str, make: Callable[[int], SoakRequest], seconds: int, rate: int
) -> SoakResult:
    if not base_url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the soak runs on loopback only, not {base_url}")
    total = seconds * rate
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    unexpected: Counter[str] = Counter()
    no_answer = 0
    gate = asyncio.Semaphore(MAX_IN_FLIGHT)
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=64)

    async with httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS, limits=limits
    ) as client:

        async def one(request: SoakRequest) -> None:
            nonlocal no_answer
            sent = time.monotonic()
            try:
                response = await client.request(
                    request.method, request.path, headers=request.headers, content=request.body
                )
            except httpx.HTTPError as error:
                no_answer += 1
                unexpected[type(error).__name__] += 1
            else:
                latencies.append((time.monotonic() - sent) * 1000)
                statuses[response.status_code] += 1
                if not request.expected(response.status_code):
                    unexpected[str(response.status_code)] += 1
            finally:
                gate.release()

        started = time.monotonic()
        tasks = []
        for index in range(total):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await gate.acquire()
            tasks.append(asyncio.create_task(one(make(index))))
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started

    ordered = sorted(latencies) or [0.0]

    def percentile(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    load = LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=statistics.median(ordered),
        p90_ms=percentile(0.90),
        p99_ms=percentile(0.99),
        max_ms=ordered[-1],
        statuses=dict(statuses),
        socket_errors={"connect": 0, "read": 0, "write": 0, "timeout": no_answer},
    )
    return SoakResult(load, total, unexpected)
