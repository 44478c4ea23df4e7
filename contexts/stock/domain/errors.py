"""Errors of the stock context."""

from __future__ import annotations

from shared_kernel.domain.errors import Conflict, NotFound


class StockNotFound(NotFound):
    def __init__(self, reference: str) -> None:
        super().__init__(f"No stock {reference}.")


class SymbolTaken(Conflict):
    code = "SYMBOL_TAKEN"
    title = "Symbol taken"

    def __init__(self, symbol: str) -> None:
        super().__init__(f"A stock with the symbol {symbol} is already registered.")


class SplitLeavesPositionShort(Conflict):
    """A reverse split would leave a portfolio holding fewer than zero shares."""

    code = "INSUFFICIENT_QUANTITY"
    title = "Insufficient quantity"
