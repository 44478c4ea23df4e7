"""Splits and daily prices: the value rules of the price history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from contexts.stock.contracts import StockSplitRecorded
from contexts.stock.domain.price import DailyPrice
from contexts.stock.domain.split import MAX_SPLIT_TERM, Split, SplitAlreadyRecorded
from shared_kernel.domain.errors import InvalidInput

DAY = date(2025, 3, 3)


def refused_field(error: pytest.ExceptionInfo[InvalidInput]) -> str | None:
    (detail,) = error.value.errors
    return detail.field


class TestSplit:
    @pytest.mark.parametrize(
        ("numerator", "denominator"), [(4, 1), (1, 10), (3, 2), (MAX_SPLIT_TERM, 1)]
    )
    def test_valid_ratios(self, numerator: int, denominator: int) -> None:
        stock_id = uuid4()
        split = Split.new(stock_id, DAY, numerator, denominator)
        assert (split.stock_id, split.effective_date) == (stock_id, DAY)
        assert (split.numerator, split.denominator) == (numerator, denominator)

    @pytest.mark.parametrize(
        ("numerator", "denominator", "field"),
        [
            (0, 1, "numerator"),
            (-4, 1, "numerator"),
            (4, 0, "denominator"),
            (1, -2, "denominator"),
            (MAX_SPLIT_TERM + 1, 1, "numerator"),
            (1, MAX_SPLIT_TERM + 1, "denominator"),
            (2, 2, "numerator"),
            (1, 1, "numerator"),
        ],
    )
    def test_invalid_ratios_are_refused(self, numerator: int, denominator: int, field: str) -> None:
        with pytest.raises(InvalidInput) as error:
            Split.new(uuid4(), DAY, numerator, denominator)
        assert refused_field(error) == field

    def test_each_split_gets_its_own_id(self) -> None:
        stock_id = uuid4()
        assert Split.new(stock_id, DAY, 2, 1).id != Split.new(stock_id, DAY, 2, 1).id

    def test_recorded_event_carries_the_split(self) -> None:
        split = Split.new(uuid4(), DAY, 4, 1)
        event = split.recorded_event()
        assert isinstance(event, StockSplitRecorded)
        assert (event.stock_id, event.split_id, event.effective_date) == (
            split.stock_id,
            split.id,
            DAY,
        )
        assert (event.numerator, event.denominator) == (4, 1)

    def test_a_second_split_on_a_date_is_an_input_error_on_effective_date(self) -> None:
        error = SplitAlreadyRecorded(DAY)
        assert isinstance(error, InvalidInput)
        assert [(e.field, e.message) for e in error.errors] == [
            ("effective_date", "a split effective on 2025-03-03 is already recorded")
        ]


class TestDailyPrice:
    def test_a_full_price(self) -> None:
        price = DailyPrice(
            DAY,
            close=Decimal("150.25"),
            open=Decimal("149"),
            high=Decimal("151"),
            low=Decimal("148.5"),
            volume=0,
        )
        assert price.close == Decimal("150.25")
        assert price.volume == 0

    def test_only_close_is_required(self) -> None:
        price = DailyPrice(DAY, close=Decimal("0.000000000001"))
        assert (price.open, price.high, price.low, price.volume) == (None, None, None, None)

    @pytest.mark.parametrize("close", [Decimal(0), Decimal("-1"), Decimal("-0.01")])
    def test_close_must_be_positive(self, close: Decimal) -> None:
        with pytest.raises(InvalidInput) as error:
            DailyPrice(DAY, close=close)
        assert refused_field(error) == "close"

    @pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
    def test_close_must_be_finite(self, value: Decimal) -> None:
        with pytest.raises(InvalidInput) as error:
            DailyPrice(DAY, close=value)
        assert refused_field(error) == "close"

    @pytest.mark.parametrize("name", ["open", "high", "low"])
    @pytest.mark.parametrize("value", [Decimal(0), Decimal("-5")])
    def test_open_high_low_must_be_positive_when_given(self, name: str, value: Decimal) -> None:
        with pytest.raises(InvalidInput) as error:
            DailyPrice(DAY, close=Decimal(1), **{name: value})  # type: ignore[arg-type]
        assert refused_field(error) == name

    def test_volume_must_not_be_negative(self) -> None:
        with pytest.raises(InvalidInput) as error:
            DailyPrice(DAY, close=Decimal(1), volume=-1)
        assert refused_field(error) == "volume"

    def test_high_must_not_be_below_low(self) -> None:
        with pytest.raises(InvalidInput) as error:
            DailyPrice(DAY, close=Decimal(10), high=Decimal("9.99"), low=Decimal(10))
        assert refused_field(error) == "high"

    def test_high_equal_to_low_is_fine(self) -> None:
        price = DailyPrice(DAY, close=Decimal(10), high=Decimal(10), low=Decimal(10))
        assert price.high == price.low
