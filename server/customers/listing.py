"""The customer list: search, filters and sorts in SQL, keyset pages (SPEC §7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, exists, func, or_, select

from server.customers.models import Contact, CreditCode, BillingStatus, Customer, CustomerStatus
from server.pagination import KeysetPage, SortKey, keyset_page, keyset_select
from server.reader import Reader
from server.sorting import CustomerSortField, SortDirection

STORED_SORTS: dict[CustomerSortField, Any] = {
    CustomerSortField.NUMBER: Customer.number,
    CustomerSortField.NAME: Customer.name,
    CustomerSortField.CREATED_AT: Customer.created_at,
    CustomerSortField.REGION: Customer.billing_region,
}


@dataclass
class CustomerFilter:
    search: str | None = None
    include_inactive: bool = False
    sales_rep_id: int | None = None
    inside_sales_rep_id: int | None = None
    region: str | None = None
    credit_codes: Sequence[CreditCode] = ()
    billing_statuses: Sequence[BillingStatus] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(flt: CustomerFilter) -> Select[Any]:
    """Customers matching the filter; search is case-insensitive over number, name, alias, email,
    phone, city and contact names."""
    stmt = select(Customer.__table__)
    if not flt.include_inactive:
        stmt = stmt.where(Customer.status == CustomerStatus.ACTIVE)
    if flt.search and flt.search.strip():
        pattern = _like(flt.search.strip())
        columns = (Customer.number, Customer.name, Customer.alias, Customer.email, Customer.phone,
                   Customer.billing_city, Customer.shipping_city)
        contact = exists().where(Contact.customer_id == Customer.id, or_(
            Contact.first_name.ilike(pattern, escape="\\"), Contact.last_name.ilike(pattern, escape="\\"),
            (Contact.first_name + " " + Contact.last_name).ilike(pattern, escape="\\")))
        stmt = stmt.where(or_(*(c.ilike(pattern, escape="\\") for c in columns), contact))
    if flt.sales_rep_id is not None:
        stmt = stmt.where(Customer.sales_rep_id == flt.sales_rep_id)
    if flt.inside_sales_rep_id is not None:
        stmt = stmt.where(Customer.inside_sales_rep_id == flt.inside_sales_rep_id)
    if flt.region:
        stmt = stmt.where(func.upper(Customer.billing_region) == flt.region.strip().upper())
    if flt.credit_codes:
        stmt = stmt.where(Customer.credit_code.in_(flt.credit_codes))
    if flt.billing_statuses:
        stmt = stmt.where(Customer.billing_status.in_(flt.billing_statuses))
    return stmt


def sort_keys(order: Sequence[tuple[CustomerSortField, SortDirection]]) -> list[SortKey]:
    keys = [SortKey(STORED_SORTS[f], d is SortDirection.DESC) for f, d in order]
    return keys or [SortKey(Customer.number)]


async def page(reader: Reader, flt: CustomerFilter, order: Sequence[tuple[CustomerSortField, SortDirection]], *,
               size: int, backwards: bool, after: str | None, before: str | None) -> KeysetPage:
    keys = sort_keys(order)
    stmt = keyset_select(filtered(flt), keys, Customer.id, size=size, backwards=backwards, after=after,
                         before=before)
    names = [key.expression.name for key in keys]
    rows = await reader.rows(stmt)
    return keyset_page(rows, size, backwards, lambda row: [*(getattr(row, n) for n in names), row.id],
                       had_cursor=(before if backwards else after) is not None)


async def count(reader: Reader, flt: CustomerFilter) -> int:
    inner = filtered(flt).subquery()
    return int(await reader.scalar(select(func.count()).select_from(inner)))


def is_stored(field_: CustomerSortField) -> bool:
    return field_ in STORED_SORTS


