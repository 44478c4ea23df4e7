"""SqlStockCatalog: the query port other contexts use, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from contexts.stock.contracts import ClosingPrice, StockCatalog, StockInfo, StockQuote
from contexts.stock.domain.price import DailyPrice
from contexts.stock.domain.split import Split
from contexts.stock.domain.stock import Stock, StockDetails
from shared_kernel.domain.errors import VersionCheck

NOW = datetime(2025, 1, 15, tzinfo=UTC)


@pytest.fixture
async def catalog(stock_context: Any) -> dict[str, Any]:
    """AAPL (priced, two splits), MSFT (delisted, priced), XOM (nothing)."""
    apple = Stock.register(
        "AAPL",
        "USD",
        StockDetails.checked(
            name="Apple",
            sector="Information Technology",
            industry_group="Technology Hardware & Equipment",
        ),
        NOW,
    )
    msft = Stock.register("MSFT", "EUR", StockDetails.checked(name="Microsoft"), NOW)
    xom = Stock.register("XOM", "USD", StockDetails.checked(name="Exxon", sector="Energy"), NOW)
    async with stock_context.unit_of_work() as uow:
        for stock in (apple, msft, xom):
            await uow.stocks.add(stock)
        await uow.prices.upsert(
            apple.id,
            [
                DailyPrice(date(2025, 1, 2), Decimal("100.10")),
                DailyPrice(date(2025, 1, 3), Decimal("101.20")),
                DailyPrice(date(2025, 1, 6), Decimal("0.000000000001")),
            ],
        )
        await uow.prices.upsert(msft.id, [DailyPrice(date(2024, 12, 31), Decimal("400"))])
        later, earlier = (
            Split.new(apple.id, date(2020, 8, 31), 4, 1),
            Split.new(apple.id, date(2014, 6, 9), 7, 1),
        )
        await uow.splits.add(later)
        await uow.splits.add(earlier)
        await uow.commit()
    async with stock_context.unit_of_work() as uow:
        loaded = await uow.stocks.get(msft.id)
        loaded.delist(VersionCheck(), NOW)
        await uow.stocks.save(loaded)
        await uow.commit()
    port: StockCatalog = stock_context.catalog()
    return {
        "port": port,
        "AAPL": apple.id,
        "MSFT": msft.id,
        "XOM": xom.id,
        "splits": [earlier.id, later.id],
    }


async def test_get_stock_includes_delisted_and_is_none_when_unknown(
    catalog: dict[str, Any],
) -> None:
    port: StockCatalog = catalog["port"]
    assert await port.get_stock(catalog["AAPL"]) == StockInfo(
        stock_id=catalog["AAPL"],
        symbol="AAPL",
        name="Apple",
        currency="USD",
        sector="Information Technology",
        industry_group="Technology Hardware & Equipment",
        listed=True,
    )
    assert await port.get_stock(catalog["MSFT"]) == StockInfo(
        stock_id=catalog["MSFT"],
        symbol="MSFT",
        name="Microsoft",
        currency="EUR",
        sector=None,
        industry_group=None,
        listed=False,
    )
    assert await port.get_stock(uuid4()) is None


async def test_get_stocks_by_symbol_is_case_insensitive(catalog: dict[str, Any]) -> None:
    port: StockCatalog = catalog["port"]
    found = await port.get_stocks_by_symbol(["aapl", " Msft ", "NOPE", "xoſ"])
    assert set(found) == {"AAPL", "MSFT"}
    assert found["AAPL"].stock_id == catalog["AAPL"]
    assert found["MSFT"].listed is False
    assert await port.get_stocks_by_symbol([]) == {}


async def test_get_splits_ascending_with_empty_lists(catalog: dict[str, Any]) -> None:
    port: StockCatalog = catalog["port"]
    found = await port.get_splits([catalog["AAPL"], catalog["XOM"]])
    assert set(found) == {catalog["AAPL"], catalog["XOM"]}
    assert [(s.effective_date, s.numerator, s.denominator) for s in found[catalog["AAPL"]]] == [
        (date(2014, 6, 9), 7, 1),
        (date(2020, 8, 31), 4, 1),
    ]
    assert [s.split_id for s in found[catalog["AAPL"]]] == catalog["splits"]
    assert found[catalog["XOM"]] == []
    assert await port.get_splits([]) == {}


async def test_get_quotes_gives_each_known_stock_with_its_latest_close(
    catalog: dict[str, Any],
) -> None:
    port: StockCatalog = catalog["port"]
    ids = [catalog["AAPL"], catalog["MSFT"], catalog["XOM"], uuid4(), catalog["AAPL"]]
    infos = {stock_id: await port.get_stock(stock_id) for stock_id in set(ids)}
    found = await port.get_quotes(ids)
    apple, microsoft, exxon = (infos[catalog[symbol]] for symbol in ("AAPL", "MSFT", "XOM"))
    assert apple is not None
    assert microsoft is not None
    assert exxon is not None
    assert found == {
        catalog["AAPL"]: StockQuote(
            apple, ClosingPrice(date(2025, 1, 6), Decimal("0.000000000001"))
        ),
        catalog["MSFT"]: StockQuote(microsoft, ClosingPrice(date(2024, 12, 31), Decimal("400"))),
        catalog["XOM"]: StockQuote(exxon, None),
    }
    apple_close = found[catalog["AAPL"]].latest
    assert apple_close is not None
    # exact, as recorded: the same digits and exponent, not just an equal value
    assert apple_close.close.as_tuple() == Decimal("0.000000000001").as_tuple()
    assert await port.get_quotes([]) == {}
