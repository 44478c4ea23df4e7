"""Real ``stockbook serve`` processes on throwaway databases, for the reliability tests.

Every server is started as a subprocess in a session of its own, listening on
127.0.0.1 only, and stopped (its whole process group) when the fixture that
started it ends, whatever the test did. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bootstrap.migrations import upgrade_to_heads
from tests.databases import (
    POSTGRES_REQUIRED,
    create_postgres_database,
    drop_postgres_database,
    postgres_unavailable_reason,
)

STOCKBOOK = str(Path(sys.executable).parent / "stockbook")
HOST = "127.0.0.1"
SECRET_KEY = "reliability-tests-signing-key-0123456789abcdef"
"""A fixed key (≥ 32 bytes): a restarted server accepts the tokens of the first."""
READY_TIMEOUT_SECONDS = 30.0
STOP_GRACE_SECONDS = 10.0
PORT_ATTEMPTS = 3

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class StockbookServer:
    """``stockbook serve`` on ``database_url``; ``env`` adds STOCKBOOK_* switches."""

    def __init__(self, database_url: str, workers: int, workdir: Path, env: dict[str, str]) -> None:
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self._workdir = workdir
        self._log_path = workdir / f"server-{self.port}.log"
        base = {k: v for k, v in os.environ.items() if not k.startswith("STOCKBOOK_")}
        self._env = base | {
            "STOCKBOOK_DATABASE_URL": database_url,
            "STOCKBOOK_SECRET_KEY": SECRET_KEY,
            "STOCKBOOK_ENV": "development",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self) -> None:
        """Start and wait until ready; a port taken meanwhile is exchanged (bounded)."""
        for _ in range(PORT_ATTEMPTS):
            if self._start_on_port():
                return
            self.port = free_port()
            self.base_url = f"http://{HOST}:{self.port}"
        raise RuntimeError(f"no free port in {PORT_ATTEMPTS} attempts:\n{self.log_tail()}")

    def _start_on_port(self) -> bool:
        command = [STOCKBOOK, "serve", "--host", HOST, "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        log_start = self._log_path.stat().st_size if self._log_path.exists() else 0
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                env=self._env,
                cwd=self._workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers are in its process group
            )
        # Ready: this process bound the port (its log says so: another server that
        # took the port meanwhile would answer too) and the app answers ready.
        bound = f"Uvicorn running on {self.base_url}"
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                if "already in use" in self._log_since(log_start):
                    return False
                raise RuntimeError(f"stockbook serve exited at start:\n{self.log_tail()}")
            if bound in self._log_since(log_start):
                with contextlib.suppress(httpx.HTTPError):
                    url = f"{self.base_url}/health/ready"
                    if httpx.get(url, timeout=2, trust_env=False).status_code == 200:
                        return True
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"stockbook serve not ready in {READY_TIMEOUT_SECONDS} s:\n{self.log_tail()}"
        )

    def _log_since(self, offset: int) -> str:
        with self._log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def wait_for_exit(self, timeout: float) -> int:
        """The exit code (negative: the signal that ended it), within ``timeout``."""
        assert self._process is not None
        return self._process.wait(timeout)

    def stop(self) -> None:
        """SIGTERM the server's process group, then SIGKILL whatever is left."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_GRACE_SECONDS)
        # workers outlive a supervisor that was killed: end the whole group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_GRACE_SECONDS)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join("    " + line for line in text.splitlines()[-lines:])


StartServer = Callable[..., StockbookServer]
"""``start_server(database_url, workers=1, STOCKBOOK_FAILPOINT="after-commit")``."""


@contextlib.contextmanager
def running_servers(workdir: Path) -> Iterator[StartServer]:
    """Start servers on demand; every one started is stopped on the way out."""
    started: list[StockbookServer] = []

    def start_server(database_url: str, workers: int = 1, **env: str) -> StockbookServer:
        server = StockbookServer(database_url, workers, workdir, env)
        started.append(server)
        server.start()
        return server

    try:
        yield start_server
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture(scope="session")
def postgres_available() -> None:
    reason = postgres_unavailable_reason()
    if reason is not None:
        if POSTGRES_REQUIRED:
            pytest.fail(f"{reason}; STOCKBOOK_TEST_REQUIRE_POSTGRES=1 makes it mandatory")
        pytest.skip(f"{reason}; set it up to run the PostgreSQL reliability tests")


NewDatabase = Callable[[str], str]
"""``new_database("sqlite" | "postgresql")``: the URL of a fresh, migrated database."""


@contextlib.contextmanager
def throwaway_databases(
    request: pytest.FixtureRequest, directory: Path, sqlite_template: Path
) -> Iterator[NewDatabase]:
    created: list[str] = []

    def new_database(kind: str) -> str:
        if kind == "sqlite":
            path = directory / f"stockbook-{len(created)}.db"
            shutil.copyfile(sqlite_template, path)
            created.append(str(path))
            return f"sqlite+aiosqlite:///{path}"
        request.getfixturevalue("postgres_available")
        url = create_postgres_database()
        created.append(url)
        upgrade_to_heads(url)
        return url

    try:
        yield new_database
    finally:
        for url in created:
            if url.startswith("postgresql"):
                drop_postgres_database(url)


@pytest.fixture
def new_database(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[NewDatabase]:
    with throwaway_databases(request, tmp_path, sqlite_template) as new:
        yield new


@pytest.fixture(scope="package", params=DATABASES)
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[StockbookServer]:
    """A server shared by the tests that each use their own user and portfolio:
    SQLite with one worker, PostgreSQL with two worker processes."""
    kind: str = request.param
    workdir = tmp_path_factory.mktemp(f"server-{kind}")
    with (
        throwaway_databases(request, workdir, sqlite_template) as new_database,
        running_servers(workdir) as start,
    ):
        yield start(new_database(kind), workers=2 if kind == "postgresql" else 1)


@pytest.fixture
def start_server(tmp_path: Path, new_database: NewDatabase) -> Iterator[StartServer]:
    """Servers are stopped before the databases that ``new_database`` made are dropped."""
    with running_servers(tmp_path) as start:
        yield start
