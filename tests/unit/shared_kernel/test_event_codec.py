"""The outbox's JSON codec restores every stock contract event exactly."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from uuid import UUID, uuid4

import pytest

from contexts.stock.contracts import (
    STOCK_EVENTS,
    StockDelisted,
    StockPricesRecorded,
    StockRegistered,
    StockSplitRecorded,
    StockUpdated,
)
from shared_kernel.domain.events import IntegrationEvent
from shared_kernel.infrastructure.event_codec import EventCodec

AT = datetime(2025, 1, 15, 10, 0, 0, 123456, tzinfo=UTC)
STOCK_ID = UUID("12345678-1234-5678-1234-567812345678")


@pytest.fixture
def codec() -> EventCodec:
    codec = EventCodec()
    codec.register(*STOCK_EVENTS)
    return codec


EXAMPLES: list[IntegrationEvent] = [
    StockRegistered(
        stock_id=STOCK_ID,
        symbol="BRK.B",
        name="Berkshire Hathaway — class B",
        currency="USD",
        sector="Financials",
        industry_group="Financial Services",
        occurred_at=AT,
    ),
    StockRegistered(
        stock_id=uuid4(),
        symbol="X",
        name="No classification",
        currency="EUR",
        sector=None,
        industry_group=None,
    ),
    StockUpdated(
        stock_id=STOCK_ID,
        name="Apple",
        sector="Information Technology",
        industry_group=None,
        exchange=None,
        grade="A",
        version=7,
        occurred_at=AT,
    ),
    StockDelisted(stock_id=STOCK_ID, symbol="AAPL", occurred_at=AT),
    StockSplitRecorded(
        stock_id=STOCK_ID,
        split_id=uuid4(),
        effective_date=date(2024, 6, 10),
        numerator=4,
        denominator=1,
    ),
    StockPricesRecorded(
        stock_id=STOCK_ID,
        first_date=date(2025, 1, 2),
        last_date=date(2025, 12, 31),
        count=10_000,
    ),
]


def test_every_stock_event_has_an_example() -> None:
    assert {type(event) for event in EXAMPLES} == set(STOCK_EVENTS)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_round_trip_is_exact(codec: EventCodec, event: IntegrationEvent) -> None:
    text = codec.encode([event])
    assert json.loads(text)[0][0] == type(event).__name__
    (decoded,) = codec.decode(text)
    assert decoded == event
    assert type(decoded) is type(event)
    for field in fields(event):
        assert type(getattr(decoded, field.name)) is type(getattr(event, field.name)), field.name


def test_a_unit_of_work_s_events_round_trip_together_in_order(codec: EventCodec) -> None:
    events = [*EXAMPLES, *reversed(EXAMPLES)]
    assert codec.decode(codec.encode(events)) == events
    assert codec.decode(codec.encode([])) == []


def test_timestamps_keep_their_offset_and_microseconds(codec: EventCodec) -> None:
    at = datetime(2025, 3, 30, 1, 59, 59, 999999, tzinfo=timezone(timedelta(hours=2)))
    event = StockDelisted(stock_id=STOCK_ID, symbol="A", occurred_at=at)
    (decoded,) = codec.decode(codec.encode([event]))
    assert decoded.occurred_at == at
    assert decoded.occurred_at.utcoffset() == timedelta(hours=2)


def test_the_text_is_plain_json_pairs_of_type_and_event_with_strings_for_ids(
    codec: EventCodec,
) -> None:
    event = StockDelisted(stock_id=STOCK_ID, symbol="AAPL", occurred_at=AT)
    assert json.loads(codec.encode([event])) == [
        [
            "StockDelisted",
            {
                "event_id": str(event.event_id),
                "occurred_at": "2025-01-15T10:00:00.123456+00:00",
                "stock_id": "12345678-1234-5678-1234-567812345678",
                "symbol": "AAPL",
            },
        ]
    ]


class Side(Enum):
    BUY = "BUY"
    SELL = "SELL"


@dataclass(frozen=True)
class Leg:
    amount: Decimal
    on: date


@dataclass(frozen=True, kw_only=True, slots=True)
class RichEvent(IntegrationEvent):
    side: Side
    price: Decimal
    fee: Decimal | None
    legs: tuple[Leg, ...]
    ids: tuple[UUID, ...]
    note: str | None
    flag: bool


def test_decimals_enums_tuples_and_nested_dataclasses_round_trip() -> None:
    codec = EventCodec()
    codec.register(RichEvent)
    event = RichEvent(
        side=Side.SELL,
        price=Decimal("123456789012.12345678"),
        fee=None,
        legs=(Leg(Decimal("0.000000000001"), date(2025, 1, 1)), Leg(Decimal("0.1"), date.max)),
        ids=(uuid4(), uuid4()),
        note=None,
        flag=True,
    )
    text = codec.encode([event])
    assert '"123456789012.12345678"' in text  # a string, never a float
    (decoded,) = codec.decode(text)
    assert decoded == event
    assert isinstance(decoded, RichEvent)
    assert str(decoded.price) == "123456789012.12345678"
    assert decoded.legs[0].amount.as_tuple() == Decimal("0.000000000001").as_tuple()
    assert decoded.side is Side.SELL


def test_a_uuid_of_a_subclass_is_written_as_any_uuid(codec: EventCodec) -> None:
    class DriverUUID(UUID):  # asyncpg reads UUIDs as its own subclass
        pass

    event = StockDelisted(stock_id=DriverUUID(str(STOCK_ID)), symbol="A", occurred_at=AT)
    (decoded,) = codec.decode(codec.encode([event]))
    assert isinstance(decoded, StockDelisted)
    assert decoded.stock_id == STOCK_ID
    assert type(decoded.stock_id) is UUID


def test_a_value_json_has_no_text_for_is_refused() -> None:
    @dataclass(frozen=True, kw_only=True, slots=True)
    class OddEvent(IntegrationEvent):
        share: Fraction

    codec = EventCodec()
    codec.register(OddEvent)
    with pytest.raises(TypeError, match="not JSON serializable: Fraction"):
        codec.encode([OddEvent(share=Fraction(1, 3))])


def test_an_unregistered_event_cannot_be_encoded() -> None:
    with pytest.raises(KeyError, match="StockDelisted is not registered"):
        EventCodec().encode([StockDelisted(stock_id=STOCK_ID, symbol="A")])


def test_two_event_types_with_one_name_are_refused(codec: EventCodec) -> None:
    @dataclass(frozen=True, kw_only=True, slots=True)
    class StockDelisted(IntegrationEvent):  # same name, another type
        pass

    with pytest.raises(ValueError, match="two event types are named StockDelisted"):
        codec.register(StockDelisted)


def test_an_event_type_with_a_dict_is_refused(codec: EventCodec) -> None:
    @dataclass(frozen=True, kw_only=True)  # not slotted: its __dict__ lacks event_id
    class Loose(IntegrationEvent):
        note: str

    with pytest.raises(TypeError, match="Loose must be a slotted dataclass"):
        codec.register(Loose)


def test_registering_the_same_type_twice_is_harmless(codec: EventCodec) -> None:
    codec.register(*STOCK_EVENTS)
    assert codec.decode(codec.encode([EXAMPLES[3]])) == [EXAMPLES[3]]
