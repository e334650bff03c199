"""Identifiers people type (customer numbers, location codes, item codes) are one regardless of
case: `fold` in Python and `folded` in SQL give the same key on SQLite and PostgreSQL, so a
uniqueness check, a unique index and a lookup never disagree.

Only the letters A-Z fold (SQLite's own `lower` folds nothing else, and PostgreSQL's would fold
more, by the database's locale): `fold("C-000158") == fold("c-000158")`, but `Ä` and `ä` stay
two (docs/decisions.md).
"""

from __future__ import annotations

import string
from typing import Any

from sqlalchemy import ColumnElement, Row, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# In a column's `info`: the column is such an identifier, and every lookup by it folds.
IDENTIFIER = {"identifier": True}
_UPPER, _LOWER = string.ascii_uppercase, string.ascii_lowercase
_FOLD = str.maketrans(_UPPER, _LOWER)


def is_identifier(column: Any) -> bool:
    return bool(column.info.get("identifier"))


def fold(text: str) -> str:
    """The key an identifier is unique and matched by: A-Z lowered, nothing else changed."""
    return text.translate(_FOLD)


async def holder(
    session: AsyncSession, column: Any, value: str, *where: ColumnElement[bool]
) -> Row[Any] | None:
    """The record (its `id` and identifier) whose `column` (a model attribute) is `value`
    regardless of case, among those `where` selects; None when there is none."""
    stmt = select(column.class_.id, column).where(folded(column) == fold(value), *where).limit(1)
    return (await session.execute(stmt)).first()


class folded(FunctionElement[str]):
    """`fold` in SQL: `lower(x)` on SQLite, `translate(x, 'A…Z', 'a…z')` on PostgreSQL."""

    type = String()
    name = "folded"
    inherit_cache = True


@compiles(folded)
def _lower(element: folded, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _translate(element: folded, compiler: Any, **kw: Any) -> str:
    return f"translate({compiler.process(element.clauses, **kw)}, '{_UPPER}', '{_LOWER}')"
