"""Errors of the transaction context."""

from __future__ import annotations

from shared_kernel.domain.errors import Conflict, InvalidInput, NotFound


class TransactionNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such transaction.")


class InsufficientQuantity(Conflict):
    code = "INSUFFICIENT_QUANTITY"
    title = "Insufficient quantity"


class StockDelisted(Conflict):
    code = "STOCK_DELISTED"
    title = "Stock delisted"

    def __init__(self, symbol: str) -> None:
        super().__init__(f"{symbol} is delisted: it cannot be bought.")


class CurrencyMismatch(InvalidInput):
    code = "CURRENCY_MISMATCH"
    title = "Currency mismatch"


class IdempotencyKeyReused(InvalidInput):
    code = "IDEMPOTENCY_KEY_REUSED"
    title = "Idempotency key reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used with a different request; use a new key."
        )


class IdempotencyKeyInUse(Conflict):
    code = "IDEMPOTENCY_KEY_IN_USE"
    title = "Idempotency key in use"

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still being processed; retry shortly."
        )
