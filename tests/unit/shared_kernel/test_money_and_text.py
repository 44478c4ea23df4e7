"""Exact decimals from text, and the shared text and number rules."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_kernel.domain.errors import InvalidInput
from shared_kernel.domain.money import (
    MAX_DECIMAL_DIGITS,
    MAX_DECIMAL_PLACES,
    exact_sum,
    non_negative,
    parse_decimal,
    positive,
    round_money,
    round_ratio,
    shares_of,
)
from shared_kernel.domain.text import optional_text, required_text

amounts = st.decimals(
    min_value=Decimal("-999999999999999999.999999999999"),
    max_value=Decimal("999999999999999999.999999999999"),
    places=MAX_DECIMAL_PLACES,
)


@given(st.lists(amounts, max_size=20))
def test_exact_sum_is_the_sum_of_the_fractions(values: list[Decimal]) -> None:
    assert Fraction(exact_sum(values)) == sum(map(Fraction, values), Fraction(0))


def test_exact_sum_keeps_what_python_sum_rounds_away() -> None:
    values = [Decimal("100000000000000000"), Decimal("0.00499999999995")]
    assert sum(values) == Decimal("100000000000000000.0050000000")  # 28 digits
    assert exact_sum(values) == Decimal("100000000000000000.00499999999995")
    assert exact_sum([]) == 0


def refusal(text: str) -> str:
    with pytest.raises(InvalidInput) as error:
        parse_decimal(text, "price")
    (detail,) = error.value.errors
    assert detail.field == "price"
    return detail.message


def digits(most: int) -> st.SearchStrategy[str]:
    return st.integers(0, most).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))


number_texts = st.builds(
    lambda sign, whole, fraction, exponent: f"{sign}{whole or '0'}.{fraction}{exponent}",
    st.sampled_from(["", "-", "+"]),
    digits(20),
    digits(15),
    st.sampled_from(["", "e3", "E-2", "e+1", "e-14", "E17"]),
)


class TestParseDecimal:
    def test_the_limits_are_30_digits_and_12_places(self) -> None:
        assert (MAX_DECIMAL_DIGITS, MAX_DECIMAL_PLACES) == (30, 12)

    @pytest.mark.parametrize(
        "text",
        [
            "150.25",
            "0.1",
            "-3",
            "0",
            "123456789012.12345678",
            "0.000000000001",  # 12 places
            "123456789012345678.123456789012",  # 18 + 12 = 30 digits
            "999999999999999999",  # 18 whole digits
            "1E+17",
            "1.5000000000000",  # 13 places, but the trailing zeros do not count
            "1.5e3",
        ],
    )
    def test_values_within_the_limits_are_read_exactly(self, text: str) -> None:
        value = parse_decimal(text, "price")
        assert value == Decimal(text)
        assert str(value) == str(Decimal(text))

    def test_surrounding_blanks_are_ignored(self) -> None:
        assert parse_decimal("  42.10 ", "price") == Decimal("42.10")
        assert str(parse_decimal("  42.10 ", "price")) == "42.10"

    @pytest.mark.parametrize(
        "text",
        [
            "0.0000000000001",  # 13 places
            "1234567890123456789.123456789012",  # 19 digits before the point
            "9999999999999999999",  # 19 whole digits
            "1E+18",
            "1" * 1000,
            "1e999999999999999999",
        ],
    )
    def test_values_beyond_the_limits_are_refused(self, text: str) -> None:
        assert refusal(text) == "must have at most 18 digits before the point and 12 after it"

    @pytest.mark.parametrize("text", ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", "-inf"])
    def test_nan_and_infinity_are_refused(self, text: str) -> None:
        assert refusal(text) == "must be a finite number"

    @pytest.mark.parametrize(
        "text", ["", "abc", "1,5", "1.2.3", "12 34", "$5", "1e99999999999999999999999999"]
    )
    def test_text_that_is_no_number_is_refused(self, text: str) -> None:
        assert refusal(text).endswith("is not a number")

    @pytest.mark.parametrize("text", ["1_000", "1_0.5", "\u0661\u0662", "\uff11\uff12", "1\u00b2"])
    def test_only_plain_ascii_digits_make_a_number(self, text: str) -> None:
        """Python reads these as numbers (PEP 515 underscores, any script's digits):
        money is only read as written in plain digits."""
        assert refusal(text).endswith("is not a number")

    def test_the_message_quotes_at_most_40_characters(self) -> None:
        assert refusal("x" * 100) == f"{'x' * 40!r} is not a number"

    @given(
        st.decimals(
            allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12), max_value=10**12
        )
    )
    def test_any_decimal_round_trips_through_its_text(self, value: Decimal) -> None:
        assert parse_decimal(str(value), "x") == value

    @settings(max_examples=1_000)  # the limits' edges are narrow: a 13th place, a 19th digit
    @given(number_texts)
    def test_a_number_is_read_exactly_when_its_digits_are_within_the_limits(
        self, text: str
    ) -> None:
        exact = Fraction(Decimal(text))
        places = next(p for p in range(100) if (exact * 10**p).denominator == 1)
        whole_digits = len(str(abs(exact.numerator) // exact.denominator).lstrip("0"))
        if places <= MAX_DECIMAL_PLACES and whole_digits <= MAX_DECIMAL_DIGITS - MAX_DECIMAL_PLACES:
            assert parse_decimal(text, "x") == Decimal(text)
        else:
            assert refusal(text).startswith("must have at most")


class TestSigns:
    def test_positive(self) -> None:
        assert positive(Decimal("0.01"), "x") == Decimal("0.01")
        for value in (Decimal(0), Decimal(-1), Decimal("NaN")):
            with pytest.raises(InvalidInput):
                positive(value, "x")

    def test_non_negative(self) -> None:
        assert non_negative(Decimal(0), "fee") == Decimal(0)
        with pytest.raises(InvalidInput) as error:
            non_negative(Decimal("-0.01"), "fee")
        assert error.value.errors[0].field == "fee"
        assert error.value.errors[0].message == "must be greater than or equal to 0"


class TestShares:
    def test_thirds_give_the_millionth_left_over_to_the_first(self) -> None:
        assert shares_of([Decimal(1)] * 3) == [
            Decimal("0.333334"),
            Decimal("0.333333"),
            Decimal("0.333333"),
        ]

    def test_a_negative_sum_shares_alike(self) -> None:
        assert shares_of([Decimal(-1), Decimal(-1), Decimal(-2)]) == [
            Decimal("0.25"),
            Decimal("0.25"),
            Decimal("0.5"),
        ]

    def test_nothing_to_share_is_none(self) -> None:
        assert shares_of([]) is None
        assert shares_of([Decimal(0), Decimal("0.00")]) is None

    @given(
        st.lists(
            st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False),
            min_size=1,
            max_size=60,
        )
    )
    @settings(max_examples=300)
    def test_shares_sum_to_one_each_within_a_millionth_of_its_exact_share(
        self, parts: list[Decimal]
    ) -> None:
        shares = shares_of(parts)
        total = sum(map(Fraction, parts))
        if total == 0:
            assert shares is None
            return
        assert shares is not None
        assert sum(map(Fraction, shares)) == 1
        for part, share in zip(parts, shares, strict=True):
            assert share == share.quantize(Decimal("0.000001"))
            assert abs(Fraction(share) - Fraction(part) / total) < Fraction(1, 10**6)


class TestNegativeZero:
    """PostgreSQL's NUMERIC has no -0; SQLite's text and Python's str keep it."""

    @pytest.mark.parametrize("text", ["-0", "-0.00", "-0E+3", " -0.000 "])
    def test_a_negative_zero_is_read_as_zero(self, text: str) -> None:
        read = parse_decimal(text, "fee")
        assert read == 0
        assert not read.is_signed()

    @pytest.mark.parametrize("value", ["-0.004", "-0", "-0.0000001"])
    def test_an_amount_that_rounds_to_zero_is_reported_as_zero(self, value: str) -> None:
        assert str(round_money(Decimal(value))) == "0.00"
        assert str(round_ratio(Decimal(value) / 10**6)) == "0.000000"
        assert str(round_money(Decimal("-0.005"))) == "-0.01"  # half away from zero


class TestText:
    def test_required_text_is_trimmed_and_bounded(self) -> None:
        assert required_text("  abc ", "name", 3) == "abc"
        with pytest.raises(InvalidInput, match="name: must be at most 3 characters"):
            required_text("abcd", "name", 3)
        with pytest.raises(InvalidInput, match="name: must not be empty"):
            required_text("   ", "name", 3)

    def test_optional_text(self) -> None:
        assert optional_text(None, "notes", 5) is None
        assert optional_text("  ", "notes", 5) is None
        assert optional_text(" hi ", "notes", 5) == "hi"
        with pytest.raises(InvalidInput):
            optional_text("123456", "notes", 5)
