"""SqlStockCatalog.get_quotes: each stock with its latest close in one read, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from contexts.stock.contracts import ClosingPrice, StockCatalog, StockInfo, StockQuote
from contexts.stock.domain.price import DailyPrice
from contexts.stock.domain.stock import Stock, StockDetails
from shared_kernel.domain.errors import VersionCheck

NOW = datetime(2025, 1, 15, tzinfo=UTC)


@pytest.fixture
async def stocks(stock_context: Any) -> dict[str, UUID]:
    """NVDA (three closes, the latest tiny), SAP (delisted, one close), NEW (never priced)."""
    nvda = Stock.register(
        "NVDA",
        "USD",
        StockDetails.checked(
            name="NVIDIA",
            sector="Information Technology",
            industry_group="Semiconductors & Semiconductor Equipment",
        ),
        NOW,
    )
    sap = Stock.register("SAP", "EUR", StockDetails.checked(name="SAP"), NOW)
    new = Stock.register("NEW", "USD", StockDetails.checked(name="Newcomer", sector="Energy"), NOW)
    async with stock_context.unit_of_work() as uow:
        for stock in (nvda, sap, new):
            await uow.stocks.add(stock)
        await uow.prices.upsert(
            nvda.id,
            [
                DailyPrice(date(2025, 1, 6), Decimal("0.000000000001")),
                DailyPrice(date(2025, 1, 2), Decimal("140.10")),
                DailyPrice(date(2025, 1, 3), Decimal("144.47")),
            ],
        )
        await uow.prices.upsert(sap.id, [DailyPrice(date(2024, 12, 31), Decimal("236.50"))])
        await uow.commit()
    async with stock_context.unit_of_work() as uow:
        loaded = await uow.stocks.get(sap.id)
        loaded.delist(VersionCheck(), NOW)
        await uow.stocks.save(loaded)
        await uow.commit()
    return {"NVDA": nvda.id, "SAP": sap.id, "NEW": new.id}


async def test_each_known_stock_with_its_latest_close(
    stock_context: Any, stocks: dict[str, UUID]
) -> None:
    port: StockCatalog = stock_context.catalog()
    unknown = uuid4()
    found = await port.get_quotes([stocks["NVDA"], stocks["SAP"], stocks["NEW"], unknown])
    assert found == {
        stocks["NVDA"]: StockQuote(
            StockInfo(
                stock_id=stocks["NVDA"],
                symbol="NVDA",
                name="NVIDIA",
                currency="USD",
                sector="Information Technology",
                industry_group="Semiconductors & Semiconductor Equipment",
                listed=True,
            ),
            ClosingPrice(date(2025, 1, 6), Decimal("0.000000000001")),
        ),
        stocks["SAP"]: StockQuote(
            StockInfo(
                stock_id=stocks["SAP"],
                symbol="SAP",
                name="SAP",
                currency="EUR",
                sector=None,
                industry_group=None,
                listed=False,
            ),
            ClosingPrice(date(2024, 12, 31), Decimal("236.50")),
        ),
        stocks["NEW"]: StockQuote(
            StockInfo(
                stock_id=stocks["NEW"],
                symbol="NEW",
                name="Newcomer",
                currency="USD",
                sector="Energy",
                industry_group=None,
                listed=True,
            ),
            None,
        ),
    }
    sap_close = found[stocks["SAP"]].latest
    assert sap_close is not None
    assert str(sap_close.close) == "236.50"  # exact, as recorded


async def test_no_stocks_asked_no_read(stock_context: Any) -> None:
    port: StockCatalog = stock_context.catalog()
    assert await port.get_quotes([]) == {}
