"""What an export reads: the list's rows in its filter and sort, ~1,000 at a time by keyset
pages, and per page the chosen columns (figures included) in one SQL statement over its ids.
Nothing holds more than one page."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server import bounds, listing
from server.customers import listing as customer_listing
from server.customers.models import Customer, Location
from server.db.engine import Database
from server.documents.models import Invoice
from server.errors import DomainError, ErrorCode, Problems
from server.exports.columns import (
    CUSTOMER_COLUMNS,
    CUSTOMER_DEFAULT,
    INVOICE_COLUMNS,
    INVOICE_DEFAULT,
    LEAD_COLUMNS,
    LEAD_DEFAULT,
    LOCATION_COLUMNS,
    LOCATION_DEFAULT,
    ExportColumn,
    Selected,
    cell,
)
from server.figures import customer_list as figures
from server.ids import pk_of
from server.leads.models import Lead
from server.lists import service as list_views
from server.lists import validator
from server.lists.models import ListKind, ListView
from server.pagination import SortKey, encode_cursor, keyset_select

BATCH = 1000


class ExportError(Exception):
    """Bad input: the parameter at fault and why (answered as 400, or 404 for `status=404`);
    `problems` lists every (parameter, message) found; `parameter` is the first one's."""

    def __init__(
        self,
        parameter: str,
        message: str,
        status: int = 400,
        problems: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.status = status
        self.problems = list(problems) or [(parameter, message)]

    @classmethod
    def of(cls, error: DomainError) -> ExportError:
        """The validator's problems; each one's parameter is the first part of its path."""
        found = [((p.field or ["?"])[0], p.message) for p in error.problems]
        return cls(found[0][0], "; ".join(message for _, message in found), problems=found)


def parse_json(params: Any, name: str, max_depth: int) -> Any:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return bounds.loads(raw, name, max_depth)
    except bounds.OutOfBounds as error:
        raise ExportError(name, str(error)) from None


@dataclass
class Source:
    """Rows in order (`base`, sorted by `keys` then id) and the columns to show."""

    name: str
    base: Select[Any]
    keys: list[SortKey]
    key_of: Callable[[Any], list[Any]]
    table: Any
    columns: list[Selected]
    as_of: dt.date
    params: dict[str, Any] = field(default_factory=dict)  # the base statement's bind parameters


@dataclass
class Request:
    """The parsed parameters: each None when not given."""

    filter: Any = None
    order: Any = None
    columns: Any = None


# ---------------------------------------------------------------- parameters


def _checked(kind: ListKind, request: Request, today: dt.date, zone: ZoneInfo) -> validator.Checked:
    """The parameters through the list's own validator (the list query's and saveListView's)."""
    try:
        return validator.check(
            kind,
            filter=request.filter,
            sort=request.order,
            columns=request.columns,
            sort_name="orderBy",
            today=today,
            zone=zone,
        )
    except DomainError as error:
        raise ExportError.of(error) from None


def _selected(
    known: dict[str, ExportColumn], default: Sequence[str], columns: list[validator.Column] | None
) -> list[Selected]:
    if columns is None:
        return [Selected(known[f], f) for f in default]
    return [Selected(known[c.field], c.label) for c in columns if c.visible]


async def apply_view(
    connection: AsyncConnection, view_id: str | None, user_id: int, kind: ListKind, request: Request
) -> Request:
    """The user's own view of the list: its visible columns with labels, its sort and filter;
    parameters given explicitly win over the view's."""
    if view_id is None:
        return request
    pk = pk_of(view_id, "ListView")
    row = (
        None
        if pk is None
        else (await connection.execute(select(ListView.__table__).where(ListView.id == pk))).first()
    )
    try:
        row = list_views.applied(row, user_id, kind)
    except DomainError as error:
        missing = error.problems[0].code is ErrorCode.NOT_FOUND and pk is not None
        raise ExportError("view", str(error), 404 if missing else 400) from None
    return Request(
        filter=request.filter if request.filter is not None else row.filter,
        order=request.order if request.order is not None else validator.stored_sort(kind, row.sort),
        columns=request.columns if request.columns is not None else row.columns,
    )


def customers_source(request: Request, today: dt.date, zone: ZoneInfo) -> Source:
    checked = _checked(ListKind.CUSTOMERS, request, today, zone)
    columns = _selected(CUSTOMER_COLUMNS, CUSTOMER_DEFAULT, checked.columns)
    stmt, keys = customer_listing.sorted_customers(checked.filter, checked.sort)
    return Source(
        "Customers", stmt, keys, lambda r: [*r[-len(keys) :], r.id], Customer, columns, today
    )


def leads_source(request: Request, today: dt.date, zone: ZoneInfo) -> Source:
    checked = _checked(ListKind.LEADS, request, today, zone)
    columns = _selected(LEAD_COLUMNS, LEAD_DEFAULT, checked.columns)
    stmt, keys, key_of, params = listing.leads(checked.filter, checked.sort)
    return Source("Leads", stmt, keys, key_of, Lead, columns, today, params)


def locations_source(request: Request, today: dt.date) -> Source:
    checked = _checked(ListKind.LOCATIONS, request, today, ZoneInfo("UTC"))
    columns = _selected(LOCATION_COLUMNS, LOCATION_DEFAULT, checked.columns)
    stmt, keys, key_of, params = listing.locations(
        checked.filter.customer_id, checked.filter.search
    )
    return Source("Locations", stmt, keys, key_of, Location, columns, today, params)


def invoices_source(customer_id: int, request: Request, today: dt.date) -> Source:
    """The customer's invoices and credit notes (as bill customer), newest first: columns only."""
    problems = Problems(())
    for name, value in (("filter", request.filter), ("orderBy", request.order)):
        if value is not None:
            problems.add(
                ErrorCode.INVALID,
                f"{name}: the invoices export takes columns only (newest first)",
                name,
            )
    given = (
        validator.check_columns(problems, "invoices", INVOICE_COLUMNS, request.columns)
        if request.columns is not None
        else None
    )
    if problems:
        raise ExportError.of(DomainError(problems.items))
    columns = _selected(INVOICE_COLUMNS, INVOICE_DEFAULT, given)
    stmt = select(Invoice.__table__).where(Invoice.bill_customer_id == customer_id)
    keys = [SortKey(Invoice.invoice_on, descending=True), SortKey(Invoice.number, descending=True)]
    return Source(
        "Invoices", stmt, keys, lambda r: [r.invoice_on, r.number, r.id], Invoice, columns, today
    )


# ---------------------------------------------------------------- rows


async def batches(
    database: Database, source: Source, size: int = BATCH
) -> AsyncIterator[list[list[Any]]]:
    """The rows as cells, one keyset page of `size` at a time, on one connection. The connection
    goes back to the pool however the reading ends: its close is shielded, since a client gone
    mid-stream cancels the stream, and a cancelled close would keep it."""
    connection = await database.engine.connect()
    try:
        after: str | None = None
        while True:
            stmt, params = keyset_select(
                source.base,
                source.keys,
                source.base.selected_columns.id,
                size=size,
                backwards=False,
                after=after,
                before=None,
            )
            rows = (await connection.execute(stmt, {**source.params, **params})).all()
            more = len(rows) > size
            rows = rows[:size]
            if not rows:
                return
            ids = [row.id for row in rows]
            after = encode_cursor(source.key_of(rows[-1]))
            del rows
            yield await _cells(connection, source, ids)
            if not more:
                return
    finally:
        await asyncio.shield(connection.close())


async def _cells(connection: AsyncConnection, source: Source, ids: list[int]) -> list[list[Any]]:
    table = source.table
    expressions: list[Any] = []
    slices: list[tuple[int, int]] = []
    for selected in source.columns:
        made = selected.column.expressions(source.as_of)
        slices.append((len(expressions), len(expressions) + len(made)))
        expressions.extend(made)
    with_balances = any(s.column.balances for s in source.columns)
    if with_balances:
        expressions.append(Customer.credit_limit_minor)
    found = {
        row[0]: row[1:]
        for row in (
            await connection.execute(select(table.id, *expressions).where(table.id.in_(ids)))
        ).all()
    }
    balances: dict[int, list[Any]] = {}
    if with_balances:
        for row in (
            await connection.execute(figures.balances_statement(), {"ids": list(ids)})
        ).all():
            found_balances = figures.balances_of(row)
            limit = found[row[0]][-1]
            balances[row[0]] = [
                found_balances.open_orders_minor,
                found_balances.current_invoices_minor,
                found_balances.unapplied_payments_minor,
                found_balances.available_credit_minor(None if limit is None else int(limit)),
            ]
    result = []
    for pk in ids:
        values = found.get(pk)
        if values is None:  # deleted between the two reads
            continue
        cells = []
        for selected, (start, end) in zip(source.columns, slices, strict=True):
            column = selected.column
            raw = column.value(
                balances.get(pk, [0, 0, 0, None]) if column.balances else list(values[start:end])
            )
            cells.append(cell(column.kind, raw))
        result.append(cells)
    return result
