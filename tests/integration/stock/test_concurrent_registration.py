"""A symbol is registered once, however many requests race for it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contexts.stock.application.catalog import RegisterStock
from contexts.stock.domain.errors import SymbolTaken
from contexts.stock.infrastructure.tables import outbox, stocks

RACERS = 10


async def test_racing_registrations_through_the_service_register_one(
    stock_context: Any, engine: AsyncEngine
) -> None:
    service = stock_context.catalog_service()
    spellings = ["ACME", "acme", "Acme", "aCmE", " acme "]
    outcomes = await asyncio.gather(
        *(
            service.register(RegisterStock(symbol=spellings[i % 5], name=f"Racer {i}"))
            for i in range(RACERS)
        ),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, SymbolTaken) for o in losers), losers
    assert winners[0].symbol == "ACME"
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(stocks)) == 1
        names = (await connection.scalars(select(stocks.c.name))).all()
        # only the winner's event was written
        assert await connection.scalar(select(func.count()).select_from(outbox)) == 1
    assert names == [winners[0].name]


async def test_racing_registrations_through_the_api_answer_one_201(
    client: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/stocks", json={"symbol": "acme", "name": f"Racer {i}"})
            for i in range(RACERS)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (RACERS - 1), [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"SYMBOL_TAKEN"}
    listed = (await client.get("/api/v1/stocks")).json()["items"]
    assert [item["symbol"] for item in listed] == ["ACME"]
