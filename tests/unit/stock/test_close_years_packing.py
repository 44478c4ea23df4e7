"""The byte layout of ``stock_close_years``: what is packed unpacks unchanged, on any machine."""

from __future__ import annotations

from array import array
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from contexts.stock.infrastructure.close_years import (
    pack_closes,
    pack_dates,
    unpack_closes,
    unpack_dates,
)

closes = st.decimals(
    min_value=Decimal("0.000000000001"), max_value=Decimal("1e15"), allow_nan=False, places=None
)


@given(st.lists(st.dates(), max_size=400))
def test_dates_unpack_to_their_ordinals(days: list[date]) -> None:
    packed = pack_dates(days)

    assert len(packed) == 4 * len(days)
    assert unpack_dates(packed) == array("i", [day.toordinal() for day in days])


@given(st.lists(closes, max_size=400))
def test_closes_unpack_to_the_nearest_floats(values: list[Decimal]) -> None:
    packed = pack_closes(values)

    assert len(packed) == 8 * len(values)
    assert unpack_closes(packed).tolist() == [float(value) for value in values]


def test_the_layout_is_little_endian() -> None:
    assert pack_dates([date(1, 1, 1), date(1, 1, 2)]) == b"\x01\x00\x00\x00\x02\x00\x00\x00"
    assert pack_closes([Decimal("1.5")]) == b"\x00\x00\x00\x00\x00\x00\xf8\x3f"


def test_nothing_packs_to_nothing() -> None:
    assert pack_dates([]) == pack_closes([]) == b""
    assert unpack_dates(b"") == array("i")
    assert unpack_closes(b"") == array("d")
