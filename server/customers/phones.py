"""Phone numbers as people type them: searched by their digits (docs/decisions.md, 54).

Each table with phone numbers keeps their digits in a `phone_digits` column, written with the
numbers: `(312) 555-0101` is stored as `3125550101`, a contact's office, mobile and fax numbers
as their digits separated by a space. A search that looks like a phone number (`search_digits`)
matches the rows whose digits contain its digits, with one LIKE on that short column: stripping
the punctuation in SQL instead would cost a dozen `replace()` calls per number per search.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

DIGITS = frozenset("0123456789")
MIN_SEARCH_DIGITS = 3  # fewer would match nearly every number

# The phone columns of each table whose digits its `phone_digits` column keeps.
PHONE_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("phone",),
    "locations": ("contact_phone",),
    "contacts": ("office_phone", "mobile_phone", "fax"),
}


def digits(*phones: str | None) -> str | None:
    """The digits 0-9 of each number, in order, the numbers' separated by a space; None without any.

    >>> digits("(312) 555-0101", None, "+1 312.555.0199 ext. 4")
    '3125550101 131255501994'
    """
    found = ["".join(c for c in phone if c in DIGITS) for phone in phones if phone]
    return " ".join(d for d in found if d) or None


def search_digits(text: str | None) -> str | None:
    """The digits a search looks for in phone numbers: those of a text made of digits 0-9,
    spaces and punctuation only (no letter, no other script's digit) with at least
    `MIN_SEARCH_DIGITS` of them; None for any other text.

    >>> search_digits(" (312) 555-01"), search_digits("C-000158"), search_digits("55")
    ('31255501', None, None)
    """
    text = (text or "").strip()
    if not all(c in DIGITS or not c.isalnum() for c in text):
        return None
    found = "".join(c for c in text if c in DIGITS)
    return found if len(found) >= MIN_SEARCH_DIGITS else None


def digits_pattern(found: str) -> str:
    """The LIKE pattern matching a stored `phone_digits` that contains the digits (they hold no
    wildcard, and the space between two numbers keeps a match within one)."""
    return f"%{found}%"


def row_digits(table: str, row: Mapping[str, Any]) -> str | None:
    """The `phone_digits` of a row of `table` (by column name)."""
    return digits(*(row.get(name) for name in PHONE_COLUMNS[table]))


def with_digits(table: str, rows: Iterable[dict[str, Any]]) -> None:
    """Sets `phone_digits` on rows written without the models (the bench seed's bulk load)."""
    if table in PHONE_COLUMNS:
        for row in rows:
            row["phone_digits"] = row_digits(table, row)


def column_default(table: str) -> Callable[[Any], str | None]:
    """The column default of `phone_digits` for an INSERT that does not set it (Core inserts such
    as the importer's and the demo seed's): the digits of the row's numbers."""
    return lambda context: row_digits(table, context.get_current_parameters())
