"""The idempotent runner on SQLite and PostgreSQL: a refusal is the key's answer, any
other failure frees the key, and a claim taken over from a request thought dead
leaves exactly one of the two to record and answer, if that request was only slow
(API.md: never a second recording under one key)."""

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
from contexts.transaction.infrastructure.repositories import SqlKeyShortcuts
from contexts.transaction.infrastructure.tables import idempotency_keys, transactions
from shared_kernel.domain.errors import Conflict, DomainError
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
        SqlKeyShortcuts(container.engine()),
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


class Refused(Conflict):
    """What a request's work is refused with (a sale that no longer fits, say)."""

    code = "REFUSED"


class Broken(Exception):
    """What a request's work fails with otherwise (the database went away, say)."""


def _failing(failure: type[Exception]) -> Any:
    async def work(uow: TransactionUnitOfWork) -> str:
        raise failure("no")

    return work


def _refusal(error: DomainError) -> StoredResponse:
    return StoredResponse(409, f'{{"code": "{error.code}", "detail": "{error.detail}"}}')


def _request(key: str) -> IdempotentRequest:
    return IdempotentRequest(key=key, fingerprint="f" * 64, refusal=_refusal)


async def _recorded(app: FastAPI) -> list[str]:
    return [str(row[0]) for row in await execute(app, select(transactions.c.id))]


def _recorded_id(response: StoredResponse) -> str:
    return response.body.split('"')[3]


async def test_a_slow_request_whose_claim_was_taken_over_records_nothing(
    app: FastAPI, container: RootContainer
) -> None:
    owner, portfolio = uuid4(), uuid4()
    request = _request("k-1")
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


@pytest.mark.parametrize(
    ("failure", "raised"),
    [
        # refused, it recorded nothing either: its caller is told the key is the retry's
        (Refused, IdempotencyKeyInUse),
        (Broken, Broken),
    ],
)
async def test_a_slow_request_that_fails_leaves_the_key_to_the_retry_that_took_it(
    app: FastAPI,
    container: RootContainer,
    failure: type[Exception],
    raised: type[Exception],
) -> None:
    owner, portfolio = uuid4(), uuid4()
    request = _request("k-2")
    slow_gate, retry_gate = asyncio.Event(), asyncio.Event()
    slow = asyncio.create_task(
        _runner(container, START, slow_gate).run(
            owner, portfolio, request, _failing(failure), _render
        )
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
    with pytest.raises(raised):
        await slow  # neither its refusal nor its release touches the retry's claim

    third = _runner(container, later).run(
        owner, portfolio, request, _deposit(owner, portfolio, later), _render
    )
    with pytest.raises(IdempotencyKeyInUse):
        await third
    retry_gate.set()
    answered = await retry
    assert await _recorded(app) == [_recorded_id(answered)]
    (claim,) = await execute(app, select(idempotency_keys))
    assert (claim.response_status, claim.response_body) == (201, answered.body)


async def test_a_refusal_is_the_answer_its_retries_get_without_running_again(
    app: FastAPI, container: RootContainer
) -> None:
    owner, portfolio = uuid4(), uuid4()
    request = _request("k-3")
    with pytest.raises(Refused):
        await _runner(container, START).run(owner, portfolio, request, _failing(Refused), _render)
    # what refused it has changed: the work would now record, yet the key keeps its answer
    replay = await _runner(container, START).run(
        owner, portfolio, request, _deposit(owner, portfolio, START), _render
    )
    assert replay == StoredResponse(409, '{"code": "REFUSED", "detail": "no"}')
    assert await _recorded(app) == []


async def test_a_request_that_fails_otherwise_frees_its_key_for_the_retry(
    app: FastAPI, container: RootContainer
) -> None:
    owner, portfolio = uuid4(), uuid4()
    request = _request("k-4")
    with pytest.raises(Broken):
        await _runner(container, START).run(owner, portfolio, request, _failing(Broken), _render)
    assert await execute(app, select(idempotency_keys)) == []
    retry = await _runner(container, START).run(
        owner, portfolio, request, _deposit(owner, portfolio, START), _render
    )
    assert retry.status == 201
    assert await _recorded(app) == [_recorded_id(retry)]
