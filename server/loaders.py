"""The per-request DataLoaders, built in one place.

Every relation and figure of a request goes through one of these, so a page of 50 customers
costs the same few statements as a page of 1. Loaders answer every key in order and are
cleared by `Loaders.clear()` after a write.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections import defaultdict, namedtuple
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, String, Table, bindparam, func, or_, select, union_all
from sqlalchemy.orm import QueryableAttribute

from schema.fastpath import selfcheck
from schema.fastpath.reader import IDS, Reader, shape
from schema.fastpath.rendered import RenderedChildrenLoader, RenderedList
from server import models
from server.batching import Loader
from server.customers.models import Contact, Location
from server.db import identity
from server.documents import numbers
from server.documents.models import OPEN_ORDER_STATUSES, Invoice, InvoiceLine, Order, OrderLine
from server.documents.rules import OWING_STATUSES, balance_due_expression
from server.figures import families
from server.figures import items as item_figures
from server.figures import leads as lead_figures
from server.figures.history import HistoryRole, invoices_of
from server.leads.models import Lead, LeadStateChange
from server.notes.models import Note
from server.payments.models import Payment, PaymentApplication

Row = Any
K = TypeVar("K", bound=Hashable)
# A column of a table or a model's attribute for one (`Note.customer_id`).
ColumnLike = ColumnElement[Any] | QueryableAttribute[Any]


def _table(kind: str) -> Table:
    model: Any = models.Base.registry._class_registry[kind]  # a mapped class, by name
    return model.__table__


@functools.cache
def record_type(table: Table) -> type:
    """Rows of `table` read as part of another statement: attribute access like a Core row."""
    return namedtuple(f"{table.name}_row", [c.name for c in table.c])


@dataclass(frozen=True)
class Refers:
    """Each row refers to one row of `kind` by its column `column`: that row is read in the same
    statement (a LEFT JOIN on its primary key) and primed in the kind's by-id loader, so that the
    field resolving it (an order's location, a line's invoice) costs no statement of its own."""

    kind: str
    column: str

    def on(self, target: Any, base: Any) -> ColumnElement[bool]:
        return target.c.id == base.c[self.column]

    def prime(self, loaders: Loaders, row: Row, record: Row | None) -> None:
        if record is not None:
            loaders.row_loader(self.kind).prime(record.id, record)


@dataclass(frozen=True)
class PrimaryContact(Refers):
    """A customer's primary contact (the first by id), primed in `Relations.primary_contact`, or
    None for a customer without one."""

    kind: str = "Contact"
    column: str = "id"

    def on(self, target: Any, base: Any) -> ColumnElement[bool]:
        contacts = Contact.__table__.c
        first = (
            select(func.min(contacts.id))
            .where(contacts.customer_id == base.c.id, contacts.is_primary.is_(True))
            .scalar_subquery()
        )
        return target.c.id == first

    def prime(self, loaders: Loaders, row: Row, record: Row | None) -> None:
        loaders.of.primary_contact().prime(row.id, record)


Spans = tuple[tuple[Refers, int, int], ...]


def with_refers(stmt: Any, base: Any, refers: Sequence[Refers]) -> tuple[Any, Spans]:
    """`stmt` (reading `base`) joined to each referred table, whose columns follow in each row."""
    spans = []
    width = len(stmt.selected_columns)
    for number, refer in enumerate(refers):
        target = _table(refer.kind).alias(f"refers_{number}")
        stmt = stmt.outerjoin(target, refer.on(target, base)).add_columns(
            *(c.label(f"refers_{number}_{c.name}") for c in target.c)
        )
        spans.append((refer, width, width + len(target.c)))
        width += len(target.c)
    return stmt, tuple(spans)


def prime_referred(loaders: Loaders, rows: Sequence[Row], spans: Spans) -> None:
    for refer, start, end in spans:
        make = record_type(_table(refer.kind))
        for row in rows:
            values = row[start:end]
            refer.prime(loaders, row, make(*values) if values[0] is not None else None)


# What a row read by id brings along: a customer's payment terms and primary contact.
ROW_REFERS: dict[str, tuple[Refers, ...]] = {
    "Customer": (Refers("PaymentTerms", "payment_terms_id"), PrimaryContact()),
}
# Tables read whole, once per request, the first time any of their rows is asked for (or, on the
# lean executor, when a request that refers to them starts): the staff of a small business (tens
# of users) and its lead programs and sources, so that a page's sales reps and its notes'
# authors, asked on different levels, cost one statement, and a lead page's references answer
# at once.
WHOLE_TABLES = frozenset({"User", "LeadProgram", "LeadSource"})


class WholeTableLoader(Loader[int, Row | None]):
    """Any row of a small table by id: the first batch reads the whole table, and a batch
    dispatched while that read is still running waits for it instead of reading again."""

    def __init__(self, loaders: Loaders, table: Table, kind: str) -> None:
        super().__init__()
        self.loaders, self.table, self.kind = loaders, table, kind
        self._read: asyncio.Future[dict[int, Row]] | None = None

    async def batch_load_fn(self, keys: Sequence[int]) -> list[Row | None]:
        by_id = await asyncio.shield(self.start())
        return [by_id.get(key) for key in keys]

    def start(self) -> asyncio.Future[dict[int, Row]]:
        """Starts reading the table, once; its rows are primed as soon as they are read. On
        SQLite, a table read before and short is read at once (`Reader.rows_now`): no task and no
        turn of the event loop before the rows are there."""
        if self._read is None:
            rows = self.loaders.reader.rows_now(_whole(self.table))
            if rows is not None:
                self._read = asyncio.get_running_loop().create_future()
                self._read.set_result(self._rows(rows))
            else:
                self._read = asyncio.ensure_future(self._whole())
                self._read.add_done_callback(_retrieved)
        return self._read

    async def _whole(self) -> dict[int, Row]:
        return self._rows(await self.loaders.reader.rows(_whole(self.table)))

    def _rows(self, rows: Sequence[Row]) -> dict[int, Row]:
        by_id = {row.id: row for row in rows}
        for pk, row in by_id.items():
            self.prime(pk, row)
        if self.loaders._made.get(self.kind) is self:  # not cleared by a write meanwhile
            self.loaders.whole_rows[self.kind] = by_id
        return by_id


def _retrieved(read: asyncio.Future[Any]) -> None:
    """A read started ahead that nothing awaited (the rows were not needed after all): its error,
    if any, is the request's next statement's to meet, not a warning at shutdown."""
    if not read.cancelled():
        read.exception()


@shape
def _whole(table: Table) -> Any:
    return select(table)


class RowByIdLoader(Loader[int, Row | None]):
    """A row of one table by primary key (None when it does not exist), with the rows it refers to."""

    def __init__(self, loaders: Loaders, table: Table, refers: tuple[Refers, ...] = ()) -> None:
        super().__init__()
        self.loaders, self.table, self.refers = loaders, table, refers

    async def batch_load_fn(self, keys: Sequence[int]) -> list[Row | None]:
        stmt, spans = _rows_where(self.table.c.id, refers=self.refers)
        rows = await self.loaders.reader.rows(stmt, {"ids": list(set(keys))})
        prime_referred(self.loaders, rows, spans)
        by_id = {row.id: row for row in rows}
        return [by_id.get(key) for key in keys]


class RowByColumnLoader(Loader[Hashable, Row | None]):
    """A row of one table by a unique column (a customer by number, a lead by number); by an
    identifier people type, regardless of case (server/db/identity.py)."""

    def __init__(self, reader: Reader, column: ColumnElement[Any]) -> None:
        super().__init__()
        self.reader, self.column = reader, column
        folds = identity.is_identifier(column)
        self.key: Callable[[Any], Hashable] = identity.fold if folds else _same
        self.stmt = _rows_by_identifier(column) if folds else _rows_where(column)[0]

    async def batch_load_fn(self, keys: Sequence[Hashable]) -> list[Row | None]:
        rows = await self.reader.rows(self.stmt, {"ids": list({self.key(key) for key in keys})})
        by_key = {self.key(getattr(row, self.column.name)): row for row in rows}
        return [by_key.get(self.key(key)) for key in keys]


def _same(key: Hashable) -> Hashable:
    return key


@shape
def _rows_by_identifier(column: ColumnElement[str]) -> Any:
    return select(column.table).where(identity.folded(column).in_(IDS))


class RowsByParentLoader(Loader[int, list[Row]]):
    """All child rows of each parent, in order (the lines of an order, a lead's state changes)."""

    def __init__(
        self,
        loaders: Loaders,
        parent: ColumnLike,
        *order_by: ColumnLike,
        refers: tuple[Refers, ...] = (),
    ) -> None:
        super().__init__()
        self.loaders, self.parent, self.order_by, self.refers = loaders, parent, order_by, refers
        self.position = list(parent.table.c).index(
            parent.table.c[parent.name]
        )  # the parent id in a row

    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Row]]:
        groups: dict[int, list[Row]] = defaultdict(list)
        position = self.position
        stmt, spans = _rows_where(self.parent, *self.order_by, refers=self.refers)
        rows = await self.loaders.reader.rows(stmt, {"ids": list(set(keys))})
        prime_referred(self.loaders, rows, spans)
        for row in rows:
            groups[row[position]].append(row)
        return [groups.get(key, []) for key in keys]


@shape
def _rows_where(
    column: ColumnLike, *order_by: ColumnLike, refers: tuple[Refers, ...] = ()
) -> tuple[Any, Spans]:
    """The rows of the column's table whose `column` is one of the bind parameter `ids`, with the
    rows they refer to."""
    table = column.table
    return with_refers(select(table).where(column.in_(IDS)).order_by(*order_by), table, refers)


# Child rows that a list field reads whole, in order: the parent column and the order within a
# parent. Their lists may be written by the database (schema/fastpath/rendered.py and
# renderable.py).
CHILD_ROWS: dict[str, tuple[ColumnElement[int], tuple[ColumnElement[Any], ...]]] = {
    "order_lines": (OrderLine.__table__.c.order_id, (OrderLine.__table__.c.position,)),
    "invoice_lines": (InvoiceLine.__table__.c.invoice_id, (InvoiceLine.__table__.c.position,)),
}

PageKey = tuple[int, int, int]  # (parent id, offset, size)
Source = Callable[
    [Any], Any
]  # parent ids (the bind parameter `ids`) -> a selectable with a `parent_id` column
Ordering = Callable[[Any], Sequence[ColumnElement[Any]]]  # the selectable's columns -> sort order


class PageByParentLoader(Loader[PageKey, tuple[list[Row], int]]):
    """One page of each parent's children and their total, for every parent in one statement.

    Row numbers over a window partitioned by parent pick each page; `count(*)` over the same
    partition gives the total, so nested connections never run a query per parent. The
    statement is built once per name (a name is one shape: one source and one order).
    """

    statements: dict[str, tuple[Any, Spans]] = {}

    def __init__(
        self,
        loaders: Loaders,
        name: str,
        source: Source,
        order: Ordering,
        refers: tuple[Refers, ...] = (),
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.loaders, self.name, self.source, self.order, self.refers = (
            loaders,
            name,
            source,
            order,
            refers,
        )
        self.params = params or {}

    async def batch_load_fn(self, keys: Sequence[PageKey]) -> list[tuple[list[Row], int]]:
        by_window: dict[tuple[int, int], set[int]] = defaultdict(set)
        for parent_id, offset, size in keys:
            by_window[(offset, size)].add(parent_id)
        pages: dict[PageKey, tuple[list[Row], int]] = {}
        for (offset, size), parents in by_window.items():
            for parent_id, page in (await self._window(parents, offset, size)).items():
                pages[(parent_id, offset, size)] = page
        return [pages.get(key, ([], 0)) for key in keys]

    def statement(self) -> tuple[Any, Spans]:
        """Bind parameters: `ids` (the parents), the rows numbered `after` < n <= `upto`. The rows
        they refer to are joined to the page's rows only, after the numbering."""
        found = self.statements.get(self.name)
        if found is None:
            source = self.source(IDS).subquery()
            order = self.order(source.c)
            number = (
                func.row_number()
                .over(partition_by=source.c.parent_id, order_by=order)
                .label("page_n")
            )
            total = func.count().over(partition_by=source.c.parent_id).label("page_total")
            inner = select(source, number, total).subquery()
            page = (
                select(inner)
                .where(inner.c.page_n > bindparam("after"), inner.c.page_n <= bindparam("upto"))
                .order_by(inner.c.parent_id, inner.c.page_n)
            )
            found = self.statements[self.name] = with_refers(page, inner, self.refers)
        return found

    async def _window(
        self, parents: set[int], offset: int, size: int
    ) -> dict[int, tuple[list[Row], int]]:
        # size + 1 rows tell whether another page follows
        params = {**self.params, "ids": list(parents), "after": offset, "upto": offset + size + 1}
        stmt, spans = self.statement()
        rows = await self.loaders.reader.rows(stmt, params)
        prime_referred(self.loaders, rows, spans)
        result: dict[int, tuple[list[Row], int]] = {}
        for row in rows:
            rows, _ = result.setdefault(row.parent_id, ([], 0))
            rows.append(row)
            result[row.parent_id] = (rows, row.page_total)
        return result


def children_of(parent: ColumnLike, *where: ColumnElement[bool]) -> Source:
    """The rows of the parent column's table that belong to the given parents."""
    return lambda ids: select(parent.table, parent.label("parent_id")).where(
        parent.in_(ids), *where
    )


class FigureLoader(Loader[Hashable, Any]):
    """A figure family for every key of the batch, from one set-based function."""

    def __init__(
        self,
        compute: Callable[[Sequence[Any]], Awaitable[dict[Any, Any]]],
        default: Callable[[Any], Any],
    ) -> None:
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
    future = loader._cache.get(key) if selfcheck.ON else None  # its insides: the fast path's
    if future is None:
        return loader.load(key)
    if not future.done():
        return future  # what load() would return: the batch it waits for (most of a page's fields)
    return future.result() if not future.exception() else loader.load(key)


def once(method: Callable[[Any], DataLoader[Any, Any]]) -> Callable[[Any], DataLoader[Any, Any]]:
    """A loader accessor without arguments: makes the loader on first use, then a dict lookup (the
    figures of a page call these thousands of times)."""
    name = method.__qualname__

    def loader(self: Any) -> DataLoader[Any, Any]:
        found = self._made.get(name)
        if found is None:
            found = self._made[name] = method(self)
        return found

    loader.__doc__, loader.__name__, loader.__qualname__ = method.__doc__, method.__name__, name
    return loader


class Loaders:
    """Every loader of one request, created on first use."""

    def __init__(self, reader: Reader, today: dt.date) -> None:
        self.reader = reader
        self.today = today
        self._made: dict[str, DataLoader[Any, Any]] = {}
        self._cleared: list[DataLoader[Any, Any]] = []  # dropped by a write, perhaps still loading
        self.whole_rows: dict[str, dict[int, Row]] = {}  # the small tables read whole, by kind
        self.of = Relations(self)

    def get(self, name: str, make: Callable[[], DataLoader[Any, Any]]) -> DataLoader[Any, Any]:
        loader = self._made.get(name)
        if loader is None:
            loader = self._made[name] = make()
        return loader

    def row_loader(self, kind: str) -> DataLoader[int, Row | None]:
        """The by-id loader of a kind (a model name, e.g. "Customer"), with the rows it refers to."""
        loader = self._made.get(kind)  # a model name: no other loader has one as its name
        if loader is None:
            loader = self._made[kind] = (
                WholeTableLoader(self, _table(kind), kind)
                if kind in WHOLE_TABLES
                else RowByIdLoader(self, _table(kind), ROW_REFERS.get(kind, ()))
            )
        return loader

    def start_whole(self, kind: str) -> asyncio.Future[Any] | None:
        """Starts reading a small table whole (`WHOLE_TABLES`) before any of its rows is asked for,
        so that the fields referring to them answer at once: the read; None for other kinds."""
        if kind not in WHOLE_TABLES:
            return None
        loader = self.row_loader(kind)
        assert isinstance(loader, WholeTableLoader)  # as `row_loader` makes for WHOLE_TABLES
        return loader.start()

    def row(self, kind: str, pk: int | None) -> Any:
        """The row of a kind by id: the value if loaded, else an awaitable."""
        if pk is None:
            return None
        rows = self.whole_rows.get(kind)  # a small table read whole: a dict lookup, no future
        if rows is not None:
            return rows.get(pk)
        return ready(self.row_loader(kind), pk)

    def prime(self, kind: str, rows: Sequence[Row]) -> None:
        """Rows a list has read already: later loads of them by id cost no statement."""
        loader = self.row_loader(kind)
        for row in rows:
            loader.prime(row.id, row)

    def row_by(self, kind: str, column: str, value: Any) -> Any:
        return ready(self.by_column(_table(kind).c[column]), value)

    def by_column(self, column: ColumnElement[Any]) -> DataLoader[Hashable, Row | None]:
        return self.get(
            f"{column.table.name}:{column.name}", lambda: RowByColumnLoader(self.reader, column)
        )

    def children(
        self,
        parent: ColumnLike,
        *order_by: ColumnLike,
        refers: tuple[Refers, ...] = (),
    ) -> DataLoader[int, list[Row]]:
        return self.get(
            f"{parent.table.name}:{parent.name}:all",
            lambda: RowsByParentLoader(self, parent, *order_by, refers=refers),
        )

    def child_rows(self, relation: str) -> DataLoader[int, list[Row]]:
        """The rows of one of `CHILD_ROWS`, by parent id."""
        parent, order_by = CHILD_ROWS[relation]
        return self.children(parent, parent, *order_by)

    def rendered(self, statement: Any) -> DataLoader[int, RenderedList]:
        """Each parent's children written as JSON by `statement` (schema/fastpath/rendered.py); one
        loader per statement object, which the compiled document holds for the request."""
        return self.get(
            f"rendered:{id(statement)}", lambda: RenderedChildrenLoader(self.reader, statement)
        )

    def page(
        self,
        name: str,
        source: Source,
        order: Ordering,
        refers: tuple[Refers, ...] = (),
        params: dict[str, Any] | None = None,
    ) -> DataLoader[PageKey, tuple[list[Row], int]]:
        """Pages of the statement `name` (one shape); `params` are the values of its own bind
        parameters, if it has any (a search), so one loader per set of values."""
        key = f"page:{name}" if not params else f"page:{name}:{sorted(params.items())!r}"
        return self.get(key, lambda: PageByParentLoader(self, name, source, order, refers, params))

    def figures(
        self,
        name: str,
        compute: Callable[[Sequence[K]], Awaitable[dict[K, Any]]],
        default: Callable[[K], Any],
    ) -> DataLoader[K, Any]:
        return self.get(f"figures:{name}", lambda: FigureLoader(compute, default))

    # The figure families of customers (SPEC §4): every family a level asks for, in one statement.

    @once
    def customer_figures(self) -> DataLoader[families.Key, Any]:
        return families.FamilyLoader(self.reader)

    def customer_sales(
        self, customer_id: int, as_of: dt.date | None = None, role: HistoryRole | None = None
    ) -> Any:
        """Sales under `role` (default ORDER_OR_BILLING) up to asOf (default today), as
        sales.SalesFigures: the value if loaded, else an awaitable."""
        key = (
            families.SALES[role or HistoryRole.ORDER_OR_BILLING],
            as_of or self.today,
            customer_id,
        )
        return ready(self.customer_figures(), key)

    def customer_orders(self, customer_id: int, as_of: dt.date | None = None) -> Any:
        """Orders up to asOf (default today)."""
        return ready(self.customer_figures(), ("orders", as_of or self.today, customer_id))

    def customer_balances(self, customer_id: int) -> Any:
        return ready(self.customer_figures(), ("balances", self.today, customer_id))

    def customer_aging(self, customer_id: int, as_of: dt.date) -> Any:
        return ready(self.customer_figures(), ("aging", as_of, customer_id))

    def clear(self) -> None:
        self._cleared.extend(self._made.values())
        self._made.clear()
        self.whole_rows.clear()

    def cancel(self) -> None:
        """Cancels the loads not yet dispatched (queued, or held in a `Gate`) and the whole-table
        reads started ahead: at the end of the request nothing awaits them, and the closed
        `Reader` would refuse their statements."""
        for loader in (*self._cleared, *self._made.values()):
            if selfcheck.ON:  # aiodataloader's insides: the fast path's (else left to run)
                for load in loader._queue:
                    load.future.cancel()
                loader._queue.clear()
            if isinstance(loader, WholeTableLoader) and loader._read is not None:
                loader._read.cancel()  # a read started ahead (`start_whole`)

    def close(self) -> None:
        """Drops every loader at the end of the request. Loaders, their batch functions and
        `Relations` refer back to this object: left to the cycle collector, a request's rows and
        futures would wait for a full collection, which then walks all of them (decision 39)."""
        self.cancel()
        self._cleared.clear()
        self._made.clear()
        self.of.loaders = None  # type: ignore[assignment]  # unusable once closed, on purpose


class Relations:
    """The graph's nested lists and child rows, each a batched loader (see `Loaders.of`)."""

    def __init__(self, loaders: Loaders) -> None:
        self.loaders = loaders
        self._made = loaders._made

    @once
    def locations(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.loaders.page(
            "customer.locations", children_of(Location.customer_id), lambda c: (c.code, c.id)
        )

    @once
    def contacts(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.loaders.page(
            "customer.contacts",
            children_of(Contact.customer_id),
            lambda c: (c.is_primary.desc(), c.last_name, c.first_name, c.id),
        )

    @once
    def primary_contact(self) -> DataLoader[int, Row | None]:
        async def compute(ids: Sequence[int]) -> dict[int, Row]:
            rows = await self.loaders.reader.rows(_primary_contacts(), {"ids": list(ids)})
            return {row.customer_id: row for row in rows}

        return self.loaders.figures("primary_contact", compute, lambda _id: None)

    def customer_notes(self, note_type: Any | None) -> DataLoader[PageKey, tuple[list[Row], int]]:
        where = [] if note_type is None else [Note.type == note_type]
        return self.loaders.page(
            f"customer.notes:{note_type}",
            children_of(Note.customer_id, *where),
            lambda c: (c.created_at.desc(), c.id.desc()),
        )

    @once
    def lead_notes(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.loaders.page(
            "lead.notes", children_of(Note.lead_id), lambda c: (c.created_at.desc(), c.id.desc())
        )

    @once
    def customer_leads(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.loaders.page(
            "customer.leads", children_of(Lead.customer_id), lambda c: (c.number.desc(),)
        )

    @once
    def customer_payments(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        return self.loaders.page(
            "customer.payments",
            children_of(Payment.customer_id),
            lambda c: (c.payment_on.desc(), c.id.desc()),
        )

    def customer_orders(
        self, role: HistoryRole, open_only: bool
    ) -> DataLoader[PageKey, tuple[list[Row], int]]:
        def source(ids: set[int]) -> Any:
            where = [Order.status.in_(OPEN_ORDER_STATUSES)] if open_only else []
            return orders_of(ids, role, *where)

        return self.loaders.page(
            f"customer.orders:{role.name}:{open_only}",
            source,
            lambda c: (c.order_on.desc(), c.id.desc()),
            refers=(Refers("Location", "location_id"),),
        )

    def customer_invoices(
        self,
        role: HistoryRole,
        outstanding_only: bool,
        sort: str,
        descending: bool,
        search: str | None = None,
    ) -> DataLoader[PageKey, tuple[list[Row], int]]:
        """A page of each customer's invoices; with `search`, those whose number or alternative
        number starts with it, without regard to case (server/documents/numbers.py)."""

        def source(ids: set[int]) -> Any:
            docs = invoices_of(ids, role, Invoice.__table__, issued_only=False)
            stmt = select(docs, docs.c.customer_id.label("parent_id"))
            if outstanding_only:
                stmt = stmt.where(
                    docs.c.status.in_(OWING_STATUSES), balance_due_expression(docs.c) != 0
                )
            if search is not None:
                prefix = bindparam("search", type_=String)
                stmt = stmt.where(
                    or_(
                        numbers.starts_with(docs.c.number, prefix),
                        numbers.starts_with(docs.c.alt_number, prefix),
                    )
                )
            return stmt

        def order(c: Any) -> tuple[Any, ...]:
            column = {
                "INVOICE_DATE": c.invoice_on,
                "DUE_DATE": c.due_on,
                "NUMBER": c.number,
                "TOTAL_AMOUNT": c.total_minor,
                "BALANCE_DUE": balance_due_expression(c),
            }[sort]
            return (column.desc(), c.id.desc()) if descending else (column.asc(), c.id.asc())

        return self.loaders.page(
            f"customer.invoices:{role.name}:{outstanding_only}:{sort}:{descending}:"
            f"{search is not None}",
            source,
            order,
            params={"search": numbers.escaped_prefix(search)} if search is not None else None,
        )

    @once
    def lead_newest_note(self) -> DataLoader[int, Any]:
        async def compute(ids: Sequence[int]) -> dict[int, Any]:
            rows: Sequence[Any] = await self.loaders.reader.rows(
                _newest_lead_notes(), {"ids": list(ids)}
            )
            return dict(rows)  # lead id -> the time of its newest note

        return self.loaders.figures("lead_newest_note", compute, lambda _id: None)

    @once
    def found_invoice(self) -> DataLoader[tuple[int, str | None, str | None], Row | None]:
        """A customer's invoice (as order or billing customer) by number, else by alternative number,
        either without regard to case (server/documents/numbers.py)."""

        async def compute(keys: Sequence[tuple[int, str | None, str | None]]) -> dict[Any, Row]:
            ids = {k[0] for k in keys}
            given = {numbers.fold(k[1]) for k in keys if k[1]}
            alts = {numbers.fold(k[2]) for k in keys if k[2]}
            stmt = select(Invoice.__table__).where(
                or_(Invoice.bill_customer_id.in_(ids), Invoice.order_customer_id.in_(ids)),
                or_(
                    numbers.folded(Invoice.number).in_(given),
                    numbers.folded(Invoice.alt_number).in_(alts),
                ),
            )
            rows = sorted(await self.loaders.reader.rows(stmt), key=lambda r: r.id)
            return {key: _match(rows, *key) for key in keys}

        return self.loaders.figures("found_invoice", compute, lambda _key: None)

    @once
    def order_lines(self) -> DataLoader[int, list[Row]]:
        return self.loaders.child_rows("order_lines")

    @once
    def invoice_lines(self) -> DataLoader[int, list[Row]]:
        return self.loaders.child_rows("invoice_lines")

    @once
    def order_invoices(self) -> DataLoader[int, list[Row]]:
        return self.loaders.children(Invoice.order_id, Invoice.invoice_on, Invoice.id)

    @once
    def payment_applications(self) -> DataLoader[int, list[Row]]:
        return self.loaders.children(
            PaymentApplication.payment_id,
            PaymentApplication.applied_at,
            PaymentApplication.id,
            refers=(Refers("Invoice", "invoice_id"),),
        )

    @once
    def invoice_applications(self) -> DataLoader[int, list[Row]]:
        return self.loaders.children(
            PaymentApplication.invoice_id,
            PaymentApplication.applied_at,
            PaymentApplication.id,
            refers=(Refers("Payment", "payment_id"),),
        )

    @once
    def lead_state_changes(self) -> DataLoader[int, list[Row]]:
        return self.loaders.children(
            LeadStateChange.lead_id, LeadStateChange.at, LeadStateChange.id
        )

    def item_sales_history(self, role: HistoryRole) -> DataLoader[PageKey, tuple[list[Row], int]]:
        """A page of every line of each customer's issued invoices and credit notes under `role`."""
        return self.loaders.page(
            f"customer.item_sales:{role.name}",
            lambda ids: item_figures.item_sales(ids, role),
            item_figures.item_sales_order,
            refers=(Refers("Invoice", "invoice_id"),),
        )

    @once
    def ordered_items(self) -> DataLoader[PageKey, tuple[list[Row], int]]:
        """A page of each customer's ordered items, one row per item (see figures/items.py)."""
        return self.loaders.page(
            "customer.ordered_items",
            item_figures.ordered_items,
            item_figures.ordered_items_order,
            refers=(Refers("Item", "item_id"),),
        )

    @once
    def program_leads(self) -> DataLoader[int, lead_figures.LeadCounts]:
        """Lead statistics of each program, keyed by program id."""
        return self.loaders.figures(
            "program_leads",
            lambda ids: lead_figures.by_program(self.loaders.reader, ids),
            lambda _id: lead_figures.LeadCounts.none(),
        )

    @once
    def source_leads(self) -> DataLoader[int, lead_figures.LeadCounts]:
        """Lead statistics of each source, keyed by source id."""
        return self.loaders.figures(
            "source_leads",
            lambda ids: lead_figures.by_source(self.loaders.reader, ids),
            lambda _id: lead_figures.LeadCounts.none(),
        )


@shape
def _primary_contacts() -> Any:
    return (
        select(Contact.__table__)
        .where(Contact.customer_id.in_(IDS), Contact.is_primary.is_(True))
        .order_by(Contact.id.desc())
    )


@shape
def _newest_lead_notes() -> Any:
    return (
        select(Note.lead_id, func.max(Note.created_at))
        .where(Note.lead_id.in_(IDS))
        .group_by(Note.lead_id)
    )


def _match(
    rows: Sequence[Row], customer_id: int, number: str | None, alt: str | None
) -> Row | None:
    mine = [r for r in rows if customer_id in (r.bill_customer_id, r.order_customer_id)]
    number, alt = (numbers.fold(text) if text else None for text in (number, alt))
    by_number = next((r for r in mine if number and numbers.fold(r.number) == number), None)
    return by_number or next(
        (r for r in mine if alt and r.alt_number and numbers.fold(r.alt_number) == alt), None
    )


def orders_of(customer_ids: set[int], role: HistoryRole, *where: ColumnElement[bool]) -> Any:
    """Orders of the customers under a history role, each with its `parent_id` (counted once)."""

    def branch(customer: Any, *extra: Any) -> Any:
        return select(Order.__table__, customer.label("parent_id")).where(
            customer.in_(customer_ids), *where, *extra
        )

    if role is HistoryRole.BILLING_ONLY:
        return branch(Order.billing_customer_id)
    if role is HistoryRole.ORDER_ONLY:
        return branch(Order.order_customer_id)
    return union_all(
        branch(Order.billing_customer_id),
        branch(Order.order_customer_id, Order.order_customer_id != Order.billing_customer_id),
    )
