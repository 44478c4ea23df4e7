"""Running the real ``stockbook`` console script in a subprocess."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

STOCKBOOK = str(Path(sys.executable).parent / "stockbook")
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.strip().splitlines()


Run = Callable[..., Outcome]
"""``run("create-user", "ada@example.com", stdin="...", STOCKBOOK_PORT="1")``."""


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "book.db"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


def run_environment(database_path: Path) -> dict[str, str]:
    """This process's environment without its STOCKBOOK_ variables, on ``database_path``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STOCKBOOK_")}
    environment["STOCKBOOK_DATABASE_URL"] = f"sqlite+aiosqlite:///{database_path}"
    return environment


@pytest.fixture
def run(database_path: Path, workdir: Path) -> Run:
    """Run ``stockbook`` with a temporary SQLite database and working directory."""
    base_env = run_environment(database_path)

    def run(*args: str, stdin: str = "", timeout: float = TIMEOUT_SECONDS, **env: str) -> Outcome:
        completed = subprocess.run(
            [STOCKBOOK, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**base_env, **env},
            cwd=workdir,
            timeout=timeout,
            check=False,
        )
        return Outcome(completed.returncode, completed.stdout, completed.stderr)

    return run


Terminal = Callable[..., Outcome]
"""``in_terminal("create-user", "ada@example.com", answers=[...])``: run in a pseudo-terminal,
typing each answer after a prompt; stdout and stderr both arrive in ``stdout``."""


@pytest.fixture
def in_terminal(database_path: Path, workdir: Path) -> Terminal:
    env = run_environment(database_path)

    def run(*args: str, answers: list[str]) -> Outcome:
        pid, terminal = pty.fork()
        if pid == 0:  # the child: stockbook, with the pseudo-terminal as its tty
            os.chdir(workdir)
            os.execve(STOCKBOOK, [STOCKBOOK, *args], env)
        output, pending, answered_at = b"", list(answers), 0
        deadline = time.monotonic() + TIMEOUT_SECONDS
        try:
            while True:
                readable, _, _ = select.select([terminal], [], [], deadline - time.monotonic())
                if not readable:
                    raise TimeoutError(output.decode(errors="replace"))
                try:
                    chunk = os.read(terminal, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                since_last_answer = output[answered_at:]
                if (
                    pending
                    and since_last_answer.strip()
                    and since_last_answer.rstrip().endswith(b":")
                ):
                    os.write(terminal, pending.pop(0).encode() + b"\n")
                    answered_at = len(output)
        finally:
            os.close(terminal)
        _, status = os.waitpid(pid, 0)
        text = output.decode(errors="replace").replace("\r\n", "\n")
        return Outcome(os.waitstatus_to_exitcode(status), text, "")

    return run


@pytest.fixture
def migrated(database_path: Path, sqlite_template: Path) -> Path:
    """The temporary database, migrated (a copy of the session's migrated template;
    ``stockbook migrate`` itself is tested on its own)."""
    database_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sqlite_template, database_path)
    return database_path
