"""The transaction CSV format: parsing with line numbers, and export rows that parse back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contexts.transaction.application.csv_format import (
    TRANSACTION_CSV_COLUMNS,
    format_row,
    parse_timestamp,
    parse_transaction_csv,
)
from contexts.transaction.domain.transaction import Transaction, TransactionType
from shared_kernel.domain.errors import ImportRejected, InvalidInput

HEADER = ",".join(TRANSACTION_CSV_COLUMNS) + "\n"


def test_rows_become_requests_with_their_line_numbers() -> None:
    content = (
        b"type,executed_at,symbol,quantity,price,amount\n"
        b"BUY,2025-01-02,aapl,10,1.5,15.0\n"
        b"\n"
        b"DEPOSIT,2025-01-03T10:00:00+01:00,,,,100\n"
    )
    rows, errors = parse_transaction_csv(content)
    assert errors == []
    assert [row.line for row in rows] == [2, 4]
    buy, deposit = rows
    assert buy.symbol == "aapl"
    assert buy.request.amount is None
    assert buy.stated_amount == Decimal("15.0")
    assert buy.request.quantity == 10
    assert buy.request.price == Decimal("1.5")
    assert buy.request.executed_at == datetime(2025, 1, 2, tzinfo=UTC)
    assert deposit.request.amount == 100
    assert deposit.stated_amount is None
    assert deposit.request.executed_at == datetime(2025, 1, 3, 9, 0, tzinfo=UTC)


def test_bad_cells_are_reported_per_line_and_good_rows_still_parse() -> None:
    content = (
        b"executed_at,type,quantity,price,fee\n"
        b"2025-01-02,BUY,1,1,\n"
        b"soon,BUY,1,1,\n"
        b"2025-01-02,BUY,1e999999,1,\n"
        b"2025-01-02,BUY,1,1,-\n"
        b"2025-01-02,,1,1,\n"
        b"2025-01-02,BUY,1,1,0,9\n"
    )
    rows, errors = parse_transaction_csv(content)
    assert [row.line for row in rows] == [2]
    assert [(e.line, e.field) for e in errors] == [
        (3, "executed_at"),
        (4, "quantity"),
        (5, "fee"),
        (6, "type"),
        (7, None),
    ]


def test_a_quoted_cell_spanning_lines_keeps_the_line_count() -> None:
    content = b'executed_at,type,amount,notes\n2025-01-02,DEPOSIT,1,"two\nlines"\nbad,DEPOSIT,1,\n'
    rows, errors = parse_transaction_csv(content)
    assert rows[0].request.notes == "two\nlines"
    assert [(e.line, e.field) for e in errors] == [(4, "executed_at")]


@pytest.mark.parametrize(
    "content",
    [b"", b"executed_at\n2025-01-02\n", b"executed_at,type,bogus\n", b"\xff\xfe"],
)
def test_header_and_encoding_problems_reject_the_whole_file(content: bytes) -> None:
    with pytest.raises(ImportRejected) as rejected:
        parse_transaction_csv(content)
    assert rejected.value.errors
    assert all(e.line is not None for e in rejected.value.errors)


def test_a_header_without_rows_is_one_problem() -> None:
    rows, errors = parse_transaction_csv(HEADER.encode())
    assert rows == []
    assert [e.line for e in errors] == [2]


def test_timestamps_and_dates() -> None:
    assert parse_timestamp("2025-01-02") == datetime(2025, 1, 2, tzinfo=UTC)
    assert parse_timestamp("2025-01-02T03:04:05Z") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_timestamp("2025-01-02T03:04:05") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    for text in ("02/01/2025", "20250102", "1735776000", "2025-W01-4T10:00"):
        with pytest.raises(InvalidInput):
            parse_timestamp(text)


# The Unicode category of lone surrogates, which UTF-8 cannot encode.
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
texts = st.builds(
    # Leading apostrophes and formula characters are drawn often: they are what
    # the export's formula escape turns on.
    lambda start, rest: (start + rest).strip(),
    st.text(alphabet="'=+-@", max_size=3),
    st.text(
        alphabet=st.characters(blacklist_categories=SURROGATES, blacklist_characters="\x00\r"),
        max_size=30,
    ),
)
decimals = st.decimals(min_value=Decimal("0.000000000001"), max_value=Decimal(10**12), places=12)


@given(
    kind=st.sampled_from(list(TransactionType)),
    quantity=decimals,
    price=decimals,
    fee=decimals,
    notes=texts,
    external_id=texts,
    microsecond=st.integers(0, 999_999),
)
def test_an_exported_row_parses_back_to_the_same_transaction(
    kind: TransactionType,
    quantity: Decimal,
    price: Decimal,
    fee: Decimal,
    notes: str,
    external_id: str,
    microsecond: int,
) -> None:
    trades = kind.trades_shares
    transaction = Transaction(
        id=uuid4(),
        portfolio_id=uuid4(),
        owner_id=uuid4(),
        type=kind,
        stock_id=uuid4() if trades else None,
        symbol="BRK.B" if trades else None,
        quantity=quantity if trades else None,
        price=price if trades else None,
        amount=quantity * price if trades else price,
        fee=fee,
        tax=Decimal(0),
        currency="USD",
        executed_at=datetime(2025, 1, 2, 3, 4, 5, microsecond, tzinfo=UTC),
        notes=notes or None,
        external_id=external_id or None,
        recorded_at=datetime(2025, 1, 3, tzinfo=UTC),
    )
    line = format_row(transaction)
    assert next(csv.reader(io.StringIO(line)))
    assert line.endswith("\r\n")
    rows, errors = parse_transaction_csv((HEADER + line).encode())
    assert errors == []
    (row,) = rows
    request = row.request
    assert row.line == 2
    assert request.type == kind.value
    assert request.executed_at == transaction.executed_at
    assert row.symbol == transaction.symbol
    assert request.quantity == transaction.quantity
    assert request.price == transaction.price
    assert (row.stated_amount if trades else request.amount) == transaction.amount
    assert request.fee == fee
    assert request.tax == 0
    assert request.notes == transaction.notes
    assert request.external_id == transaction.external_id
    cells = next(csv.reader(io.StringIO(line)))
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells


def _exported(notes: str) -> str:
    transaction = Transaction(
        id=uuid4(),
        portfolio_id=uuid4(),
        owner_id=uuid4(),
        type=TransactionType.DEPOSIT,
        stock_id=None,
        symbol=None,
        quantity=None,
        price=None,
        amount=Decimal(100),
        fee=Decimal(0),
        tax=Decimal(0),
        currency="USD",
        executed_at=datetime(2025, 1, 2, tzinfo=UTC),
        notes=notes,
        external_id=notes,
        recorded_at=datetime(2025, 1, 3, tzinfo=UTC),
    )
    *_, notes_cell, external_id_cell = next(csv.reader(io.StringIO(format_row(transaction))))
    assert notes_cell == external_id_cell
    return notes_cell


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("'=1", "''=1"),
        ("1=1", "1=1"),
        ("it's -1", "it's -1"),
        ("'quoted'", "'quoted'"),
    ],
)
def test_text_a_spreadsheet_would_run_is_exported_behind_an_apostrophe(
    text: str, cell: str
) -> None:
    assert _exported(text) == cell


@pytest.mark.parametrize(
    ("cell", "notes"),
    [("'=1+1", "=1+1"), ("''-x", "'-x"), ("=1+1", "=1+1"), ("'abc", "'abc"), ("'", "'")],
)
def test_import_takes_off_exactly_the_apostrophe_export_adds(cell: str, notes: str) -> None:
    rows, errors = parse_transaction_csv(
        f"executed_at,type,amount,notes\n2025-01-02,DEPOSIT,1,{cell}\n".encode()
    )
    assert errors == []
    assert rows[0].request.notes == notes
