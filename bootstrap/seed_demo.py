"""``stockbook seed-demo``: a demo user, stocks with simulated prices, a portfolio with history."""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import shlex
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from bootstrap import demo_data
from bootstrap.commands import CommandError, check_database, ensure_schema, with_container
from bootstrap.container import RootContainer
from bootstrap.settings import Settings
from contexts.identity.application.accounts import AccountService
from contexts.identity.domain.errors import EmailTaken
from contexts.identity.domain.user import User, check_password
from contexts.portfolio.application.portfolios import OpenPortfolio, PortfolioService
from contexts.portfolio.domain.portfolio import NameTaken
from contexts.stock.application.catalog import CatalogService
from contexts.stock.application.ports import StockReader, StockView
from contexts.stock.application.prices import PriceService, RecordPrices
from contexts.stock.application.splits import RecordSplit, SplitService
from contexts.stock.domain.errors import SymbolTaken
from contexts.stock.domain.price import MAX_PRICES_PER_REQUEST, DailyPrice
from contexts.transaction.application.book import BookService
from contexts.transaction.application.ports import StoredResponse, TransactionFilter
from shared_kernel.application.pagination import MAX_PAGE_SIZE, PageRequest
from shared_kernel.domain.errors import DomainError

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


async def _demo_user(accounts: AccountService, email: str, password: str) -> tuple[User, bool]:
    try:
        return await accounts.create_user(email, password), True
    except EmailTaken:
        return await accounts.user_by_email(email), False


async def _demo_stock(
    catalog: CatalogService, reader: StockReader, spec: demo_data.StockSpec
) -> tuple[StockView, bool]:
    try:
        view = await catalog.register(spec.registration(notes=DEMO_NOTES))
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
    check_database(settings)
    ensure_schema(settings)

    async def work(container: RootContainer) -> DemoSeeded:
        return await _seed_demo(container, email, chosen, seed, years)

    try:
        seeded = asyncio.run(with_container(settings, work))
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
        f"  curl -s -X POST {api}/auth/token"
        f" --data-urlencode {shlex.quote('username=' + seeded.email)}"
        f" --data-urlencode {shlex.quote('password=' + password)}"
    )
    print('and try these with -H "Authorization: Bearer <access_token>":')
    print(f"  {portfolio}/holdings")
    print(f"  {portfolio}/performance")
    print(f"  {portfolio}/allocation?by=sector")
    print(f"  {portfolio}/transactions")
    print(f"  {api}/stocks")
    print(f'or open {base}/docs and log in with "Authorize".')
