"""Lists that the database writes as JSON (decision 42).

A document's lines are the bulk of a large answer: `partner_graph` has 1,650 of them, and each
cost the event loop about 6 µs as Python (a record made of its row, a line object, a dict with
two money dicts and three decimals, its share of `orjson` and of freeing it all), against about
1 µs for the database to write the same line as JSON text. When the lean executor meets a list
of child rows whose selected fields all have a SQL form (`schema/fastpath/renderable.py`), it asks for the
list as one statement that gives each child's JSON object, in order, with its parent's id:

    SELECT order_lines.order_id AS parent_id, json_object('code', order_lines.code, …) AS json
    FROM order_lines JOIN orders ON orders.id = order_lines.order_id
    WHERE order_lines.order_id IN (…) ORDER BY order_lines.order_id, order_lines.position

and each parent's list becomes one `RenderedList`: the JSON text of the array, which the answer
carries as it is (`orjson.Fragment`), and the number of items, for the cost (`server/limits`).

The SQL forms (`json_object`, `decimal_text`) compile for SQLite and PostgreSQL. Amounts are
written from their integers exactly as `server/money.py` writes them; `tests/test_rendered.py`
holds the two against each other on both databases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Table, Text, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from schema.fastpath.reader import IDS, Reader
from server.batching import Loader


class RenderedList:
    """A list as the JSON text of its array, and how many items it has."""

    __slots__ = ("fragment", "count")

    def __init__(self, text: str, count: int) -> None:
        self.fragment, self.count = orjson.Fragment(text), count

    def items(self) -> list[Any]:
        return orjson.loads(orjson.dumps(self.fragment))

    def __repr__(self) -> str:
        return f"RenderedList({orjson.dumps(self.fragment).decode()!r})"


EMPTY = RenderedList("[]", 0)


def plain(value: Any) -> Any:
    """`value` with every rendered list read back as Python lists (comparing answers)."""
    if type(value) is RenderedList:
        return value.items()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


# --------------------------------------------------------------------------- SQL forms


class json_object(FunctionElement[str]):
    """A JSON object of (key, value) pairs: `json_object` on SQLite, `json_build_object` on
    PostgreSQL (as text). Keys are GraphQL response keys (names: letters, digits, `_`)."""

    type = Text()
    inherit_cache = True
    name = "json_object"

    def __init__(self, pairs: Sequence[tuple[str, ColumnElement[Any]]]) -> None:
        arguments: list[Any] = []
        for key, value in pairs:
            if not key.replace("_", "a").isalnum() or not key.isascii():
                raise ValueError(f"not a response key: {key!r}")
            arguments += [literal_column(f"'{key}'"), value]
        super().__init__(*arguments)


class json_text(FunctionElement[str]):
    """A JSON value as text: the driver gives the text, not a decoded value (asyncpg decodes
    PostgreSQL's `json`). Only the outermost object is one; nested objects stay JSON."""

    type = Text()
    inherit_cache = True
    name = "json_text"


@compiles(json_object, "sqlite")
def _json_object_sqlite(element: json_object, compiler: Any, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "postgresql")
def _json_object_postgresql(element: json_object, compiler: Any, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_text, "sqlite")
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(json_text, "postgresql")
def _json_text_postgresql(element: json_text, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(json_object)
def _json_object_other(element: json_object, compiler: Any, **kw: Any) -> str:
    raise NotImplementedError(f"json_object on {compiler.dialect.name}")


class decimal_text(FunctionElement[str]):
    """An integer in units of 10**-places as the text of its `Decimal` (`server.money.unscaled`):
    `decimal_text(-5, 2)` is '-0.05', `decimal_text(12500, 3)` is '12.500'. With `price`, a unit
    price in ten-thousandths as `money.from_price` writes it: two places unless it needs four."""

    type = Text()
    inherit_cache = True
    name = "decimal_text"

    def __init__(self, units: ColumnElement[Any], places: int, price: bool = False) -> None:
        # the places and the kind as arguments, so that they are part of the statement's cache key
        super().__init__(
            units, literal_column(str(int(places))), literal_column("1" if price else "0")
        )


def _sqlite_text(units: str, places: int) -> str:
    scale = 10**places
    return (
        f"printf('%s%d.%0{places}d', CASE WHEN {units} < 0 THEN '-' ELSE '' END, "
        f"abs({units}) / {scale}, abs({units}) % {scale})"
    )


def _postgresql_text(units: str, places: int) -> str:
    return f"CAST(round(CAST({units} AS NUMERIC) / {10**places}, {places}) AS TEXT)"


def _decimal_text(element: decimal_text, compiler: Any, write: Any, **kw: Any) -> str:
    column, places, price = element.clauses.clauses
    units = compiler.process(column, **kw)
    if price.name == "0":
        return write(units, int(places.name))
    # money.from_price: two places when the price is whole cents, else all of them
    return (
        f"CASE WHEN {units} % 100 = 0 THEN {write(f'({units}) / 100', 2)} "
        f"ELSE {write(units, int(places.name))} END"
    )


@compiles(decimal_text, "sqlite")
def _decimal_text_sqlite(element: decimal_text, compiler: Any, **kw: Any) -> str:
    return _decimal_text(element, compiler, _sqlite_text, **kw)


@compiles(decimal_text, "postgresql")
def _decimal_text_postgresql(element: decimal_text, compiler: Any, **kw: Any) -> str:
    return _decimal_text(element, compiler, _postgresql_text, **kw)


@compiles(decimal_text)
def _decimal_text_other(element: decimal_text, compiler: Any, **kw: Any) -> str:
    raise NotImplementedError(f"decimal_text on {compiler.dialect.name}")


def children_statement(
    parent: ColumnElement[int],
    order_by: Sequence[ColumnElement[Any]],
    parent_table: Table | None,
    pairs: Sequence[tuple[str, ColumnElement[Any]]],
) -> Any:
    """Each child of the parents `ids` as (parent_id, json) in order. `pairs` are over the child's
    table and, when given, `parent_table` (joined on its id)."""
    child = parent.table
    source = (
        child if parent_table is None else child.join(parent_table, parent_table.c.id == parent)
    )
    return (
        select(parent.label("parent_id"), json_text(json_object(pairs)).label("json"))
        .select_from(source)
        .where(parent.in_(IDS))
        .order_by(parent, *order_by)
    )


class RenderedChildrenLoader(Loader[int, RenderedList]):
    """Each parent's children as one `RenderedList`, for every parent of the batch in one statement."""

    def __init__(self, reader: Reader, statement: Any) -> None:
        super().__init__()
        self.reader, self.statement = reader, statement

    async def batch_load_fn(self, keys: Sequence[int]) -> list[RenderedList]:
        groups: dict[int, list[str]] = defaultdict(list)
        for parent_id, text in await self.reader.rows(self.statement, {"ids": list(set(keys))}):
            groups[parent_id].append(text)
        found = {
            parent_id: RenderedList(f"[{','.join(texts)}]", len(texts))
            for parent_id, texts in groups.items()
        }
        return [found.get(key, EMPTY) for key in keys]
