"""Fields computed from an object's row, declared once for both executors.

The objects that a page makes by the hundred (lines, documents, locations, customers) hold
their row, not their fields. A field declared here is one Python expression over `row` (the
object's record), `obj` (the object: what its parent gave it, such as a line's currency) and
`base` (the base currency), with the helpers of `NAMES`:

    code: str = row_field("row.code")
    net_amount: Money = money_field("row.net_minor", "obj.currency")

A field may also read what a loader gives (`loaded_field`, `loaded_money`): `load` is an
expression over the same names and `ctx` (the request context) whose value is the loaded value
or a pending load (`server/loaders.py` `ready`), and the field's expression reads it as `it`:

    order_count: int = loaded_field(ORDERS, "it.count")

Strawberry resolves such a field with a resolver compiled from the expression. The lean
executor (schema/fastpath/lean.py) writes the expression into the generated walk of each selection set
instead: only the selected fields are computed, with no call per field, and a Money field
selected as `{ amount currency }` becomes its dict directly, without a Money object. The fields
of one object that read the same load share it: one load, and when it is pending one entry for
the next level that fills them all.
`tests/conftest.py` runs every query of the test suite through both executors and compares the
answers, which keeps the two readings of one declaration equal.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.types import Info

from schema.base import address_of, global_id, money_of, money_or_none, price_of, then
from server import money

# What an expression may call, besides builtins.
NAMES: dict[str, Any] = {
    "gid": global_id,
    "address": address_of,
    "money_of": money_of,
    "money_or_none": money_or_none,
    "price_of": price_of,
    "from_minor": money.from_minor,
    "from_price": money.from_price,
    "unscaled": money.unscaled,
    "QUANTITY": money.QUANTITY,
    "RATE": money.RATE,
}
# The names an expression reads from its object, and how each is bound.
SOURCES = ("row", "obj", "base")


@dataclass(frozen=True)
class Expression:
    """A field's value as Python over `row`, `obj` and `base`; a Money field also gives its parts
    (`units` in minor units, or ten-thousandths for a `price`, and `currency`)."""

    text: str
    units: str | None = None
    currency: str | None = None
    price: bool = False
    load: str | None = None  # what the field reads as `it`: a loaded value, or a pending load
    # The kind of row that `it` is, when the answer depends on that row alone (a reference): the
    # lean walk answers each such row once per request and field and shares the answer (the users
    # of a lead page), and reads a small table's rows whole when the request starts.
    reference: str | None = None

    @property
    def shared(self) -> bool:
        return self.reference is not None

    def names(self) -> tuple[set[str], set[str]]:
        """The names its texts read, and those they bind themselves (a comprehension's variable)."""
        read: set[str] = set()
        bound: set[str] = set()
        for text in (self.text, self.units, self.currency, self.load):
            for node in ast.walk(ast.parse(text or "None", mode="eval")):
                if isinstance(node, ast.Name):
                    (bound if isinstance(node.ctx, ast.Store) else read).add(node.id)
        return read, bound

    def sources(self) -> set[str]:
        return self.names()[0] & set(SOURCES)


def row_field(text: str, *, description: str | None = None, name: str | None = None) -> Any:
    """A field whose value is `text`, a Python expression over `row`, `obj` and `base`."""
    return _field(Expression(text), description, name)


def money_field(
    units: str,
    currency: str,
    *,
    price: bool = False,
    description: str | None = None,
    name: str | None = None,
) -> Any:
    """A Money field from an integer `units` (minor units; ten-thousandths with `price`), null when
    it is None, in `currency`."""
    text = f"{'price_of' if price else 'money_or_none'}({units}, {currency})"
    return _field(Expression(text, units, currency, price), description, name)


def loaded_field(
    load: str,
    text: str,
    *,
    description: str | None = None,
    name: str | None = None,
    reference: str | None = None,
) -> Any:
    """A field whose value is `text` over `it`, the value `load` gives (see the module's docs).
    `reference`: `it` is a row of this kind and the value depends on that row alone."""
    return _field(Expression(text, load=load, reference=reference), description, name)


def loaded_money(
    load: str, units: str, currency: str, *, description: str | None = None, name: str | None = None
) -> Any:
    """A Money field from minor `units` over `it`, the value `load` gives; null when None."""
    return _field(
        Expression(f"money_or_none({units}, {currency})", units, currency, load=load),
        description,
        name,
    )


def expression_names(**names: Any) -> None:
    """Adds helpers that expressions may call; before the fields that call them are declared."""
    clash = set(names) & (set(NAMES) | set(SOURCES))
    if clash:
        raise ValueError(f"expression names already taken: {sorted(clash)}")
    NAMES.update(names)


def _field(expression: Expression, description: str | None, name: str | None) -> Any:
    return strawberry.field(
        resolver=_resolver(expression),
        description=description,
        name=name,
        metadata={"lean": expression},
    )


def _unknown_names(expression: Expression) -> set[str]:
    """The names an expression reads that it may not: not a source, a helper, a builtin or a name
    it binds itself."""
    read, bound = expression.names()
    allowed = set(SOURCES) | ({"it", "ctx"} if expression.load is not None else set())
    return read - bound - allowed - set(NAMES) - set(dir(builtins))


def _resolver(expression: Expression) -> Any:
    """`resolve(self, info)` evaluating the expression; no return annotation, so that the type is
    the field's own annotation. An expression reading a name it may not fails here, at import."""
    unknown = _unknown_names(expression)
    if unknown:
        raise NameError(
            f"{expression.text!r} reads {sorted(unknown)}: not row, obj, base or a helper "
            "registered with expression_names()"
        )
    used = expression.sources()
    lines = ["def resolve(self, info: Info):"]
    if "row" in used:
        lines.append("    row = self.row")
    if "obj" in used:
        lines.append("    obj = self")
    if "base" in used:
        lines.append("    base = info.context.settings.base_currency")
    if expression.load is None:
        lines.append(f"    return {expression.text}")
    else:
        lines.append("    ctx = info.context")
        lines.append(f"    return then({expression.load}, lambda it: {expression.text})")
    namespace: dict[str, Any] = {**NAMES, "Info": Info, "then": then, "__name__": __name__}
    exec(compile("\n".join(lines), f"<field {expression.text}>", "exec"), namespace)
    return namespace["resolve"]
