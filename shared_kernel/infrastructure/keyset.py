"""Keyset ("seek") paging: order by a column plus the id, resume after a row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, or_

from shared_kernel.application.pagination import Keyset
from shared_kernel.domain.errors import InvalidInput


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _parse(column: ColumnElement[Any], text: str) -> Any:
    python_type = column.type.python_type
    if python_type is datetime:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:  # every cursor we hand out has an offset: this one is forged
            raise ValueError("a timestamp without an offset")
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # its offset moves it off the calendar: forged too
            raise ValueError("a timestamp beyond the calendar in UTC") from None
    if python_type is UUID:
        return UUID(text)
    return text


class KeysetOrder:
    """An order by ``columns``, the last of which is unique (an id breaks the
    ties of the others), all ascending or all descending."""

    def __init__(self, *columns: ColumnElement[Any], descending: bool = False) -> None:
        if not columns:
            raise ValueError("a keyset order needs at least one column")
        self.columns = list(columns)
        self.descending = descending

    def order_by(self) -> list[Any]:
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def keyset(self, *values: Any) -> Keyset:
        """The keyset of a row, from its values of the order's columns."""
        return tuple(_text(value) for value in values)

    def after(self, keyset: Keyset) -> ColumnElement[bool]:
        """Rows that come after the row with ``keyset``."""
        return self._beyond(self._values(keyset))

    def after_placeholder(self) -> ColumnElement[bool]:
        """Rows that come after a row whose keyset is bound later, by ``after_parameters``:
        for a statement built once and run with each page's parameters."""
        return self._beyond(self._placeholders())

    def after_parameters(self, keyset: Keyset) -> dict[str, Any]:
        """The values of ``after_placeholder``'s parameters for the row with ``keyset``."""
        values = self._values(keyset)
        return {p.key: value for p, value in zip(self._placeholders(), values, strict=True)}

    def _values(self, keyset: Keyset) -> list[Any]:
        try:
            if len(keyset) != len(self.columns):
                raise ValueError
            return [_parse(c, text) for c, text in zip(self.columns, keyset, strict=True)]
        except ValueError:
            raise InvalidInput.for_field("cursor", "does not belong to this list") from None

    def _placeholders(self) -> list[BindParameter[Any]]:
        return [
            bindparam(f"keyset_after_{index}", type_=column.type)
            for index, column in enumerate(self.columns)
        ]

    def _beyond(self, values: Sequence[Any]) -> ColumnElement[bool]:
        condition: ColumnElement[bool] | None = None
        for column, value in reversed(list(zip(self.columns, values, strict=True))):
            beyond = column < value if self.descending else column > value
            condition = (
                beyond if condition is None else or_(beyond, and_(column == value, condition))
            )
        assert condition is not None
        return condition
