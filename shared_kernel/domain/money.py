"""Money, quantities and currencies: exact decimals, never floats."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation

from shared_kernel.domain.errors import InvalidInput

# Active ISO 4217 alphabetic codes (funds and precious metals excluded).
ISO_4217_CODES: frozenset[str] = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
    BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF
    IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK
    LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
    TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF
    YER ZAR ZMW ZWG
    """.split()
)

_CURRENCY_SHAPE = re.compile(r"[A-Za-z]{3}")

MAX_DECIMAL_DIGITS = 30
"""Most significant digits an input amount, price or quantity may have; at most
``MAX_DECIMAL_DIGITS - MAX_DECIMAL_PLACES`` of them before the point (the same
rule for JSON bodies, checked by pydantic, and CSV cells, by ``parse_decimal``)."""
MAX_DECIMAL_PLACES = 12
"""Most digits after the decimal point an input may have."""

EXACT = Context(prec=1_000, rounding=ROUND_HALF_EVEN)
"""For arithmetic that must not round: sums and products of inputs (at most
``MAX_DECIMAL_DIGITS`` digits each), and sums of such, stay far within its
1,000 digits. Every module that sums or multiplies amounts or quantities
exactly does so in this one context."""


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """Σ ``values`` in ``EXACT``. Python's ``sum`` (and ``+``) of decimals rounds to the
    thread's context, 28 significant digits by default: a sum of amounts with 12
    places each can have more, and rounded there first, then to the cent, it can
    be a cent off."""
    total = Decimal(0)
    for value in values:
        total = EXACT.add(total, value)
    return total


def currency_code(value: str, field_name: str = "currency") -> str:
    """Normalise and check an ISO 4217 currency code (``usd`` → ``USD``)."""
    code = value.strip()
    # Check the shape before upper-casing: "ı".upper() is "I", so "ıls" would pass as ILS.
    if not _CURRENCY_SHAPE.fullmatch(code) or code.upper() not in ISO_4217_CODES:
        raise InvalidInput.for_field(field_name, f"{value!r} is not an ISO 4217 currency code")
    return code.upper()


def finite_decimal(value: Decimal, field_name: str) -> Decimal:
    if not value.is_finite():
        raise InvalidInput.for_field(field_name, "must be a finite number")
    return value


def positive(value: Decimal, field_name: str) -> Decimal:
    if finite_decimal(value, field_name) <= 0:
        raise InvalidInput.for_field(field_name, "must be greater than 0")
    return value


def non_negative(value: Decimal, field_name: str) -> Decimal:
    if finite_decimal(value, field_name) < 0:
        raise InvalidInput.for_field(field_name, "must be greater than or equal to 0")
    return value


def unsigned_zero(value: Decimal) -> Decimal:
    """``value``, with a negative zero (``-0``, ``-0.00``) made ``0``: PostgreSQL's
    NUMERIC has no negative zero, while SQLite's text and ``str`` keep one, so
    the same input would read back differently on the two databases."""
    return value.copy_abs() if value.is_zero() else value


def is_plain_number_text(text: str) -> bool:
    """Whether ``text`` may be read as a number: Python's ``Decimal`` and ``int``
    also read underscores between digits (``1_000``) and the digits of every
    script (``١٢``, ``１２``); this API reads numbers only as written in plain
    ASCII (amounts, quantities, split terms, volumes, page sizes)."""
    return text.isascii() and "_" not in text


def decimal_from_text(text: str, field_name: str) -> Decimal:
    """A finite decimal read exactly from text (blanks around it ignored)."""
    cell = text.strip()
    try:
        value = Decimal(cell) if is_plain_number_text(cell) else None
    except InvalidOperation:
        value = None
    if value is None:
        raise InvalidInput.for_field(field_name, f"{text[:40]!r} is not a number")
    return unsigned_zero(finite_decimal(value, field_name))


def parse_decimal(text: str, field_name: str) -> Decimal:
    """Read a decimal exactly from text (a CSV cell), within the input limits."""
    value = decimal_from_text(text, field_name)
    if not value or (len(text) <= MAX_DECIMAL_PLACES and "e" not in text and "E" not in text):
        return value  # zero (whatever its exponent), or too few characters to pass either limit
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    significant = list(digits)
    while exponent < 0 and len(significant) > 1 and significant[-1] == 0:
        significant.pop()  # trailing zeros after the point do not count ("1.50" is "1.5")
        exponent += 1
    places = max(-exponent, 0)
    whole_digits = max(len(significant) + exponent, 0)
    if places > MAX_DECIMAL_PLACES or whole_digits > MAX_DECIMAL_DIGITS - MAX_DECIMAL_PLACES:
        raise InvalidInput.for_field(
            field_name,
            f"must have at most {MAX_DECIMAL_DIGITS - MAX_DECIMAL_PLACES} digits before the "
            f"point and {MAX_DECIMAL_PLACES} after it",
        )
    return value


CENT = Decimal("0.01")
RATIO_QUANTUM = Decimal("0.000001")
_REPORTING = Context(prec=200, rounding=ROUND_HALF_UP)
"""Wide enough to round any product of two inputs without overflowing the precision.
Its own ``quantize`` takes the rounding from it: a third of the time of
``Decimal.quantize`` with keywords, for every amount of every report."""


def round_money(value: Decimal) -> Decimal:
    """An amount of money as reported: to the cent, half away from zero (never ``-0.00``)."""
    return unsigned_zero(_REPORTING.quantize(value, CENT))


def round_ratio(value: Decimal) -> Decimal:
    """A return or a weight as reported: a fraction to six places (0.0694 is 6.94 %)."""
    return unsigned_zero(_REPORTING.quantize(value, RATIO_QUANTUM))


_MILLIONTHS = 10**6  # RATIO_QUANTUM's units in one


def shares_of(parts: Sequence[Decimal]) -> list[Decimal] | None:
    """Each part's share of their sum, to six places as ``round_ratio`` reports, the
    shares summing to exactly 1 (weights). Each share is rounded down, and the
    millionths that leaves go to the largest remainders, the earlier part first
    on a tie: every share is within a millionth of its exact value, where
    rounding each on its own could make the sum 0.999999. None when the parts
    sum to zero: there is nothing to share.
    """
    total = exact_sum(parts)
    if not total:
        return None
    if total < 0:  # the same shares, of a positive sum
        parts, total = [EXACT.minus(part) for part in parts], EXACT.minus(total)
    # each share in millionths, rounded down, and what that leaves, exact (in EXACT)
    divided = [EXACT.divmod(EXACT.multiply(part, _MILLIONTHS), total) for part in parts]
    shares = [int(quotient) for quotient, _ in divided]
    remainders = [remainder for _, remainder in divided]
    for index, remainder in enumerate(remainders):
        if remainder < 0:  # divmod rounds a negative share toward zero, not down
            shares[index] -= 1
            remainders[index] = EXACT.add(remainder, total)
    left_over = _MILLIONTHS - sum(shares)
    # largest first; a stable sort keeps the earlier of equal remainders first
    by_remainder = sorted(range(len(parts)), key=remainders.__getitem__, reverse=True)
    for index in by_remainder[:left_over]:
        shares[index] += 1
    return [Decimal(share).scaleb(-6) for share in shares]
