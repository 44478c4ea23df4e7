"""The CSV format of transaction import and export (API.md "Transactions").

``executed_at,type,symbol,quantity,price,amount,fee,tax,notes,external_id``:
UTF-8, comma separated, header required, columns in any order, empty cells
mean absent. ``executed_at`` is an ISO 8601 timestamp (UTC when it has no
offset) or a date (midnight UTC). Exported rows carry ``amount`` for every
type; on import, a BUY or SELL ``amount`` must equal quantity × price.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, so an exported note could run one on the reader's machine. Export
puts an apostrophe before every ``notes`` or ``external_id`` that starts,
after any apostrophes, with one of them (``=1+1`` → ``'=1+1``), and import
takes exactly one such apostrophe off again: text survives the round trip
unchanged, and a spreadsheet shows it as text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from contexts.transaction.domain.transaction import Transaction, TransactionInput
from shared_kernel.application.csv_table import read_csv
from shared_kernel.domain.dates import is_timestamp_text
from shared_kernel.domain.errors import DomainError, ErrorDetail, InvalidInput
from shared_kernel.domain.money import decimal_from_text, parse_decimal

TRANSACTION_CSV_COLUMNS = (
    "executed_at",
    "type",
    "symbol",
    "quantity",
    "price",
    "amount",
    "fee",
    "tax",
    "notes",
    "external_id",
)
_REQUIRED = frozenset({"executed_at", "type"})
_OPTIONAL = frozenset(TRANSACTION_CSV_COLUMNS) - _REQUIRED
_DECIMAL_COLUMNS = ("quantity", "price", "amount", "fee", "tax")
_FORMULA_STARTS = ("=", "+", "-", "@")


def _looks_like_a_formula(text: str) -> bool:
    """Whether ``text``, after any leading apostrophes, starts as a formula does."""
    return text.lstrip("'").startswith(_FORMULA_STARTS)


def _text_cell(text: str | None) -> str:
    """``text`` as an export cell no spreadsheet takes for a formula."""
    if text is None:
        return ""
    return "'" + text if _looks_like_a_formula(text) else text


def _text_from_cell(cell: str | None) -> str | None:
    """The text that ``_text_cell`` wrote as ``cell``."""
    if cell is not None and cell.startswith("'") and _looks_like_a_formula(cell):
        return cell[1:]
    return cell


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    symbol: str | None
    request: TransactionInput
    """The row as a request (its stock is named by ``symbol``, not yet by id)."""
    stated_amount: Decimal | None = None
    """The ``amount`` cell of a BUY or SELL, to check against quantity × price."""


def parse_timestamp(text: str) -> datetime:
    try:
        if not is_timestamp_text(text):
            raise ValueError(text)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput.for_field(
            "executed_at", "must be an ISO 8601 timestamp or a date YYYY-MM-DD"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _stated_amount(text: str) -> Decimal:
    """The ``amount`` cell of a BUY or SELL, read without the input limits: it is only
    compared with quantity × price, whose exact product (as exported) may have twice
    the digits an input may have."""
    return decimal_from_text(text, "amount")


def _row(line: int, cells: dict[str, str]) -> ParsedRow:
    for name in sorted(_REQUIRED):
        if name not in cells:
            raise InvalidInput.for_field(name, "is required")
    trades = cells["type"].strip().upper() in ("BUY", "SELL")
    numbers: dict[str, Decimal] = {}
    for name in _DECIMAL_COLUMNS:
        if name in cells:
            derived = trades and name == "amount"
            numbers[name] = (
                _stated_amount(cells[name]) if derived else parse_decimal(cells[name], name)
            )
    # The amount of a trade is computed: the row's is only checked against it.
    stated_amount = numbers.pop("amount", None) if trades else None
    request = TransactionInput(
        type=cells["type"],
        executed_at=parse_timestamp(cells["executed_at"]),
        quantity=numbers.get("quantity"),
        price=numbers.get("price"),
        amount=numbers.get("amount"),
        fee=numbers.get("fee", Decimal(0)),
        tax=numbers.get("tax", Decimal(0)),
        notes=_text_from_cell(cells.get("notes")),
        external_id=_text_from_cell(cells.get("external_id")),
    )
    return ParsedRow(line, cells.get("symbol"), request, stated_amount)


def parse_transaction_csv(content: bytes) -> tuple[list[ParsedRow], list[ErrorDetail]]:
    """Every well-formed row, and a problem for every other one (header problems raise)."""
    rows: list[ParsedRow] = []
    errors: list[ErrorDetail] = []
    for row in read_csv(content, _REQUIRED, _OPTIONAL):
        try:
            if row.problem:
                raise InvalidInput(row.problem)
            rows.append(_row(row.line, row.cells))
        except DomainError as error:
            errors += [
                ErrorDetail(line=row.line, field=e.field, message=e.message) for e in error.errors
            ] or [ErrorDetail(line=row.line, message=error.detail)]
    if not rows and not errors:
        errors.append(ErrorDetail(line=2, message="the file has no data rows"))
    return rows, errors


def _number_cell(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def format_row(transaction: Transaction) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(
        [
            transaction.executed_at.isoformat().replace("+00:00", "Z"),
            transaction.type.value,
            transaction.symbol or "",
            _number_cell(transaction.quantity),
            _number_cell(transaction.price),
            _number_cell(transaction.amount),
            _number_cell(transaction.fee),
            _number_cell(transaction.tax),
            _text_cell(transaction.notes),
            _text_cell(transaction.external_id),
        ]
    )
    return buffer.getvalue()
