"""``StockCatalog.get_close_series`` over the packed ``stock_close_years``, on both databases.

The packed years are rewritten with every price write: what any writer
(another process included) committed is what the next read sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootstrap.container import RootContainer
from bootstrap.settings import Settings
from contexts.stock.application.prices import RecordPrices
from contexts.stock.contracts import CloseSeries, ClosingPrice, StockCatalog
from contexts.stock.domain.price import DailyPrice
from contexts.stock.domain.stock import Stock, StockDetails

D = Decimal
NOW = datetime(2025, 1, 15, tzinfo=UTC)


async def register(stock_context: Any, symbol: str) -> UUID:
    stock = Stock.register(symbol, "USD", StockDetails.checked(name=symbol), NOW)
    async with stock_context.unit_of_work() as uow:
        await uow.stocks.add(stock)
        await uow.commit()
    return stock.id


async def write_prices(stock_context: Any, stock_id: UUID, *closes: tuple[date, str]) -> None:
    async with stock_context.unit_of_work() as uow:
        await uow.prices.upsert(stock_id, [DailyPrice(day, D(close)) for day, close in closes])
        await uow.commit()


def pairs(series: CloseSeries) -> list[tuple[date, float]]:
    return [
        (date.fromordinal(ordinal), close)
        for ordinal, close in zip(series.dates, series.closes, strict=True)
    ]


async def test_a_series_runs_from_the_latest_close_on_or_before_first(stock_context: Any) -> None:
    gap, late, unpriced, future = [
        await register(stock_context, symbol) for symbol in ("GAP", "LATE", "NONE", "FUTURE")
    ]
    await write_prices(
        stock_context,
        gap,
        (date(2019, 12, 30), "9.5"),  # 2020 has no close: the opening is a year back
        (date(2021, 3, 1), "10.25"),
        (date(2021, 12, 31), "11"),
        (date(2022, 1, 3), "0.000000000001"),
        (date(2022, 6, 1), "12.3456789012345678901234567"),
    )
    await write_prices(stock_context, late, (date(2021, 2, 1), "5"), (date(2022, 1, 4), "6"))
    await write_prices(stock_context, future, (date(2022, 1, 5), "1"))
    catalog: StockCatalog = stock_context.catalog()

    found = await catalog.get_close_series(
        [gap, late, unpriced, future, uuid4(), gap], date(2021, 1, 10), date(2022, 1, 4)
    )

    assert set(found) == {gap, late}
    assert pairs(found[gap]) == [
        (date(2019, 12, 30), 9.5),
        (date(2021, 3, 1), 10.25),
        (date(2021, 12, 31), 11.0),
        (date(2022, 1, 3), 1e-12),
    ]
    assert found[gap].opening == ClosingPrice(date(2019, 12, 30), D("9.5"))
    assert found[gap].closing == ClosingPrice(date(2022, 1, 3), D("0.000000000001"))
    assert pairs(found[late]) == [(date(2021, 2, 1), 5.0), (date(2022, 1, 4), 6.0)]
    assert found[late].opening is None
    assert found[late].closing == ClosingPrice(date(2022, 1, 4), D("6"))

    one_day = await catalog.get_close_series([gap], date(2022, 6, 1), date(2022, 6, 1))
    assert pairs(one_day[gap]) == [(date(2022, 6, 1), float(D("12.3456789012345678901234567")))]
    assert one_day[gap].opening == one_day[gap].closing
    assert one_day[gap].closing.close == D("12.3456789012345678901234567")
    assert await catalog.get_close_series([], date(2000, 1, 1), date(2030, 1, 1)) == {}


@pytest.fixture
async def second_process(database_url: str) -> AsyncIterator[Any]:
    """The stock context of another app process: its own container, engine and pool."""
    container = RootContainer(settings=Settings(database_url=database_url))
    yield container.stock
    await container.engine().dispose()


async def test_a_price_written_anywhere_is_read_by_the_next_call(
    stock_context: Any, second_process: Any
) -> None:
    stock_id = await register(stock_context, "AAPL")
    catalog: StockCatalog = stock_context.catalog()
    prices = second_process.price_service()
    await prices.record(
        RecordPrices(
            stock_id,
            [DailyPrice(date(2023, 12, 29), D("190")), DailyPrice(date(2024, 1, 2), D("185"))],
        )
    )
    before = await catalog.get_close_series([stock_id], date(2023, 12, 1), date(2024, 12, 31))
    assert pairs(before[stock_id]) == [(date(2023, 12, 29), 190.0), (date(2024, 1, 2), 185.0)]

    await prices.record(  # one close replaced, one added in a year of its own
        RecordPrices(
            stock_id,
            [DailyPrice(date(2023, 12, 29), D("191.5")), DailyPrice(date(2025, 1, 2), D("200"))],
        )
    )
    after = await catalog.get_close_series([stock_id], date(2023, 12, 1), date(2025, 12, 31))

    assert pairs(after[stock_id]) == [
        (date(2023, 12, 29), 191.5),
        (date(2024, 1, 2), 185.0),
        (date(2025, 1, 2), 200.0),
    ]
    assert after[stock_id].closing == ClosingPrice(date(2025, 1, 2), D("200"))


async def test_concurrent_writes_of_one_year_both_land(
    stock_context: Any, second_process: Any
) -> None:
    # each write repacks the whole year from what it reads: the second waits for the first
    stock_id = await register(stock_context, "AAPL")
    january = [(date(2024, 1, day), str(day)) for day in range(2, 31)]
    february = [(date(2024, 2, day), str(100 + day)) for day in range(1, 29)]

    async with stock_context.unit_of_work() as first_writer:
        await first_writer.prices.upsert(
            stock_id, [DailyPrice(day, D(close)) for day, close in january]
        )
        second_writer = asyncio.create_task(write_prices(second_process, stock_id, *february))
        await asyncio.sleep(0.3)  # the second write goes as far as it can before this commits
        await first_writer.commit()
    await second_writer

    found = await stock_context.catalog().get_close_series(
        [stock_id], date(2024, 1, 1), date(2024, 12, 31)
    )
    assert pairs(found[stock_id]) == [(day, float(close)) for day, close in january + february]


FIRST_DAY = date(2022, 12, 1)
days = st.integers(0, 800).map(lambda offset: FIRST_DAY + timedelta(days=offset))
closes = st.decimals(min_value=D("0.01"), max_value=D("99999"), places=2)
batches = st.dictionaries(days, closes, min_size=1, max_size=30)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(writes=st.lists(batches, min_size=1, max_size=5), period=st.tuples(days, days))
async def test_the_series_matches_every_sequence_of_writes(
    stock_context: Any, writes: list[dict[date, Decimal]], period: tuple[date, date]
) -> None:
    stock_id = await register(stock_context, f"P{uuid4().hex[:8]}")
    stored: dict[date, Decimal] = {}
    for batch in writes:
        await write_prices(
            stock_context, stock_id, *((day, str(close)) for day, close in batch.items())
        )
        stored |= batch
    first, last = sorted(period)

    found = await stock_context.catalog().get_close_series([stock_id], first, last)

    on_or_before_first = [day for day in sorted(stored) if day <= first]
    start = on_or_before_first[-1] if on_or_before_first else first
    expected = [(day, float(stored[day])) for day in sorted(stored) if start <= day <= last]
    if not expected:
        assert found == {}
        return
    series = found[stock_id]
    assert pairs(series) == expected
    opening_day = on_or_before_first[-1] if on_or_before_first else None
    assert series.opening == (
        ClosingPrice(opening_day, stored[opening_day]) if opening_day is not None else None
    )
    assert series.closing == ClosingPrice(expected[-1][0], stored[expected[-1][0]])
