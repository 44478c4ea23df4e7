"""Keyset orders read a cursor back into typed values, or refuse it as input."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid

from shared_kernel.domain.errors import InvalidInput
from shared_kernel.infrastructure.column_types import UtcDateTime
from shared_kernel.infrastructure.keyset import KeysetOrder

rows = Table(
    "rows",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("at", UtcDateTime),
    Column("name", String(10)),
)


def test_a_row_s_keyset_leads_to_the_rows_after_it() -> None:
    order = KeysetOrder(rows.c.at, rows.c.id)
    at, row_id = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC), uuid4()
    keyset = order.keyset(at, row_id)
    assert keyset == (at.isoformat(), str(row_id))
    condition = order.after(keyset)
    values = condition.compile().params
    assert at in values.values()
    assert row_id in values.values()


@pytest.mark.parametrize(
    "keyset",
    [
        ("2025-01-01T00:00:00+00:00",),  # one value for two columns
        ("yesterday", "12345678-1234-5678-1234-567812345678"),
        ("2025-01-01T00:00:00+00:00", "not-a-uuid"),
        ("2025-01-01T00:00:00", "12345678-1234-5678-1234-567812345678"),  # no offset
        # in UTC, before the calendar's first day and after its last
        ("0001-01-01T00:00:00+01:00", "12345678-1234-5678-1234-567812345678"),
        ("9999-12-31T23:59:59-01:00", "12345678-1234-5678-1234-567812345678"),
    ],
)
def test_a_cursor_that_does_not_fit_is_invalid_input(keyset: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput) as error:
        KeysetOrder(rows.c.at, rows.c.id).after(keyset)
    assert error.value.errors[0].field == "cursor"


def test_text_columns_take_the_text_as_it_is() -> None:
    condition = KeysetOrder(rows.c.name, rows.c.id).after(("Ä%_", str(UUID(int=1))))
    assert "Ä%_" in condition.compile().params.values()


def test_a_placeholder_condition_takes_the_keyset_as_parameters() -> None:
    order = KeysetOrder(rows.c.at, rows.c.id, descending=True)
    at, row_id = datetime(2025, 1, 2, tzinfo=UTC), uuid4()
    parameters = order.after_parameters(order.keyset(at, row_id))
    assert sorted(parameters.values(), key=str) == sorted([at, row_id], key=str)
    placeholder = order.after_placeholder().compile()
    assert set(placeholder.params) == set(parameters)
    assert str(placeholder) == (
        "rows.at < :keyset_after_0 OR rows.at = :keyset_after_0 AND rows.id < :keyset_after_1"
    )
    with pytest.raises(InvalidInput):
        order.after_parameters(("not a time", str(row_id)))
