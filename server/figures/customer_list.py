"""The figures of the customer list (SPEC §4): lifetime value, orders, engagement, balances,
activity dates and the newest note, each family one statement for every customer of a page."""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from server.customers.models import Customer
from server.documents.models import OPEN_ORDER_STATUSES, InvoiceClassification, InvoiceStatus, Order, OrderStatus
from server.documents.models import Invoice
from server.figures.history import HistoryRole, invoices_of
from server.notes.models import Note
from server.payments.models import Payment
from server.money import round_div
from server.reader import Reader

ENGAGED_DAYS = 364  # an order dated asOf-364 .. asOf: the 365 days up to asOf


class Engagement(enum.Enum):
    ENGAGED = "ENGAGED"
    LAPSED = "LAPSED"
    NEVER_ORDERED = "NEVER_ORDERED"


@dataclass(frozen=True, slots=True)
class Sales:
    """Issued invoices and credit notes of a customer, all time, role ORDER_OR_BILLING."""

    invoiced_minor: int
    credited_minor: int
    first_invoice_on: dt.date | None
    last_invoice_on: dt.date | None
    invoice_count: int

    @classmethod
    def none(cls) -> Sales:
        return cls(0, 0, None, None, 0)


@dataclass(frozen=True, slots=True)
class Orders:
    """Orders of a customer as order customer, not cancelled."""

    count: int
    total_minor: int
    last_order_on: dt.date | None
    ordered_in_year: bool  # an order dated within the 365 days up to asOf
    ordered_by_as_of: bool  # an order dated asOf or earlier: later ones do not count for engagement

    @classmethod
    def none(cls) -> Orders:
        return cls(0, 0, None, False, False)

    @property
    def engagement(self) -> Engagement:
        if self.ordered_in_year:
            return Engagement.ENGAGED
        return Engagement.LAPSED if self.ordered_by_as_of else Engagement.NEVER_ORDERED

    @property
    def average_minor(self) -> int | None:
        return round_div(self.total_minor, self.count) if self.count else None


@dataclass(frozen=True, slots=True)
class Balances:
    """What a customer owes and has paid ahead, as bill customer, in the base currency."""

    open_orders_minor: int
    current_invoices_minor: int
    unapplied_payments_minor: int
    last_payment_on: dt.date | None

    @classmethod
    def none(cls) -> Balances:
        return cls(0, 0, 0, None)


async def sales(reader: Reader, customer_ids: Sequence[int]) -> dict[int, Sales]:
    docs = invoices_of(customer_ids, HistoryRole.ORDER_OR_BILLING, Invoice.classification,
                       Invoice.base_net_minor, Invoice.invoice_on)
    is_credit = docs.c.classification == InvoiceClassification.CREDIT
    stmt = select(
        docs.c.customer_id,
        func.coalesce(func.sum(case((is_credit, 0), else_=docs.c.base_net_minor)), 0),
        func.coalesce(func.sum(case((is_credit, docs.c.base_net_minor), else_=0)), 0),
        func.min(docs.c.invoice_on),
        func.max(docs.c.invoice_on),
        func.count(),
    ).group_by(docs.c.customer_id)
    return {row[0]: Sales(int(row[1]), int(row[2]), row[3], row[4], row[5]) for row in await reader.rows(stmt)}


async def orders(reader: Reader, keys: Sequence[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], Orders]:
    """Keyed by (customer id, asOf): engagement depends on the day it is judged on."""
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for customer_id, as_of in keys:
        by_day[as_of].append(customer_id)
    found: dict[tuple[int, dt.date], Orders] = {}
    for as_of, ids in by_day.items():
        for row in await reader.rows(_orders_statement(ids, as_of)):
            found[(row[0], as_of)] = Orders(row[1], int(row[2]), row[3], bool(row[4]), bool(row[5]))
    return found


def _orders_statement(customer_ids: Sequence[int], as_of: dt.date) -> Any:
    in_year = Order.order_on.between(as_of - dt.timedelta(days=ENGAGED_DAYS), as_of)
    return (
        select(Order.order_customer_id, func.count(), func.coalesce(func.sum(Order.base_net_minor), 0),
               func.max(Order.order_on), func.max(case((in_year, 1), else_=0)),
               func.max(case((Order.order_on <= as_of, 1), else_=0)))
        .where(Order.order_customer_id.in_(customer_ids), Order.status != OrderStatus.CANCELLED)
        .group_by(Order.order_customer_id)
    )


async def balances(reader: Reader, customer_ids: Sequence[int]) -> dict[int, Balances]:
    return {row[0]: balances_of(row) for row in await reader.rows(balances_statement(customer_ids))}


def balances_of(row: Any) -> Balances:
    return Balances(int(row[1]), int(row[2]), int(row[3]), _date(row[4]))


def balances_statement(customer_ids: Sequence[int]) -> Any:
    """One row per customer, each balance a correlated sum over its own index."""
    signed_balance = case((Invoice.classification == InvoiceClassification.CREDIT, -Invoice.base_balance_minor),
                          else_=Invoice.base_balance_minor)
    open_orders = (select(func.coalesce(func.sum(Order.base_net_minor), 0))
                   .where(Order.billing_customer_id == Customer.id, Order.status.in_(OPEN_ORDER_STATUSES))
                   .scalar_subquery())
    current = (select(func.coalesce(func.sum(signed_balance), 0))
               .where(Invoice.bill_customer_id == Customer.id,
                      Invoice.status.in_((InvoiceStatus.PRINTED, InvoiceStatus.PARTIALLY_PAID)))
               .scalar_subquery())
    unapplied = (select(func.coalesce(func.sum(Payment.base_unapplied_minor), 0))
                 .where(Payment.customer_id == Customer.id).scalar_subquery())
    last_payment = select(func.max(Payment.payment_on)).where(Payment.customer_id == Customer.id).scalar_subquery()
    return select(Customer.id, open_orders, current, unapplied, last_payment).where(Customer.id.in_(customer_ids))


async def newest_notes(reader: Reader, customer_ids: Sequence[int]) -> dict[int, dt.datetime]:
    stmt = (select(Note.customer_id, func.max(Note.created_at))
            .where(Note.customer_id.in_(customer_ids)).group_by(Note.customer_id))
    return {row[0]: row[1] for row in await reader.rows(stmt)}


def _date(value: Any) -> dt.date | None:
    # A scalar subquery's max() comes back untyped on SQLite.
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)
