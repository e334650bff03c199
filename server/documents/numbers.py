"""Document numbers as people type them: without regard to case (docs/decisions.md, 55).

The letters a-z and A-Z match each other; every other character matches only itself, on both
databases alike: the rule of every identifier people type, `fold` in Python and `folded` in SQL
(server/db/identity.py). Numbers the server gives (`IN-000123`, `SO-000042`:
server/db/sequences.py) are upper case, so a lookup by number writes what it is given that way
(`given_number`) and the unique index on `number` serves it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from server.db.identity import fold, folded

__all__ = ["escaped_prefix", "fold", "folded", "given_number", "starts_with"]
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def escaped_prefix(text: str) -> str:
    """The LIKE pattern (escape character `\\`) of the texts that start with `fold(text)`."""
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def starts_with(column: ColumnElement[Any], pattern: Any) -> ColumnElement[bool]:
    """The column, folded, starts as the pattern says (see `escaped_prefix`)."""
    return folded(column).like(pattern, escape="\\")


def given_number(number: str | None) -> str | None:
    """A document number as a lookup is given it, in the form the server writes: a-z in upper case.

    >>> given_number(" in-000123 "), given_number("po-37982 ß")
    ('IN-000123', 'PO-37982 ß')
    """
    return number.strip().translate(_UPPER) if number is not None else None
