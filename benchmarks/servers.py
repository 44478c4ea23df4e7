"""Server processes of a run: the real ``stockbook serve`` and the baseline, each in
a session of its own so that stopping it stops its workers too."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
STOCKBOOK = Path(sys.executable).parent / "stockbook"
READY_TIMEOUT_SECONDS = 60


class ServerProblem(Exception):
    """A server did not start; the message says why, with the end of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stop_process_group(process: subprocess.Popen[bytes], grace_seconds: float = 10) -> None:
    """SIGTERM the process's session (it leads it), then SIGKILL what is left."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Server:
    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        log_path: Path,
        ready_path: str,
    ) -> None:
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._command = [*command, "--host", "127.0.0.1", "--port", str(self.port)]
        self._env = env
        self._log_path = log_path
        self._ready_path = ready_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        log = self._log_path.open("wb")
        try:
            self._process = subprocess.Popen(
                self._command,
                env=self._env,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerProblem(f"{self.name} exited at start:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base_url + self._ready_path, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise ServerProblem(
            f"{self.name} was not ready in {READY_TIMEOUT_SECONDS} s:\n{self.log_tail()}"
        )

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        if self._process is not None:
            stop_process_group(self._process)

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join("    " + line for line in text.splitlines()[-lines:])


def stockbook_server(
    database_url: str, secret_key: str, workers: int, pool_size: int, log_path: Path
) -> Server:
    """``stockbook serve``: uvicorn with uvloop and httptools, no access log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOCKBOOK_")}
    env |= {
        "STOCKBOOK_DATABASE_URL": database_url,
        "STOCKBOOK_DB_POOL_SIZE": str(pool_size),
        "STOCKBOOK_SECRET_KEY": secret_key,
        "STOCKBOOK_ENV": "production",
        "STOCKBOOK_ACCESS_TOKEN_MINUTES": str(24 * 60),
    }
    return Server(
        "stockbook serve",
        [str(STOCKBOOK), "serve", "--workers", str(workers)],
        env,
        log_path,
        "/health/ready",
    )


def baseline_server(database_url: str, workers: int, pool_size: int, log_path: Path) -> Server:
    """``benchmarks/baseline_app.py`` under the same uvicorn settings and pool size."""
    env = dict(os.environ)
    env["STOCKBOOK_BASELINE_DATABASE_URL"] = database_url
    env["STOCKBOOK_DB_POOL_SIZE"] = str(pool_size)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return Server(
        "baseline",
        [sys.executable, "-m", "benchmarks.baseline_app", "--workers", str(workers)],
        env,
        log_path,
        "/health",
    )
