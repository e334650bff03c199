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
}

# Each computed once per customer, as a column of the derived table the page is read from.
FIGURE_COLUMNS: dict[CustomerSortField, Callable[[], ColumnElement[Any]]] = {
    CustomerSortField.LIFETIME_VALUE: figures.lifetime_value_expression,
    CustomerSortField.ORDER_COUNT: figures.order_count_expression,
    CustomerSortField.ORDER_TOTAL: figures.order_total_expression,
    CustomerSortField.LAST_ORDER_DATE: figures.last_order_on_expression,
    CustomerSortField.NEWEST_NOTE_AT: figures.newest_note_expression,
}
AVERAGE_PARTS = (CustomerSortField.ORDER_TOTAL, CustomerSortField.ORDER_COUNT)


@dataclass
class CustomerFilter:
    search: str | None = None
    include_inactive: bool = False
    sales_rep_id: int | None = None
    inside_sales_rep_id: int | None = None
    region: str | None = None
    credit_codes: Sequence[CreditCode] = ()
    billing_statuses: Sequence[BillingStatus] = ()
    engagements: Sequence[Engagement] = ()
    as_of: dt.date | None = None  # the day engagement is judged on: today
    newest_note_from: dt.datetime | None = None  # inclusive, like newest_note_to
    newest_note_to: dt.datetime | None = None
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
    return tuple(sorted(form.items())), values


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
    return stmt


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
    form, values = filter_form(flt)
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
    average = CustomerSortField.AVERAGE_ORDER_VALUE
    needed = {part for f, _ in order for part in (AVERAGE_PARTS if f is average else (f,))}
    figure_columns = [make().label(_column(f)) for f, make in FIGURE_COLUMNS.items() if f in needed]
    base = _filtered(form)
    if (
        not figure_columns
    ):  # sorted by stored columns: straight from the table (an index can serve it)
        keys = tuple(SortKey(STORED_SORTS[f], descending=d is SortDirection.DESC) for f, d in order)
        return base.add_columns(
            *(key.expression.label(f"sort_{n}") for n, key in enumerate(keys))
        ), keys
    listed = base.add_columns(*figure_columns)
    # Materialized, so that each figure is computed once per customer: inlined, the planners of
    # both databases would copy its subqueries into every ORDER BY and WHERE term that reads it.
    cte = listed.cte("listed").prefix_with("MATERIALIZED")
    keys = tuple(SortKey(_key(cte, f), descending=d is SortDirection.DESC) for f, d in order)
    stmt = select(cte, *(key.expression.label(f"sort_{n}") for n, key in enumerate(keys)))
    return stmt, keys


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
    form, values = filter_form(flt)
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


async def count(reader: Reader, flt: CustomerFilter) -> int:
    form, values = filter_form(flt)
    return int(await reader.scalar(_count(form), values))


@shape
def _count(form: tuple[tuple[str, Any], ...]) -> Select[Any]:
    return select(func.count()).select_from(_filtered(form).subquery())
