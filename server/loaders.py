"""The per-request DataLoaders, built in one place.

Every relation and figure of a request goes through one of these, so a page of 50 customers
costs the same few statements as a page of 1. Loaders answer every key in order and are
cleared by `Loaders.clear()` after a write.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, Table, bindparam, func, or_, select, union_all

from server.customers.models import Contact, Location
from server.documents.models import (OPEN_ORDER_STATUSES, Invoice, InvoiceLine, InvoiceStatus, Order, OrderLine)
from server.figures import aging, customer_list, sales
from server.figures.history import HistoryRole, invoices_of
from server.figures import items as item_figures, leads as lead_figures
from server.leads.models import Lead, LeadStateChange
from server.notes.models import Note
from server.payments.models import Payment, PaymentApplication
from server import models
from server.reader import IDS, Reader, shape

Row = Any


class RowByIdLoader(DataLoader[int, Row | None]):
    """A row of one table by primary key (None when it does not exist)."""

    def __init__(self, reader: Reader, table: Table) -> None:
        super().__init__()
        self.reader, self.table = reader, table

    async def batch_load_fn(self, keys: Sequence[int]) -> list[Row | None]:
        rows = await self.reader.rows(_rows_where(self.table.c.id), {"ids": list(set(keys))})
        by_id = {row.id: row for row in rows}
        return [by_id.get(key) for key in keys]


class RowByColumnLoader(DataLoader[Hashable, Row | None]):
    """A row of one table by a unique column (a customer by number, a lead by number)."""

    def __init__(self, reader: Reader, column: ColumnElement[Any]) -> None:
        super().__init__()
        self.reader, self.column = reader, column

    async def batch_load_fn(self, keys: Sequence[Hashable]) -> list[Row | None]:
        rows = await self.reader.rows(_rows_where(self.column), {"ids": list(set(keys))})
        by_key = {getattr(row, self.column.name): row for row in rows}
        return [by_key.get(key) for key in keys]


class RowsByParentLoader(DataLoader[int, list[Row]]):
    """All child rows of each parent, in order (the lines of an order, a lead's state changes)."""

    def __init__(self, reader: Reader, parent: ColumnElement[int], *order_by: ColumnElement[Any]) -> None:
        super().__init__()
        self.reader, self.parent, self.order_by = reader, parent, order_by
        self.position = list(parent.table.c).index(parent.table.c[parent.name])  # the parent id in a row

    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Row]]:
        groups: dict[int, list[Row]] = defaultdict(list)
        position = self.position
        for row in await self.reader.rows(_rows_where(self.parent, *self.order_by), {"ids": list(set(keys))}):
            groups[row[position]].append(row)
        return [groups.get(key, []) for key in keys]


@shape
def _rows_where(column: ColumnElement[Any], *order_by: ColumnElement[Any]) -> Any:
    """The rows of the column's table whose `column` is one of the bind parameter `ids`."""
    return select(column.table).where(column.in_(IDS)).order_by(*order_by)


PageKey = tuple[int, int, int]  # (parent id, offset, size)
Source = Callable[[Any], Any]  # parent ids (the bind parameter `ids`) -> a selectable with a `parent_id` column
Ordering = Callable[[Any], Sequence[ColumnElement[Any]]]  # the selectable's columns -> sort order


class PageByParentLoader(DataLoader[PageKey, tuple[list[Row], int]]):
    """One page of each parent's children and their total, for every parent in one statement.

    Row numbers over a window partitioned by parent pick each page; `count(*)` over the same
    partition gives the total, so nested connections never run a query per parent. The
    statement is built once per name (a name is one shape: one source and one order).
    """

    statements: dict[str, Any] = {}

    def __init__(self, reader: Reader, name: str, source: Source, order: Ordering) -> None:
        super().__init__()
        self.reader, self.name, self.source, self.order = reader, name, source, order

    async def batch_load_fn(self, keys: Sequence[PageKey]) -> list[tuple[list[Row], int]]:
        by_window: dict[tuple[int, int], set[int]] = defaultdict(set)
        for parent_id, offset, size in keys:
            by_window[(offset, size)].add(parent_id)
        pages: dict[PageKey, tuple[list[Row], int]] = {}
        for (offset, size), parents in by_window.items():
            for parent_id, page in (await self._window(parents, offset, size)).items():
                pages[(parent_id, offset, size)] = page
        return [pages.get(key, ([], 0)) for key in keys]

    def statement(self) -> Any:
        """Bind parameters: `ids` (the parents), the rows numbered `after` < n <= `upto`."""
        stmt = self.statements.get(self.name)
        if stmt is None:
            source = self.source(IDS).subquery()
            order = self.order(source.c)
            number = func.row_number().over(partition_by=source.c.parent_id, order_by=order).label("_n")
            total = func.count().over(partition_by=source.c.parent_id).label("_total")
            inner = select(source, number, total).subquery()
            stmt = self.statements[self.name] = (
                select(inner).where(inner.c._n > bindparam("after"), inner.c._n <= bindparam("upto"))
                .order_by(inner.c.parent_id, inner.c._n))
        return stmt

    async def _window(self, parents: set[int], offset: int, size: int) -> dict[int, tuple[list[Row], int]]:
        # size + 1 rows tell whether another page follows
        params = {"ids": list(parents), "after": offset, "upto": offset + size + 1}
        result: dict[int, tuple[list[Row], int]] = {}
        for row in await self.reader.rows(self.statement(), params):
            rows, _ = result.setdefault(row.parent_id, ([], 0))
            rows.append(row)
            result[row.parent_id] = (rows, row._total)
        return result


def children_of(parent: ColumnElement[int], *where: ColumnElement[bool]) -> Source:
    """The rows of the parent column's table that belong to the given parents."""
    return lambda ids: select(parent.table, parent.label("parent_id")).where(parent.in_(ids), *where)


class FigureLoader(DataLoader[Hashable, Any]):
    """A figure family for every key of the batch, from one set-based function."""

    def __init__(self, compute: Callable[[Sequence[Hashable]], Awaitable[dict[Hashable, Any]]],
                 default: Callable[[Hashable], Any]) -> None:
        super().__init__()
        self.compute, self.default = compute, default

    async def batch_load_fn(self, keys: Sequence[Hashable]) -> list[Any]:
        found = await self.compute(list(dict.fromkeys(keys)))
        return [found[key] if key in found else self.default(key) for key in keys]


def ready(loader: DataLoader[Any, Any], key: Hashable) -> Any:
    """The value if this request has loaded it already, else an awaitable of it.

    Lets a field that reads a pre-fetched value answer synchronously, without the cost of an
    async resolver, and still batch when it was not pre-fetched.
    """
    future = loader._cache.get(key)
    if future is not None and future.done() and not future.exception():
        return future.result()
    return loader.load(key)


class Loaders:
    """Every loader of one request, created on first use."""

    def __init__(self, reader: Reader, today: dt.date) -> None:
        self.reader = reader
        self.today = today
        self._made: dict[str, DataLoader[Any, Any]] = {}
        self.of = Relations(self)

    def get(self, name: str, make: Callable[[], DataLoader[Any, Any]]) -> DataLoader[Any, Any]:
        loader = self._made.get(name)
        if loader is None:
            loader = self._made[name] = make()
        return loader

    def by_id(self, table: Table) -> DataLoader[int, Row | None]:
        return self.get(f"{table.name}:id", lambda: RowByIdLoader(self.reader, table))

    def row(self, kind: str, pk: int | None) -> Any:
        """The row of a `kind` (a model name, e.g. "Customer") by id: the value if loaded, else an awaitable."""
        if pk is None:
            return None
        return ready(self.by_id(models.Base.registry._class_registry[kind].__table__), pk)

    def prime(self, kind: str, rows: Sequence[Row]) -> None:
        """Rows a list has read already: later loads of them by id cost no statement."""
        loader = self.by_id(models.Base.registry._class_registry[kind].__table__)
        for row in rows:
            loader.prime(row.id, row)

    def row_by(self, kind: str, column: str, value: Any) -> Any:
        table = models.Base.registry._class_registry[kind].__table__
        return ready(self.by_column(table.c[column]), value)

    def by_column(self, column: ColumnElement[Any]) -> DataLoader[Hashable, Row | None]:
        return self.get(f"{column.table.name}:{column.name}", lambda: RowByColumnLoader(self.reader, column))

    def children(self, parent: ColumnElement[int], *order_by: ColumnElement[Any]) -> DataLoader[int, list[Row]]:
        return self.get(f"{parent.class_.__tablename__}:{parent.key}:all",
                        lambda: RowsByParentLoader(self.reader, parent, *order_by))

    def page(self, name: str, source: Source, order: Ordering) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.get(f"page:{name}", lambda: PageByParentLoader(self.reader, name, source, order))

    def figures(self, name: str, compute: Callable[[Sequence[Hashable]], Awaitable[dict[Hashable, Any]]],
                default: Callable[[Hashable], Any]) -> DataLoader[Hashable, Any]:
        return self.get(f"figures:{name}", lambda: FigureLoader(compute, default))

    # The customer list's figure families (SPEC §4), keyed by customer id.

    def customer_orders(self) -> DataLoader[tuple[int, dt.date], customer_list.Orders]:
        return self.figures("orders", lambda keys: customer_list.orders(self.reader, keys),
                            lambda _key: customer_list.Orders.none())

    def customer_balances(self) -> DataLoader[int, customer_list.Balances]:
        return self.figures("balances", lambda ids: customer_list.balances(self.reader, ids),
                            lambda _id: customer_list.Balances.none())

    def customer_sales(self) -> DataLoader[sales.Key, sales.SalesFigures]:
        """Keyed by (customer id, asOf, history role)."""
        return self.figures("sales", lambda keys: sales.sales_figures(self.reader, keys),
                            lambda key: sales.SalesFigures.none(key[1]))

    def customer_aging(self) -> DataLoader[aging.Key, aging.Aging]:
        """Keyed by (customer id, asOf)."""
        return self.figures("aging", lambda keys: aging.aging(self.reader, keys), lambda key: aging.Aging.none(key[1]))

    def clear(self) -> None:
        self._made.clear()


class Relations:
    """The graph's nested lists and child rows, each a batched loader (see `Loaders.of`)."""

    def __init__(self, loaders: Loaders) -> None:
        self.loaders = loaders

    def locations(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.loaders.page("customer.locations", children_of(Location.customer_id), lambda c: (c.code, c.id))

    def contacts(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.loaders.page("customer.contacts", children_of(Contact.customer_id),
                                 lambda c: (c.is_primary.desc(), c.last_name, c.first_name, c.id))

    def primary_contact(self) -> DataLoader[int, Row | None]:
        async def compute(ids: Sequence[int]) -> dict[int, Row]:
            rows = await self.loaders.reader.rows(_primary_contacts(), {"ids": list(ids)})
            return {row.customer_id: row for row in rows}
        return self.loaders.figures("primary_contact", compute, lambda _id: None)

    def customer_notes(self, note_type: Any | None) -> DataLoader[PageKey, tuple[list[Row], int]]:
        where = [] if note_type is None else [Note.type == note_type]
        return self.loaders.page(f"customer.notes:{note_type}", children_of(Note.customer_id, *where),
                                 lambda c: (c.created_at.desc(), c.id.desc()))

    def lead_notes(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.loaders.page("lead.notes", children_of(Note.lead_id), lambda c: (c.created_at.desc(), c.id.desc()))

    def customer_leads(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.loaders.page("customer.leads", children_of(Lead.customer_id), lambda c: (c.number.desc(),))

    def customer_payments(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.loaders.page("customer.payments", children_of(Payment.customer_id),
                                 lambda c: (c.payment_on.desc(), c.id.desc()))

    def customer_orders(self, role: HistoryRole, open_only: bool) -> DataLoader[PageKey, tuple[list[Row], int]]:
        def source(ids: set[int]) -> Any:
            where = [Order.status.in_(OPEN_ORDER_STATUSES)] if open_only else []
            return orders_of(ids, role, *where)
        return self.loaders.page(f"customer.orders:{role.name}:{open_only}", source,
                                 lambda c: (c.order_on.desc(), c.id.desc()))

    def customer_invoices(self, role: HistoryRole, outstanding_only: bool, sort: str,
                          descending: bool) -> DataLoader[PageKey, tuple[list[Row], int]]:
        def source(ids: set[int]) -> Any:
            docs = invoices_of(ids, role, Invoice.__table__, issued_only=False)
            stmt = select(docs, docs.c.customer_id.label("parent_id"))
            if outstanding_only:
                stmt = stmt.where(docs.c.status.in_(OUTSTANDING_STATUSES), docs.c.base_balance_minor != 0)
            return stmt

        def order(c: Any) -> tuple[Any, ...]:
            column = {"INVOICE_DATE": c.invoice_on, "DUE_DATE": c.due_on, "NUMBER": c.number,
                      "TOTAL_AMOUNT": c.total_minor, "BALANCE_DUE": c.total_minor - c.paid_minor}[sort]
            return (column.desc(), c.id.desc()) if descending else (column.asc(), c.id.asc())
        return self.loaders.page(f"customer.invoices:{role.name}:{outstanding_only}:{sort}:{descending}",
                                 source, order)

    def lead_newest_note(self) -> DataLoader[int, Any]:
        async def compute(ids: Sequence[int]) -> dict[int, Any]:
            return dict(await self.loaders.reader.rows(_newest_lead_notes(), {"ids": list(ids)}))
        return self.loaders.figures("lead_newest_note", compute, lambda _id: None)

    def found_invoice(self) -> DataLoader[tuple[int, str | None, str | None], Row | None]:
        """A customer's invoice (as order or billing customer) by number, else by alternative number."""
        async def compute(keys: Sequence[tuple[int, str | None, str | None]]) -> dict[Any, Row]:
            ids = {k[0] for k in keys}
            numbers = {k[1] for k in keys if k[1]}
            alts = {k[2] for k in keys if k[2]}
            stmt = select(Invoice.__table__).where(
                or_(Invoice.bill_customer_id.in_(ids), Invoice.order_customer_id.in_(ids)),
                or_(Invoice.number.in_(numbers), Invoice.alt_number.in_(alts)))
            rows = sorted(await self.loaders.reader.rows(stmt), key=lambda r: r.id)
            return {key: _match(rows, *key) for key in keys}
        return self.loaders.figures("found_invoice", compute, lambda _key: None)

    def order_lines(self) -> DataLoader[int, list[Row]]:
        return self.loaders.children(OrderLine.order_id, OrderLine.order_id, OrderLine.position)

    def invoice_lines(self) -> DataLoader[int, list[Row]]:
        return self.loaders.children(InvoiceLine.invoice_id, InvoiceLine.invoice_id, InvoiceLine.position)

    def order_invoices(self) -> DataLoader[int, list[Row]]:
        return self.loaders.children(Invoice.order_id, Invoice.invoice_on, Invoice.id)

    def payment_applications(self) -> DataLoader[int, list[Row]]:
        return self.loaders.children(PaymentApplication.payment_id, PaymentApplication.applied_at,
                                     PaymentApplication.id)

    def invoice_applications(self) -> DataLoader[int, list[Row]]:
        return self.loaders.children(PaymentApplication.invoice_id, PaymentApplication.applied_at,
                                     PaymentApplication.id)

    def lead_state_changes(self) -> DataLoader[int, list[Row]]:
        return self.loaders.children(LeadStateChange.lead_id, LeadStateChange.at, LeadStateChange.id)

    def item_sales_history(self, role: HistoryRole) -> DataLoader[PageKey, tuple[list[Row], int]]:
        """A page of every line of each customer's issued invoices and credit notes under `role`."""
        return self.loaders.page(f"customer.item_sales:{role.name}", lambda ids: item_figures.item_sales(ids, role),
                                 item_figures.item_sales_order)

    def ordered_items(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        """A page of each customer's ordered items, one row per item (see figures/items.py)."""
        return self.loaders.page("customer.ordered_items", item_figures.ordered_items, item_figures.ordered_items_order)

    def program_leads(self) -> DataLoader[int, lead_figures.LeadCounts]:
        """Lead statistics of each program, keyed by program id."""
        return self.loaders.figures("program_leads", lambda ids: lead_figures.by_program(self.loaders.reader, ids),
                                    lambda _id: lead_figures.LeadCounts.none())

    def source_leads(self) -> DataLoader[int, lead_figures.LeadCounts]:
        """Lead statistics of each source, keyed by source id."""
        return self.loaders.figures("source_leads", lambda ids: lead_figures.by_source(self.loaders.reader, ids),
                                    lambda _id: lead_figures.LeadCounts.none())


@shape
def _primary_contacts() -> Any:
    return (select(Contact.__table__).where(Contact.customer_id.in_(IDS), Contact.is_primary.is_(True))
            .order_by(Contact.id.desc()))


@shape
def _newest_lead_notes() -> Any:
    return select(Note.lead_id, func.max(Note.created_at)).where(Note.lead_id.in_(IDS)).group_by(Note.lead_id)


def _match(rows: Sequence[Row], customer_id: int, number: str | None, alt: str | None) -> Row | None:
    mine = [r for r in rows if customer_id in (r.bill_customer_id, r.order_customer_id)]
    by_number = next((r for r in mine if number and r.number == number), None)
    return by_number or next((r for r in mine if alt and r.alt_number == alt), None)


OUTSTANDING_STATUSES = (InvoiceStatus.PLANNED, InvoiceStatus.PRINTED, InvoiceStatus.PARTIALLY_PAID)


def orders_of(customer_ids: set[int], role: HistoryRole, *where: ColumnElement[bool]) -> Any:
    """Orders of the customers under a history role, each with its `parent_id` (counted once)."""
    def branch(customer: Any, *extra: Any) -> Any:
        return select(Order.__table__, customer.label("parent_id")).where(customer.in_(customer_ids), *where, *extra)

    if role is HistoryRole.BILLING_ONLY:
        return branch(Order.billing_customer_id)
    if role is HistoryRole.ORDER_ONLY:
        return branch(Order.order_customer_id)
    return union_all(branch(Order.billing_customer_id),
                     branch(Order.order_customer_id, Order.order_customer_id != Order.billing_customer_id))
