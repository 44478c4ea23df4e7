"""A list of values bound as one parameter, however long the list.

``column.in_(bindparam(..., expanding=True))`` renders one placeholder per
value: SQLAlchemy rewrites the SQL for every execution, and binds and
processes each value on its own (for a 100,000-row import's deliveries about
a second of CPU, in chunks of a few thousand ids). Bound as one value instead,
the statement's text is the same for any number of values, so it is compiled
once, and a ``CompiledSelect`` or ``CompiledWrite`` can take it:

- PostgreSQL: an array; its rows are ``unnest($1::UUID[]) AS value``.
- SQLite: a JSON array; its rows are ``json_each(?)``, whose ``value`` is
  each item as SQLite stores it (a UUID as 32 hex digits, say): the column
  type's own bind processor writes each.

``ValueRows(name, type)`` is the list as rows of one column, ``value`` (an INSERT ...
SELECT takes them), and ``in_value_list(column, name)`` is ``column IN
(SELECT value FROM ...)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    FromClause,
    Text,
    bindparam,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine


class ValueList(TypeDecorator[Iterable[Any]]):
    """A parameter holding a list of ``element_type`` values."""

    impl = Text
    cache_ok = True

    def __init__(self, element_type: TypeEngine[Any]) -> None:
        super().__init__()
        self.element_type = element_type

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.element_type))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Iterable[Any] | None, dialect: Dialect) -> Any:
        if value is None:
            raise ValueError("a value list needs a list, not None")
        if dialect.name == "postgresql":
            return list(value)
        element = self.element_type.dialect_impl(dialect).bind_processor(dialect)
        return orjson.dumps([element(item) if element else item for item in value]).decode()


class ValueRows(FromClause):
    """The list of ``element_type`` values given as the parameter ``name``, as rows
    of one column, ``value``."""

    inherit_cache = True
    named_with_column = False
    _traverse_internals = [("values", InternalTraversal.dp_clauseelement)]  # noqa: RUF012 (SQLAlchemy's own declaration)

    def __init__(self, name: str, element_type: TypeEngine[Any]) -> None:
        super().__init__()
        self.values: BindParameter[Any] = bindparam(name, type_=ValueList(element_type))
        self.value = literal_column("value", element_type)

    @property
    def _from_objects(self) -> list[FromClause]:
        return [self]


def in_value_list(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``column`` is one of the values of the list given as the parameter ``name``."""
    rows = ValueRows(name, column.type)
    return column.in_(select(rows.value).select_from(rows))


@compiles(ValueRows, "postgresql")
def _unnest(element: ValueRows, compiler: SQLCompiler, **kw: Any) -> str:
    # A set-returning function aliased names its one column too.
    return f"unnest({compiler.process(element.values, **kw)}) AS value"


@compiles(ValueRows, "sqlite")
def _json_each(element: ValueRows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_each({compiler.process(element.values, **kw)})"
