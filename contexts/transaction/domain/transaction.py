"""The Transaction: one movement of shares or cash, never edited, only voided."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from contexts.transaction.contracts import TransactionData
from contexts.transaction.domain.errors import CurrencyMismatch, StockDelisted
from shared_kernel.domain.errors import InvalidInput
from shared_kernel.domain.ids import new_id
from shared_kernel.domain.money import EXACT, non_negative, positive
from shared_kernel.domain.text import optional_text

NOTES_MAX = 1000
EXTERNAL_ID_MAX = 100
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=1)
"""How far ahead of the server's clock ``executed_at`` may be (the caller's clock may run fast)."""


class TransactionType(StrEnum):
    BUY = "BUY"
    SELL = "SELL"
    DIVIDEND = "DIVIDEND"
    INTEREST = "INTEREST"
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    FEE = "FEE"

    @property
    def trades_shares(self) -> bool:
        return self in (TransactionType.BUY, TransactionType.SELL)

    @property
    def takes_fee(self) -> bool:
        """Whether a fee counts (API.md's cash balance): only on a trade."""
        return self.trades_shares

    @property
    def takes_tax(self) -> bool:
        """Whether a tax counts: on a trade, or withheld from a dividend or interest."""
        return self.trades_shares or self in (TransactionType.DIVIDEND, TransactionType.INTEREST)

    @property
    def stock_rule(self) -> str:
        """``required``, ``optional`` or ``forbidden``: whether it names a stock."""
        if self in (TransactionType.BUY, TransactionType.SELL, TransactionType.DIVIDEND):
            return "required"
        return "optional" if self is TransactionType.FEE else "forbidden"


@dataclass(frozen=True, slots=True)
class StockFacts:
    """What the book needs to know of a stock, from the catalog."""

    stock_id: UUID
    symbol: str
    currency: str
    listed: bool


@dataclass(frozen=True, slots=True)
class TransactionInput:
    """A request to record a transaction, as received (not yet checked)."""

    type: str
    executed_at: datetime
    stock_id: UUID | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None
    fee: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    notes: str | None = None
    external_id: str | None = None

    @property
    def sells_shares(self) -> bool:
        """Whether it asks for a SELL: the only request that can leave a position short."""
        return self.type.strip().upper() == TransactionType.SELL.value


@dataclass(frozen=True, slots=True)
class Transaction:
    id: UUID
    portfolio_id: UUID
    owner_id: UUID
    type: TransactionType
    stock_id: UUID | None
    symbol: str | None
    quantity: Decimal | None
    price: Decimal | None
    amount: Decimal
    fee: Decimal
    tax: Decimal
    currency: str
    executed_at: datetime
    notes: str | None
    external_id: str | None
    recorded_at: datetime
    voided_at: datetime | None = None

    @property
    def share_delta(self) -> Decimal:
        """Shares this transaction adds to its position (negative for a sale)."""
        if self.quantity is None or not self.type.trades_shares:
            return Decimal(0)
        return self.quantity if self.type is TransactionType.BUY else -self.quantity

    @property
    def version(self) -> int:
        """1 while live, 2 once voided: a transaction changes only by being voided."""
        return 1 if self.voided_at is None else 2

    def _movement(self) -> tuple[object, ...]:
        return (
            self.type,
            self.stock_id,
            self.quantity,
            self.price,
            self.amount,
            self.fee,
            self.tax,
            self.executed_at,
        )

    def moves_as(self, other: Transaction) -> bool:
        """Whether ``other`` records the same movement of shares and cash: the same
        type, stock, quantity, price, amount, fee, tax and moment, however written
        (``10`` is ``10.0``); notes, ids and when it was recorded aside."""
        return self._movement() == other._movement()

    @property
    def summary(self) -> str:
        """What it records, for people: ``BUY 10 AAPL at 1.5 on 2025-01-02T00:00:00Z``."""
        if self.type.trades_shares:
            what = f"{self.quantity:f} {self.symbol} at {self.price:f}"
        else:
            what = " ".join(filter(None, (f"{self.amount:f}", self.symbol)))
        return f"{self.type.value} {what} on {self.executed_at.isoformat().replace('+00:00', 'Z')}"

    def voided(self, now: datetime) -> Transaction:
        return replace(self, voided_at=now)

    def data(self) -> TransactionData:
        return TransactionData(
            transaction_id=self.id,
            portfolio_id=self.portfolio_id,
            owner_id=self.owner_id,
            type=self.type.value,
            stock_id=self.stock_id,
            symbol=self.symbol,
            quantity=self.quantity,
            price=self.price,
            amount=self.amount,
            fee=self.fee,
            tax=self.tax,
            currency=self.currency,
            executed_at=self.executed_at,
            recorded_at=self.recorded_at,
            voided_at=self.voided_at,
            external_id=self.external_id,
        )


def transaction_type_of(value: str) -> TransactionType:
    try:
        return TransactionType(value.strip().upper())
    except ValueError:
        names = ", ".join(t.value for t in TransactionType)
        raise InvalidInput.for_field("type", f"must be one of {names}") from None


def record_transaction(
    request: TransactionInput,
    *,
    portfolio_id: UUID,
    owner_id: UUID,
    portfolio_currency: str,
    stock: StockFacts | None,
    now: datetime,
    recorded_at: datetime | None = None,
    imported: bool = False,
) -> Transaction:
    """Check ``request`` against every rule of the book and make the transaction.

    ``stock`` is the catalog's answer for ``request.stock_id`` (None when the
    request names no stock, or one the catalog does not know). It is recorded
    at ``recorded_at``, ``now`` unless given (an import orders its rows by it).
    An ``imported`` row is history: a BUY of a stock delisted since is taken,
    or a portfolio's export would not import again (API.md promises it does).
    """
    kind = transaction_type_of(request.type)
    executed_at = request.executed_at
    if executed_at.tzinfo is None:
        executed_at = executed_at.replace(tzinfo=UTC)
    # Checked before the move to UTC, which the calendar's first and last hours
    # cannot make (0001-01-01T00:00+01:00 is a day of year 0).
    if executed_at > now + CLOCK_SKEW:
        raise InvalidInput.for_field("executed_at", "must not be in the future")
    if executed_at < EARLIEST:
        raise InvalidInput.for_field("executed_at", "must not be before 1900")
    executed_at = executed_at.astimezone(UTC)
    non_negative(request.fee, "fee")
    non_negative(request.tax, "tax")
    # Money that no figure would count must not be taken and then ignored.
    if request.fee and not kind.takes_fee:
        raise InvalidInput.for_field(
            "fee", f"must be 0 for {kind.value}: record a fee of its own as a FEE"
        )
    if request.tax and not kind.takes_tax:
        raise InvalidInput.for_field("tax", f"must be 0 for {kind.value}: no figure counts it")

    if kind.stock_rule == "required" and request.stock_id is None:
        raise InvalidInput.for_field("stock_id", f"is required for {kind.value}")
    if kind.stock_rule == "forbidden" and request.stock_id is not None:
        raise InvalidInput.for_field("stock_id", f"must not be given for {kind.value}")
    if request.stock_id is not None and stock is None:
        raise InvalidInput.for_field("stock_id", "is not a stock in the catalog")

    if kind.trades_shares:
        if request.quantity is None:
            raise InvalidInput.for_field("quantity", f"is required for {kind.value}")
        if request.price is None:
            raise InvalidInput.for_field("price", f"is required for {kind.value}")
        if request.amount is not None:
            raise InvalidInput.for_field(
                "amount", f"is computed as quantity × price for {kind.value}; do not send it"
            )
        positive(request.quantity, "quantity")
        non_negative(request.price, "price")
        amount = EXACT.multiply(request.quantity, request.price)
    else:
        for name in ("quantity", "price"):
            if getattr(request, name) is not None:
                raise InvalidInput.for_field(name, f"must not be given for {kind.value}")
        if request.amount is None:
            raise InvalidInput.for_field("amount", f"is required for {kind.value}")
        amount = positive(request.amount, "amount")
        if request.tax > amount:
            raise InvalidInput.for_field(
                "tax", f"must not exceed amount ({amount:f}): it is withheld from it"
            )

    if stock is not None and stock.currency != portfolio_currency:
        raise CurrencyMismatch(
            f"{stock.symbol} trades in {stock.currency} but the portfolio is in "
            f"{portfolio_currency}; multi-currency portfolios are not supported yet.",
        )
    if kind is TransactionType.BUY and stock is not None and not stock.listed and not imported:
        raise StockDelisted(stock.symbol)

    external_id = optional_text(request.external_id, "external_id", EXTERNAL_ID_MAX)
    return Transaction(
        id=new_id(),
        portfolio_id=portfolio_id,
        owner_id=owner_id,
        type=kind,
        stock_id=stock.stock_id if stock else None,
        symbol=stock.symbol if stock else None,
        quantity=request.quantity if kind.trades_shares else None,
        price=request.price if kind.trades_shares else None,
        amount=amount,
        fee=request.fee,
        tax=request.tax,
        currency=portfolio_currency,
        executed_at=executed_at,
        notes=optional_text(request.notes, "notes", NOTES_MAX),
        external_id=external_id,
        recorded_at=now if recorded_at is None else recorded_at,
    )
