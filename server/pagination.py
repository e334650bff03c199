"""Cursor pages: keyset pagination for top-level lists, row numbers for nested ones.

Keyset cursors hold the sort values of the last row and its id, so a page stays stable when
rows are added before it, and ties are broken by id. Nulls sort last in either direction, on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import base64
import datetime as dt
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Column, ColumnElement, Integer, Select, and_, bindparam, case, false, or_
from sqlalchemy.orm import QueryableAttribute

from server import bounds

MAX_PAGE = 250
DEFAULT_PAGE = 50
CURSOR_DEPTH = 2  # a cursor is a list of sort values, a date or time among them an object


class BadPageArgs(Exception):
    """first/last/after/before that cannot be honoured: a BAD_USER_INPUT error."""


def page_size(first: int | None, last: int | None, maximum: int = MAX_PAGE) -> tuple[int, bool]:
    """(size, backwards) from first/last; both out of 0..maximum are refused."""
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= maximum:
            raise BadPageArgs(f"`{name}` must be between 0 and {maximum}, got {value}")
    if first is not None and last is not None:
        raise BadPageArgs("pass `first` or `last`, not both")
    if last is not None:
        return last, True
    return (first if first is not None else DEFAULT_PAGE), False


def encode_cursor(values: Sequence[Any]) -> str:
    raw = orjson.dumps([_encode_value(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int | None = None) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = [
            _decode_value(v)
            for v in bounds.loads(base64.urlsafe_b64decode(padded), "cursor", CURSOR_DEPTH)
        ]
    except (ValueError, TypeError, KeyError):  # bounds.OutOfBounds too
        raise BadPageArgs(f"cursor {bounds.shown(cursor)} is not one this list gave out") from None
    if length is not None and len(values) != length:
        raise BadPageArgs(f"cursor {bounds.shown(cursor)} belongs to another sort order")
    return values


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if hasattr(value, "name") and hasattr(value, "value"):  # an enum
        return value.value
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return dt.datetime.fromisoformat(value["t"])
        return dt.date.fromisoformat(value["d"])
    if (
        isinstance(value, int) and not -(2**63) <= value < 2**63
    ):  # no column holds it: the driver would overflow
        raise ValueError("cursor value out of range")
    if isinstance(value, (str, int, float, type(None))) and not isinstance(value, bool):
        return value
    raise ValueError("unexpected cursor value")


@dataclass(frozen=True)
class SortKey:
    expression: ColumnElement[Any] | QueryableAttribute[Any]  # a column or a model attribute
    descending: bool = False

    @property
    def nullable(self) -> bool:
        """False for a NOT NULL column: its order needs no nulls-last term, so that the database
        can walk an index on it (and stop after a page) instead of sorting every row."""
        column = getattr(
            self.expression, "expression", self.expression
        )  # an ORM attribute's column
        return not (isinstance(column, Column) and column.nullable is False)


@dataclass
class KeysetPage:
    rows: list[Any]
    cursors: list[
        list[Any]
    ]  # each row's sort values and id: its cursor once encoded (`encode_cursor`)
    has_next: bool
    has_previous: bool


def keyset_select(
    stmt: Select,
    keys: Sequence[SortKey],
    id_column: ColumnElement[int],
    *,
    size: int,
    backwards: bool,
    after: str | None,
    before: str | None,
) -> tuple[Select, dict[str, Any]]:
    """`stmt` ordered by `keys` then id, limited to one page (and one row more, to see if more
    follow), and the bind parameters of the cursor's values and the limit.

    The paged statement is made once per base statement and form (direction, which cursor values
    are null): a base statement built once per shape (the lead list's) then gives a paged one
    that SQLite runs prepared (`schema/fastpath/prepared.py`), instead of one built on every request."""
    keys = [*keys, SortKey(id_column)]
    cursor = before if backwards else after
    values: list[Any] | None = None
    if cursor is not None:
        values = decode_cursor(cursor, len(keys))
        if not (isinstance(values[-1], int) and 0 <= values[-1] < 2**31):  # an id: a 32-bit column
            raise BadPageArgs(f"cursor {bounds.shown(cursor)} is not one this list gave out")
    form = None if values is None else tuple(value is None for value in values)
    made = _paged.setdefault(stmt, {})
    shape = (tuple((id(key.expression), key.descending) for key in keys), backwards, form)
    paged = made.get(shape)
    if paged is None:
        paged = made[shape] = _paged_select(stmt, keys, backwards, form)
    params: dict[str, Any] = {"page_limit": size + 1}
    if values is not None:
        params.update(
            (f"page_after_{n}", value) for n, value in enumerate(values) if value is not None
        )
    return paged, params


_paged: weakref.WeakKeyDictionary[Select, dict[Any, Select]] = weakref.WeakKeyDictionary()


def _paged_select(
    stmt: Select, keys: Sequence[SortKey], backwards: bool, form: tuple[bool, ...] | None
) -> Select:
    if form is not None:
        stmt = stmt.where(_beyond(keys, form, backwards))
    order: list[ColumnElement[Any]] = []
    for key in keys:
        descending = key.descending != backwards
        if key.nullable:
            order.append(
                case((key.expression.is_(None), 1), else_=0).desc()
                if backwards
                else case((key.expression.is_(None), 1), else_=0).asc()
            )
        order.append(key.expression.desc() if descending else key.expression.asc())
    return stmt.order_by(*order).limit(bindparam("page_limit", type_=Integer))


def _beyond(keys: Sequence[SortKey], nulls: Sequence[bool], backwards: bool) -> ColumnElement[bool]:
    """Rows strictly after (or, backwards, before) the cursor in the sort order, nulls last; the
    cursor's n-th value is the bind parameter `page_after_<n>` (none for its null values)."""
    alternatives: list[ColumnElement[bool]] = []
    equal_so_far: list[ColumnElement[bool]] = []
    for n, (key, null) in enumerate(zip(keys, nulls, strict=True)):
        expr = key.expression
        forward_greater = (not key.descending) != backwards
        if null:
            # Only other nulls tie with a null; nothing sorts after the nulls going forward.
            if backwards:
                alternatives.append(and_(*equal_so_far, expr.is_not(None)))
            equal_so_far.append(expr.is_(None))
            continue
        bound = bindparam(f"page_after_{n}", type_=expr.type)
        step = expr > bound if forward_greater else expr < bound
        if not backwards and key.nullable:
            step = or_(step, expr.is_(None))
        alternatives.append(and_(*equal_so_far, step))
        equal_so_far.append(expr == bound)
    return or_(*alternatives) if alternatives else false()


def keyset_page(
    rows: Sequence[Any], size: int, backwards: bool, key_of: Any, *, had_cursor: bool
) -> KeysetPage:
    """Shapes the rows of `keyset_select` into a page; `key_of(row)` gives its sort values + id."""
    more = len(rows) > size
    rows = list(rows[:size])
    if backwards:
        rows.reverse()
    cursors = [key_of(row) for row in rows]  # encoded only for the cursors a client asks for
    if backwards:
        return KeysetPage(rows, cursors, has_next=had_cursor, has_previous=more)
    return KeysetPage(rows, cursors, has_next=more, has_previous=had_cursor)


def offset_cursor(offset: int) -> str:
    return encode_cursor(["o", offset])


def offset_from(after: str | None) -> int:
    """The row number a nested list's `after` cursor points at (0 without one)."""
    if after is None:
        return 0
    values = decode_cursor(after, 2)
    if values[0] != "o" or not isinstance(values[1], int) or values[1] < 0:
        raise BadPageArgs(f"cursor {bounds.shown(after)} is not one this list gave out")
    return values[1]
