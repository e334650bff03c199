"""What an export reads: the list's rows in its filter and sort, ~1,000 at a time by keyset
pages, and per page the chosen columns (figures included) in one SQL statement over its ids.
Nothing holds more than one page."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server import bounds, listing
from server.customers import listing as customer_listing
from server.customers.models import BillingStatus, CreditCode, Customer, Location
from server.db.engine import Database
from server.documents.models import Invoice
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
from server.figures.customer_list import Engagement
from server.leads.models import Lead, LeadState
from server.lists.models import ListKind, ListView
from server.pagination import SortKey, encode_cursor, keyset_select
from server.sorting import CustomerSortField, LeadSortField, SortDirection
from server.ids import pk_of

BATCH = 1000


class ExportError(Exception):
    """Bad input: the parameter at fault and why (answered as 400, or 404 for `status=404`)."""

    def __init__(self, parameter: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.status = status


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


def select_columns(kind: str, known: dict[str, ExportColumn], default: Sequence[str], given: Any
                   ) -> list[Selected]:
    if given is None:
        return [Selected(known[f], f) for f in default]
    if not isinstance(given, list) or not given:
        raise ExportError("columns", "columns: a non-empty JSON list of column names or {field, label} objects")
    selected: list[Selected] = []
    for index, item in enumerate(given):
        field, label = (item, None) if isinstance(item, str) else (
            (item.get("field"), item.get("label")) if isinstance(item, dict) else (None, None))
        if field not in known:
            raise ExportError("columns", f"columns[{index}]: {field!r} is not a column of the {kind} export "
                              f"(known: {', '.join(known)})")
        if label is not None and not isinstance(label, str):
            raise ExportError("columns", f"columns[{index}]: the label must be a string")
        selected.append(Selected(known[field], label.strip() if label and label.strip() else field))
    return selected


def _order(given: Any, fields: type[enum.Enum]) -> list[tuple[Any, SortDirection]]:
    if given is None:
        return []
    items = [given] if isinstance(given, dict) else given
    if not isinstance(items, list):
        raise ExportError("orderBy", "orderBy: a JSON list of {field, direction} objects")
    order = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or item.get("field") not in fields.__members__:
            field = item.get("field") if isinstance(item, dict) else item
            raise ExportError("orderBy", f"orderBy[{index}]: cannot sort by {field!r} "
                              f"(known: {', '.join(fields.__members__)})")
        direction = item.get("direction") or "ASC"
        if direction not in SortDirection.__members__:
            raise ExportError("orderBy", f"orderBy[{index}]: direction must be ASC or DESC, not {direction!r}")
        order.append((fields[item["field"]], SortDirection[direction]))
    return order


def _check_filter(given: Any, allowed: Sequence[str]) -> dict[str, Any]:
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ExportError("filter", "filter: a JSON object (the list's filter input)")
    unknown = [k for k in given if k not in allowed]
    if unknown:
        raise ExportError("filter", f"filter: unknown field {unknown[0]!r} (known: {', '.join(allowed)})")
    return given


def _enums(data: dict[str, Any], name: str, kind: type[enum.Enum]) -> list[Any]:
    values = data.get(name) or []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or any(v not in kind.__members__ for v in values):
        raise ExportError("filter", f"filter.{name}: a list of {', '.join(kind.__members__)}")
    return [kind[v] for v in values]


def _moment(data: dict[str, Any], name: str, zone: ZoneInfo) -> dt.datetime | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        moment = bounds.day(dt.datetime.fromisoformat(value), f"filter.{name}")
    except bounds.OutOfBounds as error:
        raise ExportError("filter", str(error)) from None
    except (TypeError, ValueError):
        raise ExportError("filter", f"filter.{name}: not an ISO 8601 date and time: {value!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _text(data: dict[str, Any], name: str) -> str | None:
    """A free text filter (search, region) within its documented length."""
    try:
        return bounds.text(data.get(name), f"filter.{name}")
    except bounds.OutOfBounds as error:
        raise ExportError("filter", str(error)) from None


def _user(data: dict[str, Any], name: str) -> int | None:
    if data.get(name) is None:
        return None
    pk = pk_of(data[name], "User")
    if pk is None:
        raise ExportError("filter", f"filter.{name}: not a user id")
    return pk


CUSTOMER_FILTER = ("search", "includeInactive", "salesRep", "insideSalesRep", "region", "creditCode",
                   "billingStatus", "engagement", "newestNoteFrom", "newestNoteTo")
LEAD_FILTER = ("search", "state", "open", "program", "source", "insideSalesRep", "outsideSalesRep", "assignedTo",
               "region", "noteFrom", "noteTo")
LOCATION_FILTER = ("search", "customer")


async def apply_view(connection: AsyncConnection, view_id: str | None, user_id: int, kind: ListKind,
                     request: Request) -> Request:
    """The user's own view of the list: its visible columns with labels, its sort and filter;
    parameters given explicitly win over the view's."""
    if view_id is None:
        return request
    pk = pk_of(view_id, "ListView")
    row = None if pk is None else (await connection.execute(
        select(ListView.__table__).where(ListView.id == pk))).first()
    if row is None or row.user_id != user_id:
        raise ExportError("view", "view: no list view of yours with that id", 404 if pk is not None else 400)
    view_kind = row.kind if isinstance(row.kind, ListKind) else ListKind(row.kind)
    if view_kind is not kind:
        raise ExportError("view", f"view: that view belongs to the {view_kind.name.lower()} list, "
                          f"not {kind.name.lower()}")
    columns = [{"field": c["field"], "label": c.get("label")} for c in row.columns or [] if c.get("visible", True)]
    return Request(filter=request.filter if request.filter is not None else row.filter,
                   order=request.order if request.order is not None else (row.sort or None),
                   columns=request.columns if request.columns is not None else columns)


def customers_source(request: Request, today: dt.date, zone: ZoneInfo) -> Source:
    data = _check_filter(request.filter, CUSTOMER_FILTER)
    flt = customer_listing.CustomerFilter(
        search=_text(data, "search"), include_inactive=bool(data.get("includeInactive")),
        sales_rep_id=_user(data, "salesRep"), inside_sales_rep_id=_user(data, "insideSalesRep"),
        region=_text(data, "region"), credit_codes=_enums(data, "creditCode", CreditCode),
        billing_statuses=_enums(data, "billingStatus", BillingStatus),
        engagements=_enums(data, "engagement", Engagement), as_of=today,
        newest_note_from=_moment(data, "newestNoteFrom", zone), newest_note_to=_moment(data, "newestNoteTo", zone))
    columns = select_columns("customers", CUSTOMER_COLUMNS, CUSTOMER_DEFAULT, request.columns)
    stmt, keys = customer_listing.sorted_customers(flt, _order(request.order, CustomerSortField))
    return Source("Customers", stmt, keys, lambda r: [*r[-len(keys):], r.id], Customer, columns, today)


def leads_source(request: Request, today: dt.date, zone: ZoneInfo) -> Source:
    data = dict(_check_filter(request.filter, LEAD_FILTER))
    data.update(search=_text(data, "search"), region=_text(data, "region"))
    if data.get("state") is not None:
        data["state"] = _enums(data, "state", LeadState)
    kinds = {"program": "LeadProgram", "source": "LeadSource", "insideSalesRep": "User",
             "outsideSalesRep": "User", "assignedTo": "User"}
    for name, kind in kinds.items():
        if data.get(name) is not None:
            data[name] = pk_of(data[name], kind) or 0
    for name in ("noteFrom", "noteTo"):
        data[name] = _moment(data, name, zone)
    columns = select_columns("leads", LEAD_COLUMNS, LEAD_DEFAULT, request.columns)
    stmt, keys, key_of, params = listing.leads(data, _order(request.order, LeadSortField))
    return Source("Leads", stmt, keys, key_of, Lead, columns, today, params)


def locations_source(request: Request, today: dt.date) -> Source:
    data = _check_filter(request.filter, LOCATION_FILTER)
    customer_id = None
    if data.get("customer") is not None:
        customer_id = pk_of(data["customer"], "Customer")
        if customer_id is None:
            raise ExportError("filter", "filter.customer: not a customer id")
    columns = select_columns("locations", LOCATION_COLUMNS, LOCATION_DEFAULT, request.columns)
    stmt, keys, key_of, params = listing.locations(customer_id, _text(data, "search"))
    return Source("Locations", stmt, keys, key_of, Location, columns, today, params)


def invoices_source(customer_id: int, request: Request, today: dt.date) -> Source:
    """The customer's invoices and credit notes (as bill customer), newest first."""
    columns = select_columns("invoices", INVOICE_COLUMNS, INVOICE_DEFAULT, request.columns)
    stmt = select(Invoice.__table__).where(Invoice.bill_customer_id == customer_id)
    keys = [SortKey(Invoice.invoice_on, descending=True), SortKey(Invoice.number, descending=True)]
    return Source("Invoices", stmt, keys, lambda r: [r.invoice_on, r.number, r.id], Invoice, columns, today)


# ---------------------------------------------------------------- rows


async def batches(database: Database, source: Source, size: int = BATCH) -> AsyncIterator[list[list[Any]]]:
    """The rows as cells, one keyset page of `size` at a time, on one connection. The connection
    goes back to the pool however the reading ends: its close is shielded, since a client gone
    mid-stream cancels the stream, and a cancelled close would keep it."""
    connection = await database.engine.connect()
    try:
        after: str | None = None
        while True:
            stmt, params = keyset_select(source.base, source.keys, source.base.selected_columns.id, size=size,
                                         backwards=False, after=after, before=None)
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
    found = {row[0]: row[1:] for row in (await connection.execute(
        select(table.id, *expressions).where(table.id.in_(ids)))).all()}
    balances: dict[int, list[Any]] = {}
    if with_balances:
        for row in (await connection.execute(figures.balances_statement(), {"ids": list(ids)})).all():
            found_balances = figures.balances_of(row)
            limit = found[row[0]][-1]
            balances[row[0]] = [found_balances.open_orders_minor, found_balances.current_invoices_minor,
                                found_balances.unapplied_payments_minor,
                                found_balances.available_credit_minor(None if limit is None else int(limit))]
    result = []
    for pk in ids:
        values = found.get(pk)
        if values is None:  # deleted between the two reads
            continue
        cells = []
        for selected, (start, end) in zip(source.columns, slices, strict=True):
            column = selected.column
            raw = column.value(balances.get(pk, [0, 0, 0, None]) if column.balances else list(values[start:end]))
            cells.append(cell(column.kind, raw))
        result.append(cells)
    return result
