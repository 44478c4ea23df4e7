"""Every decimal of every response body is written by a serializer of its own
(``DecimalOutput``, or money and ratios rounded): ``str(Decimal)`` would write
0.0000001 as ``1E-7``, and a value SQLite gives back as ``1E+2`` differently from
PostgreSQL's ``100``. Checked on the models, so a field added later cannot slip."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import PlainSerializer

from bootstrap.app import create_app
from shared_kernel.web.schemas import ResponseBody


def _response_models() -> Iterator[type[ResponseBody]]:
    assert callable(create_app)  # imported: every context's routers, and so its schemas, are loaded
    pending: list[type[ResponseBody]] = [ResponseBody]
    while pending:
        model = pending.pop()
        yield model
        pending += model.__subclasses__()


def _bare_decimals(annotation: Any) -> int:
    """How many times ``Decimal`` appears in ``annotation`` without a serializer."""
    if annotation is Decimal:
        return 1
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        if any(isinstance(item, PlainSerializer) for item in metadata):
            return 0
        return _bare_decimals(base)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, tuple, dict):
        return sum(_bare_decimals(argument) for argument in typing.get_args(annotation))
    return 0


def test_no_response_body_writes_a_decimal_with_str() -> None:
    models = list(_response_models())
    assert len(models) > 20  # the walk found the contexts' bodies
    bare = [
        f"{model.__module__}.{model.__qualname__}.{name}"
        for model in models
        for name, field in model.model_fields.items()
        if _bare_decimals(
            typing.Annotated[field.annotation, *field.metadata]
            if field.metadata
            else field.annotation
        )
    ]
    assert bare == []


def test_the_check_sees_a_bare_decimal_wherever_it_hides() -> None:
    assert _bare_decimals(Decimal) == 1
    assert _bare_decimals(Decimal | None) == 1
    assert _bare_decimals(list[Decimal]) == 1
    assert _bare_decimals(typing.Annotated[Decimal, "doc"]) == 1
    assert _bare_decimals(typing.Annotated[Decimal, PlainSerializer(str)] | None) == 0
