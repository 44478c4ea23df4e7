"""Random histories played through the API: buys, sells within holdings, voids,
back-dated trades, splits, dividends and cash.

An operation is a small frozen dataclass of plain numbers; ``play`` turns it into
requests against one portfolio and a few stocks, keeping every request valid or
refused as a whole (a void or back-dated sell that would break the share ledger
is answered 409 and changes nothing). Hypothesis strategies and a seeded
``random.Random`` both produce operations.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

import httpx

from tests.api.portfolio_analytics.analytics_api import (
    PORTFOLIOS,
    STOCKS,
    TRANSACTIONS,
    add_split,
    get_holdings,
    record,
)

DAY_ZERO = date(2023, 1, 2)
HISTORY_DAYS = 120
"""Back-dated operations fall on days 0 … HISTORY_DAYS − 1; sells come after them all."""
SPLIT_RATIOS = ((2, 1), (3, 1), (4, 1), (3, 2), (1, 2), (1, 4))
"""Ratios whose results always have a finite decimal expansion."""
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Buy:
    stock: int
    quantity: int
    price_cents: int
    fee_cents: int
    tax_cents: int
    day: int


@dataclass(frozen=True)
class Sell:
    """Sell ``percent`` % of what is held now, after everything else."""

    stock: int
    percent: int
    price_cents: int
    fee_cents: int
    tax_cents: int


@dataclass(frozen=True)
class BackDatedSell:
    """A sell on an earlier day: refused (409) when the ledger would go negative."""

    stock: int
    quantity: int
    price_cents: int
    day: int


@dataclass(frozen=True)
class Dividend:
    stock: int
    amount_cents: int
    tax_percent: int
    day: int


@dataclass(frozen=True)
class Deposit:
    amount_cents: int
    day: int


@dataclass(frozen=True)
class Void:
    """Void the live transaction at ``index`` (modulo their number)."""

    index: int


@dataclass(frozen=True)
class Split:
    stock: int
    ratio: int
    day: int


Operation = Buy | Sell | BackDatedSell | Dividend | Deposit | Void | Split


def random_operations(rng: random.Random, count: int, stocks: int) -> list[Operation]:
    """A seeded random history of ``count`` operations over ``stocks`` stocks."""
    operations: list[Operation] = []
    for _ in range(count):
        stock = rng.randrange(stocks)
        day = rng.randrange(HISTORY_DAYS)
        roll = rng.random()
        operation: Operation
        if roll < 0.35:
            operation = Buy(
                stock,
                rng.randint(1, 200),
                rng.randint(100, 20_000),
                rng.choice([0, 0, rng.randint(1, 999)]),
                rng.choice([0, 0, rng.randint(1, 500)]),
                day,
            )
        elif roll < 0.55:
            operation = Sell(
                stock,
                rng.randint(1, 100),
                rng.randint(100, 20_000),
                rng.randint(0, 500),
                rng.randint(0, 100),
            )
        elif roll < 0.62:
            operation = BackDatedSell(stock, rng.randint(1, 50), rng.randint(100, 20_000), day)
        elif roll < 0.72:
            operation = Dividend(stock, rng.randint(1, 50_000), rng.randint(0, 30), day)
        elif roll < 0.78:
            operation = Deposit(rng.randint(1, 10_000_000), day)
        elif roll < 0.92:
            operation = Void(rng.randrange(1_000))
        else:
            operation = Split(stock, rng.randrange(len(SPLIT_RATIOS)), day)
        operations.append(operation)
    return operations


def _cents(value: int) -> str:
    return str(Decimal(value) / 100)


@dataclass
class Played:
    """What a played history did: the requests answered 409 are counted, not kept."""

    recorded: list[str] = field(default_factory=list)
    voided: set[str] = field(default_factory=set)
    refused: int = 0
    splits: int = 0
    split_days: set[tuple[str, date]] = field(default_factory=set)
    _hour: int = 0
    _last_day: int = HISTORY_DAYS

    def moment(self, day: int) -> str:
        """A timestamp on ``day``; the hour cycles so that a day's entries have an order."""
        self._hour = (self._hour + 1) % 24
        return f"{DAY_ZERO + timedelta(days=day)}T{self._hour:02d}:30:00Z"

    def next_day(self) -> int:
        """A day after everything played so far (and after every split)."""
        self._last_day += 1
        return self._last_day

    @property
    def live(self) -> list[str]:
        return [t for t in self.recorded if t not in self.voided]


async def _held(client: httpx.AsyncClient, portfolio_id: str, stock_id: str) -> Decimal:
    report = await get_holdings(client, portfolio_id, include_closed="true")
    for line in report["holdings"]:
        if line["stock_id"] == stock_id:
            return Decimal(line["quantity"])
    return Decimal(0)


async def _record(
    client: httpx.AsyncClient,
    portfolio_id: str,
    played: Played,
    body: dict[str, str],
    may_be_refused: bool = False,
) -> None:
    response = await record(client, portfolio_id, **body)
    if may_be_refused and response.status_code == 409:
        assert response.json()["code"] == "INSUFFICIENT_QUANTITY", response.text
        played.refused += 1
        return
    assert response.status_code == 201, (body, response.text)
    played.recorded.append(response.json()["id"])


def _trade(
    kind: str,
    stock_id: str,
    quantity: Decimal | int,
    price_cents: int,
    at: str,
    fee_cents: int = 0,
    tax_cents: int = 0,
) -> dict[str, str]:
    return {
        "type": kind,
        "stock_id": stock_id,
        "quantity": str(quantity),
        "price": _cents(price_cents),
        "fee": _cents(fee_cents),
        "tax": _cents(tax_cents),
        "executed_at": at,
    }


async def play(
    client: httpx.AsyncClient,
    portfolio_id: str,
    stock_ids: list[str],
    operations: list[Operation],
) -> Played:
    """Play ``operations`` on the portfolio through the API."""
    played = Played()
    for operation in operations:
        if isinstance(operation, Buy):
            at = played.moment(operation.day)
            body = _trade(
                "BUY",
                stock_ids[operation.stock],
                operation.quantity,
                operation.price_cents,
                at,
                operation.fee_cents,
                operation.tax_cents,
            )
            await _record(client, portfolio_id, played, body)
        elif isinstance(operation, Sell):
            stock_id = stock_ids[operation.stock]
            held = await _held(client, portfolio_id, stock_id)
            quantity = (held * operation.percent / 100).quantize(HUNDREDTH, rounding=ROUND_DOWN)
            if quantity <= 0:
                continue
            at = played.moment(played.next_day())
            body = _trade(
                "SELL",
                stock_id,
                quantity,
                operation.price_cents,
                at,
                operation.fee_cents,
                operation.tax_cents,
            )
            await _record(client, portfolio_id, played, body)
        elif isinstance(operation, BackDatedSell):
            at = played.moment(operation.day)
            body = _trade(
                "SELL", stock_ids[operation.stock], operation.quantity, operation.price_cents, at
            )
            await _record(client, portfolio_id, played, body, may_be_refused=True)
        elif isinstance(operation, Dividend):
            amount = Decimal(operation.amount_cents) / 100
            tax = (amount * operation.tax_percent / 100).quantize(HUNDREDTH)
            body = {
                "type": "DIVIDEND",
                "stock_id": stock_ids[operation.stock],
                "amount": str(amount),
                "tax": str(tax),
                "executed_at": played.moment(operation.day),
            }
            await _record(client, portfolio_id, played, body)
        elif isinstance(operation, Deposit):
            body = {
                "type": "DEPOSIT",
                "amount": _cents(operation.amount_cents),
                "executed_at": played.moment(operation.day),
            }
            await _record(client, portfolio_id, played, body)
        elif isinstance(operation, Void):
            await _void(client, played, operation.index)
        else:
            await _split(client, played, stock_ids[operation.stock], operation)
    return played


async def _void(client: httpx.AsyncClient, played: Played, index: int) -> None:
    live = played.live
    if not live:
        return
    transaction_id = live[index % len(live)]
    response = await client.delete(f"{TRANSACTIONS}/{transaction_id}")
    if response.status_code == 409:  # voiding that buy would break the share ledger
        assert response.json()["code"] == "INSUFFICIENT_QUANTITY", response.text
        played.refused += 1
    else:
        assert response.status_code == 204, response.text
        played.voided.add(transaction_id)


async def _split(client: httpx.AsyncClient, played: Played, stock_id: str, split: Split) -> None:
    numerator, denominator = SPLIT_RATIOS[split.ratio]
    # A forward split can fall on any day. A reverse split recorded after a sell
    # and effective before it would leave that sell short of shares, so it takes
    # effect after everything played so far.
    day = split.day if numerator > denominator else played.next_day()
    effective = DAY_ZERO + timedelta(days=day)
    if (stock_id, effective) in played.split_days:
        return  # one split per stock and day
    played.split_days.add((stock_id, effective))
    await add_split(client, stock_id, str(effective), numerator, denominator)
    played.splits += 1


async def new_stocks(client: httpx.AsyncClient, prefix: str, count: int) -> list[str]:
    """``count`` new stocks (symbols ``<prefix>0`` …), each with a sector, all priced."""
    sectors = ("Energy", "Financials", None)
    stock_ids = []
    for number in range(count):
        sector = sectors[number % len(sectors)]
        response = await client.post(
            STOCKS,
            json={"symbol": f"{prefix}{number}", "name": f"Stock {prefix}{number}"}
            | ({"sector": sector} if sector else {}),
        )
        assert response.status_code == 201, response.text
        stock_ids.append(response.json()["id"])
    return stock_ids


async def price_all(client: httpx.AsyncClient, stock_ids: list[str], cents: list[int]) -> None:
    """A close for each stock, after every day a history can use."""
    day = str(DAY_ZERO + timedelta(days=10 * HISTORY_DAYS))
    for stock_id, close in zip(stock_ids, cents, strict=True):
        response = await client.put(
            f"{STOCKS}/{stock_id}/prices", json={"prices": [{"date": day, "close": _cents(close)}]}
        )
        assert response.status_code == 200, response.text


def portfolio_url(portfolio_id: str) -> str:
    return f"{PORTFOLIOS}/{portfolio_id}"
