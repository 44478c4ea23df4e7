"""A claim taken over from a request thought dead: if that request was only slow,
exactly one of the two records, on SQLite and PostgreSQL (API.md: never a second
recording under one key)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bootstrap.container import RootContainer
from contexts.transaction.application.idempotency import (
    ABANDONED_AFTER,
    IdempotentRequest,
    IdempotentRunner,
)
from contexts.transaction.application.ports import StoredResponse, TransactionUnitOfWork
from contexts.transaction.domain.errors import IdempotencyKeyInUse
from contexts.transaction.domain.transaction import TransactionInput, record_transaction
from contexts.transaction.infrastructure.repositories import SqlNewKeyClaims
from contexts.transaction.infrastructure.tables import idempotency_keys, transactions
from tests.api.transaction.book_api import execute

START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def _runner(
    container: RootContainer, now: datetime, gate: asyncio.Event | None = None, passing: int = 1
) -> IdempotentRunner:
    """A runner at ``now``. With ``gate``, its units of work after the first ``passing``
    wait until the gate opens: a request that, its key claimed, waits longer than
    ``ABANDONED_AFTER`` to begin (queued behind others). A new runner's first unit of
    work forgets expired keys; a takeover's second is its claim."""
    factory = container.transaction.unit_of_work
    entered = 0

    @asynccontextmanager
    async def late_unit_of_work() -> AsyncIterator[TransactionUnitOfWork]:
        nonlocal entered
        entered += 1
        if gate is not None and entered > passing:
            await gate.wait()
        async with factory() as uow:
            yield uow

    return IdempotentRunner(
        late_unit_of_work,  # type: ignore[arg-type]
        SqlNewKeyClaims(container.engine()),
        FixedClock(now),
    )


def _deposit(owner: UUID, portfolio: UUID, now: datetime) -> Any:
    async def work(uow: TransactionUnitOfWork) -> str:
        made = record_transaction(
            TransactionInput(type="DEPOSIT", amount=Decimal(100), executed_at=START),
            portfolio_id=portfolio,
            owner_id=owner,
            portfolio_currency="USD",
            stock=None,
            now=now,
        )
        await uow.transactions.add_all([made])
        return str(made.id)

    return work


def _render(transaction_id: str) -> StoredResponse:
    return StoredResponse(201, f'{{"id": "{transaction_id}"}}')


class Refused(Exception):
    """What the slow request's work fails with (a sale that no longer fits, say)."""


def _refused(uow: TransactionUnitOfWork) -> Any:
    raise Refused()


async def _recorded(app: FastAPI) -> list[str]:
    return [str(row[0]) for row in await execute(app, select(transactions.c.id))]


def _recorded_id(response: StoredResponse) -> str:
    return response.body.split('"')[3]


async def test_a_slow_request_whose_claim_was_taken_over_records_nothing(
    app: FastAPI, container: RootContainer
) -> None:
    owner, portfolio = uuid4(), uuid4()
    request = IdempotentRequest(key="k-1", fingerprint="f" * 64)
    gate = asyncio.Event()
    slow = asyncio.create_task(
        _runner(container, START, gate).run(
            owner, portfolio, request, _deposit(owner, portfolio, START), _render
        )
    )
    await asyncio.sleep(0.05)  # it has claimed the key and waits to begin
    assert not slow.done()

    later = START + ABANDONED_AFTER
    retry = await _runner(container, later).run(
        owner, portfolio, request, _deposit(owner, portfolio, later), _render
    )
    assert retry.status == 201
    gate.set()
    with pytest.raises(IdempotencyKeyInUse):  # its retry has the answer
        await slow

    assert await _recorded(app) == [_recorded_id(retry)]
    (claim,) = await execute(app, select(idempotency_keys))
    assert (claim.response_status, claim.response_body) == (201, retry.body)


async def test_a_slow_request_that_fails_leaves_the_key_to_the_retry_that_took_it(
    app: FastAPI, container: RootContainer
) -> None:
    owner, portfolio = uuid4(), uuid4()
    request = IdempotentRequest(key="k-2", fingerprint="f" * 64)
    slow_gate, retry_gate = asyncio.Event(), asyncio.Event()
    slow = asyncio.create_task(
        _runner(container, START, slow_gate).run(owner, portfolio, request, _refused, _render)
    )
    await asyncio.sleep(0.05)
    later = START + ABANDONED_AFTER
    retry = asyncio.create_task(
        _runner(container, later, retry_gate, passing=2).run(
            owner, portfolio, request, _deposit(owner, portfolio, later), _render
        )
    )
    await asyncio.sleep(0.05)  # the retry has taken the claim over and waits to begin
    slow_gate.set()
    with pytest.raises(Refused):
        await slow  # failing, it releases its claim: not the retry's

    third = _runner(container, later).run(
        owner, portfolio, request, _deposit(owner, portfolio, later), _render
    )
    with pytest.raises(IdempotencyKeyInUse):
        await third
    retry_gate.set()
    answered = await retry
    assert await _recorded(app) == [_recorded_id(answered)]
