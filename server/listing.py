"""Top-level lists other than customers: locations, items, leads, audit events (keyset pages)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import QueryableAttribute

from schema.fastpath.reader import Reader, shape
from server.audit.models import AuditEvent, AuditEventEntity
from server.customers import phones
from server.customers.listing import _like, check_cursor, within
from server.customers.models import Customer, Location, PaymentTerms
from server.documents.models import Item
from server.leads.models import CLOSED_LEAD_STATES, Lead, LeadState
from server.notes.models import Note
from server.pagination import KeysetPage, SortKey, keyset_page, keyset_select
from server.sorting import LeadSortField, SortDirection


async def keyset(
    reader: Reader,
    stmt: Select[Any],
    keys: Sequence[SortKey],
    id_column: Any,
    key_of: Callable[[Any], list[Any]],
    *,
    size: int,
    backwards: bool,
    after: str | None,
    before: str | None,
    params: dict[str, Any] | None = None,
) -> tuple[KeysetPage, Callable[[], Any]]:
    """A page of `stmt` (with its bind parameters `params`) and a function counting all its rows
    (run only when totalCount is asked)."""
    check_cursor(before if backwards else after, keys)
    paged, page_params = keyset_select(
        stmt, keys, id_column, size=size, backwards=backwards, after=after, before=before
    )
    page = keyset_page(
        await reader.rows(paged, {**(params or {}), **page_params}),
        size,
        backwards,
        key_of,
        had_cursor=(before if backwards else after) is not None,
    )

    async def count() -> int:
        return int(await reader.scalar(select(func.count()).select_from(stmt.subquery()), params))

    return page, count


Listed = tuple[
    Select[Any], list[SortKey], Callable, dict[str, Any]
]  # statement, keys, key_of, its parameters


def locations(customer_id: int | None, search: str | None) -> Listed:
    """Locations sorted by customer name, then code; a search that looks like a phone number
    also matches the digits of the location's contact phone."""
    stmt = select(Location.__table__, Customer.name.label("customer_name")).join(
        Customer, Customer.id == Location.customer_id
    )
    if customer_id is not None:
        stmt = stmt.where(Location.customer_id == customer_id)
    if search and search.strip():
        pattern = _like(search.strip())
        found = [
            c.ilike(pattern, escape="\\")
            for c in (
                Location.code,
                Location.alias,
                Location.contact_name,
                Location.shipping_city,
                Customer.name,
            )
        ]
        digits = phones.search_digits(search)
        if digits is not None:
            found.append(Location.phone_digits.like(phones.digits_pattern(digits)))
        stmt = stmt.where(or_(*found))
    return (
        stmt,
        [SortKey(Customer.name), SortKey(Location.code)],
        lambda r: [r.customer_name, r.code, r.id],
        {},
    )


def items(search: str | None) -> Listed:
    stmt = select(Item.__table__)
    if search and search.strip():
        pattern = _like(search.strip())
        stmt = stmt.where(
            or_(Item.code.ilike(pattern, escape="\\"), Item.description.ilike(pattern, escape="\\"))
        )
    return stmt, [SortKey(Item.code)], lambda r: [r.code, r.id], {}


LEAD_COLUMNS: dict[LeadSortField, str] = {
    LeadSortField.NUMBER: "number",
    LeadSortField.CUSTOMER_NAME: "customer_name",
    LeadSortField.PROBABILITY: "probability",
    LeadSortField.POTENTIAL_VALUE: "potential_value_minor",
    LeadSortField.ESTIMATED_CONVERSION_DATE: "estimated_conversion_on",
    LeadSortField.NEWEST_NOTE_AT: "newest_note_at",
}


def lead_newest_note_expression() -> ColumnElement[Any]:
    """The time of the lead's latest note (as `Lead.newestNoteAt`); null without notes."""
    return (
        select(func.max(Note.created_at))
        .where(Note.lead_id == Lead.id)
        .correlate(Lead)
        .scalar_subquery()
    )


def leads(
    filters: dict[str, Any], order: Sequence[tuple[LeadSortField, SortDirection]] = ()
) -> Listed:
    """Leads with their customer's name, filtered and sorted (by number unless told); each row
    ends with one `sort_<n>` column per key. STATE sorts in pipeline order: pending
    qualification, development, quoting, customer, inactive.

    The statement is built once per shape (which filters, which order) with bind parameters,
    and this request's values go with it as parameters: building it costs more Python than the
    page's SQL (the derived table's columns alone take about a millisecond), and the same
    statement object lets SQLite run its page prepared."""
    form, values = _lead_filter_values(filters)
    stmt, keys = _lead_statement(form, tuple(order or [(LeadSortField.NUMBER, SortDirection.ASC)]))
    width = len(keys)
    return stmt, list(keys), lambda r: [*r[-width:], r.id], values


@shape
def _lead_statement(
    form: tuple[tuple[str, Any], ...], order: tuple[tuple[LeadSortField, SortDirection], ...]
) -> tuple[Select[Any], tuple[SortKey, ...]]:
    with_note = any(f is LeadSortField.NEWEST_NOTE_AT for f, _ in order)
    columns = [lead_newest_note_expression().label("newest_note_at")] if with_note else []
    stmt = select(Lead.__table__, Customer.name.label("customer_name"), *columns).join(
        Customer, Customer.id == Lead.customer_id
    )
    filtered = _lead_filters(stmt, dict(form))
    # Materialized with the newest note, so that it is computed once per lead (see customers).
    listed = (
        filtered.cte("listed").prefix_with("MATERIALIZED")
        if with_note
        else filtered.subquery("listed")
    )
    keys = tuple(
        SortKey(_lead_key(listed, f), descending=d is SortDirection.DESC) for f, d in order
    )
    return select(listed, *(key.expression.label(f"sort_{n}") for n, key in enumerate(keys))), keys


def _lead_key(listed: Subquery | CTE, field_: LeadSortField) -> ColumnElement[Any]:
    if field_ is LeadSortField.STATE:
        return case(*((listed.c.state == state, rank) for rank, state in enumerate(LeadState)))
    return listed.c[LEAD_COLUMNS[field_]]


_LEAD_PEOPLE = (
    ("program", Lead.program_id),
    ("source", Lead.source_id),
    ("insideSalesRep", Lead.inside_sales_rep_id),
    ("outsideSalesRep", Lead.outside_sales_rep_id),
    ("assignedTo", Lead.assigned_to_id),
)


def _lead_filter_values(
    filters: dict[str, Any],
) -> tuple[tuple[tuple[str, Any], ...], dict[str, Any]]:
    """The shape of the filters (which are set, and what changes the statement's form) and the
    values of their bind parameters."""
    form: dict[str, Any] = {}
    values: dict[str, Any] = {}
    search = (filters.get("search") or "").strip()
    if search:
        number = (
            search.isascii() and search.isdigit() and len(search) < 10
        )  # not other scripts' digits
        form["search"] = number
        values["search"] = _like(search)
        if number:
            values["search_number"] = int(search)
        digits = phones.search_digits(search)
        if digits is not None:
            form["search_digits"] = True
            values["search_digits"] = phones.digits_pattern(digits)
    if filters.get("state"):
        form["state"] = True
        values["state"] = list(filters["state"])
    if filters.get("open") is not None:
        form["open"] = bool(filters["open"])
    for name, _column in _LEAD_PEOPLE:
        if filters.get(name) is not None:
            form[name] = True
            values[name] = filters[name]
    if (filters.get("region") or "").strip():
        form["region"] = True
        values["region"] = filters["region"].strip().upper()
    for name, key in (("noteFrom", "note_from"), ("noteTo", "note_to")):
        if filters.get(name) is not None:
            form[name] = True
            values[key] = filters[name]
    return tuple(sorted(form.items())), values


def _lead_filters(stmt: Select[Any], form: dict[str, Any]) -> Select[Any]:
    """Search (customer name or number, the lead's number, or, looking like a phone number, the
    digits of the customer's phone), state, open, people, program, source, and the customer's
    billing region; values as bind parameters (`_lead_filter_values`)."""
    if "search" in form:
        pattern = bindparam("search", type_=String)
        matches: list[ColumnElement[bool]] = [
            Customer.name.ilike(pattern, escape="\\"),
            Customer.number.ilike(pattern, escape="\\"),
        ]
        if form["search"]:
            matches.append(Lead.number == bindparam("search_number"))
        if "search_digits" in form:
            matches.append(Customer.phone_digits.like(bindparam("search_digits")))
        stmt = stmt.where(or_(*matches))
    if "state" in form:
        stmt = stmt.where(Lead.state.in_(bindparam("state", expanding=True)))
    if "open" in form:
        closed = Lead.state.in_(CLOSED_LEAD_STATES)
        stmt = stmt.where(~closed if form["open"] else closed)
    for name, column in _LEAD_PEOPLE:
        if name in form:
            stmt = stmt.where(column == bindparam(name))
    if "region" in form:
        stmt = stmt.where(func.upper(Customer.billing_region) == bindparam("region"))
    if "noteFrom" in form or "noteTo" in form:
        stmt = stmt.where(
            within(
                lead_newest_note_expression(),
                bindparam("note_from") if "noteFrom" in form else None,
                bindparam("note_to") if "noteTo" in form else None,
            )
        )
    return stmt


def audit_events(entity: tuple[str, int] | None) -> Listed:
    """Newest first; of one record: its own events and the changes of many that touched it."""
    stmt = select(AuditEvent.__table__)
    if entity is not None:
        touched = select(AuditEventEntity.event_id).where(
            AuditEventEntity.entity_type == entity[0], AuditEventEntity.entity_id == entity[1]
        )
        stmt = stmt.where(
            or_(
                and_(AuditEvent.entity_type == entity[0], AuditEvent.entity_id == entity[1]),
                AuditEvent.id.in_(touched),
            )
        )
    return stmt, [SortKey(AuditEvent.id, descending=True)], lambda r: [r.id, r.id], {}


# How a reference table other than by name is listed: payment terms by their due days, so that
# NET7 comes before NET60 (by code, "NET60" < "NET7").
REFERENCE_ORDER: dict[str, tuple[QueryableAttribute[Any], ...]] = {
    "PaymentTerms": (PaymentTerms.due_days, PaymentTerms.code),
}


async def all_rows(reader: Reader, kind: str, *, include_inactive: bool = True) -> Sequence[Any]:
    """Every row of a small reference table (payment terms, users, lead programs and sources), by
    name (`REFERENCE_ORDER` for the others)."""
    from server import models

    model: Any = models.Base.registry._class_registry[kind]  # a mapped class, by name
    stmt = select(model.__table__)
    if not include_inactive and hasattr(model, "active"):
        stmt = stmt.where(model.active.is_(True))
    order = REFERENCE_ORDER.get(kind) or (getattr(model, "code", None) or model.name,)
    return await reader.rows(stmt.order_by(*order, model.id))
