"""Which selections of a list of child rows the database can write as JSON (`rendered`).

A list field declares that it may be rendered with `rendered(relation, obj=…)`: its items are
the child rows of `relation` (server/loaders.py `CHILD_ROWS`), and `obj.<name>` of an item (what
its parent gives it, such as a line's currency) is the parent row's column `<name>`. The lean
executor asks `statement()` for each selection of such a field: a statement when every selected
field has a SQL form, else None and the list is made in Python as usual.

A field has a SQL form when its declaration (schema/fields.py) is one of:

- `row_field("row.<column>")` or `"obj.<name>"` of a String or ID field over a text column, or of
  an enum field over an enum column stored by member name;
- `row_field("unscaled(row.<column>, QUANTITY)")` (or `RATE`) of a Decimal field;
- `money_field("row.<column>", "obj.<name>")` (with or without `price`) selected as
  `{ amount currency __typename }` or part of it;
- `__typename`.

and a non-null field reads a NOT NULL column. Anything else (a resolver, a load, a nullable
money column) is not rendered. The standard executor never renders, so the differential check
of the test suite (`tests/conftest.py`) compares every rendered list with the Python one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLScalarType
from sqlalchemy import Column, Enum, Integer, String, Table, literal_column

from schema.fastpath.rendered import children_statement, decimal_text, json_object
from server import money
from server.loaders import CHILD_ROWS

if TYPE_CHECKING:
    from schema.fields import Expression


class FieldPlan(Protocol):
    """What is read of the lean executor's plan of a field (`lean.FieldPlan`)."""

    key: str
    name: str
    definition: Any
    complete: Any
    expression: Expression | None


class Plan(Protocol):
    """What is read of the lean executor's plan of a selection set (`lean.Plan`)."""

    type_name: str
    fields: list[Any]  # of FieldPlan


PLACES = {"QUANTITY": money.QUANTITY, "RATE": money.RATE}
# A function takes at most 100 arguments on PostgreSQL (127 on SQLite): more keys (aliases of the
# same fields) are made in Python.
MAX_PAIRS = 50


@dataclass(frozen=True)
class Rendered:
    relation: str  # a key of server.loaders.CHILD_ROWS
    obj: tuple[tuple[str, str], ...] = ()  # (name, the parent's column): what `obj.<name>` reads


def rendered(relation: str, **obj: str) -> dict[str, Rendered]:
    """Field metadata: the list's items are the child rows of `relation`; `obj.<name>` of each is
    the parent row's column given for `<name>`."""
    if relation not in CHILD_ROWS:
        raise KeyError(f"{relation!r} is not one of server.loaders.CHILD_ROWS")
    return {"rendered": Rendered(relation, tuple(obj.items()))}


# Statements by selection: two fields selecting the same (a fragment used by two tabs) share
# one, and so one loader and one batch. Bounded: aliases make selections without end.
_MADE: dict[tuple[Any, ...], Any] = {}
MADE_LIMIT = 512


def statement(spec: Rendered, plan: Plan) -> Any | None:
    """The statement writing each item of `plan`'s selection as JSON, or None when a selected
    field has no SQL form."""
    key = (spec, plan.type_name, tuple((fp.key, fp.name, _selected(fp)) for fp in plan.fields))
    if key not in _MADE:
        if len(_MADE) >= MADE_LIMIT:
            del _MADE[next(iter(_MADE))]
        _MADE[key] = _statement(spec, plan)
    return _MADE[key]


def _selected(fp: FieldPlan) -> tuple[tuple[str, str], ...] | None:
    nested = getattr(fp.complete, "plan", None)
    return None if nested is None else tuple((f.key, f.name) for f in nested.fields)


def _statement(spec: Rendered, plan: Plan) -> Any | None:
    parent, order_by = CHILD_ROWS[spec.relation]
    parent_table = next(iter(parent.foreign_keys)).column.table
    columns = _Columns(parent.table, parent_table, dict(spec.obj))
    pairs = []
    for fp in plan.fields:
        value = _value(fp, plan, columns)
        if value is None:
            return None
        pairs.append((fp.key, value))
    if len(pairs) > MAX_PAIRS:
        return None
    return children_statement(parent, order_by, parent_table if columns.joined else None, pairs)


class _Columns:
    """The columns an expression may name: `row.<column>` of the child, `obj.<name>` of the parent."""

    def __init__(self, child: Table, parent: Table, obj: dict[str, str]) -> None:
        self.child, self.parent, self.obj = child, parent, obj
        self.joined = False

    def of(self, node: ast.expr) -> Column[Any] | None:
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            return None
        if node.value.id == "row":
            return self.child.c.get(node.attr)
        if node.value.id == "obj" and node.attr in self.obj:
            self.joined = True
            return self.parent.c.get(self.obj[node.attr])
        return None


def _value(fp: FieldPlan, plan: Plan, columns: _Columns) -> Any | None:
    if fp.name == "__typename":
        return literal_column(f"'{plan.type_name}'")
    expression = fp.expression
    if expression is None or expression.load is not None:
        return None
    non_null = isinstance(fp.definition.type, GraphQLNonNull)
    if expression.units is not None:
        return _money(fp, columns)
    node = ast.parse(expression.text, mode="eval").body
    named = fp.definition.type.of_type if non_null else fp.definition.type
    if isinstance(node, ast.Call):  # unscaled(row.<column>, QUANTITY)
        if not (
            isinstance(node.func, ast.Name)
            and node.func.id == "unscaled"
            and len(node.args) == 2
            and isinstance(node.args[1], ast.Name)
            and node.args[1].id in PLACES
            and isinstance(named, GraphQLScalarType)
            and named.name == "Decimal"
        ):
            return None
        column = _readable(columns.of(node.args[0]), non_null, Integer)
        return None if column is None else decimal_text(column, PLACES[node.args[1].id])
    column = columns.of(node)
    if isinstance(named, GraphQLScalarType) and named.name in ("String", "ID"):
        return (
            None
            if column is None or isinstance(column.type, Enum)
            else _readable(column, non_null, String)
        )
    if isinstance(named, GraphQLEnumType) and column is not None and isinstance(column.type, Enum):
        stored = getattr(column.type, "enum_class", None)
        # stored by member name (SQLAlchemy's default), and the GraphQL enum names the same members
        names = list(column.type.enums)
        if stored is None or names != [m.name for m in stored] or set(named.values) != set(names):
            return None
        return _readable(column, non_null, Enum)
    return None


def _readable(column: Column[Any] | None, non_null: bool, kind: type) -> Column[Any] | None:
    """The column when it is of the kind and, for a non-null field, NOT NULL."""
    if column is None or not isinstance(column.type, kind) or (non_null and column.nullable):
        return None
    return column


def _money(fp: FieldPlan, columns: _Columns) -> Any | None:
    expression = fp.expression
    nested = getattr(fp.complete, "plan", None)
    assert (
        expression is not None and expression.units is not None and expression.currency is not None
    )
    if nested is None or nested.type_name != "Money":
        return None
    # a null amount would need the Python path's null (or its error for a non-null field)
    units = _readable(columns.of(ast.parse(expression.units, mode="eval").body), True, Integer)
    currency = _readable(columns.of(ast.parse(expression.currency, mode="eval").body), True, String)
    if units is None or currency is None:
        return None
    parts = {
        "amount": decimal_text(
            units, money.PRICE if expression.price else money.MINOR, expression.price
        ),
        "currency": currency,
        "__typename": literal_column("'Money'"),
    }
    if any(f.name not in parts for f in nested.fields):
        return None
    return json_object([(f.key, parts[f.name]) for f in nested.fields])
