"""A seeded random concurrent workload against a real server, then a history check.

Several clients buy, sell, void and retry at once, every write with its own
Idempotency-Key (also written in the transaction's notes, so the ledger says
which key recorded what). Some requests are sent with a client timeout so
short that their outcome is unknown; they are resolved afterwards by retrying
with the same key, which must return the original answer (a refusal included)
or, if the request never ran, run it now.

Then the recorded history is checked against the book (GET every transaction,
voided ones included) and replayed through a single-threaded model of the
ledger: the running quantity never drops below zero in executed_at order,
every 201 is in the book exactly once, every 409 left nothing, every key maps
to at most one transaction and is answered the same every time — and the
model's holdings equal GET holdings.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx

from tests.reliability.conftest import StockbookServer
from tests.reliability.stockbook_client import (
    API,
    create_portfolio,
    create_stock,
    holdings,
    http_client,
    ledger,
    register_and_log_in,
    settled,
    trade,
    transactions_path,
)

SEED = int(os.environ.get("STOCKBOOK_RELIABILITY_SEED", "20250115"))
"""Fixed, so that a failure can be replayed; the variable explores other workloads."""
CLIENTS = 6
OPERATIONS_PER_CLIENT = 18
STOCKS = 2
WORKLOAD_SECONDS = 60.0
"""Bound on the whole workload, resolution of unknown outcomes included."""
RESOLVE_SECONDS = 15.0
"""Bound on resolving one unknown outcome (the original may still be running)."""
SHORT_TIMEOUTS = (0.001, 0.004, 0.01, 0.03)
PRICES = ("9.50", "10", "10.25", "11.75", "12.40")
START = datetime(2025, 1, 1, tzinfo=UTC)
CENT = Decimal("0.01")

OPERATIONS = ("buy", "sell", "short", "void", "retry", "reuse")
WEIGHTS = (30, 30, 14, 10, 12, 4)


@dataclass
class Answer:
    status: int | None
    """None: the client timed out, the outcome is unknown."""
    content: bytes = b""
    request_id: str | None = None
    """The X-Request-ID of the response."""

    def json(self) -> Any:
        assert self.status is not None
        return httpx.Response(self.status, content=self.content).json()

    @property
    def code(self) -> str | None:
        if self.status is None or self.status < 400:
            return None
        try:
            code: str | None = self.json()["code"]
        except (ValueError, KeyError):
            return None
        return code


@dataclass
class KeyedWrite:
    key: str
    body: dict[str, Any]
    answers: list[Answer] = field(default_factory=list)

    @property
    def known(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.status is not None]


@dataclass
class History:
    writes: dict[str, KeyedWrite] = field(default_factory=dict)
    voids: list[tuple[str, Answer]] = field(default_factory=list)
    reuses: list[tuple[str, Answer]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    """Ids answered 201, in the order seen: what voids pick from."""
    unknown_had_run: int = 0
    """Unknown outcomes whose request had been recorded before it was retried."""
    unknown_answered_by_retry: int = 0
    """Unknown outcomes the retry ran: the request had never run."""


def executed_at(rng: random.Random, first_day: int, last_day: int) -> str:
    moment = START + timedelta(days=rng.randint(first_day, last_day), seconds=rng.randint(0, 86399))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Workload:
    def __init__(
        self, server: StockbookServer, token: str, portfolio_id: str, stock_ids: list[str]
    ) -> None:
        self.base_url = server.base_url
        self.token = token
        self.portfolio_id = portfolio_id
        self.stock_ids = stock_ids
        self.history = History()

    async def post(
        self, client: httpx.AsyncClient, write: KeyedWrite, client_timeout: float | None = None
    ) -> Answer:
        try:
            response = await client.post(
                transactions_path(self.portfolio_id),
                json=write.body,
                headers={"Idempotency-Key": write.key},
                timeout=httpx.USE_CLIENT_DEFAULT if client_timeout is None else client_timeout,
            )
        except httpx.TimeoutException:
            answer = Answer(None)
        else:
            answer = Answer(
                response.status_code, response.content, response.headers.get("x-request-id")
            )
            if response.status_code == 201:
                self.history.created.append(response.json()["id"])
        write.answers.append(answer)
        return answer

    def new_write(self, rng: random.Random, key: str, kind: str) -> KeyedWrite:
        first, last = (0, 100) if kind == "BUY" else (20, 150)
        body = trade(
            kind,
            rng.choice(self.stock_ids),
            str(rng.randint(1, 5 if kind == "BUY" else 8)),
            rng.choice(PRICES),
            executed_at(rng, first, last),
        )
        body["notes"] = key
        write = KeyedWrite(key, body)
        self.history.writes[key] = write
        return write

    async def resolve(self, client: httpx.AsyncClient, write: KeyedWrite) -> None:
        """Retry an unknown outcome with its key until it is answered (bounded)."""
        retried_at = datetime.now(UTC)
        deadline = time.monotonic() + RESOLVE_SECONDS
        while time.monotonic() < deadline:
            answer = await self.post(client, write)
            if answer.status is not None and answer.code != "IDEMPOTENCY_KEY_IN_USE":
                break
            await asyncio.sleep(0.05)
        else:
            return
        if answer.status == 201:
            had_run = _moment(answer.json()["recorded_at"]) < retried_at
        else:  # a refusal given again names the request that was refused
            had_run = answer.json().get("request_id") != answer.request_id
        if had_run:
            self.history.unknown_had_run += 1
        else:
            self.history.unknown_answered_by_retry += 1

    async def client(self, number: int) -> None:
        rng = random.Random(f"{SEED}:{number}")
        unknown: list[KeyedWrite] = []
        mine: list[KeyedWrite] = []
        async with http_client(self.base_url, self.token) as client:
            for step in range(OPERATIONS_PER_CLIENT):
                operation = rng.choices(OPERATIONS, WEIGHTS)[0]
                answered = [w for w in mine if w.known and w not in unknown]
                if operation == "void" and self.history.created:
                    transaction_id = rng.choice(self.history.created)
                    response = await client.delete(f"{API}/transactions/{transaction_id}")
                    self.history.voids.append(
                        (transaction_id, Answer(response.status_code, response.content))
                    )
                elif operation == "retry" and answered:
                    await self.post(client, rng.choice(answered))
                elif operation == "reuse" and (
                    reusable := [w for w in answered if w.known[-1].status == 201]
                ):
                    original = rng.choice(reusable)
                    changed = {**original.body, "quantity": str(int(original.body["quantity"]) + 1)}
                    response = await client.post(
                        transactions_path(self.portfolio_id),
                        json=changed,
                        headers={"Idempotency-Key": original.key},
                    )
                    self.history.reuses.append(
                        (original.key, Answer(response.status_code, response.content))
                    )
                else:
                    if operation == "short":
                        kind = rng.choice(("BUY", "SELL"))
                    else:  # a buy, or what an operation with nothing to act on yet becomes
                        kind = "SELL" if operation == "sell" else "BUY"
                    write = self.new_write(rng, f"c{number}-{step}", kind)
                    mine.append(write)
                    timeout = rng.choice(SHORT_TIMEOUTS) if operation == "short" else None
                    answer = await self.post(client, write, timeout)
                    if answer.status is None:
                        unknown.append(write)
            for write in unknown:  # resolved afterwards, with the same key and body
                await self.resolve(client, write)

    async def run(self) -> None:
        async with asyncio.timeout(WORKLOAD_SECONDS):
            await asyncio.gather(*(self.client(number) for number in range(CLIENTS)))


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ledger_order(t: dict[str, Any]) -> tuple[datetime, datetime, str]:
    return (_moment(t["executed_at"]), _moment(t["recorded_at"]), t["id"])


@dataclass
class ModelPosition:
    quantity: Decimal = Decimal(0)
    lots: deque[list[Decimal]] = field(default_factory=deque)
    """FIFO lots of [quantity, cost]."""
    realized: Decimal = Decimal(0)
    lowest: Decimal = Decimal(0)

    @property
    def cost_basis(self) -> Decimal:
        return sum((cost for _, cost in self.lots), Decimal(0))

    def buy(self, quantity: Decimal, amount: Decimal) -> None:
        self.quantity += quantity
        self.lots.append([quantity, amount])

    def sell(self, quantity: Decimal, amount: Decimal) -> None:
        self.quantity -= quantity
        self.lowest = min(self.lowest, self.quantity)
        remaining, cost = quantity, Decimal(0)
        while remaining > 0 and self.lots:
            lot = self.lots[0]
            taken = min(remaining, lot[0])
            part = lot[1] * taken / lot[0]
            cost += part
            lot[0] -= taken
            lot[1] -= part
            remaining -= taken
            if lot[0] == 0:
                self.lots.popleft()
        self.realized += amount - cost


def replay_ledger(book: list[dict[str, Any]]) -> tuple[dict[str, ModelPosition], Decimal]:
    """A single-threaded model of the ledger: live trades in ledger order, FIFO."""
    positions: dict[str, ModelPosition] = defaultdict(ModelPosition)
    cash = Decimal(0)
    for t in sorted((t for t in book if t["voided_at"] is None), key=_ledger_order):
        quantity, amount = Decimal(t["quantity"]), Decimal(t["amount"])
        if t["type"] == "BUY":
            positions[t["stock_id"]].buy(quantity, amount)
            cash -= amount
        else:
            positions[t["stock_id"]].sell(quantity, amount)
            cash += amount
    return positions, cash


def check_history(
    history: History, book: list[dict[str, Any]], report: dict[str, Any]
) -> list[str]:
    """Every way the book, the answers and the projection disagree (empty: none)."""
    problems: list[str] = []
    by_id = {t["id"]: t for t in book}
    by_key: defaultdict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for t in book:
        by_key[t["notes"]].append(t)
    if len(by_id) != len(book):
        problems.append("the book lists a transaction twice")
    for key, recorded in by_key.items():
        if key not in history.writes:
            problems.append(f"{len(recorded)} transaction(s) with key {key!r} nobody sent")
        elif len(recorded) > 1:
            problems.append(f"key {key} recorded {len(recorded)} transactions")

    for key, write in history.writes.items():
        known = write.known
        if not known or write.answers[-1].status is None:
            problems.append(f"key {key}: outcome never resolved")
            continue
        for answer in known:
            if answer.status not in (201, 409) or (
                answer.status == 409 and answer.code != "INSUFFICIENT_QUANTITY"
            ):
                if answer.code == "IDEMPOTENCY_KEY_IN_USE" and answer is not write.answers[-1]:
                    continue  # a retry while the original ran: resolved by a later answer
                problems.append(f"key {key}: answered {answer.status} {answer.content[:200]!r}")
        answers = [answer for answer in known if answer.code != "IDEMPOTENCY_KEY_IN_USE"]
        if any(answer.content != answers[0].content for answer in answers[1:]):
            problems.append(f"key {key}: a retry was answered otherwise than the first request")
        created = [answer for answer in known if answer.status == 201]
        recorded = by_key.get(key, [])
        if not created:
            if recorded:  # every 409 left nothing
                problems.append(f"key {key}: refused, yet recorded {recorded[0]['id']}")
            continue
        answered = created[0].json()
        stored = by_id.get(answered["id"])
        if stored is None:  # every 201 is in the book exactly once
            problems.append(f"key {key}: 201 {answered['id']} is not in the book")
        elif {**stored, "voided_at": None} != answered or stored["notes"] != key:
            problems.append(f"key {key}: the book has {stored}, the answer was {answered}")

    for key, answer in history.reuses:
        if (answer.status, answer.code) != (422, "IDEMPOTENCY_KEY_REUSED"):
            problems.append(f"key {key} reused with another body: {answer.status}")
    voided_by_request = set()
    for transaction_id, answer in history.voids:
        if answer.status == 204:
            voided_by_request.add(transaction_id)
            if by_id.get(transaction_id, {}).get("voided_at") is None:
                problems.append(f"void of {transaction_id} answered 204, not voided")
        elif (answer.status, answer.code) != (409, "INSUFFICIENT_QUANTITY"):
            problems.append(f"void of {transaction_id}: {answer.status} {answer.content[:200]!r}")
    for t in book:
        if t["voided_at"] is not None and t["id"] not in voided_by_request:
            problems.append(f"{t['id']} is voided but no void succeeded")

    positions, cash = replay_ledger(book)
    lines = {line["stock_id"]: line for line in report["holdings"]}
    for stock_id in sorted(set(positions) | set(lines)):
        model, line = positions.get(stock_id), lines.get(stock_id)
        if model is None or line is None:
            problems.append(f"stock {stock_id}: model {model}, projection {line}")
            continue
        if model.lowest < 0:
            problems.append(f"stock {stock_id}: the ledger goes down to {model.lowest} shares")
        expected = (
            model.quantity,
            model.cost_basis.quantize(CENT, ROUND_HALF_UP),
            model.realized.quantize(CENT, ROUND_HALF_UP),
        )
        seen = (
            Decimal(line["quantity"]),
            Decimal(line["cost_basis"]),
            Decimal(line["realized_gain"]),
        )
        if seen != expected:
            problems.append(
                f"stock {stock_id}: projection (quantity, cost, realized) {seen}, model {expected}"
            )
    if Decimal(report["totals"]["cash_balance"]) != cash.quantize(CENT, ROUND_HALF_UP):
        problems.append(f"cash {report['totals']['cash_balance']}, model {cash}")
    return problems


async def test_a_random_concurrent_history_replays_to_the_same_holdings(
    server: StockbookServer,
) -> None:
    token = await register_and_log_in(server.base_url)
    async with http_client(server.base_url, token) as client:
        stock_ids = [(await create_stock(client))["id"] for _ in range(STOCKS)]
        portfolio_id = (await create_portfolio(client))["id"]
    workload = Workload(server, token, portfolio_id, stock_ids)
    started = time.perf_counter()
    await workload.run()
    seconds = time.perf_counter() - started

    async with http_client(server.base_url, token) as client:
        await settled(client)
        book = await ledger(client, portfolio_id)
        report = await holdings(client, portfolio_id)
    history = workload.history
    problems = check_history(history, book, report)
    answers = [a for w in history.writes.values() for a in w.answers]
    statuses: dict[str, int] = defaultdict(int)
    for answer in answers:
        statuses[str(answer.status) if answer.status else "unknown"] += 1
    summary = (
        f"seed {SEED}, {server.workers} worker(s): {len(history.writes)} keyed writes, "
        f"{len(answers)} answers {dict(statuses)}, {len(history.voids)} voids, "
        f"{len(book)} in the book; unknown outcomes: {history.unknown_had_run} had run, "
        f"{history.unknown_answered_by_retry} ran on the retry; {seconds:.2f} s"
    )
    assert not problems, summary + "\n  " + "\n  ".join(problems)
    # the workload exercised what it is for
    assert statuses["201"], summary
    assert statuses["409"], summary
    assert statuses["unknown"], summary
    print("\n" + summary)
