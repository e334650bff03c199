"""Top-level lists other than customers: locations, items, leads, audit events (keyset pages)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select

from server.audit.models import AuditEvent
from server.customers.models import Customer, Location
from server.customers.listing import _like
from server.documents.models import Item
from server.leads.models import CLOSED_LEAD_STATES, Lead
from server.pagination import KeysetPage, SortKey, keyset_page, keyset_select
from server.reader import Reader


async def keyset(reader: Reader, stmt: Select[Any], keys: Sequence[SortKey], id_column: Any,
                 key_of: Callable[[Any], list[Any]], *, size: int, backwards: bool, after: str | None,
                 before: str | None) -> tuple[KeysetPage, Callable[[], Any]]:
    """A page of `stmt` and a function counting all its rows (run only when totalCount is asked)."""
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


def leads(filters: dict[str, Any]) -> tuple[Select[Any], list[SortKey], Callable]:
    """Leads by number; filters on state, open, program, source and people."""
    stmt = select(Lead.__table__)
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
    return stmt, [SortKey(Lead.number)], lambda r: [r.number, r.id]


def audit_events(entity: tuple[str, int] | None) -> tuple[Select[Any], list[SortKey], Callable]:
    """Newest first."""
    stmt = select(AuditEvent.__table__)
    if entity is not None:
        stmt = stmt.where(AuditEvent.entity_type == entity[0], AuditEvent.entity_id == entity[1])
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
