"""Column types that keep values exact on every supported database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal that reads back equal to what was written.

    PostgreSQL: ``NUMERIC`` without precision (arbitrary, exact).
    SQLite: text — its numeric affinity would round through a double.
    """

    impl = Numeric
    cache_ok = True

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(80))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def bind_processor(self, dialect: Dialect) -> Callable[[Decimal | None], Any] | None:
        """One plain function per value on SQLite (its text), none where the driver
        takes a Decimal as it is (asyncpg): an import binds a million of them."""
        if dialect.name == "sqlite":
            return _decimal_text
        return self.load_dialect_impl(dialect).bind_processor(dialect)

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        return _decimal_text(value)  # SQLite only: see bind_processor

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


_SQLITE_TEXT_LENGTH = len("YYYY-MM-DD HH:MM:SS.ffffff")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        # A TypeDecorator answers ``object`` unless told: keyset cursors read it.
        return datetime

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any] | None:
        """One plain function per value, an import binds 600,000 of them.

        On SQLite, the text SQLAlchemy's DATETIME stores (``YYYY-MM-DD
        HH:MM:SS.ffffff``, in UTC), written by ``isoformat`` in C rather than by
        DATETIME's format string in Python: the UTC value's own text without its
        ``+00:00`` (half the time of first making a naive copy). Elsewhere the
        aware datetime in UTC, as ``process_bind_param`` gives it, without the
        decorator's wrapper where the driver needs no processor of its own
        (asyncpg). A value already in UTC, as nearly all are, is not converted
        again.
        """
        if dialect.name == "sqlite":

            def sqlite_text(value: datetime | None) -> str | None:
                if value is None:
                    return None
                return _utc(value).isoformat(" ", "microseconds")[:_SQLITE_TEXT_LENGTH]

            return sqlite_text
        if self.load_dialect_impl(dialect).bind_processor(dialect) is not None:
            return super().bind_processor(dialect)

        def in_utc(value: datetime | None) -> datetime | None:
            return None if value is None else _utc(value)

        return in_utc

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC)
