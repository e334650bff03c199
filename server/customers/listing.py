"""The customer list: search, filters and sorts in SQL, keyset pages (SPEC §7).

Figures (lifetime value, orders, newest note) are sorted and filtered on with the expressions
of `server/figures/customer_list.py`, the same rules as the figures served: a page's order, its
cursors and the values it shows agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    Select,
    String,
    Subquery,
    TypeDecorator,
    bindparam,
    exists,
    func,
    or_,
    select,
)

from schema.fastpath.reader import Reader, shape
from server.bounds import shown
from server.customers import phones
from server.customers.models import BillingStatus, Contact, CreditCode, Customer, CustomerStatus
from server.figures import customer_list as figures
from server.figures.customer_list import Engagement
from server.pagination import (
    BadPageArgs,
    KeysetPage,
    SortKey,
    decode_cursor,
    keyset_page,
    keyset_select,
)
from server.sorting import CustomerSortField, SortDirection

SortOrder = Sequence[tuple[CustomerSortField, SortDirection]]

STORED_SORTS: dict[CustomerSortField, Any] = {
    CustomerSortField.NUMBER: Customer.number,
    CustomerSortField.NAME: Customer.name,
    CustomerSortField.CREATED_AT: Customer.created_at,
    CustomerSortField.REGION: Customer.billing_region,
    CustomerSortField.CREDIT_LIMIT: Customer.credit_limit_minor,
    CustomerSortField.PRIOR_SALES: Customer.prior_sales_minor,
    CustomerSortField.ALIAS: Customer.alias,
    CustomerSortField.EMAIL: Customer.email,
    CustomerSortField.CITY: Customer.billing_city,
}


def _as_of() -> Any:
    return bindparam("figure_as_of", type_=Date)


def _balance(name: str) -> Callable[[], ColumnElement[Any]]:
    return lambda: figures.balance_expression(name)


# Each computed once per customer, as a column of the derived table the page is read from.
FIGURE_COLUMNS: dict[CustomerSortField, Callable[[], ColumnElement[Any]]] = {
    CustomerSortField.LIFETIME_VALUE: figures.lifetime_value_expression,
    CustomerSortField.ORDER_COUNT: figures.order_count_expression,
    CustomerSortField.ORDER_TOTAL: figures.order_total_expression,
    CustomerSortField.LAST_ORDER_DATE: figures.last_order_on_expression,
    CustomerSortField.LAST_INVOICE_DATE: figures.last_invoice_on_expression,
    CustomerSortField.NEWEST_NOTE_AT: figures.newest_note_expression,
    CustomerSortField.OPEN_ORDERS: _balance("openOrders"),
    CustomerSortField.CURRENT_INVOICES: _balance("currentInvoices"),
    CustomerSortField.UNAPPLIED_PAYMENTS: _balance("unappliedPayments"),
    CustomerSortField.LAST_PAYMENT_DATE: _balance("lastPaymentDate"),
    CustomerSortField.AVAILABLE_CREDIT: figures.available_credit_expression,
    CustomerSortField.OVERDUE: lambda: figures.overdue_expression(_as_of()),
    CustomerSortField.YTD_SALES: lambda: figures.ytd_sales_expression(
        bindparam("figure_year_from", type_=Date), _as_of()
    ),
}
AVERAGE_PARTS = (CustomerSortField.ORDER_TOTAL, CustomerSortField.ORDER_COUNT)
# Judged on a day: their statements take `figures.figure_parameters` (asOf is today).
DATED = frozenset((CustomerSortField.OVERDUE, CustomerSortField.YTD_SALES))

MONEY, INT, DATE, DATETIME = "money", "int", "date", "datetime"  # as the export's cell kinds
# What a range filters on, by the sort field of the same value (its field name is the sort's,
# server/lists/validator.py), and how its ends are read.
RANGE_KINDS: dict[CustomerSortField, str] = {
    CustomerSortField.CREATED_AT: DATETIME,
    CustomerSortField.CREDIT_LIMIT: MONEY,
    CustomerSortField.PRIOR_SALES: MONEY,
    CustomerSortField.LIFETIME_VALUE: MONEY,
    CustomerSortField.ORDER_COUNT: INT,
    CustomerSortField.ORDER_TOTAL: MONEY,
    CustomerSortField.AVERAGE_ORDER_VALUE: MONEY,
    CustomerSortField.LAST_ORDER_DATE: DATE,
    CustomerSortField.LAST_PAYMENT_DATE: DATE,
    CustomerSortField.LAST_INVOICE_DATE: DATE,
    CustomerSortField.NEWEST_NOTE_AT: DATETIME,
    CustomerSortField.OPEN_ORDERS: MONEY,
    CustomerSortField.CURRENT_INVOICES: MONEY,
    CustomerSortField.UNAPPLIED_PAYMENTS: MONEY,
    CustomerSortField.AVAILABLE_CREDIT: MONEY,
    CustomerSortField.OVERDUE: MONEY,
    CustomerSortField.YTD_SALES: MONEY,
}


@dataclass(frozen=True)
class Range:
    """`start <= value <= end`, both inclusive, either None for open; money in minor units."""

    field: CustomerSortField
    start: Any = None
    end: Any = None


@dataclass
class CustomerFilter:
    search: str | None = None
    include_inactive: bool = False
    sales_rep_id: int | None = None
    sales_rep_ids: Sequence[int] = ()  # any of them
    inside_sales_rep_id: int | None = None
    region: str | None = None
    credit_codes: Sequence[CreditCode] = ()
    billing_statuses: Sequence[BillingStatus] = ()
    engagements: Sequence[Engagement] = ()
    as_of: dt.date | None = None  # the day engagement is judged on: today
    newest_note_from: dt.datetime | None = None  # inclusive, like newest_note_to
    newest_note_to: dt.datetime | None = None
    ranges: Sequence[Range] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filter_form(flt: CustomerFilter) -> tuple[tuple[tuple[str, Any], ...], dict[str, Any]]:
    """The filter's shape (which parts are set, and what changes the statement's form) and the
    values of its bind parameters, all named `filter_…`."""
    form: dict[str, Any] = {"active_only": not flt.include_inactive}
    values: dict[str, Any] = {}
    if flt.search and flt.search.strip():
        values["filter_search"] = _like(flt.search.strip())
        found = phones.search_digits(flt.search)
        if found is not None:
            values["filter_digits"] = phones.digits_pattern(found)
    if flt.sales_rep_id is not None:
        values["filter_sales_rep"] = flt.sales_rep_id
    if flt.sales_rep_ids:
        values["filter_sales_reps"] = list(dict.fromkeys(flt.sales_rep_ids))
    if flt.inside_sales_rep_id is not None:
        values["filter_inside_sales_rep"] = flt.inside_sales_rep_id
    if flt.region:
        values["filter_region"] = flt.region.strip().upper()
    if flt.credit_codes:
        values["filter_credit_codes"] = list(dict.fromkeys(flt.credit_codes))
    if flt.billing_statuses:
        values["filter_billing_statuses"] = list(dict.fromkeys(flt.billing_statuses))
    if flt.engagements:
        if flt.as_of is None:
            raise ValueError("an engagement filter needs the day it is judged on (as_of)")
        form["engagements"] = tuple(sorted({e.name for e in flt.engagements}))
        values["filter_as_of"] = flt.as_of
        values["filter_engaged_from"] = flt.as_of - dt.timedelta(days=figures.ENGAGED_DAYS)
    if flt.newest_note_from is not None:
        values["filter_note_from"] = flt.newest_note_from
    if flt.newest_note_to is not None:
        values["filter_note_to"] = flt.newest_note_to
    form.update(
        (name, True) for name in values if name not in ("filter_as_of", "filter_engaged_from")
    )
    if flt.ranges:
        form["ranges"] = _ranges(flt.ranges, values)
        if DATED & {r.field for r in flt.ranges}:
            values.update(_day_parameters(flt))
    return tuple(sorted(form.items())), values


def _ranges(ranges: Sequence[Range], values: dict[str, Any]) -> tuple[tuple[str, bool, bool], ...]:
    """Each range's field and which ends it has (its form); its ends into `values`."""
    form = []
    for r in sorted(ranges, key=lambda r: r.field.name):
        name = f"filter_range_{r.field.name.lower()}"
        for end, value in (("from", r.start), ("to", r.end)):
            if value is not None:
                values[f"{name}_{end}"] = value
        form.append((r.field.name, r.start is not None, r.end is not None))
    return tuple(form)


def _day_parameters(flt: CustomerFilter) -> dict[str, dt.date]:
    if flt.as_of is None:
        raise ValueError("a figure judged on a day needs the day (as_of)")
    return figures.figure_parameters(flt.as_of)


def filtered(flt: CustomerFilter) -> Select[Any]:
    """Customers matching the filter, its values bound (see `filter_form` for the statement per
    shape); search is case-insensitive over number, name, alias, email, phone, city and contact
    names, and a search that looks like a phone number matches the digits of the customer's
    and its contacts' phone numbers (server/customers/phones.py)."""
    form, values = filter_form(flt)
    stmt = _filtered(form)
    return stmt.params(values) if values else stmt


@shape
def _filtered(form: tuple[tuple[str, Any], ...]) -> Select[Any]:
    """The customers matching a filter of this shape, with bind parameters for its values."""
    parts = dict(form)
    stmt = select(Customer.__table__)
    if parts["active_only"]:
        stmt = stmt.where(Customer.status == CustomerStatus.ACTIVE)
    if "filter_search" in parts:
        pattern = bindparam("filter_search", type_=String)
        columns = (
            Customer.number,
            Customer.name,
            Customer.alias,
            Customer.email,
            Customer.phone,
            Customer.billing_city,
            Customer.shipping_city,
        )
        found = [c.ilike(pattern, escape="\\") for c in columns]
        contact_found = [
            Contact.first_name.ilike(pattern, escape="\\"),
            Contact.last_name.ilike(pattern, escape="\\"),
            (Contact.first_name + " " + Contact.last_name).ilike(pattern, escape="\\"),
        ]
        if "filter_digits" in parts:
            digits = bindparam("filter_digits", type_=String)
            found.append(Customer.phone_digits.like(digits))
            contact_found.append(Contact.phone_digits.like(digits))
        contact = exists().where(Contact.customer_id == Customer.id, or_(*contact_found))
        stmt = stmt.where(or_(*found, contact))
    if "filter_sales_rep" in parts:
        stmt = stmt.where(Customer.sales_rep_id == bindparam("filter_sales_rep"))
    if "filter_sales_reps" in parts:
        stmt = stmt.where(Customer.sales_rep_id.in_(bindparam("filter_sales_reps", expanding=True)))
    if "filter_inside_sales_rep" in parts:
        stmt = stmt.where(Customer.inside_sales_rep_id == bindparam("filter_inside_sales_rep"))
    if "filter_region" in parts:
        stmt = stmt.where(
            func.upper(Customer.billing_region) == bindparam("filter_region", type_=String)
        )
    if "filter_credit_codes" in parts:
        stmt = stmt.where(
            Customer.credit_code.in_(bindparam("filter_credit_codes", expanding=True))
        )
    if "filter_billing_statuses" in parts:
        stmt = stmt.where(
            Customer.billing_status.in_(bindparam("filter_billing_statuses", expanding=True))
        )
    if "engagements" in parts:
        stmt = stmt.where(
            figures.engagement_condition(
                bindparam("filter_as_of", type_=Date),
                [Engagement[name] for name in parts["engagements"]],
                since=bindparam("filter_engaged_from", type_=Date),
            )
        )
    if "filter_note_from" in parts or "filter_note_to" in parts:
        note = figures.newest_note_expression()
        start = (
            bindparam("filter_note_from", type_=note.type) if "filter_note_from" in parts else None
        )
        end = bindparam("filter_note_to", type_=note.type) if "filter_note_to" in parts else None
        stmt = stmt.where(within(note, start, end))
    for name, has_from, has_to in parts.get("ranges", ()):
        value = value_expression(CustomerSortField[name])
        bound = f"filter_range_{name.lower()}"
        start = bindparam(f"{bound}_from", type_=value.type) if has_from else None
        end = bindparam(f"{bound}_to", type_=value.type) if has_to else None
        stmt = stmt.where(within(value, start, end))
    return stmt


def value_expression(field_: CustomerSortField) -> ColumnElement[Any]:
    """The value a sort field sorts by, correlated on the customer: for a filter on it."""
    if field_ in STORED_SORTS:
        return STORED_SORTS[field_]
    if field_ is CustomerSortField.AVERAGE_ORDER_VALUE:
        return figures.average_order_minor_expression(*(FIGURE_COLUMNS[f]() for f in AVERAGE_PARTS))
    return FIGURE_COLUMNS[field_]()


def within(value: ColumnElement[Any], start: Any, end: Any) -> ColumnElement[bool]:
    """start <= value <= end, both inclusive, either left out when None; null is never within."""
    if start is not None and end is not None:
        return value.between(start, end)
    return value >= start if start is not None else value <= end


def check_cursor(cursor: str | None, keys: Sequence[SortKey]) -> None:
    """Refuses a cursor whose values do not fit the sort keys (one of another sort order, such as
    a name where a lifetime value belongs) as bad input, before the database fails on it."""
    if cursor is None:
        return
    values = decode_cursor(cursor, len(keys) + 1)
    for expression, value in zip([*(key.expression for key in keys), None], values, strict=True):
        expected = _python_type(expression.type) if expression is not None else int
        if value is not None and expected is not None and type(value) is not expected:
            raise BadPageArgs(f"cursor {shown(cursor)} belongs to another sort order")


def _python_type(type_: Any) -> type | None:
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    try:
        expected = type_.python_type
    except NotImplementedError:
        return None
    return expected if expected in (int, str, dt.date, dt.datetime) else None


def sorted_customers(flt: CustomerFilter, order: SortOrder) -> tuple[Select[Any], list[SortKey]]:
    """`sorted_statement` with the filter's values bound (for a statement run once)."""
    form, values = _with_day(flt, [f for f, _ in order])
    stmt, keys = sorted_statement(form, tuple(order))
    return (stmt.params(values) if values else stmt), list(keys)


@shape
def sorted_statement(
    form: tuple[tuple[str, Any], ...], order: tuple[tuple[CustomerSortField, SortDirection], ...]
) -> tuple[Select[Any], tuple[SortKey, ...]]:
    """The customers of a filter of this shape (`filter_form`) as a derived table with the
    figures the sort needs, each computed once per customer, and the sort keys over it (by number
    when no order is given). Every row ends with one `sort_<n>` column per key: the values its
    cursor holds. Built once per shape: the page's statement is then the same object on every
    request, which SQLite runs prepared."""
    order = order or ((CustomerSortField.NUMBER, SortDirection.ASC),)
    base = _filtered(form)
    figured = _with_figures(base, [f for f, _ in order])
    if figured is base:  # sorted by stored columns: straight from the table (an index can serve it)
        keys = tuple(SortKey(STORED_SORTS[f], descending=d is SortDirection.DESC) for f, d in order)
        return base.add_columns(
            *(key.expression.label(f"sort_{n}") for n, key in enumerate(keys))
        ), keys
    # Materialized, so that each figure is computed once per customer: inlined, the planners of
    # both databases would copy its subqueries into every ORDER BY and WHERE term that reads it.
    listed = figured.cte("listed").prefix_with("MATERIALIZED")
    keys = tuple(SortKey(_key(listed, f), descending=d is SortDirection.DESC) for f, d in order)
    stmt = select(listed, *(key.expression.label(f"sort_{n}") for n, key in enumerate(keys)))
    return stmt, keys


def _with_figures(base: Select[Any], fields: Sequence[CustomerSortField]) -> Select[Any]:
    """`base` with a `figure_<name>` column for each figure the fields read (`base` itself when
    they read none)."""
    average = CustomerSortField.AVERAGE_ORDER_VALUE
    needed = {part for f in fields for part in (AVERAGE_PARTS if f is average else (f,))}
    figure_columns = [make().label(_column(f)) for f, make in FIGURE_COLUMNS.items() if f in needed]
    return base.add_columns(*figure_columns) if figure_columns else base


def _column(field_: CustomerSortField) -> str:
    return f"figure_{field_.name.lower()}"


def _key(listed: Subquery | CTE, field_: CustomerSortField) -> ColumnElement[Any]:
    if field_ in STORED_SORTS:
        return listed.c[STORED_SORTS[field_].name]
    if field_ is CustomerSortField.AVERAGE_ORDER_VALUE:
        total, count = (listed.c[_column(f)] for f in AVERAGE_PARTS)
        return figures.average_order_minor_expression(total, count)
    return listed.c[_column(field_)]


async def page(
    reader: Reader,
    flt: CustomerFilter,
    order: SortOrder,
    *,
    size: int,
    backwards: bool,
    after: str | None,
    before: str | None,
) -> KeysetPage:
    form, values = _with_day(flt, [f for f, _ in order])
    stmt, keys = sorted_statement(form, tuple(order))
    check_cursor(before if backwards else after, keys)
    paged, params = keyset_select(
        stmt,
        keys,
        stmt.selected_columns.id,
        size=size,
        backwards=backwards,
        after=after,
        before=before,
    )
    rows = await reader.rows(paged, {**values, **params})
    return keyset_page(
        rows,
        size,
        backwards,
        lambda row: [*row[-len(keys) :], row.id],
        had_cursor=(before if backwards else after) is not None,
    )


def _with_day(
    flt: CustomerFilter, fields: Sequence[CustomerSortField]
) -> tuple[tuple[tuple[str, Any], ...], dict[str, Any]]:
    """`filter_form`, with the day's parameters when the fields read a figure judged on a day."""
    form, values = filter_form(flt)
    if DATED.intersection(fields):
        values = {**values, **_day_parameters(flt)}
    return form, values


async def totals(
    reader: Reader, flt: CustomerFilter, fields: Sequence[CustomerSortField]
) -> tuple[int, dict[CustomerSortField, int | None]]:
    """How many customers match, and the sum of each field's value over them (None when none
    has a value), in one statement."""
    fields = tuple(dict.fromkeys(fields))
    form, values = _with_day(flt, fields)
    row = (await reader.rows(_totals(form, fields), values))[0]
    return int(row[0]), {
        f: None if value is None else int(value) for f, value in zip(fields, row[1:], strict=True)
    }


@shape
def _totals(
    form: tuple[tuple[str, Any], ...], fields: tuple[CustomerSortField, ...]
) -> Select[Any]:
    listed = _with_figures(_filtered(form), fields).subquery("listed")
    columns: list[Any] = [func.count(), *(func.sum(_key(listed, f)) for f in fields)]
    return select(*columns)


async def count(reader: Reader, flt: CustomerFilter) -> int:
    form, values = filter_form(flt)
    return int(await reader.scalar(_count(form), values))


@shape
def _count(form: tuple[tuple[str, Any], ...]) -> Select[Any]:
    return select(func.count()).select_from(_filtered(form).subquery())
