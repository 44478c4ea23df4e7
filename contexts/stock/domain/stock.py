"""The Stock aggregate: one listing in the shared catalog."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from contexts.stock.contracts import StockDelisted, StockRegistered, StockUpdated
from contexts.stock.domain.gics import classification
from shared_kernel.domain.aggregate import AggregateRoot
from shared_kernel.domain.errors import InvalidInput, VersionCheck
from shared_kernel.domain.ids import new_id
from shared_kernel.domain.money import currency_code
from shared_kernel.domain.text import optional_text, required_text

_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,11}")
NAME_MAX = 200
EXCHANGE_MAX = 100
NOTES_MAX = 1000


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    F = "F"


_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def symbol_key(value: str) -> str:
    """A symbol as it is stored and looked up: trimmed, ``a–z`` upper-cased.

    Only ASCII letters are upper-cased: ``str.upper`` would turn "ſ" into "S"
    and "ﬁ" into "FI", making text that is no symbol look like one.
    """
    return value.strip().translate(_ASCII_UPPER)


def name_key(name: str) -> str:
    """A name as it is sorted and searched: case-folded, so that ``eBay`` sorts
    between ``Dell`` and ``Ford`` and ``STRASSE`` finds ``Straße``; made here, not
    by a database function, so that both databases order and match alike."""
    return name.casefold()


def symbol_of(value: str) -> str:
    """Upper-case and check a ticker symbol: 1–12 of ``A–Z 0–9 . -``, led by a letter or digit."""
    symbol = symbol_key(value)
    if not _SYMBOL.fullmatch(symbol):
        raise InvalidInput.for_field(
            "symbol",
            "must be 1–12 characters of A–Z, 0–9, '.' and '-', starting with a letter or digit",
        )
    return symbol


def grade_of(value: str | None) -> Grade | None:
    if value is None:
        return None
    try:
        return Grade(value.strip().upper())
    except ValueError:
        raise InvalidInput.for_field("grade", "must be one of A, B, C, D, F") from None


@dataclass(frozen=True)
class StockDetails:
    """The editable description of a stock."""

    name: str
    sector: str | None = None
    industry_group: str | None = None
    exchange: str | None = None
    grade: Grade | None = None
    notes: str | None = None

    @classmethod
    def checked(
        cls,
        name: str,
        sector: str | None = None,
        industry_group: str | None = None,
        exchange: str | None = None,
        grade: str | None = None,
        notes: str | None = None,
    ) -> StockDetails:
        sector, industry_group = classification(sector, industry_group)
        return cls(
            name=required_text(name, "name", NAME_MAX),
            sector=sector,
            industry_group=industry_group,
            exchange=optional_text(exchange, "exchange", EXCHANGE_MAX),
            grade=grade_of(grade),
            notes=optional_text(notes, "notes", NOTES_MAX),
        )


class Stock(AggregateRoot):
    def __init__(
        self,
        *,
        stock_id: UUID,
        symbol: str,
        currency: str,
        details: StockDetails,
        listed: bool,
        created_at: datetime,
        updated_at: datetime,
        version: int,
    ) -> None:
        super().__init__()
        self.id = stock_id
        self.symbol = symbol
        self.currency = currency
        self.details = details
        self.listed = listed
        self.created_at = created_at
        self.updated_at = updated_at
        self.version = version

    @classmethod
    def register(cls, symbol: str, currency: str, details: StockDetails, now: datetime) -> Stock:
        stock = cls(
            stock_id=new_id(),
            symbol=symbol_of(symbol),
            currency=currency_code(currency),
            details=details,
            listed=True,
            created_at=now,
            updated_at=now,
            version=1,
        )
        stock.record(
            StockRegistered(
                stock_id=stock.id,
                symbol=stock.symbol,
                name=details.name,
                currency=stock.currency,
                sector=details.sector,
                industry_group=details.industry_group,
                occurred_at=now,
            )
        )
        return stock

    def update(self, details: StockDetails, expected: VersionCheck, now: datetime) -> None:
        expected.verify(self.version, f"Stock {self.symbol}")
        if details == self.details:
            return
        self.details = details
        self._touch(now)
        self.record(
            StockUpdated(
                stock_id=self.id,
                name=details.name,
                sector=details.sector,
                industry_group=details.industry_group,
                exchange=details.exchange,
                grade=details.grade.value if details.grade else None,
                version=self.version,
                occurred_at=now,
            )
        )

    def delist(self, expected: VersionCheck, now: datetime) -> None:
        expected.verify(self.version, f"Stock {self.symbol}")
        if not self.listed:
            return
        self.listed = False
        self._touch(now)
        self.record(StockDelisted(stock_id=self.id, symbol=self.symbol, occurred_at=now))

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
