"""The ``stockbook`` command: serve, migrate, and operator tasks."""

from __future__ import annotations

import argparse
import asyncio
import errno
import getpass
import json
import logging
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar
from uuid import UUID

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

from bootstrap.container import RootContainer
from bootstrap.migrations import upgrade_to_heads
from bootstrap.secret_key import resolve_secret_key
from bootstrap.settings import ConfigurationError, Settings, load_settings
from contexts.identity.application.accounts import AccountService
from contexts.identity.application.api_keys import ApiKeyService
from contexts.identity.domain.user import User
from contexts.portfolio.application.projection import HoldingsProjector
from contexts.transaction.application.book import BookService
from contexts.transaction.application.ports import StoredResponse
from contexts.transaction.contracts import TransactionHistory
from shared_kernel.domain.errors import DomainError
from shared_kernel.infrastructure.database import create_engine, parse_database_url

T = TypeVar("T")


class CommandError(Exception):
    """A failure to report in one line, without a traceback."""


def _check_database(settings: Settings) -> None:
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
    _check_database(settings)
    try:
        upgrade_to_heads(settings.database_url)
    except Exception as error:
        raise CommandError(f"migration failed: {error}") from None
    print("database is at the latest migration")


def serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    host = args.host or settings.host
    port = args.port or settings.port
    # Checked here, once, not only in each worker's create_app(): with several
    # workers (or --reload) a bad key would otherwise end in tracebacks and
    # endless worker restarts, and in development every worker reads one file.
    resolve_secret_key(settings)
    _check_database(settings)
    _check_port_free(host, port)
    uvicorn.run(
        "bootstrap.app:create_app",
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
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {email}: ")
        if getpass.getpass("Again: ") != password:
            raise CommandError("the passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


async def _with_container(settings: Settings, work: Callable[[RootContainer], Awaitable[T]]) -> T:
    container = RootContainer(settings=settings)
    try:
        return await work(container)
    finally:
        await container.engine().dispose()


def create_user(settings: Settings, email: str) -> None:
    password = _read_password(email)
    _check_database(settings)

    async def work(container: RootContainer) -> User:
        accounts: AccountService = container.identity.accounts()
        return await accounts.create_user(email, password)

    try:
        user = asyncio.run(_with_container(settings, work))
    except DomainError as error:
        raise CommandError(error.detail) from None
    print(f"created user {user.email} ({user.id})")


def create_api_key(settings: Settings, email: str, name: str, scope: str) -> None:
    _check_database(settings)

    async def work(container: RootContainer) -> str:
        accounts: AccountService = container.identity.accounts()
        api_keys: ApiKeyService = container.identity.api_keys()
        user = await accounts.user_by_email(email)
        created = await api_keys.create(user.id, name, scope)
        return created.plaintext

    try:
        print(asyncio.run(_with_container(settings, work)))
    except DomainError as error:
        raise CommandError(error.detail) from None


def import_transactions(settings: Settings, path: Path, portfolio_id: UUID, email: str) -> None:
    if not path.is_file():
        raise CommandError(f"no file at {path}")
    _check_database(settings)
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
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                chunks.append(chunk)
                progress.advance(reading, len(chunk))
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
            stored = asyncio.run(_with_container(settings, work))
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
    _check_database(settings)

    async def work(container: RootContainer) -> list[str]:
        projector: HoldingsProjector = container.portfolio.projector()
        history: TransactionHistory = container.transaction.history()
        portfolio_ids = [portfolio_id] if portfolio_id else await history.portfolio_ids()
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

    problems = asyncio.run(_with_container(settings, work))
    for problem in problems:
        print(problem)
    if problems:
        raise CommandError(f"{len(problems)} difference(s) between the projection and the book")
    print("the projection agrees with the book" if check else "projections rebuilt")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stockbook", description="StockBook portfolio API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the HTTP API")
    serve_parser.add_argument("--host", help="address to listen on (STOCKBOOK_HOST)")
    serve_parser.add_argument("--port", type=int, help="port to listen on (STOCKBOOK_PORT)")
    serve_parser.add_argument("--workers", type=int, default=1, help="worker processes")
    serve_parser.add_argument("--reload", action="store_true", help="reload on code changes")
    serve_parser.add_argument("--access-log", action="store_true", help="log every request")
    commands.add_parser("migrate", help="apply all migrations (alembic upgrade heads)")
    user_parser = commands.add_parser(
        "create-user",
        help="create a user; the password is asked for, or read from stdin when piped",
    )
    user_parser.add_argument("email")
    key_parser = commands.add_parser("create-api-key", help="create an API key and print it")
    key_parser.add_argument("email", help="the user who owns the key")
    key_parser.add_argument("name", help="what the key is for")
    key_parser.add_argument("--scope", choices=["read", "write"], default="read")
    import_parser = commands.add_parser(
        "import-transactions", help="import a transactions CSV file into a portfolio"
    )
    import_parser.add_argument("file", type=Path, help="CSV in the API's import format")
    import_parser.add_argument("--portfolio", required=True, type=UUID, help="portfolio id")
    import_parser.add_argument("--user", required=True, help="email of the portfolio's owner")
    rebuild_parser = commands.add_parser(
        "rebuild-projections", help="rebuild the holdings projection from the transactions"
    )
    rebuild_parser.add_argument("--portfolio", type=UUID, help="only this portfolio")
    rebuild_parser.add_argument(
        "--check", action="store_true", help="only report where the projection differs"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        if args.command == "serve":
            serve(settings, args)
        elif args.command == "migrate":
            migrate(settings)
        elif args.command == "create-user":
            create_user(settings, args.email)
        elif args.command == "create-api-key":
            create_api_key(settings, args.email, args.name, args.scope)
        elif args.command == "import-transactions":
            import_transactions(settings, args.file, args.portfolio, args.user)
        elif args.command == "rebuild-projections":
            rebuild_projections(settings, args.portfolio, args.check)
    except (ConfigurationError, CommandError) as error:
        print(f"stockbook: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
