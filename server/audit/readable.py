"""The audit log as the API speaks it: the one place its stored form is translated.

Services store changes by column, as they wrote them (`{"sales_rep_id": [3, 2],
"credit_limit_minor": [500000, 750000]}`; a bulk change as `[{"id": 6, "version": 3, "fields":
{...}}]`), and `revertChange` reads that form back. A reader sees them in the API's words:

    {"salesRep": ["ann@example.com", "bob@example.com"], "creditLimit": ["5000.00", "7500.00"],
     "billingAddress.city": [null, "Dayton"], "status": ["ACTIVE", "ON_HOLD"]}

and a bulk entry as `{"id": <global ID>, "number": "C-000006", "version": 3, "fields": {...}}`.
A column is shown under its GraphQL field: the name its tag gives (`read_needs(..., field=)`),
else `RENAMED`'s, else the rule of `_derived`. References are shown by what people know them
by (`LABELS`), money and scaled numbers as decimal strings, enums by name (the GraphQL name).
Keys that are not columns (`"password"`, `"applications"`) are API words already, or are
renamed by `RENAMED`. What the reader may not read is left out by field name
(`policy.hidden_fields`), in one-record events and in each record of a bulk one.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from server import money
from server.access import policy
from server.access.models import Role
from server.batching import Loader
from server.db.base import ADDRESS_PARTS
from server.ids import global_id_text

if TYPE_CHECKING:
    from server.loaders import Loaders

Ref = tuple[str, int]  # (model, primary key) of a record the log refers to
Labels = dict[Ref, Any]  # a record's label (`LABELS`), None when it is gone

# What people know a record by: its model's column shown in its place.
LABELS = {
    "Customer": "number",
    "Location": "code",
    "Item": "code",
    "PaymentTerms": "code",
    "User": "email",
    "Invoice": "number",
    "Order": "number",
    "Payment": "number",
    "Lead": "number",
    "LeadProgram": "name",
    "LeadSource": "name",
}

# Stored keys whose GraphQL field the rule does not derive, per model.
RENAMED: dict[str, dict[str, str]] = {
    "Invoice": {
        "net_minor": "netAmount",
        "tax_minor": "taxAmount",
        "total_minor": "totalAmount",
        "total": "totalAmount",
        "paid_minor": "amountPaid",
    },
    "Order": {
        "net_minor": "netValue",
        "net": "netValue",
        "tax_minor": "taxValue",
        "total_minor": "totalValue",
    },
    "Payment": {
        "received_minor": "receivedAmount",
        "amount": "receivedAmount",
        "applied_minor": "appliedAmount",
    },
    "InvoiceLine": {"net_minor": "netAmount", "tax_minor": "taxAmount"},
    "OrderLine": {"net_minor": "netAmount", "tax_minor": "taxAmount"},
    "ApiToken": {"user_id": "owner"},
    "Note": {"reminder_due_at": "reminder.dueAt", "reminder_title": "reminder.title"},
}

ADDRESSES = {"billing": "billingAddress", "shipping": "shippingAddress", "address": "address"}
PRICES = frozenset({"unit_price_e4", "unit_cost_e4"})  # shown as the API shows prices
SCALED = re.compile(r"_e(\d)$")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _derived(column: str) -> str:
    """`billing_postal_code` -> `billingAddress.postalCode`, `sales_rep_id` -> `salesRep`,
    `credit_limit_minor` -> `creditLimit`, `unit_price_e4` -> `unitPrice`, `due_on` -> `dueDate`."""
    prefix, _, part = column.partition("_")
    if prefix in ADDRESSES and part in ADDRESS_PARTS:
        return f"{ADDRESSES[prefix]}.{camel(part)}"
    stem = SCALED.sub("", column)
    for suffix, instead in (("_minor", ""), ("_id", ""), ("_on", "_date")):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)] + instead
            break
    return camel(stem)


Convert = Callable[[Any, Labels], Any]


def _same(value: Any, _labels: Labels) -> Any:
    return value


def _reference(kind: str) -> Convert:
    def label(value: Any, labels: Labels) -> Any:
        if not _is_int(value):
            return value
        label = labels.get((kind, value))
        return global_id_text(kind, value) if label is None else label

    return label


def _scaled(to_decimal: Callable[[int], Any]) -> Convert:
    def decimal(value: Any, _labels: Labels) -> Any:
        return str(to_decimal(value)) if _is_int(value) else value

    return decimal


def _is_int(value: Any) -> bool:
    return type(value) is int


def _converter(column: Any) -> tuple[Convert, str | None]:
    """How a stored value of the column is shown, and the model it refers to (if any)."""
    name = column.name
    for key in column.foreign_keys:
        kind = _model_of_table(key.column.table.name)
        if kind in LABELS:
            return _reference(kind), kind
    if name.endswith("_minor"):
        return _scaled(money.from_minor), None
    if name in PRICES:
        return _scaled(money.from_price), None
    scaled = SCALED.search(name)
    if scaled:
        places = int(scaled.group(1))
        return _scaled(lambda units: money.unscaled(units, places)), None
    return _same, None


@functools.cache
def _model_of_table(table: str) -> str | None:
    return next((m.class_.__name__ for m in _mappers() if m.local_table.name == table), None)


def _mappers() -> Any:
    from server.models import Base  # every model registered; imported late

    return Base.registry.mappers


class Column:
    """A stored key of a model's changes as the API shows it."""

    __slots__ = ("field", "convert", "refers")

    def __init__(self, field: str, convert: Convert = _same, refers: str | None = None) -> None:
        self.field, self.convert, self.refers = field, convert, refers


@functools.cache
def columns(model: str) -> dict[str, Column]:
    """Every column of the model (and every renamed key) by its stored name."""
    found: dict[str, Column] = {}
    renamed = RENAMED.get(model, {})
    for mapper in _mappers():
        if mapper.class_.__name__ != model:
            continue
        for attribute in mapper.column_attrs:
            column = attribute.columns[0]
            field = (
                column.info.get("field") or renamed.get(attribute.key) or _derived(attribute.key)
            )
            found[attribute.key] = Column(field, *_converter(column))
    for key, field in renamed.items():
        found.setdefault(key, Column(field))
    return found


def field_of(model: str, key: str) -> str:
    """The API field a stored key of the model's changes is shown under."""
    column = columns(model).get(key)
    return column.field if column is not None else key


def entity(model: str | None, pk: int | None) -> Ref | None:
    """The record an event is about, when it has a label (`LABELS`)."""
    return (model, pk) if model in LABELS and pk is not None else None


def references(model: str | None, changes: Any) -> list[Ref]:
    """The records an event's stored changes name, whose labels it is shown with."""
    known = columns(model or "")
    found: dict[Ref, None] = {}
    for entry in _entries(changes):
        if isinstance(entry.get("id"), int) and model in LABELS:
            found[(model, entry["id"])] = None
        for key, change in _fields(entry).items():
            column = known.get(key)
            if column is not None and column.refers is not None and isinstance(change, list):
                found.update(((column.refers, v), None) for v in change if _is_int(v))
    return list(found)


def readable(model: str | None, changes: Any, labels: Labels, role: Role | None) -> Any:
    """An event's stored changes in the API's words, without what the role may not read."""
    hidden = policy.hidden_fields(role, model or "")
    if isinstance(changes, list):
        return [_entry(model, entry, labels, hidden) for entry in changes]
    if isinstance(changes, dict):
        return _translated(model, changes, labels, hidden)
    return changes


def _entry(model: str | None, entry: Any, labels: Labels, hidden: frozenset[str]) -> Any:
    """A bulk entry: the record by global ID and by what people know it by, then its changes."""
    if not isinstance(entry, dict) or "fields" not in entry:
        return entry
    shown = dict(entry)
    pk = entry.get("id")
    if model and type(pk) is int:
        shown["id"] = global_id_text(model, pk)
        if model in LABELS:
            shown = {"id": shown["id"], LABELS[model]: labels.get((model, pk)), **shown}
    shown["fields"] = _translated(model, entry["fields"], labels, hidden)
    return shown


def _translated(
    model: str | None, changes: dict[str, Any], labels: Labels, hidden: frozenset[str]
) -> dict[str, Any]:
    known = columns(model or "")
    shown: dict[str, Any] = {}
    for key, change in changes.items():
        column = known.get(key, Column(key))
        if column.field not in hidden:  # a hidden field under any stored key
            shown[column.field] = (
                [column.convert(value, labels) for value in change]
                if isinstance(change, list)
                else change
            )
    return shown


def _entries(changes: Any) -> list[dict[str, Any]]:
    if isinstance(changes, dict):
        return [{"fields": changes}]
    if isinstance(changes, list):
        return [entry for entry in changes if isinstance(entry, dict)]
    return []


def _fields(entry: dict[str, Any]) -> dict[str, Any]:
    fields = entry.get("fields")
    return fields if isinstance(fields, dict) else {}


class LabelByRefLoader(Loader[Ref, Any]):
    """What people know records by (`LABELS`), for every event of a page at once: through the
    request's by-id loaders, so one statement per model named, however many events name it, and
    none for the rows the request has read already (the users an event's `by` reads)."""

    def __init__(self, loaders: Loaders) -> None:
        super().__init__()
        self.loaders = loaders

    async def batch_load_fn(self, keys: Sequence[Ref]) -> list[Any]:
        by_model: dict[str, list[int]] = defaultdict(list)
        for model, pk in dict.fromkeys(keys):
            by_model[model].append(pk)
        models = sorted(by_model)
        read = await asyncio.gather(
            *(self.loaders.row_loader(model).load_many(by_model[model]) for model in models)
        )
        found: Labels = {}
        for model, rows in zip(models, read, strict=True):
            for pk, row in zip(by_model[model], rows, strict=True):
                found[(model, pk)] = None if row is None else getattr(row, LABELS[model])
        return [found[key] for key in keys]
