"""The ``stockbook`` command: operator tasks, and one clear line when it cannot start."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bootstrap.app import create_app
from bootstrap.settings import Settings
from tests.cli.conftest import STOCKBOOK, Outcome, Run, Terminal, run_environment
from tests.conftest import http_client

PASSWORD = "correct horse battery staple"


def assert_one_clear_line(outcome: Outcome, *names: str) -> str:
    """Failed with exit code ≠ 0 and exactly one line on stderr, naming ``names``."""
    assert outcome.returncode != 0, outcome
    assert "Traceback" not in outcome.stderr + outcome.stdout, outcome.stderr
    assert len(outcome.error_lines) == 1, outcome.stderr
    (line,) = outcome.error_lines
    assert line.startswith("stockbook: "), line
    for name in names:
        assert name in line, line
    return line


@pytest.fixture
async def app_on(migrated: Path) -> AsyncIterator[FastAPI]:
    """The app, in this process, on the database the commands used."""
    settings = Settings(database_url=f"sqlite+aiosqlite:///{migrated}")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def _create_ada(run: Run, email: str = "ada@example.com") -> Outcome:
    return run("create-user", email, stdin=PASSWORD + "\n")


# --- migrate -------------------------------------------------------------------


def test_migrate_brings_a_new_database_to_the_latest_migration(
    run: Run, database_path: Path
) -> None:
    database_path.parent.mkdir(parents=True)
    first = run("migrate")
    assert first.returncode == 0, first.stderr
    assert "latest migration" in first.stdout
    assert database_path.is_file()
    again = run("migrate")
    assert again.returncode == 0, again.stderr


def test_migrate_on_an_unreachable_postgresql_names_the_variable(run: Run) -> None:
    outcome = run(
        "migrate", STOCKBOOK_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:1/stockbook"
    )
    assert_one_clear_line(outcome, "STOCKBOOK_DATABASE_URL")


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "postgresql+asyncpg://user@host:port/db",
        "sqlite+aiosqlite:///:memory:",
        "sqlite://",
    ],
)
def test_migrate_on_an_unparseable_url_names_the_variable(run: Run, url: str) -> None:
    assert_one_clear_line(run("migrate", STOCKBOOK_DATABASE_URL=url), "STOCKBOOK_DATABASE_URL")


# --- create-user ---------------------------------------------------------------


def test_create_user_reads_the_password_from_stdin(run: Run, migrated: Path) -> None:
    outcome = _create_ada(run, "  Ada@Example.com ")
    assert outcome.returncode == 0, outcome.stderr
    match = re.fullmatch(r"created user ada@example\.com \(([0-9a-f-]{36})\)\n", outcome.stdout)
    assert match, outcome.stdout
    uuid.UUID(match.group(1))
    assert PASSWORD not in outcome.stdout + outcome.stderr


async def test_a_user_created_by_the_command_logs_in_through_the_api(
    run: Run, migrated: Path, app_on: FastAPI
) -> None:
    assert _create_ada(run).returncode == 0
    async with http_client(app_on) as anonymous:
        issued = await anonymous.post(
            "/api/v1/auth/token", data={"username": "ada@example.com", "password": PASSWORD}
        )
        assert issued.status_code == 200, issued.text
        wrong = await anonymous.post(
            "/api/v1/auth/token", data={"username": "ada@example.com", "password": PASSWORD + "!"}
        )
        assert wrong.status_code == 401


async def test_in_a_terminal_create_user_asks_for_the_password_twice_without_echo(
    in_terminal: Terminal, migrated: Path, app_on: FastAPI
) -> None:
    outcome = in_terminal("create-user", "ada@example.com", answers=[PASSWORD, PASSWORD])
    assert outcome.returncode == 0, outcome.stdout
    assert "Password for ada@example.com:" in outcome.stdout
    assert "Again:" in outcome.stdout
    assert "created user ada@example.com" in outcome.stdout
    assert PASSWORD not in outcome.stdout
    async with http_client(app_on) as anonymous:
        issued = await anonymous.post(
            "/api/v1/auth/token", data={"username": "ada@example.com", "password": PASSWORD}
        )
        assert issued.status_code == 200, issued.text


def test_in_a_terminal_two_different_passwords_create_nobody(
    in_terminal: Terminal, migrated: Path
) -> None:
    outcome = in_terminal("create-user", "ada@example.com", answers=[PASSWORD, PASSWORD + "?"])
    assert outcome.returncode != 0
    assert "Traceback" not in outcome.stdout
    assert outcome.stdout.strip().splitlines()[-1] == "stockbook: the passwords differ"
    again = in_terminal("create-user", "ada@example.com", answers=[PASSWORD, PASSWORD])
    assert again.returncode == 0, again.stdout  # the email was not taken by the failed attempt


async def test_create_user_works_while_registration_is_closed(
    run: Run, migrated: Path, app_on: FastAPI
) -> None:
    outcome = run(
        "create-user", "ada@example.com", stdin=PASSWORD + "\n", STOCKBOOK_ALLOW_REGISTRATION="0"
    )
    assert outcome.returncode == 0, outcome.stderr


async def test_a_password_with_spaces_is_kept_whole(
    run: Run, migrated: Path, app_on: FastAPI
) -> None:
    password = "  spaced out password  "
    assert run("create-user", "ada@example.com", stdin=password + "\r\n").returncode == 0
    async with http_client(app_on) as anonymous:
        issued = await anonymous.post(
            "/api/v1/auth/token", data={"username": "ada@example.com", "password": password}
        )
        assert issued.status_code == 200, issued.text


def test_create_user_with_a_password_that_is_not_utf8_fails_in_one_line(
    run: Run, migrated: Path
) -> None:
    completed = subprocess.run(
        [STOCKBOOK, "create-user", "ada@example.com"],
        input=b"\xff\xfe not utf-8 at all\n",
        capture_output=True,
        env=run_environment(migrated),
        check=False,
    )
    outcome = Outcome(completed.returncode, completed.stdout.decode(), completed.stderr.decode())
    assert_one_clear_line(outcome, "not valid UTF-8")


def test_create_user_with_stdin_closed_fails_in_one_line(run: Run, migrated: Path) -> None:
    completed = subprocess.run(
        [STOCKBOOK, "create-user", "ada@example.com"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=run_environment(migrated),
        check=False,
        preexec_fn=lambda: os.close(0),
    )
    outcome = Outcome(completed.returncode, completed.stdout, completed.stderr)
    assert_one_clear_line(outcome, "standard input is closed")


def test_create_user_with_a_taken_email_fails_in_one_line(run: Run, migrated: Path) -> None:
    assert _create_ada(run).returncode == 0
    line = assert_one_clear_line(_create_ada(run, "ADA@Example.COM"))
    assert "already registered" in line


@pytest.mark.parametrize("stdin", ["", "short pass\n", "x" * 129 + "\n"])
def test_create_user_with_a_bad_password_fails_in_one_line(
    run: Run, migrated: Path, stdin: str
) -> None:
    outcome = run("create-user", "ada@example.com", stdin=stdin)
    assert_one_clear_line(outcome, "password", "12")
    if stdin.strip():
        assert stdin.strip() not in outcome.stderr


def test_create_user_on_an_unmigrated_database_says_so_in_one_line(
    run: Run, database_path: Path
) -> None:
    """No traceback, and so no SQL with the new user's password hash in it."""
    database_path.parent.mkdir(parents=True)
    outcome = run("create-user", "ada@example.com", stdin=PASSWORD + "\n")
    assert_one_clear_line(outcome, "stockbook migrate")
    assert "$argon2" not in outcome.stderr + outcome.stdout


def test_create_api_key_on_an_unmigrated_database_says_so_in_one_line(
    run: Run, database_path: Path
) -> None:
    database_path.parent.mkdir(parents=True)
    outcome = run("create-api-key", "ada@example.com", "importer", "--scope", "read")
    assert_one_clear_line(outcome, "stockbook migrate")


def test_create_user_with_a_malformed_email_fails_in_one_line(run: Run, migrated: Path) -> None:
    assert_one_clear_line(run("create-user", "not-an-email", stdin=PASSWORD + "\n"), "email")


# --- create-api-key ------------------------------------------------------------


def _key_of(outcome: Outcome) -> str:
    assert outcome.returncode == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert len(lines) == 1, outcome.stdout
    assert lines[0].startswith("sbk_")
    return lines[0]


async def test_create_api_key_prints_a_write_key_that_works(
    run: Run, migrated: Path, app_on: FastAPI
) -> None:
    assert _create_ada(run).returncode == 0
    key = _key_of(run("create-api-key", "ada@example.com", "importer", "--scope", "write"))
    assert _key_of(run("create-api-key", "ada@example.com", "importer", "--scope", "write")) != key
    async with http_client(app_on, key) as by_key:
        me = await by_key.get("/api/v1/auth/me")
        assert me.status_code == 200
        assert me.json()["email"] == "ada@example.com"
        listed = (await by_key.get("/api/v1/auth/api-keys")).json()["items"]
        assert [(k["name"], k["scope"]) for k in listed] == [("importer", "write")] * 2
        created = await by_key.post("/api/v1/stocks", json={"symbol": "AAPL", "name": "Apple"})
        assert created.status_code == 201, created.text


async def test_create_api_key_prints_a_read_key_that_cannot_write(
    run: Run, migrated: Path, app_on: FastAPI
) -> None:
    assert _create_ada(run).returncode == 0
    key = _key_of(run("create-api-key", "ADA@example.com", "dashboard", "--scope", "read"))
    async with http_client(app_on, key) as by_key:
        assert (await by_key.get("/api/v1/auth/me")).status_code == 200
        refused = await by_key.post("/api/v1/stocks", json={"symbol": "AAPL", "name": "Apple"})
        assert refused.status_code == 403
        assert refused.json()["code"] == "INSUFFICIENT_SCOPE"


def test_create_api_key_for_an_unknown_email_fails_in_one_line(run: Run, migrated: Path) -> None:
    outcome = run("create-api-key", "nobody@example.com", "importer", "--scope", "write")
    line = assert_one_clear_line(outcome, "nobody@example.com")
    assert "No user" in line
    assert outcome.stdout == ""


def test_create_api_key_with_an_unknown_scope_is_refused(run: Run, migrated: Path) -> None:
    outcome = run("create-api-key", "ada@example.com", "importer", "--scope", "admin")
    assert outcome.returncode != 0
    assert "Traceback" not in outcome.stderr
    assert "--scope" in outcome.stderr
    assert "sbk_" not in outcome.stdout


# --- serve and configuration ---------------------------------------------------


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_serve_on_a_port_in_use_fails_in_one_line(run: Run, migrated: Path, busy_port: int) -> None:
    outcome = run("serve", STOCKBOOK_PORT=str(busy_port))
    assert_one_clear_line(outcome, str(busy_port), "in use")


def test_serve_with_port_option_in_use_fails_in_one_line(
    run: Run, migrated: Path, busy_port: int
) -> None:
    outcome = run("serve", "--port", str(busy_port))
    assert_one_clear_line(outcome, str(busy_port), "in use")


@pytest.mark.parametrize("value", ["abc", "70000"])
def test_a_bad_port_names_stockbook_port(run: Run, value: str) -> None:
    assert_one_clear_line(run("serve", STOCKBOOK_PORT=value), "STOCKBOOK_PORT")


@pytest.mark.parametrize(
    "arguments",
    [
        ["--port", "70000"],
        ["--port", "0"],
        ["--port", "-1"],
        ["--port", "８０"],  # full-width digits
        ["--workers", "0"],
        ["--workers", "-1"],
        ["--workers", "two"],
    ],
)
def test_serve_with_a_bad_port_or_worker_count_says_so_and_starts_nothing(
    run: Run, arguments: list[str]
) -> None:
    outcome = run("serve", *arguments)
    assert outcome.returncode == 2, outcome
    assert "Traceback" not in outcome.stderr
    assert f"argument {arguments[0]}: must be a whole number from 1 to" in outcome.stderr


@pytest.fixture
def free_port() -> int:
    """A port nothing listens on (a regression that starts serving ends in the timeout)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_serve_in_production_on_an_unmigrated_database_refuses_to_start(
    run: Run, database_path: Path, free_port: int
) -> None:
    """Production never migrates on start; behind the code, every request would fail."""
    database_path.parent.mkdir()
    outcome = run(
        "serve",
        "--port",
        str(free_port),
        STOCKBOOK_ENV="production",
        STOCKBOOK_SECRET_KEY="k" * 32,
    )
    assert_one_clear_line(outcome, "not at the latest migration", "stockbook migrate")


def test_serve_in_development_on_a_schema_newer_than_the_code_fails_in_one_line(
    run: Run, migrated: Path, free_port: int
) -> None:
    with sqlite3.connect(migrated) as connection:
        connection.execute(
            "UPDATE alembic_version SET version_num = 'identity_0099'"
            " WHERE version_num LIKE 'identity_%'"
        )
    outcome = run("serve", "--port", str(free_port))
    assert_one_clear_line(outcome, "migration failed", "identity_0099")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_production_without_a_secret_key_names_it(
    run: Run, migrated: Path, workers: str, busy_port: int
) -> None:
    """Before any worker starts (a busy port makes a regression fail fast, not serve)."""
    outcome = run(
        "serve", "--workers", workers, "--port", str(busy_port), STOCKBOOK_ENV="production"
    )
    assert_one_clear_line(outcome, "STOCKBOOK_SECRET_KEY")


def test_production_with_a_short_secret_key_names_it(
    run: Run, migrated: Path, busy_port: int
) -> None:
    outcome = run(
        "serve",
        "--port",
        str(busy_port),
        STOCKBOOK_ENV="production",
        STOCKBOOK_SECRET_KEY="too-short",
    )
    line = assert_one_clear_line(outcome, "STOCKBOOK_SECRET_KEY", "32")
    assert "too-short" not in line


def test_other_bad_settings_name_their_variable(run: Run) -> None:
    outcome = run("migrate", STOCKBOOK_ACCESS_TOKEN_MINUTES="forever")
    assert_one_clear_line(outcome, "STOCKBOOK_ACCESS_TOKEN_MINUTES")


def test_development_keeps_the_secret_key_beside_the_database(
    run: Run, migrated: Path, workdir: Path
) -> None:
    assert _create_ada(run).returncode == 0
    key_file = migrated.with_name(migrated.name + ".secret")
    assert key_file.is_file()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert list(workdir.iterdir()) == []


async def test_a_token_survives_a_restart_of_the_app(
    run: Run, migrated: Path, app_on: FastAPI
) -> None:
    assert _create_ada(run).returncode == 0
    async with http_client(app_on) as anonymous:
        issued = await anonymous.post(
            "/api/v1/auth/token", data={"username": "ada@example.com", "password": PASSWORD}
        )
    token = issued.json()["access_token"]
    restarted = create_app(Settings(database_url=f"sqlite+aiosqlite:///{migrated}"))
    async with restarted.router.lifespan_context(restarted), http_client(restarted, token) as c:
        response: httpx.Response = await c.get("/api/v1/auth/me")
        assert response.status_code == 200
