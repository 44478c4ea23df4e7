"""What a portfolio is worth and how it did: holdings, allocation, performance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from enum import StrEnum
from uuid import UUID

from contexts.portfolio.application.performance import (
    PerformanceReport,
    StockHistory,
    measure_performance,
)
from contexts.portfolio.application.ports import HoldingFigures, PortfolioReader, ProjectionReader
from contexts.portfolio.domain.portfolio import PortfolioNotFound
from contexts.portfolio.domain.position import CostBasisMethod
from contexts.stock.contracts import StockCatalog, StockQuote
from shared_kernel.application.clock import Clock
from shared_kernel.domain.errors import InvalidInput
from shared_kernel.domain.money import EXACT, exact_sum, shares_of

_RATIO = Context(prec=34, rounding=ROUND_HALF_EVEN)
_ZERO = Decimal(0)
EARLIEST = date(1900, 1, 1)
UNCLASSIFIED = "Unclassified"


class AllocationKey(StrEnum):
    STOCK = "stock"
    SECTOR = "sector"
    INDUSTRY_GROUP = "industry_group"


@dataclass(frozen=True)
class HoldingLine:
    stock_id: UUID
    symbol: str
    name: str
    sector: str | None
    industry_group: str | None
    quantity: Decimal
    cost_basis: Decimal
    average_cost: Decimal | None
    latest_price: Decimal | None
    price_date: date | None
    market_value: Decimal | None
    unrealized_gain: Decimal | None
    unrealized_return: Decimal | None
    realized_gain: Decimal
    dividends: Decimal
    fees: Decimal
    taxes: Decimal
    weight: Decimal | None
    """Of the priced holdings' market value, to six places; the weights sum to 1."""


@dataclass(frozen=True)
class HoldingsTotals:
    cost_basis: Decimal
    market_value: Decimal
    unrealized_gain: Decimal
    realized_gain: Decimal
    dividends: Decimal
    fees: Decimal
    taxes: Decimal
    cash_balance: Decimal
    total_value: Decimal


@dataclass(frozen=True)
class HoldingsReport:
    portfolio_id: UUID
    currency: str
    method: CostBasisMethod
    holdings: list[HoldingLine]
    totals: HoldingsTotals


@dataclass(frozen=True)
class AllocationItem:
    key: str
    market_value: Decimal
    weight: Decimal
    """To six places; the items' weights sum to 1."""


@dataclass(frozen=True)
class AllocationReport:
    by: AllocationKey
    items: list[AllocationItem]
    unpriced: list[str]


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return _RATIO.divide(numerator, denominator) if denominator else None


class PortfolioReports:
    def __init__(
        self,
        portfolios: PortfolioReader,
        projection: ProjectionReader,
        catalog: StockCatalog,
        clock: Clock,
    ) -> None:
        self._portfolios = portfolios
        self._projection = projection
        self._catalog = catalog
        self._clock = clock

    async def holdings(
        self,
        owner_id: UUID,
        portfolio_id: UUID,
        method: CostBasisMethod = CostBasisMethod.FIFO,
        include_closed: bool = False,
    ) -> HoldingsReport:
        """Each position valued at its stock's latest close.

        Totals of realized gain, dividends, fees and taxes cover every
        position, closed ones included; market-value totals cover the priced
        holdings only.
        """
        owned = await self._projection.owned_holdings(portfolio_id, owner_id)
        if owned is None:
            raise PortfolioNotFound()
        figures = owned.figures
        quotes = await self._catalog.get_quotes([f.stock_id for f in figures])
        shown = [
            (f, quote)
            for f in figures
            if (include_closed or f.quantity != 0) and (quote := quotes.get(f.stock_id)) is not None
        ]
        market_values = {
            f.stock_id: EXACT.multiply(f.quantity, quote.latest.close)
            for f, quote in shown
            if quote.latest is not None
        }
        symbols = {f.stock_id: quote.info.symbol for f, quote in shown}
        ranked = sorted(
            market_values,
            key=lambda stock_id: _weighing_order(market_values[stock_id], symbols[stock_id]),
        )
        # reported to six places, they sum to exactly 1
        shares = shares_of([market_values[stock_id] for stock_id in ranked])
        weights = dict(zip(ranked, shares, strict=True)) if shares is not None else {}
        lines = sorted(
            (
                self._line(f, quote, market_values.get(f.stock_id), method, weights.get(f.stock_id))
                for f, quote in shown
            ),
            key=lambda line: line.symbol,
        )
        with_value = [line for line in lines if line.market_value is not None]
        market_value = exact_sum(line.market_value or _ZERO for line in with_value)
        totals = HoldingsTotals(
            cost_basis=exact_sum(line.cost_basis for line in lines),
            market_value=market_value,
            unrealized_gain=exact_sum(line.unrealized_gain or _ZERO for line in with_value),
            realized_gain=exact_sum(f.realized_gain(method) for f in figures),
            dividends=exact_sum(f.dividends for f in figures),
            fees=exact_sum(f.fees for f in figures),
            taxes=exact_sum(f.taxes for f in figures),
            cash_balance=owned.cash_balance,
            total_value=EXACT.add(market_value, owned.cash_balance),
        )
        return HoldingsReport(portfolio_id, owned.currency, method, lines, totals)

    @staticmethod
    def _line(
        figures: HoldingFigures,
        quote: StockQuote,
        market_value: Decimal | None,
        method: CostBasisMethod,
        weight: Decimal | None,
    ) -> HoldingLine:
        cost = figures.cost_basis(method)
        close, info = quote.latest, quote.info
        unrealized = EXACT.subtract(market_value, cost) if market_value is not None else None
        return HoldingLine(
            stock_id=figures.stock_id,
            symbol=info.symbol,
            name=info.name,
            sector=info.sector,
            industry_group=info.industry_group,
            quantity=figures.quantity,
            cost_basis=cost,
            average_cost=_ratio(cost, figures.quantity) if figures.quantity > 0 else None,
            latest_price=close.close if close else None,
            price_date=close.date if close else None,
            market_value=market_value,
            unrealized_gain=unrealized,
            unrealized_return=_ratio(unrealized, cost) if unrealized is not None else None,
            realized_gain=figures.realized_gain(method),
            dividends=figures.dividends,
            fees=figures.fees,
            taxes=figures.taxes,
            weight=weight,
        )

    async def allocation(
        self, owner_id: UUID, portfolio_id: UUID, by: AllocationKey
    ) -> AllocationReport:
        report = await self.holdings(owner_id, portfolio_id)
        values: defaultdict[str, Decimal] = defaultdict(Decimal)
        for line in report.holdings:
            if line.market_value is None:
                continue
            if by is AllocationKey.STOCK:
                key = line.symbol
            elif by is AllocationKey.SECTOR:
                key = line.sector or UNCLASSIFIED
            else:
                key = line.industry_group or UNCLASSIFIED
            values[key] = EXACT.add(values[key], line.market_value)
        ordered = sorted(values.items(), key=lambda item: _weighing_order(item[1], item[0]))
        weights = shares_of([value for _, value in ordered]) or [_ZERO] * len(ordered)
        items = [
            AllocationItem(key, value, weight)
            for (key, value), weight in zip(ordered, weights, strict=True)
        ]
        unpriced = [line.symbol for line in report.holdings if line.market_value is None]
        return AllocationReport(by, items, unpriced)

    async def performance(
        self, owner_id: UUID, portfolio_id: UUID, first: date | None, last: date | None
    ) -> PerformanceReport:
        portfolio = await self._portfolios.get(portfolio_id, owner_id)
        if portfolio is None:
            raise PortfolioNotFound()
        today = self._clock.now().date()
        histories = await self._projection.histories(portfolio_id)
        end = last or today
        if first is None:  # the day before the first transaction, whatever its type
            started = await self._projection.first_executed_at(portfolio_id)
            first = started.date() - timedelta(days=1) if started is not None else end
            if first > end:  # the caller's to is what to change: from was not sent
                raise InvalidInput.for_field(
                    "to",
                    f"must not be before {first}, the default from "
                    "(the day before the first transaction)",
                )
        _check_period(first, end, today)
        closes = await self._catalog.get_close_series(list(histories), first, end)
        stocks = [
            StockHistory(entries=entries, splits=splits, closes=closes.get(stock_id, []))
            for stock_id, (entries, splits) in histories.items()
        ]
        return measure_performance(stocks, first, end)


def _check_period(first: date, last: date, today: date) -> None:
    if last > today:
        raise InvalidInput.for_field("to", "must not be after today (UTC)")
    if first < EARLIEST:
        raise InvalidInput.for_field("from", "must not be before 1900")
    if first > last:
        raise InvalidInput.for_field("from", "must not be after to")


def _weighing_order(market_value: Decimal, key: str) -> tuple[Decimal, str]:
    """The order in which weights are shared out (``shares_of``): largest first, then
    by key. A tie's left-over millionth goes to the same stock in the holdings as
    in the allocation by stock, whatever order the holdings' rows come in."""
    return (EXACT.minus(market_value), key)
