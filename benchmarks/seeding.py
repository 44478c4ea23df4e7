"""The benchmark's data, made through the application services (every rule, every
event, the holdings projection), with the generators of ``bootstrap.demo_data``.

The bulk paths keep it fast: prices are recorded 10,000 rows at a time (what
``PUT /stocks/{id}/prices`` takes), transactions go through the CSV import.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from benchmarks.options import Options
from bootstrap import demo_data
from bootstrap.container import RootContainer
from bootstrap.settings import Settings
from contexts.identity.application.accounts import AccountService
from contexts.portfolio.application.portfolios import OpenPortfolio, PortfolioService
from contexts.stock.application.catalog import CatalogService
from contexts.stock.application.prices import PriceService, RecordPrices
from contexts.stock.application.splits import RecordSplit, SplitService
from contexts.stock.domain.price import MAX_PRICES_PER_REQUEST, DailyPrice
from contexts.transaction.application.book import BookService
from contexts.transaction.application.ports import StoredResponse

MAX_IMPORT_BYTES = 10 * 1024 * 1024
EMAIL = "bench@example.com"

Progress = Callable[[str], None]


class SeedProblem(Exception):
    """The data asked for cannot be made; the message says why, in one line."""


@dataclass(frozen=True)
class BenchData:
    token: str
    """A JWT access token valid for a day."""
    stock_ids: list[UUID]
    """The catalog, by symbol."""
    held_stock_ids: list[UUID]
    """The stocks of the holdings portfolios."""
    small_portfolio: UUID
    large_portfolio: UUID
    """Empty: the timed CSV import fills it."""
    large_csv: bytes
    large_rows: int
    performance_portfolio: UUID
    performance_days: int
    writes_portfolio: UUID
    contention_portfolio: UUID
    contention_stock: UUID
    price_rows: int


def settings_for(database_url: str, secret_key: str) -> Settings:
    return Settings(
        database_url=database_url,
        env="production",
        secret_key=secret_key,
        access_token_minutes=24 * 60,
    )


def period(years: int, today: date) -> list[date]:
    """``years`` years of business days, up to yesterday."""
    last = today - timedelta(days=1)
    return demo_data.business_days(last - timedelta(days=round(365.25 * years)), last)


async def _import(book: BookService, owner: UUID, portfolio: UUID, content: bytes) -> int:
    stored = await book.import_csv(
        owner,
        portfolio,
        content,
        dry_run=False,
        idempotency=None,
        render=lambda result: StoredResponse(200, json.dumps(asdict(result))),
    )
    recorded: int = json.loads(stored.body)["recorded"]
    return recorded


async def seed(container: RootContainer, options: Options, progress: Progress) -> BenchData:
    accounts: AccountService = container.identity.accounts()
    catalog: CatalogService = container.stock.catalog_service()
    prices: PriceService = container.stock.price_service()
    splits: SplitService = container.stock.split_service()
    portfolios: PortfolioService = container.portfolio.portfolios()
    book: BookService = container.transaction.book()
    started = time.perf_counter()

    password = secrets.token_urlsafe(16)
    user = await accounts.create_user(EMAIL, password)
    token = (await accounts.log_in(EMAIL, password)).token

    specs = demo_data.synthetic_stocks(options.stocks, random.Random(options.seed))
    ids: dict[str, UUID] = {}
    for spec in specs:
        view = await catalog.register(spec.registration())
        ids[spec.symbol] = view.id
    progress(f"seeding: {len(specs)} stocks registered")

    days = period(options.years, datetime.now(UTC).date())
    held = [spec.symbol for spec in specs[: options.holdings]]
    split = demo_data.SplitSpec(held[0], days[len(days) // 2], 2, 1)
    closes: dict[str, list[tuple[date, Decimal]]] = {}
    price_rows = 0
    for index, spec in enumerate(specs, 1):
        series = demo_data.price_walk(
            demo_data.stock_rng(options.seed, spec.symbol), days, spec, [split]
        )
        closes[spec.symbol] = series
        daily = [DailyPrice(date=day, close=close) for day, close in series]
        for start in range(0, len(daily), MAX_PRICES_PER_REQUEST):
            price_rows += await prices.record(
                RecordPrices(ids[spec.symbol], daily[start : start + MAX_PRICES_PER_REQUEST])
            )
        if index % 25 == 0 or index == len(specs):
            progress(
                f"seeding: daily prices of {index}/{len(specs)} stocks "
                f"({price_rows:,} rows, {time.perf_counter() - started:.0f} s)"
            )
    await splits.record(
        RecordSplit(ids[split.symbol], split.effective_date, split.numerator, split.denominator)
    )

    async def open_portfolio(name: str) -> UUID:
        return (await portfolios.open(OpenPortfolio(owner_id=user.id, name=name))).id

    yields = {spec.symbol: spec.dividend_yield for spec in specs}
    held_closes = {symbol: closes[symbol] for symbol in held}

    def history(
        seed_offset: int,
        stock_closes: dict[str, list[tuple[date, Decimal]]],
        count: int,
        prefix: str,
    ) -> bytes:
        rows = demo_data.portfolio_history(
            random.Random(options.seed + seed_offset),
            stock_closes,
            count,
            splits=[split],
            dividend_yields=yields,
            buy_every_stock_first=True,
            id_prefix=prefix,
        )
        return demo_data.history_csv(rows)

    small = await open_portfolio("holdings, small book")
    recorded = await _import(
        book, user.id, small, history(1, held_closes, options.small_transactions, "small")
    )
    progress(f"seeding: small holdings portfolio, {recorded:,} transactions")

    performance = await open_portfolio("performance")
    performance_rows = max(2_000, 2 * len(specs) + 1)
    recorded = await _import(
        book, user.id, performance, history(3, closes, performance_rows, "perf")
    )
    progress(
        f"seeding: performance portfolio, {recorded:,} transactions in {len(specs)} stocks "
        f"over {len(days):,} business days"
    )

    large = await open_portfolio("holdings, large book")
    large_csv = history(2, held_closes, options.large_transactions, "large")
    if len(large_csv) > MAX_IMPORT_BYTES:
        raise SeedProblem(
            f"--large-transactions: {options.large_transactions:,} rows make "
            f"{len(large_csv):,} bytes, over the 10 MiB a request may carry"
        )

    writes = await open_portfolio("writes")
    contention = await open_portfolio("contention")
    contention_symbol = held[-1]
    buy_day = days[-30]
    rows = [
        demo_data.HistoryRow(
            executed_at=datetime.combine(buy_day, datetime.min.time(), tzinfo=UTC)
            + timedelta(hours=14),
            type="BUY",
            symbol=contention_symbol,
            quantity=Decimal(options.contention_shares),
            price=closes[contention_symbol][-30][1],
            external_id="contention-buy",
        )
    ]
    await _import(book, user.id, contention, demo_data.history_csv(rows))
    progress(f"seeding: done in {time.perf_counter() - started:.0f} s")
    return BenchData(
        token=token,
        stock_ids=[ids[spec.symbol] for spec in sorted(specs, key=lambda s: s.symbol)],
        held_stock_ids=[ids[symbol] for symbol in held],
        small_portfolio=small,
        large_portfolio=large,
        large_csv=large_csv,
        large_rows=options.large_transactions,
        performance_portfolio=performance,
        performance_days=(datetime.now(UTC).date() - days[0]).days + 1,
        writes_portfolio=writes,
        contention_portfolio=contention,
        contention_stock=ids[contention_symbol],
        price_rows=price_rows,
    )
