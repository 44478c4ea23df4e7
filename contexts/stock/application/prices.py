"""Use cases for daily prices: record a batch for one stock, import a CSV file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from contexts.stock.application.ports import StockUnitOfWork, StockUnitOfWorkFactory
from contexts.stock.contracts import StockPricesRecorded
from contexts.stock.domain.calendar import is_after_tomorrow
from contexts.stock.domain.errors import StockNotFound
from contexts.stock.domain.price import MAX_PRICES_PER_REQUEST, DailyPrice
from contexts.stock.domain.stock import symbol_key
from shared_kernel.application.bulk import with_collector_paused
from shared_kernel.application.clock import Clock
from shared_kernel.application.csv_table import read_csv
from shared_kernel.domain.dates import calendar_date
from shared_kernel.domain.errors import (
    DomainError,
    ErrorDetail,
    ImportRejected,
    InvalidInput,
)
from shared_kernel.domain.money import parse_decimal

PRICE_CSV_REQUIRED = frozenset({"symbol", "date", "close"})
PRICE_CSV_OPTIONAL = frozenset({"open", "high", "low", "volume"})


@dataclass(frozen=True)
class RecordPrices:
    stock_id: UUID
    prices: Sequence[DailyPrice]


@dataclass(frozen=True)
class PriceImportResult:
    recorded: int
    stocks: int


class PriceService:
    def __init__(self, uow_factory: StockUnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def record(self, command: RecordPrices) -> int:
        if not 1 <= len(command.prices) <= MAX_PRICES_PER_REQUEST:
            raise InvalidInput.for_field(
                "prices", f"must hold 1 to {MAX_PRICES_PER_REQUEST:,} prices"
            )
        errors: list[ErrorDetail] = []
        seen: set[date] = set()
        for index, price in enumerate(command.prices):
            field = f"prices.{index}.date"
            if problem := self._date_problem(price.date):
                errors.append(ErrorDetail(field=field, message=problem))
            elif price.date in seen:
                errors.append(ErrorDetail(field=field, message="appears more than once"))
            seen.add(price.date)
        if errors:
            raise InvalidInput(f"{errors[0].field}: {errors[0].message}", errors)
        async with self._uow_factory() as uow:
            if await uow.stocks.get(command.stock_id) is None:
                raise StockNotFound(str(command.stock_id))
            await self._store(uow, command.stock_id, command.prices)
            await uow.commit()
        return len(command.prices)

    @with_collector_paused  # the import holds every row it reads until it answers
    async def import_csv(self, content: bytes) -> PriceImportResult:
        rows: list[tuple[int, str, DailyPrice]] = []
        errors: list[ErrorDetail] = []
        for row in read_csv(content, PRICE_CSV_REQUIRED, PRICE_CSV_OPTIONAL):
            try:
                if row.problem:
                    raise InvalidInput(row.problem)
                symbol, price = self._row(row.cells)
            except DomainError as error:
                errors += [
                    ErrorDetail(line=row.line, field=e.field, message=e.message)
                    for e in error.errors
                ] or [ErrorDetail(line=row.line, message=error.detail)]
                continue
            rows.append((row.line, symbol, price))
        if not rows and not errors:
            raise ImportRejected([ErrorDetail(line=2, message="the file has no data rows")])
        async with self._uow_factory() as uow:
            ids = await uow.stocks.ids_by_symbol(sorted({symbol for _, symbol, _ in rows}))
            batches: dict[UUID, dict[date, DailyPrice]] = {}
            for line, symbol, price in rows:
                stock_id = ids.get(symbol)
                batch = batches.setdefault(stock_id, {}) if stock_id else {}
                if stock_id is None:
                    errors.append(
                        ErrorDetail(
                            line=line,
                            field="symbol",
                            message=f"unknown symbol {symbol}",
                        )
                    )
                elif price.date in batch:
                    message = f"{symbol} on {price.date} appears more than once"
                    errors.append(ErrorDetail(line=line, field="date", message=message))
                else:
                    batch[price.date] = price
            if errors:
                raise ImportRejected(sorted(errors, key=lambda e: e.line or 0))
            # In id order: each stock's prices are locked while they are written,
            # so two imports that share stocks take the locks in the same order.
            for stock_id, batch in sorted(batches.items()):
                await self._store(uow, stock_id, list(batch.values()))
            await uow.commit()
        return PriceImportResult(recorded=len(rows), stocks=len(batches))

    def _date_problem(self, day: date) -> str | None:
        return "is in the future" if is_after_tomorrow(day, self._clock.now()) else None

    def _row(self, cells: dict[str, str]) -> tuple[str, DailyPrice]:
        for name in sorted(PRICE_CSV_REQUIRED):
            if name not in cells:
                raise InvalidInput.for_field(name, "is required")
        try:
            day = calendar_date(cells["date"])
        except ValueError:
            raise InvalidInput.for_field("date", "must be a date YYYY-MM-DD") from None
        if problem := self._date_problem(day):
            raise InvalidInput.for_field("date", problem)
        volume = cells.get("volume")
        if volume is not None and not (volume.isascii() and volume.isdigit() and len(volume) < 19):
            raise InvalidInput.for_field("volume", "must be a whole number ≥ 0")
        price = DailyPrice(
            date=day,
            close=parse_decimal(cells["close"], "close"),
            open=parse_decimal(cells["open"], "open") if "open" in cells else None,
            high=parse_decimal(cells["high"], "high") if "high" in cells else None,
            low=parse_decimal(cells["low"], "low") if "low" in cells else None,
            volume=int(volume) if volume is not None else None,
        )
        return symbol_key(cells["symbol"]), price

    @staticmethod
    async def _store(uow: StockUnitOfWork, stock_id: UUID, prices: Sequence[DailyPrice]) -> None:
        await uow.prices.upsert(stock_id, prices)
        dates = [price.date for price in prices]
        uow.publish(
            StockPricesRecorded(
                stock_id=stock_id,
                first_date=min(dates),
                last_date=max(dates),
                count=len(prices),
            )
        )
