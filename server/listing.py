"""Top-level lists other than customers: locations, items, leads, audit events (keyset pages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, Subquery, and_, case, func, or_, select

from server.audit.models import AuditEvent, AuditEventEntity
from server.customers.models import Customer, Location
from server.customers.listing import _like, check_cursor, within
from server.documents.models import Item
from server.leads.models import CLOSED_LEAD_STATES, Lead, LeadState
from server.notes.models import Note
from server.pagination import KeysetPage, SortKey, keyset_page, keyset_select
from server.reader import Reader
from server.sorting import LeadSortField, SortDirection


async def keyset(reader: Reader, stmt: Select[Any], keys: Sequence[SortKey], id_column: Any,
                 key_of: Callable[[Any], list[Any]], *, size: int, backwards: bool, after: str | None,
                 before: str | None) -> tuple[KeysetPage, Callable[[], Any]]:
    """A page of `stmt` and a function counting all its rows (run only when totalCount is asked)."""
    check_cursor(before if backwards else after, keys)
    paged = keyset_select(stmt, keys, id_column, size=size, backwards=backwards, after=after, before=before)
    page = keyset_page(await reader.rows(paged), size, backwards, key_of,
                       had_cursor=(before if backwards else after) is not None)

    async def count() -> int:
        return int(await reader.scalar(select(func.count()).select_from(stmt.subquery())))
    return page, count


def locations(customer_id: int | None, search: str | None) -> tuple[Select[Any], list[SortKey], Callable]:
    """Locations sorted by customer name, then code."""
    stmt = select(Location.__table__, Customer.name.label("customer_name")).join(
        Customer, Customer.id == Location.customer_id)
    if customer_id is not None:
        stmt = stmt.where(Location.customer_id == customer_id)
    if search and search.strip():
        pattern = _like(search.strip())
        stmt = stmt.where(or_(*(c.ilike(pattern, escape="\\") for c in (
            Location.code, Location.alias, Location.contact_name, Location.shipping_city, Customer.name))))
    return stmt, [SortKey(Customer.name), SortKey(Location.code)], lambda r: [r.customer_name, r.code, r.id]


def items(search: str | None) -> tuple[Select[Any], list[SortKey], Callable]:
    stmt = select(Item.__table__)
    if search and search.strip():
        pattern = _like(search.strip())
        stmt = stmt.where(or_(Item.code.ilike(pattern, escape="\\"), Item.description.ilike(pattern, escape="\\")))
    return stmt, [SortKey(Item.code)], lambda r: [r.code, r.id]


LEAD_COLUMNS: dict[LeadSortField, str] = {
    LeadSortField.NUMBER: "number",
    LeadSortField.CUSTOMER_NAME: "customer_name",
    LeadSortField.PROBABILITY: "probability",
    LeadSortField.POTENTIAL_VALUE: "potential_value_minor",
    LeadSortField.ESTIMATED_CONVERSION_DATE: "estimated_conversion_on",
    LeadSortField.NEWEST_NOTE_AT: "newest_note_at",
}


def aware(value: Any) -> dt.datetime | None:
    """A time read from a derived column: SQLite may hand it back as text, and without a zone."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def lead_newest_note_expression() -> ColumnElement[Any]:
    """The time of the lead's latest note (as `Lead.newestNoteAt`); null without notes."""
    return select(func.max(Note.created_at)).where(Note.lead_id == Lead.id).correlate(Lead).scalar_subquery()


def leads(filters: dict[str, Any], order: Sequence[tuple[LeadSortField, SortDirection]] = ()
          ) -> tuple[Select[Any], list[SortKey], Callable]:
    """Leads with their customer's name, filtered and sorted (by number unless told); each row
    ends with one `sort_<n>` column per key. STATE sorts in pipeline order: pending
    qualification, development, quoting, customer, inactive."""
    order = order or [(LeadSortField.NUMBER, SortDirection.ASC)]
    with_note = any(f is LeadSortField.NEWEST_NOTE_AT for f, _ in order)
    columns = [lead_newest_note_expression().label("newest_note_at")] if with_note else []
    stmt = select(Lead.__table__, Customer.name.label("customer_name"), *columns).join(
        Customer, Customer.id == Lead.customer_id)
    listed = _lead_filters(stmt, filters)
    # Materialized with the newest note, so that it is computed once per lead (see customers).
    listed = listed.cte("listed").prefix_with("MATERIALIZED") if with_note else listed.subquery("listed")
    keys = [SortKey(_lead_key(listed, f), descending=d is SortDirection.DESC) for f, d in order]
    paged = select(listed, *(key.expression.label(f"sort_{n}") for n, key in enumerate(keys)))
    return paged, keys, lambda r: [*r[-len(keys):], r.id]


def _lead_key(listed: Subquery | CTE, field_: LeadSortField) -> ColumnElement[Any]:
    if field_ is LeadSortField.STATE:
        return case(*((listed.c.state == state, rank) for rank, state in enumerate(LeadState)))
    return listed.c[LEAD_COLUMNS[field_]]


def _lead_filters(stmt: Select[Any], filters: dict[str, Any]) -> Select[Any]:
    """Search (customer name or number, or the lead's number), state, open, people, program,
    source, and the customer's billing region."""
    search = (filters.get("search") or "").strip()
    if search:
        pattern = _like(search)
        matches = [Customer.name.ilike(pattern, escape="\\"), Customer.number.ilike(pattern, escape="\\")]
        if search.isdigit() and len(search) < 10:
            matches.append(Lead.number == int(search))
        stmt = stmt.where(or_(*matches))
    if filters.get("state"):
        stmt = stmt.where(Lead.state.in_(filters["state"]))
    if filters.get("open") is not None:
        closed = Lead.state.in_(CLOSED_LEAD_STATES)
        stmt = stmt.where(~closed if filters["open"] else closed)
    for name, column in (("program", Lead.program_id), ("source", Lead.source_id),
                         ("insideSalesRep", Lead.inside_sales_rep_id), ("outsideSalesRep", Lead.outside_sales_rep_id),
                         ("assignedTo", Lead.assigned_to_id)):
        if filters.get(name) is not None:
            stmt = stmt.where(column == filters[name])
    if (filters.get("region") or "").strip():
        stmt = stmt.where(func.upper(Customer.billing_region) == filters["region"].strip().upper())
    start, end = filters.get("noteFrom"), filters.get("noteTo")
    if start is not None or end is not None:
        stmt = stmt.where(within(lead_newest_note_expression(), start, end))
    return stmt


def audit_events(entity: tuple[str, int] | None) -> tuple[Select[Any], list[SortKey], Callable]:
    """Newest first; of one record: its own events and the changes of many that touched it."""
    stmt = select(AuditEvent.__table__)
    if entity is not None:
        touched = select(AuditEventEntity.event_id).where(AuditEventEntity.entity_type == entity[0],
                                                          AuditEventEntity.entity_id == entity[1])
        stmt = stmt.where(or_(and_(AuditEvent.entity_type == entity[0], AuditEvent.entity_id == entity[1]),
                              AuditEvent.id.in_(touched)))
    return stmt, [SortKey(AuditEvent.id, descending=True)], lambda r: [r.id, r.id]


async def all_rows(reader: Reader, kind: str, *, include_inactive: bool = True) -> Sequence[Any]:
    """Every row of a small reference table (payment terms, users, lead programs and sources), by name."""
    from server import models
    model = models.Base.registry._class_registry[kind]
    stmt = select(model.__table__)
    if not include_inactive and hasattr(model, "active"):
        stmt = stmt.where(model.active.is_(True))
    order = getattr(model, "code", None) or getattr(model, "name")
    return await reader.rows(stmt.order_by(order, model.id))
