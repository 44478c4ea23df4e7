"""Value rules of a stock: symbol, name, currency, grade, notes, exchange."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contexts.stock.domain.stock import (
    EXCHANGE_MAX,
    NAME_MAX,
    NOTES_MAX,
    Grade,
    Stock,
    StockDetails,
    grade_of,
    symbol_key,
    symbol_of,
)
from shared_kernel.domain.errors import InvalidInput
from shared_kernel.domain.money import currency_code

NOW = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)


def field_of(error: pytest.ExceptionInfo[InvalidInput]) -> str | None:
    (detail,) = error.value.errors
    return detail.field


class TestSymbol:
    @pytest.mark.parametrize(
        "symbol",
        ["AAPL", "BRK.B", "7203.T", "A", "RDS-A", "ABCDEFGHIJKL", "0", "9.9-9"],
    )
    def test_valid_symbols_are_kept(self, symbol: str) -> None:
        assert symbol_of(symbol) == symbol

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [("aapl", "AAPL"), ("brk.b", "BRK.B"), ("  msft ", "MSFT"), ("7203.t", "7203.T")],
    )
    def test_symbols_are_trimmed_and_upper_cased(self, raw: str, expected: str) -> None:
        assert symbol_of(raw) == expected

    @pytest.mark.parametrize(
        "symbol",
        [
            "",
            "   ",
            ".A",
            "-A",
            "ABCDEFGHIJKLM",  # 13 characters
            "A B",
            "ÄPL",
            "AAPL!",
            "A_B",
            "A/B",
            "AAPL\n.X",
            "ſ",  # LATIN SMALL LETTER LONG S: upper-cases to "S", still not A–Z
            "ﬁx",  # a ligature that upper-cases to "FIX"
            "ı",  # dotless i: upper-cases to "I"
            "١٢٣",  # Arabic-Indic digits are not 0–9
        ],
    )
    def test_invalid_symbols_are_refused_on_the_symbol_field(self, symbol: str) -> None:
        with pytest.raises(InvalidInput) as error:
            symbol_of(symbol)
        assert field_of(error) == "symbol"

    @pytest.mark.parametrize(
        ("raw", "key"), [(" brk.b ", "BRK.B"), ("ſ", "ſ"), ("ıbm", "ıBM"), ("Ärger", "ÄRGER")]
    )
    def test_the_lookup_key_upper_cases_ascii_letters_only(self, raw: str, key: str) -> None:
        assert symbol_key(raw) == key

    @given(st.text(alphabet=string.ascii_letters + string.digits + ".-", min_size=1, max_size=12))
    def test_any_well_formed_symbol_is_accepted_upper_cased(self, raw: str) -> None:
        if raw[0] in ".-":
            with pytest.raises(InvalidInput):
                symbol_of(raw)
        else:
            assert symbol_of(raw) == raw.upper()

    @given(st.text(max_size=20))
    def test_whatever_is_accepted_is_in_the_symbol_alphabet(self, raw: str) -> None:
        try:
            symbol = symbol_of(raw)
        except InvalidInput:
            return
        assert raw.strip().isascii()
        assert symbol == raw.strip().upper()
        assert 1 <= len(symbol) <= 12
        assert set(symbol) <= set(string.ascii_uppercase + string.digits + ".-")
        assert symbol[0] not in ".-"


class TestName:
    def test_name_is_trimmed(self) -> None:
        assert StockDetails.checked(name="  Apple Inc.  ").name == "Apple Inc."

    def test_name_of_200_characters_after_trimming_is_accepted(self) -> None:
        name = "N" * NAME_MAX
        assert NAME_MAX == 200
        assert StockDetails.checked(name=f"  {name}  ").name == name

    @pytest.mark.parametrize("name", ["", "   ", "\t\n", "N" * 201])
    def test_empty_or_too_long_names_are_refused(self, name: str) -> None:
        with pytest.raises(InvalidInput) as error:
            StockDetails.checked(name=name)
        assert field_of(error) == "name"


class TestCurrency:
    @pytest.mark.parametrize(
        ("raw", "expected"), [("USD", "USD"), ("usd", "USD"), (" eur ", "EUR"), ("Jpy", "JPY")]
    )
    def test_iso_codes_are_normalised(self, raw: str, expected: str) -> None:
        assert currency_code(raw) == expected

    @pytest.mark.parametrize(
        "raw", ["XYZ", "US", "USDD", "", "U$D", "ÜSD", "123", "ıls", "US D", "usd\nx"]
    )
    def test_non_iso_codes_are_refused(self, raw: str) -> None:
        with pytest.raises(InvalidInput) as error:
            currency_code(raw)
        assert field_of(error) == "currency"

    def test_the_field_name_can_be_chosen(self) -> None:
        with pytest.raises(InvalidInput) as error:
            currency_code("XYZ", "portfolio_currency")
        assert field_of(error) == "portfolio_currency"


class TestGrade:
    @pytest.mark.parametrize("raw", ["A", "B", "C", "D", "F", "a", "f", " b "])
    def test_grades_a_to_f_are_accepted_upper_cased(self, raw: str) -> None:
        assert grade_of(raw) == Grade(raw.strip().upper())

    def test_no_grade_is_none(self) -> None:
        assert grade_of(None) is None

    @pytest.mark.parametrize("raw", ["E", "G", "AA", "", "1", "A+"])
    def test_other_grades_are_refused(self, raw: str) -> None:
        with pytest.raises(InvalidInput) as error:
            grade_of(raw)
        assert field_of(error) == "grade"

    def test_details_keep_the_grade_as_enum(self) -> None:
        assert StockDetails.checked(name="X", grade="c").grade is Grade.C


class TestOptionalText:
    def test_notes_up_to_1000_characters(self) -> None:
        assert NOTES_MAX == 1000
        assert StockDetails.checked(name="X", notes="n" * 1000).notes == "n" * 1000

    def test_notes_over_1000_characters_are_refused(self) -> None:
        with pytest.raises(InvalidInput) as error:
            StockDetails.checked(name="X", notes="n" * 1001)
        assert field_of(error) == "notes"

    def test_exchange_up_to_100_characters(self) -> None:
        assert EXCHANGE_MAX == 100
        assert StockDetails.checked(name="X", exchange="e" * 100).exchange == "e" * 100

    def test_exchange_over_100_characters_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as error:
            StockDetails.checked(name="X", exchange="e" * 101)
        assert field_of(error) == "exchange"

    def test_blank_optional_text_means_absent(self) -> None:
        details = StockDetails.checked(name="X", exchange="   ", notes="")
        assert details.exchange is None
        assert details.notes is None

    def test_optional_text_is_trimmed(self) -> None:
        details = StockDetails.checked(name="X", exchange=" NASDAQ ", notes=" long term ")
        assert (details.exchange, details.notes) == ("NASDAQ", "long term")


class TestRegistration:
    def test_register_normalises_symbol_and_currency(self) -> None:
        stock = Stock.register("brk.b", "usd", StockDetails.checked(name="Berkshire"), NOW)
        assert (stock.symbol, stock.currency) == ("BRK.B", "USD")
        assert stock.listed is True
        assert stock.version == 1
        assert stock.created_at == stock.updated_at == NOW

    def test_register_refuses_a_bad_currency(self) -> None:
        with pytest.raises(InvalidInput) as error:
            Stock.register("AAPL", "USDD", StockDetails.checked(name="Apple"), NOW)
        assert field_of(error) == "currency"

    def test_register_refuses_a_bad_symbol(self) -> None:
        with pytest.raises(InvalidInput) as error:
            Stock.register("-AAPL", "USD", StockDetails.checked(name="Apple"), NOW)
        assert field_of(error) == "symbol"
