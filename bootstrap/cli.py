"""The ``stockbook`` command: serve, migrate, and operator tasks."""

from __future__ import annotations

import argparse
import asyncio
import errno
import getpass
import json
import logging
import random
import secrets
import shlex
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
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
from sqlalchemy.exc import SQLAlchemyError

from bootstrap import demo_data
from bootstrap.container import RootContainer
from bootstrap.migrations import current_revisions, head_revisions, upgrade_to_heads
from bootstrap.secret_key import resolve_secret_key
from bootstrap.settings import ConfigurationError, Settings, load_settings
from contexts.identity.application.accounts import AccountService
from contexts.identity.application.api_keys import ApiKeyService
from contexts.identity.domain.errors import EmailTaken
from contexts.identity.domain.user import User, check_password
from contexts.portfolio.application.portfolios import OpenPortfolio, PortfolioService
from contexts.portfolio.application.projection import HoldingsProjector
from contexts.portfolio.contracts import PortfolioDirectory
from contexts.portfolio.domain.portfolio import NameTaken
from contexts.stock.application.catalog import CatalogService, RegisterStock
from contexts.stock.application.ports import StockReader, StockView
from contexts.stock.application.prices import PriceService, RecordPrices
from contexts.stock.application.splits import RecordSplit, SplitService
from contexts.stock.domain.errors import SymbolTaken
from contexts.stock.domain.price import MAX_PRICES_PER_REQUEST, DailyPrice
from contexts.transaction.application.book import BookService
from contexts.transaction.application.ports import StoredResponse, TransactionFilter
from contexts.transaction.contracts import TransactionHistory
from shared_kernel.application.pagination import MAX_PAGE_SIZE, PageRequest
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
    except SQLAlchemyError as error:
        # One line, never the statement and its parameters (a password hash, say).
        raise CommandError(_database_failure(error)) from None
    finally:
        await container.engine().dispose()


def _database_failure(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None) or error
    reason = (str(original).splitlines() or [type(original).__name__])[0]
    if "no such table" in reason or "does not exist" in reason:
        return f"the database is not migrated ({reason}); run `stockbook migrate` first"
    return f"the database refused the operation ({reason})"


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
        directory: PortfolioDirectory = container.portfolio.directory()
        if portfolio_id is not None and await directory.get_portfolio(portfolio_id) is None:
            raise CommandError(f"no portfolio {portfolio_id}")
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


# --- seed-demo -------------------------------------------------------------------

DEMO_PORTFOLIO = "Demo portfolio"
DEMO_TRANSACTIONS_PER_YEAR = 60
DEMO_NOTES = "Demo data from `stockbook seed-demo`: the prices are simulated."


@dataclass(frozen=True)
class DemoSeeded:
    email: str
    password: str | None
    """The new user's password; None when the user already existed."""
    portfolio_id: str
    symbols: list[str]
    new_stocks: int
    prices_recorded: int
    transactions_recorded: int
    """0 when the portfolio already had its transactions."""
    period: tuple[str, str]


def _ensure_schema(settings: Settings) -> None:
    """Development migrates, as the app does when it starts; production only checks."""
    alembic_logger = logging.getLogger("alembic")
    level = alembic_logger.level
    alembic_logger.setLevel(logging.WARNING)
    try:
        if not settings.is_production:
            try:
                upgrade_to_heads(settings.database_url)
            except Exception as error:
                raise CommandError(f"migration failed: {error}") from None
            return

        async def revisions() -> set[str]:
            engine = create_engine(parse_database_url(settings.database_url))
            try:
                async with engine.connect() as connection:
                    return await connection.run_sync(current_revisions)
            finally:
                await engine.dispose()

        if asyncio.run(revisions()) != head_revisions():
            raise CommandError(
                "the database is not at the latest migration; run `stockbook migrate`"
            )
    finally:
        alembic_logger.setLevel(level)


async def _demo_user(accounts: AccountService, email: str, password: str) -> tuple[User, bool]:
    try:
        return await accounts.create_user(email, password), True
    except EmailTaken:
        return await accounts.user_by_email(email), False


async def _demo_stock(
    catalog: CatalogService, reader: StockReader, spec: demo_data.StockSpec
) -> tuple[StockView, bool]:
    try:
        view = await catalog.register(
            RegisterStock(
                symbol=spec.symbol,
                name=spec.name,
                sector=spec.sector,
                industry_group=spec.industry_group,
                exchange=spec.exchange,
                notes=DEMO_NOTES,
            )
        )
        return view, True
    except SymbolTaken:
        existing = await reader.get_by_symbol(spec.symbol)
        if existing is None:  # pragma: no cover - delisted and renamed meanwhile: not possible
            raise
        return existing, False


async def _seed_demo(
    container: RootContainer, email: str, password: str, seed: int, years: int
) -> DemoSeeded:
    accounts: AccountService = container.identity.accounts()
    catalog: CatalogService = container.stock.catalog_service()
    reader: StockReader = container.stock.reader()
    prices: PriceService = container.stock.price_service()
    splits: SplitService = container.stock.split_service()
    portfolios: PortfolioService = container.portfolio.portfolios()
    book: BookService = container.transaction.book()

    first, last = demo_data.demo_period(datetime.now(UTC).date(), years)
    split = demo_data.demo_split(first, last)
    days = demo_data.business_days(first, last)
    closes = {
        spec.symbol: demo_data.price_walk(
            demo_data.stock_rng(seed, spec.symbol), days, spec, [split]
        )
        for spec in demo_data.DEMO_STOCKS
    }

    user, new_user = await _demo_user(accounts, email, password)
    stocks: dict[str, StockView] = {}
    new_stocks = recorded_prices = 0
    for spec in demo_data.DEMO_STOCKS:
        view, created = await _demo_stock(catalog, reader, spec)
        stocks[spec.symbol] = view
        new_stocks += created
        # A stock that already has prices (someone's real data) keeps them as they are.
        if view.latest_price is not None:
            continue
        series = [DailyPrice(date=day, close=close) for day, close in closes[spec.symbol]]
        for start in range(0, len(series), MAX_PRICES_PER_REQUEST):
            recorded_prices += await prices.record(
                RecordPrices(view.id, series[start : start + MAX_PRICES_PER_REQUEST])
            )
        if spec.symbol == split.symbol and not await reader.splits(view.id):
            await splits.record(
                RecordSplit(view.id, split.effective_date, split.numerator, split.denominator)
            )

    # The history follows the splits the catalog really has, so it never oversells.
    recorded_splits = [
        demo_data.SplitSpec(symbol, s.effective_date, s.numerator, s.denominator)
        for symbol, view in stocks.items()
        for s in await reader.splits(view.id)
    ]
    try:
        portfolio = await portfolios.open(
            OpenPortfolio(
                owner_id=user.id,
                name=DEMO_PORTFOLIO,
                description="Generated by `stockbook seed-demo`.",
            )
        )
        portfolio_id = portfolio.id
    except NameTaken:
        page = await portfolios.list_portfolios(user.id, PageRequest(limit=MAX_PAGE_SIZE))
        portfolio_id = next(p.id for p in page.items if p.name == DEMO_PORTFOLIO)

    recorded_transactions = 0
    existing = await book.list_transactions(
        user.id, TransactionFilter(portfolio_id=portfolio_id), PageRequest(limit=1)
    )
    if not existing.items:
        history = demo_data.portfolio_history(
            random.Random(seed),
            closes,
            DEMO_TRANSACTIONS_PER_YEAR * years,
            splits=recorded_splits,
            dividend_yields={spec.symbol: spec.dividend_yield for spec in demo_data.DEMO_STOCKS},
        )
        stored = await book.import_csv(
            user.id,
            portfolio_id,
            demo_data.history_csv(history),
            dry_run=False,
            idempotency=None,
            render=lambda result: StoredResponse(200, json.dumps(asdict(result))),
        )
        recorded_transactions = json.loads(stored.body)["recorded"]
    return DemoSeeded(
        email=user.email,
        password=password if new_user else None,
        portfolio_id=str(portfolio_id),
        symbols=list(stocks),
        new_stocks=new_stocks,
        prices_recorded=recorded_prices,
        transactions_recorded=recorded_transactions,
        period=(first.isoformat(), last.isoformat()),
    )


def seed_demo(settings: Settings, email: str, password: str | None, seed: int, years: int) -> None:
    """Create a demo user, stocks with prices and a portfolio with a history."""
    chosen = password if password is not None else secrets.token_urlsafe(12)
    try:
        check_password(chosen)
    except DomainError as error:
        raise CommandError(error.detail) from None
    _check_database(settings)
    _ensure_schema(settings)

    async def work(container: RootContainer) -> DemoSeeded:
        return await _seed_demo(container, email, chosen, seed, years)

    try:
        seeded = asyncio.run(_with_container(settings, work))
    except DomainError as error:
        raise CommandError(error.detail) from None
    _print_demo(settings, seeded)


def _print_demo(settings: Settings, seeded: DemoSeeded) -> None:
    base = f"http://{settings.host}:{settings.port}"
    api = f"{base}/api/v1"
    portfolio = f"{api}/portfolios/{seeded.portfolio_id}"
    if seeded.password is None:
        who = f"{seeded.email} (already there: its password is unchanged)"
        password = "<its password>"
    else:
        who = f"{seeded.email}, password {seeded.password}"
        password = seeded.password
    transactions = (
        f"{seeded.transactions_recorded} transactions recorded"
        if seeded.transactions_recorded
        else "it already had its transactions"
    )
    print(f"demo user: {who}")
    print(
        f"stocks: {', '.join(seeded.symbols)} ({seeded.new_stocks} new, "
        f"{seeded.prices_recorded} daily closes from {seeded.period[0]} to {seeded.period[1]})"
    )
    print(f"portfolio {DEMO_PORTFOLIO!r} {seeded.portfolio_id}: {transactions}")
    print()
    print("Serve the API (stockbook serve), then log in for an access token:")
    print(
        f"  curl -s -X POST {api}/auth/token -d username={shlex.quote(seeded.email)} "
        f"-d password={shlex.quote(password)}"
    )
    print('and try these with -H "Authorization: Bearer <access_token>":')
    print(f"  {portfolio}/holdings")
    print(f"  {portfolio}/performance")
    print(f"  {portfolio}/allocation?by=sector")
    print(f"  {portfolio}/transactions")
    print(f"  {api}/stocks")
    print(f'or open {base}/docs and log in with "Authorize".')


def _demo_years(text: str) -> int:
    try:
        years = int(text)
    except ValueError:
        years = 0
    if not 1 <= years <= 30:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 30, not {text!r}")
    return years


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
    demo_parser = commands.add_parser(
        "seed-demo",
        help="create a demo user, stocks with daily prices and a portfolio with a history",
    )
    demo_parser.add_argument("--email", default="demo@example.com", help="the demo user")
    demo_parser.add_argument(
        "--password", help="the demo user's password (default: generated and printed)"
    )
    demo_parser.add_argument(
        "--seed", type=int, default=42, help="random seed of the generated data"
    )
    demo_parser.add_argument(
        "--years",
        type=_demo_years,
        default=5,
        help="years of prices and history before this one (1-30; default 5)",
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
        elif args.command == "seed-demo":
            seed_demo(settings, args.email, args.password, args.seed, args.years)
    except (ConfigurationError, CommandError) as error:
        print(f"stockbook: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
