"""Reading an uploaded CSV file whole, with line numbers for every row."""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from shared_kernel.domain.errors import ErrorDetail, ImportRejected

HEADER_LINE = 1
MAX_HEADER_PROBLEMS = 100
"""The header's problems listed one by one; beyond them, one more says how many are left."""


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    """Line number in the file; the header is line 1."""
    cells: dict[str, str]
    """Cell text by column name; empty cells are left out (they mean absent)."""
    problem: str | None = None
    """What is wrong with the row's shape, if anything (its cells are then empty)."""


def read_csv(
    content: bytes, required: frozenset[str], optional: frozenset[str]
) -> Iterator[CsvRow]:
    """Decode ``content`` (UTF-8, optional BOM) and yield its data rows.

    The header must name every required column, may name optional ones, and
    nothing else; a bad header, bad UTF-8 or bad quoting rejects the whole file.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ImportRejected(
            [ErrorDetail(line=line, message="the file is not valid UTF-8")]
        ) from None
    # Strict: a quoted cell left open at the end of the file, or text after a closing
    # quote, is an error of the file, not a cell to guess the rest of.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportRejected([ErrorDetail(line=HEADER_LINE, message="the file is empty")]) from None
    except csv.Error as error:
        raise ImportRejected([_not_csv(HEADER_LINE, error)]) from None
    _check_header(header, required, optional)
    while True:
        line = reader.line_num + 1  # where the row starts (a quoted cell may span lines)
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportRejected([_not_csv(line, error)]) from None
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            yield CsvRow(line, {}, f"{len(cells)} cells for {len(header)} columns")
            continue
        yield CsvRow(
            line,
            {name: cell.strip() for name, cell in zip(header, cells, strict=False) if cell.strip()},
        )


def _not_csv(line: int, error: csv.Error) -> ErrorDetail:
    return ErrorDetail(line=line, message=f"not valid CSV: {error}")


def _check_header(header: list[str], required: frozenset[str], optional: frozenset[str]) -> None:
    counts = Counter(header)
    problems = itertools.chain(
        (
            ErrorDetail(line=HEADER_LINE, field=name, message="required column is missing")
            for name in sorted(required - counts.keys())
        ),
        (
            ErrorDetail(line=HEADER_LINE, field=name or "(blank)", message="unknown column")
            for name in header
            if name not in required and name not in optional
        ),
        (
            ErrorDetail(line=HEADER_LINE, field=name, message="column appears more than once")
            for name in sorted(name for name, count in counts.items() if count > 1)
        ),
    )
    # A header is no row: its problems are listed up to a bound. A megabyte of column
    # names made a hundred megabytes of errors, and seconds of work.
    listed = list(itertools.islice(problems, MAX_HEADER_PROBLEMS))
    more = sum(1 for _ in problems)
    if more:
        listed.append(
            ErrorDetail(line=HEADER_LINE, message=f"and {more} more problems with the header")
        )
    if listed:
        raise ImportRejected(listed)
