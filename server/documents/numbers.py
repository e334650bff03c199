"""Document numbers as people type them: without regard to case (docs/decisions.md, 53).

The letters a-z and A-Z match each other; every other character matches only itself, on both
databases alike. Python folds with `fold`, SQL with `folded` (SQLite's `upper()` folds only
ASCII letters; PostgreSQL's folds every script, so there it is a `translate()` of a-z).
Numbers the server gives (`IN-000123`, `SO-000042`: server/db/sequences.py) are upper case
already, so a lookup folds what it is given and the unique index on `number` serves it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

LOWER, UPPER = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FOLD = str.maketrans(LOWER, UPPER)


def fold(text: str) -> str:
    """The text with its letters a-z in upper case (and nothing else changed).

    >>> fold("po-37982 ß"), fold("In-000123")
    ('PO-37982 ß', 'IN-000123')
    """
    return text.translate(_FOLD)


class folded(GenericFunction[str]):  # noqa: N801 (an SQL function's name)
    """`fold` in SQL: the column's letters a-z in upper case."""

    type = String()
    inherit_cache = True


@compiles(folded)
def _folded(element: folded, compiler: Any, **kw: Any) -> str:
    return f"upper({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: Any, **kw: Any) -> str:
    return f"translate({compiler.process(element.clauses, **kw)}, '{LOWER}', '{UPPER}')"


def escaped_prefix(text: str) -> str:
    """The LIKE pattern (escape character `\\`) of the texts that start with `fold(text)`."""
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def starts_with(column: ColumnElement[Any], pattern: Any) -> ColumnElement[bool]:
    """The column, folded, starts as the pattern says (see `escaped_prefix`)."""
    return folded(column).like(pattern, escape="\\")


def given_number(number: str | None) -> str | None:
    """A document number as a lookup is given it, in the form the server stores: folded."""
    return fold(number.strip()) if number is not None else None

