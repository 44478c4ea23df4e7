"""The stock repositories through SqlStockUnitOfWork, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from contexts.stock.domain.errors import SymbolTaken
from contexts.stock.domain.price import DailyPrice
from contexts.stock.domain.split import Split, SplitAlreadyRecorded
from contexts.stock.domain.stock import Grade, Stock, StockDetails
from contexts.stock.infrastructure.tables import prices, splits, stocks
from shared_kernel.domain.errors import PreconditionFailed, VersionCheck

NOW = datetime(2025, 1, 15, 10, 0, 0, 123456, tzinfo=UTC)


def new_stock(symbol: str = "AAPL", **details: Any) -> Stock:
    details.setdefault("name", f"{symbol} Inc.")
    return Stock.register(symbol, "USD", StockDetails.checked(**details), NOW)


async def registered(stock_context: Any, stock: Stock) -> Stock:
    async with stock_context.unit_of_work() as uow:
        await uow.stocks.add(stock)
        uow.collect(stock)
        await uow.commit()
    return stock


async def test_a_stock_round_trips_with_every_field(stock_context: Any) -> None:
    stock = await registered(
        stock_context,
        new_stock(
            "BRK.B",
            name="Berkshire — class B",
            sector="Financials",
            industry_group="Financial Services",
            exchange="NYSE",
            grade="b",
            notes="ünïcode notes",
        ),
    )
    async with stock_context.unit_of_work() as uow:
        loaded = await uow.stocks.get(stock.id)
    assert loaded is not None
    assert (loaded.id, loaded.symbol, loaded.currency, loaded.listed) == (
        stock.id,
        "BRK.B",
        "USD",
        True,
    )
    assert loaded.details == stock.details
    assert loaded.details.grade is Grade.B
    assert loaded.created_at == NOW
    assert loaded.created_at.tzinfo is not None
    assert loaded.updated_at == NOW
    assert loaded.version == 1
    assert loaded.pull_events() == []


async def test_an_unknown_id_is_none(stock_context: Any) -> None:
    async with stock_context.unit_of_work() as uow:
        assert await uow.stocks.get(uuid4()) is None


async def test_save_writes_changes_and_the_new_version(stock_context: Any) -> None:
    stock = await registered(stock_context, new_stock(exchange="NASDAQ"))
    later = NOW + timedelta(days=1)
    async with stock_context.unit_of_work() as uow:
        loaded = await uow.stocks.get(stock.id)
        loaded.update(StockDetails.checked(name="Apple", grade="A"), VersionCheck(1), later)
        loaded.delist(VersionCheck(2), later)
        await uow.stocks.save(loaded)
        await uow.commit()
    async with stock_context.unit_of_work() as uow:
        again = await uow.stocks.get(stock.id)
    assert (again.details.name, again.details.exchange, again.details.grade) == (
        "Apple",
        None,
        Grade.A,
    )
    assert (again.listed, again.version, again.updated_at) == (False, 3, later)


async def test_save_without_changes_writes_nothing(stock_context: Any, engine: AsyncEngine) -> None:
    stock = await registered(stock_context, new_stock())
    async with stock_context.unit_of_work() as uow:
        loaded = await uow.stocks.get(stock.id)
        await uow.stocks.save(loaded)
        await uow.commit()
    async with engine.connect() as connection:
        version = await connection.scalar(select(stocks.c.version).where(stocks.c.id == stock.id))
    assert version == 1


async def test_save_refuses_when_another_writer_changed_the_row(
    stock_context: Any, engine: AsyncEngine
) -> None:
    stock = await registered(stock_context, new_stock())
    async with stock_context.unit_of_work() as uow:
        loaded = await uow.stocks.get(stock.id)
        # another writer bumps the version behind the repository's back, in this transaction
        await uow.connection.execute(
            update(stocks).where(stocks.c.id == stock.id).values(version=5)
        )
        loaded.update(StockDetails.checked(name="Changed"), VersionCheck(), NOW)
        with pytest.raises(PreconditionFailed):
            await uow.stocks.save(loaded)
    async with engine.connect() as connection:
        row = (await connection.execute(select(stocks).where(stocks.c.id == stock.id))).one()
    assert (row.name, row.version) == ("AAPL Inc.", 1)  # nothing was committed


async def test_a_taken_symbol_is_refused_and_the_unit_of_work_stays_usable(
    stock_context: Any, engine: AsyncEngine
) -> None:
    await registered(stock_context, new_stock("AAPL"))
    async with stock_context.unit_of_work() as uow:
        with pytest.raises(SymbolTaken) as error:
            await uow.stocks.add(new_stock("aapl"))
        assert error.value.code == "SYMBOL_TAKEN"
        await uow.stocks.add(new_stock("MSFT"))  # the savepoint kept the transaction alive
        await uow.commit()
    async with engine.connect() as connection:
        symbols = (await connection.scalars(select(stocks.c.symbol).order_by("symbol"))).all()
    assert symbols == ["AAPL", "MSFT"]


async def test_ids_by_symbol(stock_context: Any) -> None:
    apple = await registered(stock_context, new_stock("AAPL"))
    msft = await registered(stock_context, new_stock("MSFT"))
    async with stock_context.unit_of_work() as uow:
        assert await uow.stocks.ids_by_symbol(["AAPL", "MSFT", "NOPE"]) == {
            "AAPL": apple.id,
            "MSFT": msft.id,
        }
        assert await uow.stocks.ids_by_symbol([]) == {}


async def test_prices_upsert_replaces_a_stored_date(
    stock_context: Any, engine: AsyncEngine
) -> None:
    stock = await registered(stock_context, new_stock())
    day = date(2025, 1, 2)
    async with stock_context.unit_of_work() as uow:
        await uow.prices.upsert(
            stock.id,
            [
                DailyPrice(day, Decimal("100"), Decimal("99"), Decimal("101"), Decimal("98"), 7),
                DailyPrice(date(2025, 1, 3), Decimal("102")),
            ],
        )
        await uow.commit()
    async with stock_context.unit_of_work() as uow:
        await uow.prices.upsert(stock.id, [DailyPrice(day, Decimal("100.5"))])
        await uow.commit()
    stored = await stock_context.reader().prices(stock.id, None, None)
    assert stored == [
        DailyPrice(day, Decimal("100.5")),
        DailyPrice(date(2025, 1, 3), Decimal("102")),
    ]
    async with engine.connect() as connection:
        assert await connection.scalar(select(prices.c.stock_id).distinct()) == stock.id


async def test_a_second_split_on_a_date_is_refused(stock_context: Any, engine: AsyncEngine) -> None:
    stock = await registered(stock_context, new_stock())
    day = date(2024, 6, 10)
    async with stock_context.unit_of_work() as uow:
        await uow.splits.add(Split.new(stock.id, day, 10, 1))
        with pytest.raises(SplitAlreadyRecorded):
            await uow.splits.add(Split.new(stock.id, day, 2, 1))
        await uow.splits.add(Split.new(stock.id, date(2025, 1, 1), 2, 1))
        await uow.commit()
    async with engine.connect() as connection:
        rows = (await connection.execute(select(splits).order_by(splits.c.effective_date))).all()
    assert [(r.effective_date, r.numerator, r.denominator) for r in rows] == [
        (day, 10, 1),
        (date(2025, 1, 1), 2, 1),
    ]
