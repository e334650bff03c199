"""Every figure family a request asks of a page of customers, in one statement.

A family is a set of figures computed together: sales under a history role (lifetime value,
statistics, margins), orders (count, total, engagement), balances, aging. Each is a statement of
its own module, one row per customer with the customer id first, built once with bind
parameters. A request's fields ask for (family, asOf, customer) keys; the loader puts the
families of one asOf side by side as derived tables joined to the page's customers, so that
`lifetimeValue`, `orderCount` and `balances` of 50 customers cost one statement, not three, and
the command center's twenty figures cost one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select

from schema.fastpath.reader import IDS, Reader, shape
from server.batching import Loader
from server.customers.models import Customer
from server.figures import aging, customer_list, sales
from server.figures.history import HistoryRole


@dataclass(frozen=True)
class Family:
    name: str
    read: Callable[
        [Sequence[Any], dt.date], Any
    ]  # the family's columns (after the key) -> its value
    none: Callable[[dt.date], Any]  # the value of a customer without rows
    parameters: Callable[[dt.date], dict[str, Any]]  # the bind parameters but `ids`
    statement: Callable[[], Any] | None = None  # grouped, the customer id first
    columns: Callable[[], Sequence[Any]] | None = None  # or: columns correlated on `customers`


def _no_parameters(_as_of: dt.date) -> dict[str, Any]:
    return {}


def sales_family(role: HistoryRole) -> str:
    return f"sales:{role.name}"


FAMILIES: dict[str, Family] = {
    "orders": Family(
        "orders",
        customer_list.read_orders,
        lambda _d: customer_list.Orders.none(),
        customer_list.orders_parameters,
        statement=customer_list.orders_statement,
    ),
    "balances": Family(
        "balances",
        customer_list.read_balances,
        lambda _d: customer_list.Balances.none(),
        _no_parameters,
        columns=customer_list.balance_columns,
    ),
    "aging": Family(
        "aging", aging.read, aging.Aging.none, aging.parameters, statement=aging.statement
    ),
    **{
        sales_family(role): Family(
            sales_family(role),
            sales.read,
            sales.SalesFigures.none,
            sales.parameters,
            statement=partial(sales.statement, role),
        )
        for role in HistoryRole
    },
}

SALES = {role: sales_family(role) for role in HistoryRole}

Key = tuple[str, dt.date, int]  # (family, asOf, customer id)


@shape
def statement(names: tuple[str, ...]) -> tuple[Any, tuple[tuple[int, int, bool], ...]]:
    """The families' columns for each customer of the bind parameter `ids`, and where each family's
    columns are in a row: (first, end, has a key column telling whether the customer had rows)."""
    columns: list[Any] = [Customer.id]
    joined: Any = Customer.__table__
    spans: list[tuple[int, int, bool]] = []
    for number, name in enumerate(names):
        family = FAMILIES[name]
        start = len(columns)
        if family.columns is not None:
            columns.extend(c.label(f"f{number}_{i}") for i, c in enumerate(family.columns()))
            spans.append((start, len(columns), False))
            continue
        if family.statement is None:
            raise ValueError(f"figure family {name!r} has neither columns nor a statement")
        derived = family.statement().subquery(f"family_{number}")
        key, *values = derived.c
        joined = joined.outerjoin(derived, key == Customer.id)
        columns.append(key.label(f"f{number}_key"))
        columns.extend(c.label(f"f{number}_{i}") for i, c in enumerate(values))
        spans.append((start, len(columns), True))
    stmt = select(*columns).select_from(joined).where(Customer.id.in_(IDS))
    return stmt, tuple(spans)


async def load(reader: Reader, keys: Sequence[Key]) -> dict[Key, Any]:
    """The value of every key: one statement per asOf asked, with every family asked on it."""
    by_day: dict[dt.date, tuple[set[str], set[int]]] = defaultdict(lambda: (set(), set()))
    for name, as_of, customer_id in keys:
        names, ids = by_day[as_of]
        names.add(name)
        ids.add(customer_id)
    found: dict[Key, Any] = {}
    for as_of, (names, ids) in by_day.items():
        ordered = tuple(sorted(names))
        stmt, spans = statement(ordered)
        params: dict[str, Any] = {"ids": list(ids)}
        for name in ordered:
            params.update(FAMILIES[name].parameters(as_of))
        for row in await reader.rows(stmt, params):
            for name, (start, end, keyed) in zip(ordered, spans, strict=True):
                family = FAMILIES[name]
                if keyed:
                    value = (
                        family.read(row[start + 1 : end], as_of)
                        if row[start] is not None
                        else family.none(as_of)
                    )
                else:
                    value = family.read(row[start:end], as_of)
                found[(name, as_of, row[0])] = value
    return found


class FamilyLoader(Loader[Key, Any]):
    """Keyed by (family, asOf, customer id); see `load`."""

    def __init__(self, reader: Reader) -> None:
        super().__init__()
        self.reader = reader

    async def batch_load_fn(self, keys: Sequence[Key]) -> list[Any]:
        found = await load(self.reader, list(dict.fromkeys(keys)))
        return [found[key] if key in found else FAMILIES[key[0]].none(key[1]) for key in keys]
