"""Exact money and quantities: the one place that converts and rounds.

The database holds integers: money in minor units (cents, `*_minor`), unit prices and costs
in ten-thousandths (`*_e4`), quantities in thousandths (`*_e3`), exchange rates in units of
10**-8 (`*_e8`) and tax rates as percent in ten-thousandths (`*_e4`). Python holds `Decimal`;
the wire holds strings. Rounding is always half-even, and a `float` is refused outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

MINOR = 2  # decimal places of money
PRICE = 4  # decimal places of unit prices and costs
QUANTITY = 3
RATE = 8  # decimal places of exchange rates
TAX_RATE = 4  # decimal places of tax percentages

MAX_DIGITS = (
    28  # of a decimal on input, both parts together: Decimal's precision, so nothing rounds
)
CANONICAL = re.compile(
    r"-?[0-9]+(?:\.[0-9]+)?"
)  # SPEC §1, matched whole; [0-9] is ASCII, unlike \d
# Money (and every computed amount: a line's net and cost, a document's total, its base amount)
# stays below 100,000,000,000.00. Stored as BIGINT minor units (at most 9,223,372,036,854,775,807),
# 922,337 amounts at the maximum still add up without overflow: SQLite's sum() fails past BIGINT.
MAX_MINOR = 10**13
MAX_RATE_E8 = 10**17  # exchange rates below 1,000,000,000: a rate is a BIGINT in units of 10**-8


class MoneyError(ValueError):
    """A value that cannot be exact money: too many places, not a number, out of range."""


def parse(text: str) -> Decimal:
    """A decimal from its one canonical text (SPEC §1): `-?[0-9]+(\\.[0-9]+)?` as a whole, ASCII
    digits, at most MAX_DIGITS of them. No exponent, `_`, `+`, blank or other script's digit.

    >>> parse("-12.50")
    Decimal('-12.50')
    """
    if not CANONICAL.fullmatch(text):
        raise MoneyError(
            "not a decimal number: write digits with an optional leading - and decimal point, "
            'such as "-1234.50"'
        )
    digits = len(text) - text.startswith("-") - ("." in text)
    if digits > MAX_DIGITS:
        raise MoneyError(f"a decimal has at most {MAX_DIGITS} digits, this one {digits}")
    return Decimal(text)


def to_decimal(value: Decimal | int | str) -> Decimal:
    """A `Decimal` from a canonical string, an int or a Decimal; floats are refused, they are
    never exact."""
    if isinstance(value, float):
        raise TypeError("money never passes through a float; pass a str or Decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        result = parse(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= 10**MAX_DIGITS:
            raise MoneyError(f"a decimal has at most {MAX_DIGITS} digits")
        result = Decimal(value)
    else:
        raise TypeError(f"expected str, int or Decimal, not {type(value).__name__}")
    if not result.is_finite():
        raise MoneyError(f"{value!r} is not a finite number")
    return result


def limit(places: int) -> int:
    """The bound (exclusive) of a value in units of 10**-places: money's maximum, or a rate's."""
    return MAX_RATE_E8 if places == RATE else MAX_MINOR * 10 ** max(0, places - MINOR)


def within(minor: int) -> bool:
    """Whether an amount in minor units is within money's maximum (either sign)."""
    return -MAX_MINOR < minor < MAX_MINOR


MAXIMUM = Decimal(MAX_MINOR - 1).scaleb(-MINOR)  # 99999999999.99


def scaled(value: Decimal | int | str, places: int, *, exact: bool = True) -> int:
    """An integer in units of 10**-places.

    With `exact`, a value with more places is refused: `scaled("1.005", 2)` raises, so input is
    never rounded silently. Without it, rounds half-even: `scaled("1.005", 2, exact=False) == 100`.
    """
    number = to_decimal(value)
    bound = limit(places)
    if number.adjusted() >= MAX_DIGITS:  # before scaleb, which would overflow on 1E+999999
        raise _out_of_range(number, bound, places)
    shifted = number.scaleb(places)
    rounded = shifted.to_integral_value(rounding=ROUND_HALF_EVEN)
    if exact and rounded != shifted:
        raise MoneyError(f"{number} has more than {places} decimal places")
    result = int(rounded)
    if abs(result) >= bound:
        raise _out_of_range(number, bound, places)
    return result


def _out_of_range(number: Decimal, bound: int, places: int) -> MoneyError:
    top = unscaled(bound - 1, places)
    return MoneyError(f"{number} is out of range: it must be between -{top} and {top}")


def unscaled(units: int, places: int) -> Decimal:
    """The `Decimal` of an integer in units of 10**-places: `unscaled(30, 2) == Decimal("0.30")`."""
    return Decimal(units if type(units) is int else int(units)).scaleb(-places)


def to_minor(value: Decimal | int | str) -> int:
    return scaled(value, MINOR)


def from_minor(minor: int) -> Decimal:
    return Decimal(minor if type(minor) is int else int(minor)).scaleb(-MINOR)


_PRICE_TO_MINOR = 10 ** (PRICE - MINOR)


def from_price(units: int) -> Decimal:
    """A unit price or cost, shown with two places unless it needs more: 12.50, 0.0125."""
    units = units if type(units) is int else int(units)
    if units % _PRICE_TO_MINOR == 0:
        return Decimal(units // _PRICE_TO_MINOR).scaleb(-MINOR)
    return Decimal(units).scaleb(-PRICE)


def round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-even, in integers (exact for any size)."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def to_base_minor(minor: int, fx_rate_e8: int | None) -> int:
    """A document amount in the base currency, rounded half-even to the cent.

    The rate is base units per one unit of the document's currency: 100.00 EUR at 1.1 is
    110.00 USD. Without a rate the document is already in the base currency.
    """
    if fx_rate_e8 is None:
        return minor
    return round_div(minor * fx_rate_e8, 10**RATE)


@dataclass(frozen=True, slots=True)
class LineAmounts:
    net_minor: int
    tax_minor: int
    cost_minor: int | None


def line_amounts(
    quantity_e3: int, unit_price_e4: int, tax_rate_e4: int, unit_cost_e4: int | None
) -> LineAmounts:
    """SPEC §1: net = quantity x unit price, tax = net x rate %, cost = quantity x unit cost, each
    rounded half-even to the cent. 3 x 0.3333 = 0.9999 -> 1.00."""
    shift = 10 ** (QUANTITY + PRICE - MINOR)
    net = round_div(quantity_e3 * unit_price_e4, shift)
    tax = round_div(net * tax_rate_e4, 100 * 10**TAX_RATE)
    cost = None if unit_cost_e4 is None else round_div(quantity_e3 * unit_cost_e4, shift)
    return LineAmounts(net, tax, cost)


def percent(numerator: int, denominator: int) -> float | None:
    """numerator / denominator x 100 from exact integers, turned into a float only at the end."""
    if denominator == 0:
        return None
    return float(Decimal(numerator * 100) / Decimal(denominator))
