"""The codec writes transaction events as plain JSON, with strings for numbers and
ids, and its per-type decoders, read once from the type hints, restore every
field exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from contexts.transaction.contracts import (
    TRANSACTION_EVENTS,
    TransactionData,
    TransactionRecorded,
    TransactionVoided,
)
from shared_kernel.infrastructure.event_codec import EventCodec

AT = datetime(2025, 1, 15, 10, 0, 0, 123456, tzinfo=UTC)


def data(**changes: object) -> TransactionData:
    values: dict[str, object] = {
        "transaction_id": UUID("00000000-0000-0000-0000-000000000001"),
        "portfolio_id": UUID("00000000-0000-0000-0000-000000000002"),
        "owner_id": UUID("00000000-0000-0000-0000-000000000003"),
        "type": "BUY",
        "stock_id": UUID("00000000-0000-0000-0000-000000000004"),
        "symbol": "BRK.B",
        "quantity": Decimal("0.333333333333333333333333333333"),
        "price": Decimal("123456789012.1200"),
        "amount": Decimal("1E+3"),
        "fee": Decimal("0"),
        "tax": Decimal("-0.00"),
        "currency": "USD",
        "executed_at": AT,
        "recorded_at": AT,
        "voided_at": None,
        "external_id": None,
    }
    values.update(changes)
    return TransactionData(**values)  # type: ignore[arg-type]


def codec() -> EventCodec:
    codec = EventCodec()
    codec.register(*TRANSACTION_EVENTS)
    return codec


def test_a_transaction_event_is_plain_json_with_strings_for_numbers_and_ids() -> None:
    event = TransactionRecorded(transaction=data(), occurred_at=AT)
    ((name, payload),) = json.loads(codec().encode([event]))
    assert name == "TransactionRecorded"
    assert payload == {
        "event_id": str(event.event_id),
        "occurred_at": "2025-01-15T10:00:00.123456+00:00",
        "transaction": {
            "transaction_id": "00000000-0000-0000-0000-000000000001",
            "portfolio_id": "00000000-0000-0000-0000-000000000002",
            "owner_id": "00000000-0000-0000-0000-000000000003",
            "type": "BUY",
            "stock_id": "00000000-0000-0000-0000-000000000004",
            "symbol": "BRK.B",
            "quantity": "0.333333333333333333333333333333",
            "price": "123456789012.1200",
            "amount": "1E+3",
            "fee": "0",
            "tax": "-0.00",
            "currency": "USD",
            "executed_at": "2025-01-15T10:00:00.123456+00:00",
            "recorded_at": "2025-01-15T10:00:00.123456+00:00",
            "voided_at": None,
            "external_id": None,
        },
    }


def test_transaction_events_round_trip_digit_for_digit() -> None:
    events = [
        TransactionRecorded(transaction=data()),
        TransactionVoided(
            transaction=data(
                type="DEPOSIT", stock_id=None, quantity=None, price=None, voided_at=AT
            ),
            event_id=uuid4(),
        ),
    ]
    decoded_events = codec().decode(codec().encode(events))
    assert decoded_events == events
    for decoded, event in zip(decoded_events, events, strict=True):
        assert type(decoded) is type(event)
        assert isinstance(decoded, TransactionRecorded | TransactionVoided)
        assert isinstance(event, TransactionRecorded | TransactionVoided)
        for name in ("quantity", "price", "amount", "fee", "tax"):
            mine, theirs = getattr(decoded.transaction, name), getattr(event.transaction, name)
            assert str(mine) == str(theirs), name
