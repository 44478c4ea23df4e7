"""One benchmark run: seed, serve, drive with wrk, time the slow calls, print the table.

Everything the run starts (servers, wrk) and makes (temporary directory, the
PostgreSQL database) is stopped and removed at the end, on failure and on
Ctrl-C or SIGTERM too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from benchmarks.database import BenchDatabase, DatabaseProblem
from benchmarks.load import (
    LoadProblem,
    LoadResult,
    check_wrk,
    run_wrk,
    scenario_script,
    static_request_script,
)
from benchmarks.options import Options, parse_options
from benchmarks.profiles import Recording, find_py_spy, slug
from benchmarks.report import (
    Row,
    Target,
    load_average,
    machine,
    server_errors,
    table,
    targets_text,
    tree_revision,
)
from benchmarks.seeding import BenchData, SeedProblem, seed, settings_for
from benchmarks.servers import (
    REPO_ROOT,
    Server,
    ServerProblem,
    baseline_server,
    stockbook_server,
)
from benchmarks.soak import SoakRequest, run_soak, tree_rss_kib
from bootstrap.container import RootContainer
from shared_kernel.domain.errors import DomainError

API = "/api/v1"


class Progress:
    """Progress lines on stderr, stamped with the time since the start."""

    def __init__(self) -> None:
        self._started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self._started:6.0f} s] {message}", file=sys.stderr, flush=True)


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _interrupt_on_signals() -> None:
    """Ctrl-C and SIGTERM both end the run through its clean-up (SIGINT is set
    explicitly: a shell starts background jobs with it ignored)."""

    def handler(_signal: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        wrk = check_wrk()
    except LoadProblem as error:
        print(f"benchmarks: {error}", file=sys.stderr)
        return 2
    _interrupt_on_signals()
    say = Progress()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="stockbook-bench-") as workdir,
            contextlib.ExitStack() as cleanup,
        ):
            header, results = _run(options, wrk, Path(workdir), cleanup, say)
            say("stopping the servers and removing the temporary data")
    except KeyboardInterrupt:
        print("benchmarks: interrupted; servers stopped, temporary data removed", file=sys.stderr)
        return 130
    except (DatabaseProblem, ServerProblem, LoadProblem, SeedProblem) as error:
        print(f"benchmarks: {error}", file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"benchmarks: the app refused the seed data: {error.detail}", file=sys.stderr)
        return 1
    print()
    print(header)
    print()
    print(table(results.rows))
    print()
    print("Targets" + ("" if options.full_size else " (smaller than the full sizes: indicative)"))
    print(targets_text(results.targets))
    for note in results.notes:
        print(note)
    print(f"load average at the end: {load_average()}")
    return 0


def _database_version(database: BenchDatabase) -> str:
    if database.kind == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"

    async def version() -> str:
        import asyncpg
        from sqlalchemy.engine import make_url

        url = make_url(database.url).set(drivername="postgresql")
        connection = await asyncpg.connect(url.render_as_string(hide_password=False))
        try:
            text: str = await connection.fetchval("SHOW server_version")
            return f"PostgreSQL {text.split()[0]}"
        finally:
            await connection.close()

    return asyncio.run(version())


async def _seed(database_url: str, secret_key: str, options: Options, say: Progress) -> BenchData:
    container = RootContainer(settings=settings_for(database_url, secret_key))
    try:
        return await seed(container, options, say)
    finally:
        await container.engine().dispose()


def _run(
    options: Options, wrk: str, workdir: Path, cleanup: contextlib.ExitStack, say: Progress
) -> tuple[str, Results]:
    say(f"machine: {machine()}")
    database = BenchDatabase.create(options.database_url, workdir)
    cleanup.callback(database.drop)
    say(f"database: {database.description}, migrated")
    secret_key = secrets.token_hex(32)
    data = asyncio.run(_seed(database.url, secret_key, options, say))
    database.vacuum_analyze()

    app = stockbook_server(
        database.url, secret_key, options.workers, options.connections, workdir / "app.log"
    )
    cleanup.callback(app.stop)
    app.start()
    baseline = baseline_server(
        database.url, options.workers, options.connections, workdir / "baseline.log"
    )
    cleanup.callback(baseline.stop)
    baseline.start()
    say(f"servers: stockbook on {app.base_url}, baseline on {baseline.base_url}")

    header = (
        f"StockBook benchmark on {_database_version(database)}: "
        f"{options.workers} worker(s), wrk {options.threads} threads x "
        f"{options.connections} connections, {options.duration} s per scenario "
        f"after {options.warmup} s of warm-up\n"
        f"tree: {tree_revision(REPO_ROOT)}; machine: {machine()}; "
        f"load average {load_average()} at the start\n"
        f"data: {len(data.stock_ids)} stocks x {options.years} years of daily closes "
        f"({data.price_rows:,} rows); holdings portfolios of {options.holdings} stocks"
    )
    results = Results()
    runner = _Runner(options, wrk, workdir, database, app, baseline, data, say, results)
    runner.check_equivalence()
    runner.reads()
    runner.writes()
    runner.contention()
    runner.performance()
    runner.large_book()
    runner.soak()
    runner.tail_targets()
    results.notes += server_errors(workdir / "app.log")
    return header, results


class _Runner:
    def __init__(
        self,
        options: Options,
        wrk: str,
        workdir: Path,
        database: BenchDatabase,
        app: Server,
        baseline: Server,
        data: BenchData,
        say: Progress,
        results: Results,
    ) -> None:
        self.options = options
        self.wrk = wrk
        self.workdir = workdir
        self.database = database
        self.app = app
        self.baseline = baseline
        self.data = data
        self.say = say
        self.results = results
        self.auth = {"Authorization": f"Bearer {data.token}"}
        self.probe_stock = data.stock_ids[len(data.stock_ids) // 2]
        self.read_results: dict[str, LoadResult] = {}
        self._scripts = 0
        self.py_spy = find_py_spy() if options.profile_dir else None
        if options.profile_dir and self.py_spy is None:
            say("--profile: py-spy is not on PATH (pip install py-spy); not profiling")
        self.profile_prefix = "sqlite-" if not options.database_url else "postgresql-"

    # --- helpers -----------------------------------------------------------------

    def _script(self, make: Callable[[Path], Path]) -> Path:
        self._scripts += 1
        return make(self.workdir / f"scenario-{self._scripts}.lua")

    def _wrk(self, url: str, script: Path, seconds: int, auth: bool) -> LoadResult:
        return run_wrk(
            self.wrk,
            url,
            script,
            seconds=seconds,
            connections=self.options.connections,
            threads=self.options.threads,
            headers=self.auth if auth else None,
        )

    def _measure(
        self,
        name: str,
        url: str,
        *,
        auth: bool = True,
        script: Path | None = None,
        warmup_script: Path | None = None,
        warm: bool = True,
    ) -> LoadResult:
        script = script or self._script(static_request_script)
        if warm and self.options.warmup:
            self._wrk(url, warmup_script or script, self.options.warmup, auth)
        recording = self._record(name) if url.startswith(self.app.base_url) else None
        try:
            result = self._wrk(url, script, self.options.duration, auth)
        except BaseException:
            if recording is not None:
                recording.abandon()
            raise
        if recording is not None:
            recording.finish()
        statuses = ", ".join(f"{code}: {n:,}" for code, n in sorted(result.statuses.items()))
        self.say(
            f"{name}: {result.requests_per_second:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms ({statuses or 'no response'})"
        )
        if not self.app.alive():
            raise ServerProblem(f"stockbook serve died during {name}:\n{self.app.log_tail()}")
        return result

    def _record(self, name: str, open_ended: bool = False) -> Recording | None:
        if not self.options.profile_dir or self.py_spy is None or self.app.pid is None:
            return None
        directory = Path(self.options.profile_dir)
        directory.mkdir(parents=True, exist_ok=True)
        output = directory / f"{self.profile_prefix}{slug(name)}.txt"
        seconds = None if open_ended else self.options.duration
        return Recording(self.py_spy, self.app.pid, seconds, output)

    def _row(self, name: str, result: LoadResult | None, ratio: str = "") -> None:
        self.results.rows.append(Row(name, result, ratio))

    def _target(self, description: str, measured: str, passed: bool | None) -> None:
        self.results.targets.append(Target(description, measured, passed))

    def _get(self, path: str, timeout: float = 60) -> httpx.Response:
        return httpx.get(self.app.base_url + path, headers=self.auth, timeout=timeout)

    # --- scenarios ---------------------------------------------------------------

    def check_equivalence(self) -> None:
        """The baseline must answer what the app answers, or the comparison is unfair."""
        for app_path, baseline_path in (
            (f"{API}/stocks/{self.probe_stock}", f"/stocks/{self.probe_stock}"),
            (f"{API}/stocks?limit=50", "/stocks?limit=50"),
        ):
            ours = self._get(app_path)
            theirs = httpx.get(self.baseline.base_url + baseline_path, timeout=30)
            if ours.status_code != 200 or theirs.status_code != 200:
                raise ServerProblem(
                    f"{app_path}: the app answered {ours.status_code}, "
                    f"the baseline {theirs.status_code}"
                )
            mine, base = ours.json(), theirs.json()
            if "next_cursor" in mine:  # opaque, encoded differently
                mine["next_cursor"] = base["next_cursor"] = bool(mine["next_cursor"])
            if mine != base:
                self.results.notes.append(
                    f"note: the baseline's answer to {baseline_path} differs from the app's"
                )
                self.say(f"the baseline's answer to {baseline_path} differs from the app's")
            else:
                self.say(f"the baseline answers {baseline_path} with the same JSON as the app")

    def reads(self) -> None:
        by_id_base = self._measure(
            "baseline GET /stocks/{id}",
            f"{self.baseline.base_url}/stocks/{self.probe_stock}",
            auth=False,
        )
        by_id = self._measure(
            "GET /api/v1/stocks/{id}", f"{self.app.base_url}{API}/stocks/{self.probe_stock}"
        )
        list_base = self._measure(
            "baseline GET /stocks?limit=50",
            f"{self.baseline.base_url}/stocks?limit=50",
            auth=False,
        )
        listed = self._measure(
            "GET /api/v1/stocks?limit=50", f"{self.app.base_url}{API}/stocks?limit=50"
        )
        holdings = self._measure(
            "GET holdings (small book)",
            f"{self.app.base_url}{API}/portfolios/{self.data.small_portfolio}/holdings",
        )
        self.read_results |= {
            "GET /api/v1/stocks/{id}": by_id,
            "GET /api/v1/stocks?limit=50": listed,
            f"GET holdings ({self.options.holdings} holdings)": holdings,
        }
        self._row("baseline: GET /stocks/{id}", by_id_base, "reference")
        self._row(
            "GET /api/v1/stocks/{id}", by_id, f"{_ratio(by_id, by_id_base):.2f}x baseline by-id"
        )
        self._row("baseline: GET /stocks?limit=50", list_base, "reference")
        self._row(
            "GET /api/v1/stocks?limit=50",
            listed,
            f"{_ratio(listed, list_base):.2f}x baseline list-50",
        )
        self._row(
            f"GET holdings: {self.options.holdings} holdings, "
            f"{self.options.small_transactions:,} txns",
            holdings,
            f"{_ratio(holdings, list_base):.2f}x baseline list-50",
        )
        self._throughput_target("GET /stocks/{id} >= 0.5x baseline by-id", by_id, by_id_base, 0.5)
        self._throughput_target(
            "GET /stocks?limit=50 >= 0.5x baseline list-50", listed, list_base, 0.5
        )
        self._throughput_target(
            f"holdings ({self.options.holdings} holdings) >= 0.3x baseline list-50",
            holdings,
            list_base,
            0.3,
        )

    def _throughput_target(
        self, description: str, result: LoadResult, reference: LoadResult, minimum: float
    ) -> None:
        ratio = _ratio(result, reference)
        measured = (
            f"{ratio:.2f}x ({result.requests_per_second:,.0f} "
            f"vs {reference.requests_per_second:,.0f} req/s)"
        )
        if result.failures:
            measured += f", {result.failures:,} failed requests"
        self._target(description, measured, ratio >= minimum and not result.failures)

    def writes(self) -> None:
        executed_at = "2024-06-03T15:00:00Z"
        run_key = secrets.token_hex(4)
        stock_ids = [str(stock) for stock in self.data.held_stock_ids]
        path = f"{API}/portfolios/{self.data.writes_portfolio}/transactions"

        def script(phase: str) -> Path:
            return self._script(
                lambda file: scenario_script(
                    file,
                    "post_buy",
                    request_path=path,
                    token=self.data.token,
                    key_prefix=f"bench-{run_key}-{phase}",
                    executed_at=executed_at,
                    stock_ids=stock_ids,
                )
            )

        result = self._measure(
            "POST transactions (BUY)",
            self.app.base_url + path,
            auth=False,
            script=script("measure"),
            warmup_script=script("warmup"),
        )
        created = result.count(201)
        self._row(
            "POST transactions: BUY, unique Idempotency-Key",
            result,
            f"{created:,} recorded ({created / result.seconds:,.0f}/s)",
        )
        on_postgres = self.options.database_url is not None
        per_second = created / result.seconds if result.seconds else 0.0
        measured = f"{per_second:,.0f} recorded/s"
        if result.failures:
            measured += f", {result.failures:,} failed requests"
        self._target(
            "POST transactions >= 500/s on PostgreSQL",
            measured if on_postgres else f"{measured} (the target is for PostgreSQL)",
            per_second >= 500 and not result.failures if on_postgres else None,
        )

    def contention(self) -> None:
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        body = json.dumps(
            {
                "type": "SELL",
                "stock_id": str(self.data.contention_stock),
                "quantity": "1",
                "price": "100.00",
                "executed_at": f"{yesterday.isoformat()}T12:00:00Z",
            }
        )
        path = f"{API}/portfolios/{self.data.contention_portfolio}/transactions"
        script = self._script(
            lambda file: static_request_script(
                file, "POST", body, {"Content-Type": "application/json", **self.auth}
            )
        )
        result = self._measure(
            "contention: SELL 1 share, one position",
            self.app.base_url + path,
            auth=False,
            script=script,
            warm=False,
        )
        sold, remaining = self._contention_position()
        created, refused = result.count(201), result.count(409)
        other = result.failures - refused
        shares = self.options.contention_shares
        in_flight = max(0, sold - created) if sold is not None else None
        consistent = (
            remaining is not None
            and remaining >= 0
            and sold is not None
            and created <= sold <= created + self.options.connections
        )
        self._row(
            f"POST SELL 1 share, same position ({shares:,} shares)",
            result,
            f"201: {created:,}, 409: {refused:,}, other: {other:,}; {remaining} left",
        )
        self._target(
            "contention: no errors other than 409",
            f"201: {created:,}, 409: {refused:,}, other errors: {other:,}; "
            f"{remaining} of {shares:,} shares left"
            + (
                f" ({in_flight} sold by requests still in flight when wrk stopped)"
                if in_flight
                else ""
            ),
            other == 0 and consistent,
        )

    def _contention_position(self) -> tuple[int | None, int | None]:
        response = self._get(
            f"{API}/portfolios/{self.data.contention_portfolio}/holdings?include_closed=true"
        )
        if response.status_code != 200:
            return None, None
        for line in response.json()["holdings"]:
            if line["stock_id"] == str(self.data.contention_stock):
                remaining = int(float(line["quantity"]))
                return self.options.contention_shares - remaining, remaining
        return None, None

    def performance(self) -> None:
        path = f"{API}/portfolios/{self.data.performance_portfolio}/performance"
        label = f"GET performance: {len(self.data.stock_ids)} stocks x {self.options.years} years"
        recording = self._record(label, open_ended=True)
        try:
            times, statuses, points = self._time_calls(path, label)
        finally:
            if recording is not None:
                recording.finish()
        median = statistics.median(times)
        failed = [status for status in statuses if status != 200]
        text = f"median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}"
        text += f"; {points:,} days)" if points else ")"
        if failed:
            text += f"; status {failed[0]} on {len(failed)} of {len(statuses)} calls"
        self._row(label, None, text)
        self._target(
            f"performance, {len(self.data.stock_ids)} stocks x {self.options.years} years <= 0.5 s",
            text,
            median <= 0.5 and not failed,
        )

    def _time_calls(self, path: str, label: str) -> tuple[list[float], list[int], int]:
        """One warm-up call, then the timed ones (fewer if a call takes over a minute)."""
        times: list[float] = []
        statuses: list[int] = []
        points = 0
        for call in range(self.options.performance_calls + 1):
            started = time.perf_counter()
            response = self._get(path, timeout=600)
            elapsed = time.perf_counter() - started
            statuses.append(response.status_code)
            if response.status_code == 200:
                points = len(response.json()["series"])
            if call > 0:
                times.append(elapsed)
            self.say(
                f"{label}: {'warm-up' if call == 0 else f'call {call}'} "
                f"{elapsed:.2f} s, status {response.status_code}"
            )
            if elapsed > 60:  # bounded: one slow call is answer enough
                return times or [elapsed], statuses, points
        return times, statuses, points

    def large_book(self) -> None:
        rows = self.data.large_rows
        path = f"{API}/portfolios/{self.data.large_portfolio}/transactions/import"
        self.say(
            f"CSV import of {rows:,} rows ({len(self.data.large_csv) / 1e6:.1f} MB): started, "
            f"giving it up to {self.options.import_timeout} s"
        )
        outcome: dict[str, Any] = {}

        def post() -> None:
            try:
                outcome["response"] = httpx.post(
                    self.app.base_url + path,
                    content=self.data.large_csv,
                    headers={**self.auth, "Content-Type": "text/csv"},
                    timeout=self.options.import_timeout,
                )
            except httpx.HTTPError as error:
                outcome["error"] = error
            outcome["seconds"] = time.perf_counter() - started

        recording = self._record(f"CSV import {rows} rows", open_ended=True)
        started = time.perf_counter()
        thread = threading.Thread(target=post, daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                thread.join(30)
                if thread.is_alive():
                    self.say(
                        f"CSV import: still running after {time.perf_counter() - started:.0f} s"
                    )
        finally:
            if recording is not None:
                recording.finish()
        elapsed: float = outcome["seconds"]
        response: httpx.Response | None = outcome.get("response")
        label = f"POST transactions/import: {rows:,} CSV rows"
        target = f"CSV import of {rows:,} rows <= 10 s"
        if response is None or response.status_code != 200:
            why = (
                f"no answer in {self.options.import_timeout} s ({outcome.get('error')})"
                if response is None
                else f"status {response.status_code}: {response.text[:200]}"
            )
            self._row(label, None, why)
            self._target(target, why, False)
            self.results.notes.append(
                "note: the large book was not imported; its holdings were not measured"
            )
            return
        recorded = response.json().get("recorded")
        text = f"{elapsed:.1f} s ({rows / elapsed:,.0f} rows/s), recorded {recorded:,}"
        self.say(f"CSV import: {text}")
        self._settle_outbox()
        if self.database.kind == "postgresql":
            self.say("VACUUM (ANALYZE) after the import, before measuring the books")
            self.database.vacuum_analyze()
            self.results.notes.append(
                "note: the import was followed by VACUUM (ANALYZE) before the holdings scaling "
                "was measured (autovacuum would otherwise be working through its rows then)"
            )
        self._row(label, None, text)
        self._target(target, text, elapsed <= 10 and recorded == rows)
        self._holdings_scaling()

    def _settle_outbox(self, limit_seconds: int = 900) -> None:
        """Wait until the outbox is delivered: a backlog being worked off in the background
        would load the server during the next measurements."""
        started = time.monotonic()
        backlog: int | None = None
        first_backlog: int | None = None
        while time.monotonic() - started < limit_seconds:
            response = httpx.get(self.app.base_url + "/health/ready", timeout=60)
            backlog = response.json().get("outbox_backlog")
            if backlog == 0:
                waited = time.monotonic() - started
                if waited > 1:
                    self.say(f"outbox delivered after {waited:.0f} s")
                    self.results.notes.append(
                        f"note: the import answered with {first_backlog:,} outbox events "
                        f"undelivered; the relay delivered them in the next {waited:.0f} s "
                        "(the run waited for it before measuring again)"
                    )
                return
            if first_backlog is None:
                first_backlog = backlog
            self.say(f"outbox backlog: {backlog} events still to deliver; waiting")
            time.sleep(10)
        self.results.notes.append(
            f"note: {backlog} outbox events were still undelivered after the import "
            f"(+{limit_seconds} s); the relay was delivering them during later scenarios"
        )

    def _holdings_scaling(self) -> None:
        """The large book's holdings beside the small book's, in the order small, large,
        large, small: a drift of the machine during the four runs (the first after a
        large import is often the slowest) weighs on both books alike. Each book's
        latency is the mean of its two runs' p50."""
        holdings = self.options.holdings
        check = self._get(f"{API}/portfolios/{self.data.large_portfolio}/holdings")
        if check.status_code == 200 and len(check.json()["holdings"]) != holdings:
            self.results.notes.append(
                f"note: the large book shows {len(check.json()['holdings'])} holdings, "
                f"not {holdings}"
            )
        books = {
            "small": f"{self.app.base_url}{API}/portfolios/{self.data.small_portfolio}/holdings",
            "large": f"{self.app.base_url}{API}/portfolios/{self.data.large_portfolio}/holdings",
        }
        names = {"small": "small book, again", "large": "large book"}
        runs: dict[str, list[LoadResult]] = {"small": [], "large": []}
        for book in ("small", "large", "large", "small"):
            run = len(runs[book]) + 1
            runs[book].append(self._measure(f"GET holdings ({names[book]}, {run}/2)", books[book]))
        small_ms = statistics.mean(result.p50_ms for result in runs["small"])
        large_ms = statistics.mean(result.p50_ms for result in runs["large"])
        ratio = large_ms / small_ms if small_ms else float("inf")
        self.read_results[f"GET holdings ({self.data.large_rows:,} txns)"] = max(
            runs["large"], key=lambda result: result.tail_ratio
        )
        for book, transactions in (
            ("small", self.options.small_transactions),
            ("large", self.data.large_rows),
        ):
            for run, result in enumerate(runs[book], 1):
                self._row(
                    f"GET holdings: {holdings} holdings, {transactions:,} txns ({run}/2)",
                    result,
                    "reference for the large book"
                    if book == "small"
                    else f"mean p50 {ratio:.2f}x the small book's",
                )
        failures = sum(result.failures for result in runs["large"])
        measured = f"mean p50 {large_ms:.1f} ms vs {small_ms:.1f} ms = {ratio:.2f}x" + (
            f", {failures:,} failed requests" if failures else ""
        )
        self._target(
            f"holdings latency, {self.data.large_rows:,} vs "
            f"{self.options.small_transactions:,} txns <= 1.2x",
            measured,
            ratio <= 1.2 and not failures,
        )

    def soak(self) -> None:
        """A fixed-rate mix, 70 % reads and 30 % BUYs, with the server's RSS before and after."""
        seconds, rate = self.options.soak_seconds, self.options.soak_rate
        run_key = secrets.token_hex(4)
        stocks = [str(stock) for stock in self.data.stock_ids]
        held = [str(stock) for stock in self.data.held_stock_ids]
        holdings = f"{API}/portfolios/{self.data.small_portfolio}/holdings"
        transactions = f"{API}/portfolios/{self.data.writes_portfolio}/transactions"
        reads = ("by-id", "list", "holdings", "by-id", "list", "holdings", "by-id")

        def make(index: int) -> SoakRequest:
            slot = index % 10
            if slot < len(reads):
                kind = reads[slot]
                if kind == "by-id":
                    path = f"{API}/stocks/{stocks[index % len(stocks)]}"
                else:
                    path = f"{API}/stocks?limit=50" if kind == "list" else holdings
                return SoakRequest("read", "GET", path, self.auth)
            body = json.dumps(
                {
                    "type": "BUY",
                    "stock_id": held[index % len(held)],
                    "quantity": "1",
                    "price": "100.00",
                    "fee": "1.00",
                    "executed_at": "2024-06-03T15:00:00Z",
                }
            )
            headers = {
                **self.auth,
                "Content-Type": "application/json",
                "Idempotency-Key": f"soak-{run_key}-{index}",
            }
            return SoakRequest("write", "POST", transactions, headers, body)

        if self.app.pid is None:
            raise ServerProblem("stockbook serve is not running for the soak")
        self.say(f"soak: {rate} req/s for {seconds} s (70 % reads, 30 % BUYs)")
        rss_start = tree_rss_kib(self.app.pid)
        soaked = run_soak(self.app.base_url, make, seconds=seconds, rate=rate)
        rss_end = tree_rss_kib(self.app.pid)
        if not self.app.alive():
            raise ServerProblem(f"stockbook serve died during the soak:\n{self.app.log_tail()}")
        result = soaked.load
        unexpected = sum(soaked.unexpected.values())
        growth = (rss_end - rss_start) / rss_start * 100 if rss_start else float("inf")
        what = ", ".join(f"{key}: {n:,}" for key, n in sorted(soaked.unexpected.items()))
        measured = (
            f"{unexpected:,} unexpected{f' ({what})' if what else ''}; "
            f"RSS {rss_start / 1024:,.1f} -> {rss_end / 1024:,.1f} MiB ({growth:+.1f} %); "
            f"{result.requests_per_second:,.1f} of {rate} req/s"
        )
        self.say(
            f"soak: {result.requests_per_second:,.1f} req/s, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms; {measured}"
        )
        self._row(f"soak: {rate} req/s for {seconds} s, 70 % reads / 30 % BUY", result, measured)
        self._target(
            "soak: 0 unexpected statuses, RSS growth < 10 %",
            measured,
            unexpected == 0 and growth < 10,
        )

    def tail_targets(self) -> None:
        for name, result in self.read_results.items():
            self._target(
                f"p99 <= 3x p50: {name}",
                f"p99 {result.p99_ms:.1f} ms / p50 {result.p50_ms:.1f} ms "
                f"= {result.tail_ratio:.1f}x",
                result.tail_ratio <= 3,
            )


def _ratio(result: LoadResult, reference: LoadResult) -> float:
    if not reference.requests_per_second:
        return float("inf")
    return result.requests_per_second / reference.requests_per_second
