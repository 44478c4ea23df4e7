"""The export reads the ledger in batches, all from one snapshot: a write landing
between two batches must not give a file whose sale lacks the purchase it needs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest

from bootstrap.container import RootContainer
from contexts.transaction.infrastructure import repositories
from tests.api.transaction.book_api import buy, record_ok, trade


async def test_writes_during_an_export_are_all_in_it_or_all_out(
    container: RootContainer,
    client: httpx.AsyncClient,
    portfolio: dict[str, Any],
    stock: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(repositories, "EXPORT_BATCH", 2)
    pid, sid = portfolio["id"], stock["id"]
    before = [
        await record_ok(
            client, pid, {"type": "DEPOSIT", "amount": "100", "executed_at": f"2025-01-0{day}"}
        )
        for day in (2, 3, 4)
    ]
    before.append(await buy(client, pid, sid, "10", "2025-01-05T00:00:00Z"))

    exported = container.transaction.reader().live_in_order(UUID(pid))
    first_batch = [await anext(exported) for _ in range(2)]
    # a purchase before everything read so far, and a sale that needs it, after
    await buy(client, pid, sid, "5", "2025-01-01T00:00:00Z")
    await record_ok(client, pid, trade("SELL", sid, "12", "2025-02-01T00:00:00Z"))
    rest = [transaction async for transaction in exported]

    assert [str(t.id) for t in first_batch + rest] == [t["id"] for t in before]
