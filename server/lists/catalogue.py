"""The catalogue of a list's columns, as `listColumns` serves it: derived, never written again,
from the export registry (`server/exports/columns.py`: field, default label, cell kind, enum
values, references, the default view) and the list validator (what sorts and how each column
filters), with whether the caller's role may read the column (`policy.hidden_columns`).

>>> [(c.field, c.type.name, c.sortable) for c in catalogue(ListKind.LEADS, None)][:2]
[('number', 'INTEGER', True), ('customer.name', 'TEXT', True)]
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column
from sqlalchemy.sql import visitors

from server.access import policy
from server.access.models import Role
from server.exports import columns as registry
from server.exports.columns import ExportColumn
from server.lists import validator
from server.lists.models import ListKind

DEFAULTS: dict[ListKind, Sequence[str]] = {
    ListKind.CUSTOMERS: registry.CUSTOMER_DEFAULT,
    ListKind.LOCATIONS: registry.LOCATION_DEFAULT,
    ListKind.LEADS: registry.LEAD_DEFAULT,
}


class ColumnType(enum.Enum):
    """What a client formats and filters a column as."""

    TEXT = "text"
    MONEY = "money"
    INTEGER = "integer"
    DATE = "date"
    DATE_TIME = "date-time"
    BOOLEAN = "boolean"
    ENUM = "enum"  # one of the column's `values`
    USER = "user"  # a user, shown by email


# From the registry's cell kind, when the column says no more (an enum, a user).
TYPES = {
    registry.TEXT: ColumnType.TEXT,
    registry.MONEY: ColumnType.MONEY,
    registry.INT: ColumnType.INTEGER,
    registry.DATE: ColumnType.DATE,
    registry.DATETIME: ColumnType.DATE_TIME,
    registry.BOOL: ColumnType.BOOLEAN,
}


@dataclass(frozen=True)
class Entry:
    field: str
    label: str
    type: ColumnType
    values: tuple[str, ...] | None  # an enum column's names
    sortable: bool
    filter: validator.ColumnFilter | None
    in_default_view: bool
    visible: bool  # whether the role may read it


def column_type(column: ExportColumn) -> ColumnType:
    if column.values is not None:
        return ColumnType.ENUM
    if column.reference == "User":
        return ColumnType.USER
    return TYPES[column.kind]


def reads(column: ExportColumn) -> frozenset[tuple[str, str]]:
    """The (model, attribute) pairs a column's SQL reads that some role may not read."""
    found: set[tuple[str, str]] = set()
    for expression in column.expressions(dt.date(2000, 1, 1)):  # what is read, whatever the day
        clause = getattr(expression, "__clause_element__", None)  # a model's attribute
        for element in visitors.iterate(expression if clause is None else clause()):
            if isinstance(element, Column) and element.info.get("read"):
                mapper = _mapper_of(element)
                found.add((mapper.class_.__name__, mapper.get_property_by_column(element).key))
    return frozenset(found)


def _mapper_of(column: Column[Any]) -> Any:
    from server.models import Base  # imported late: the models import nothing of ours

    return next(m for m in Base.registry.mappers if m.local_table is column.table)


def visible(column: ExportColumn, role: Role | None) -> bool:
    """False when the column reads what the role may not (decision 44: costs for SALES_REP and
    VIEWER), by the one rule `policy.hidden_columns`."""
    return not any(
        attribute in policy.hidden_columns(role, model) for model, attribute in reads(column)
    )


def entries(
    columns: Mapping[str, ExportColumn],
    sorts: Mapping[str, object],
    filters: Mapping[str, validator.ColumnFilter],
    default: Sequence[str],
    role: Role | None,
) -> list[Entry]:
    return [
        Entry(
            field=name,
            label=column.label,
            type=column_type(column),
            values=None if column.values is None else tuple(column.values.__members__),
            sortable=name in sorts,
            filter=filters.get(name),
            in_default_view=name in default,
            visible=visible(column, role),
        )
        for name, column in columns.items()
    ]


@functools.cache
def catalogue(kind: ListKind, role: Role | None) -> tuple[Entry, ...]:
    """The list's columns in the registry's order, as the role sees them."""
    return tuple(
        entries(
            validator.COLUMNS[kind],
            validator.SORTS[kind],
            validator.COLUMN_FILTERS[kind],
            DEFAULTS[kind],
            role,
        )
    )
