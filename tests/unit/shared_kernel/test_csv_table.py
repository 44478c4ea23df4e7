"""Reading an uploaded CSV file: header rules, encoding, line numbers."""

from __future__ import annotations

import pytest

from shared_kernel.application.csv_table import MAX_HEADER_PROBLEMS, CsvRow, read_csv
from shared_kernel.domain.errors import ImportRejected

REQUIRED = frozenset({"symbol", "date", "close"})
OPTIONAL = frozenset({"open", "volume"})


def rows(content: bytes) -> list[CsvRow]:
    return list(read_csv(content, REQUIRED, OPTIONAL))


def rejection(content: bytes) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(ImportRejected) as error:
        rows(content)
    assert error.value.code == "IMPORT_REJECTED"
    return [(e.line, e.field, e.message) for e in error.value.errors]


def test_rows_carry_their_line_number_and_named_cells() -> None:
    assert rows(b"symbol,date,close\nAAPL,2025-01-02,150.25\nMSFT,2025-01-02,400\n") == [
        CsvRow(2, {"symbol": "AAPL", "date": "2025-01-02", "close": "150.25"}),
        CsvRow(3, {"symbol": "MSFT", "date": "2025-01-02", "close": "400"}),
    ]


def test_column_order_is_free_and_header_names_are_trimmed_and_lower_cased() -> None:
    (row,) = rows(b" Close ,SYMBOL,Date,volume\r\n1,AAPL,2025-01-02,7\r\n")
    assert row.cells == {"close": "1", "symbol": "AAPL", "date": "2025-01-02", "volume": "7"}


def test_empty_cells_are_left_out_and_cells_are_trimmed() -> None:
    (row,) = rows(b"symbol,date,close,open\n AAPL ,2025-01-02,1,  \n")
    assert row.cells == {"symbol": "AAPL", "date": "2025-01-02", "close": "1"}


def test_a_utf8_bom_is_ignored() -> None:
    (row,) = rows("\ufeffsymbol,date,close\nAAPL,2025-01-02,1\n".encode())
    assert row.cells["symbol"] == "AAPL"


def test_blank_lines_are_skipped_but_still_counted() -> None:
    content = b"symbol,date,close\n\nAAPL,2025-01-02,1\n , , \n\nMSFT,2025-01-03,2\n\n"
    assert [row.line for row in rows(content)] == [3, 6]


def test_a_row_with_too_many_cells_is_reported_as_a_problem() -> None:
    first, second = rows(b"symbol,date,close\nAAPL,2025-01-02,1,extra\nMSFT,2025-01-02,2\n")
    assert first == CsvRow(2, {}, "4 cells for 3 columns")
    assert second.problem is None


def test_a_row_with_too_few_cells_has_the_missing_ones_absent() -> None:
    (row,) = rows(b"symbol,date,close\nAAPL,2025-01-02\n")
    assert row.cells == {"symbol": "AAPL", "date": "2025-01-02"}
    assert row.problem is None


def test_quoted_cells_may_hold_commas() -> None:
    (row,) = rows(b'symbol,date,close\n"A,B",2025-01-02,"1"\n')
    assert row.cells["symbol"] == "A,B"


def test_a_missing_required_column_rejects_the_file() -> None:
    assert rejection(b"symbol,date\nAAPL,2025-01-02\n") == [
        (1, "close", "required column is missing")
    ]


def test_an_unknown_column_rejects_the_file() -> None:
    assert rejection(b"symbol,date,close,price,\n") == [
        (1, "price", "unknown column"),
        (1, "(blank)", "unknown column"),
    ]


def test_a_duplicated_column_rejects_the_file() -> None:
    assert rejection(b"symbol,date,close,Close\n") == [
        (1, "close", "column appears more than once")
    ]


def test_a_header_repeating_columns_a_million_times_names_each_once() -> None:
    # Each column was counted in the whole header: 500,000 columns took hours.
    header = b"symbol,date" + b",close,volume" * 250_000 + b",\n"
    assert rejection(header) == [
        (1, "(blank)", "unknown column"),
        (1, "close", "column appears more than once"),
        (1, "volume", "column appears more than once"),
    ]


def test_a_header_s_problems_are_listed_up_to_a_bound_then_counted() -> None:
    names = [f"extra{number}" for number in range(MAX_HEADER_PROBLEMS + 250)]
    header = ",".join(["symbol", "date", "close", *names]).encode() + b"\n"
    problems = rejection(header)
    assert problems[:MAX_HEADER_PROBLEMS] == [
        (1, name, "unknown column") for name in names[:MAX_HEADER_PROBLEMS]
    ]
    assert problems[MAX_HEADER_PROBLEMS:] == [(1, None, "and 250 more problems with the header")]


def test_an_empty_file_is_rejected() -> None:
    assert rejection(b"") == [(1, None, "the file is empty")]


def test_bad_utf8_is_rejected_with_its_line_number() -> None:
    content = b"symbol,date,close\nAAPL,2025-01-02,1\nM\xffSFT,2025-01-02,2\n"
    assert rejection(content) == [(3, None, "the file is not valid UTF-8")]


def test_bad_utf8_in_the_header_is_line_1() -> None:
    assert rejection(b"sym\xc3bol,date,close\n") == [(1, None, "the file is not valid UTF-8")]


def test_a_row_the_csv_reader_cannot_read_rejects_the_file_with_its_line() -> None:
    huge_cell = b"A" * 200_000  # over the csv module's field size limit
    content = b"symbol,date,close\nAAPL,2025-01-02,1\n" + huge_cell + b",2025-01-02,1\n"
    ((line, field, message),) = rejection(content)
    assert (line, field) == (3, None)
    assert message.startswith("not valid CSV: ")
    assert "field larger than field limit" in message


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b'symbol,date,close\nAAPL,2025-01-02,"1\n', 2),  # the quote is never closed
        (b'symbol,date,close\nAAPL,2025-01-02,1\nAAPL,2025-01-03,"1"0\n', 3),  # text after it
    ],
)
def test_bad_quoting_rejects_the_file_rather_than_guess_the_cell(content: bytes, line: int) -> None:
    ((found_line, field, message),) = rejection(content)
    assert (found_line, field) == (line, None)
    assert message.startswith("not valid CSV: ")


def test_the_rejection_detail_names_the_lines() -> None:
    error = ImportRejected([])
    assert error.detail == "The file has 0 problem(s); nothing was recorded."
    with pytest.raises(ImportRejected, match=r"has 1 problem\(s\) \(lines 1\)"):
        rows(b"symbol,date\n")
