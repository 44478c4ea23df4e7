"""The operator commands behind ``stockbook``: serve, migrate, users, keys, imports, rebuilds."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import getpass
import json
import logging
import socket
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import asyncpg
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bootstrap.container import RootContainer
from bootstrap.migrations import current_revisions, head_revisions, upgrade_to_heads
from bootstrap.secret_key import resolve_secret_key
from bootstrap.settings import Settings
from contexts.identity.application.accounts import AccountService
from contexts.identity.application.api_keys import ApiKeyService
from contexts.identity.domain.user import User
from contexts.portfolio.application.projection import HoldingsProjector
from contexts.portfolio.contracts import PortfolioDirectory
from contexts.transaction.application.book import BookService
from contexts.transaction.application.ports import StoredResponse
from contexts.transaction.contracts import TransactionHistory
from shared_kernel.domain.errors import DomainError
from shared_kernel.domain.text import is_encodable
from shared_kernel.infrastructure.database import create_engine, parse_database_url

T = TypeVar("T")


class CommandError(Exception):
    """A failure to report in one line, without a traceback."""


def check_database(settings: Settings) -> None:
    async def ping() -> None:
        engine = create_engine(parse_database_url(settings.database_url))
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(ping())
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CommandError(
            f"STOCKBOOK_DATABASE_URL: cannot reach the database ({reason})"
        ) from None


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CommandError(f"port {port} on {host} is already in use") from None
            raise CommandError(f"cannot listen on {host}:{port} ({error.strerror})") from None


def migrate(settings: Settings) -> None:
    check_database(settings)
    _upgrade(settings)
    print("database is at the latest migration")


@contextlib.contextmanager
def _without_alembic_progress() -> Iterator[None]:
    """Alembic's INFO lines left out: a failure is one line, and ``serve`` starts
    with the server's own lines only."""
    alembic_log = logging.getLogger("alembic")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        alembic_log.setLevel(level)


def _upgrade(settings: Settings) -> None:
    try:
        with _without_alembic_progress():
            upgrade_to_heads(settings.database_url)
    except Exception as error:
        raise CommandError(f"migration failed: {error}") from None


def ensure_schema(settings: Settings) -> None:
    """Development migrates, as the app does when it starts; production never does
    (run `stockbook migrate` as a deployment step) and refuses a schema behind the
    code, which would answer every request with a 500."""
    if not settings.is_production:
        _upgrade(settings)
        return

    async def revisions() -> set[str]:
        engine = create_engine(parse_database_url(settings.database_url))
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(current_revisions)
        finally:
            await engine.dispose()

    with _without_alembic_progress():
        current = asyncio.run(revisions())
    if current != head_revisions():
        raise CommandError(
            "the database is not at the latest migration; run `stockbook migrate` first"
        )


def serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    # Checked here, once, not only in each worker's create_app(): with several
    # workers (or --reload) a bad key would otherwise end in tracebacks and
    # endless worker restarts, and in development every worker reads one file.
    resolve_secret_key(settings)
    check_database(settings)
    _check_port_free(host, port)
    ensure_schema(settings)  # once, before workers that would race to migrate
    uvicorn.run(
        "bootstrap.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        reload=args.reload,
        loop="uvloop",
        http="httptools",
        access_log=args.access_log,
    )


def _read_password(email: str) -> str:
    if sys.stdin is None:
        raise CommandError("no password: standard input is closed")
    try:
        if sys.stdin.isatty():
            password = getpass.getpass(f"Password for {email}: ")
            if getpass.getpass("Again: ") != password:
                raise CommandError("the passwords differ")
        else:
            password = sys.stdin.readline().rstrip("\r\n")
    except EOFError:
        raise CommandError("no password given") from None
    if not is_encodable(password):  # bytes that are not UTF-8, read as lone surrogates
        raise CommandError("the password is not valid UTF-8")
    return password


async def with_container(settings: Settings, work: Callable[[RootContainer], Awaitable[T]]) -> T:
    container = RootContainer(settings=settings)
    try:
        return await work(container)
    except (SQLAlchemyError, sqlite3.Error, asyncpg.PostgresError) as error:
        # One line, never the statement and its parameters (a password hash, say).
        # Statements compiled once run on the driver's connection: its own errors.
        raise CommandError(database_failure(error)) from None
    finally:
        await container.engine().dispose()


def database_failure(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    reason = (str(original).splitlines() or [type(original).__name__])[0]
    if "no such table" in reason or "does not exist" in reason:
        # an SQLite table, or a PostgreSQL relation
        return f"the database is not migrated ({reason}); run `stockbook migrate` first"
    return f"the database refused the operation ({reason})"


def create_user(settings: Settings, email: str) -> None:
    password = _read_password(email)
    check_database(settings)

    async def work(container: RootContainer) -> User:
        accounts: AccountService = container.identity.accounts()
        return await accounts.create_user(email, password)

    try:
        user = asyncio.run(with_container(settings, work))
    except DomainError as error:
        raise CommandError(error.detail) from None
    print(f"created user {user.email} ({user.id})")


def create_api_key(settings: Settings, email: str, name: str, scope: str) -> None:
    check_database(settings)

    async def work(container: RootContainer) -> str:
        accounts: AccountService = container.identity.accounts()
        api_keys: ApiKeyService = container.identity.api_keys()
        user = await accounts.user_by_email(email)
        created = await api_keys.create(user.id, name, scope)
        return created.plaintext

    try:
        print(asyncio.run(with_container(settings, work)))
    except DomainError as error:
        raise CommandError(error.detail) from None


def import_transactions(settings: Settings, path: Path, portfolio_id: UUID, email: str) -> None:
    if not path.is_file():
        raise CommandError(f"no file at {path}")
    check_database(settings)
    size = path.stat().st_size
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as progress:
        reading = progress.add_task("reading", total=size)
        chunks: list[bytes] = []
        try:
            with path.open("rb") as file:
                while chunk := file.read(1 << 20):
                    chunks.append(chunk)
                    progress.advance(reading, len(chunk))
        except OSError as error:
            progress.stop()
            raise CommandError(f"cannot read {path} ({error.strerror})") from None
        content = b"".join(chunks)
        progress.add_task("validating and recording", total=None)

        async def work(container: RootContainer) -> StoredResponse:
            accounts: AccountService = container.identity.accounts()
            book: BookService = container.transaction.book()
            user = await accounts.user_by_email(email)
            return await book.import_csv(
                user.id,
                portfolio_id,
                content,
                dry_run=False,
                idempotency=None,
                render=lambda result: StoredResponse(200, json.dumps(asdict(result))),
            )

        try:
            stored = asyncio.run(with_container(settings, work))
        except DomainError as error:
            progress.stop()
            for problem in error.errors[:50]:
                where = f"line {problem.line}: " if problem.line else ""
                field = f"{problem.field}: " if problem.field else ""
                print(f"  {where}{field}{problem.message}", file=sys.stderr)
            raise CommandError(error.detail) from None
    result = json.loads(stored.body)
    print(
        f"recorded {result['recorded']} transactions, "
        f"skipped {result['skipped_duplicates']} already imported"
    )


def rebuild_projections(settings: Settings, portfolio_id: UUID | None, check: bool) -> None:
    """Rebuild (or with ``check``, compare) the holdings projection from the book."""
    check_database(settings)

    async def work(container: RootContainer) -> list[str]:
        projector: HoldingsProjector = container.portfolio.projector()
        history: TransactionHistory = container.transaction.history()
        directory: PortfolioDirectory = container.portfolio.directory()
        if portfolio_id is not None and await directory.get_portfolio(portfolio_id) is None:
            raise CommandError(f"no portfolio {portfolio_id}")
        portfolio_ids = [portfolio_id] if portfolio_id else await projector.portfolio_ids(history)
        problems: list[str] = []
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        ) as progress:
            task = progress.add_task(
                "checking" if check else "rebuilding", total=len(portfolio_ids)
            )
            for current in portfolio_ids:
                if check:
                    problems += [
                        f"portfolio {current}: {problem}"
                        for problem in await projector.differences(current, history)
                    ]
                else:
                    await projector.rebuild(current, history)
                progress.advance(task)
        return problems

    problems = asyncio.run(with_container(settings, work))
    for problem in problems:
        print(problem)
    if problems:
        raise CommandError(f"{len(problems)} difference(s) between the projection and the book")
    print("the projection agrees with the book" if check else "projections rebuilt")
