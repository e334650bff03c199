"""Aging (SPEC §4): a customer's open balances as bill customer by days past due at asOf, in
one statement for every customer of a page. Open credit notes always count as current.

Days sales outstanding divides the open total by the average day's sales of the 365 days up to
asOf; aging looks at who pays, so those are the customer's sales as bill customer, summed in
the same statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, case, func, select

from schema.fastpath.reader import IDS, shape
from server.documents.models import ISSUED_STATUSES, Invoice, InvoiceClassification
from server.documents.rules import OWING_STATUSES, signed_base_balance_expression
from server.figures.windows import Windows

BUCKETS = ("current", "days1_to30", "days31_to60", "days61_to90", "over90")

Key = tuple[int, dt.date]


@dataclass(frozen=True, slots=True)
class Aging:
    as_of: dt.date
    buckets: dict[str, int]
    sales_365_minor: int

    @property
    def total(self) -> int:
        return sum(self.buckets.values())

    @property
    def overdue(self) -> int:
        """Every bucket but current: the open balance past due (as `overdue_expression` in
        customer_list.py, which the list sorts and filters by)."""
        return self.total - self.buckets["current"]

    @property
    def days_sales_outstanding(self) -> float | None:
        """total / (sales of the 365 days up to asOf / 365); null with no sales."""
        if self.sales_365_minor == 0:
            return None
        return float(Decimal(self.total * 365) / Decimal(self.sales_365_minor))

    @classmethod
    def none(cls, as_of: dt.date) -> Aging:
        return cls(as_of, dict.fromkeys(BUCKETS, 0), 0)


def read(values: Sequence[Any], as_of: dt.date) -> Aging:
    """The aging from `statement`'s columns after the customer id."""
    return Aging(
        as_of, {b: int(v) for b, v in zip(BUCKETS, values, strict=False)}, int(values[len(BUCKETS)])
    )


def parameters(as_of: dt.date) -> dict[str, dt.date]:
    """The bind parameters of `statement` but `ids`: days past due = asOf - due date, so 1..30
    is a due date in asOf-30 .. asOf-1."""
    day = dt.timedelta(days=1)
    year = Windows(as_of).last365
    return {
        "as_of": as_of,
        "d1_from": as_of - 30 * day,
        "d1_to": as_of - day,
        "d31_from": as_of - 60 * day,
        "d31_to": as_of - 31 * day,
        "d61_from": as_of - 90 * day,
        "d61_to": as_of - 61 * day,
        "over90_before": as_of - 90 * day,
        "dso_from": year[0],
        "dso_to": year[1],
    }


@shape
def statement() -> Any:
    """One row per bill customer of the bind parameter `ids`: the customer id, then the columns
    `read` takes."""
    credit = Invoice.classification == InvoiceClassification.CREDIT
    is_open = Invoice.status.in_(OWING_STATUSES)
    balance = signed_base_balance_expression(Invoice)
    net = case((credit, -Invoice.base_net_minor), else_=Invoice.base_net_minor)
    as_of: BindParameter[Any] = bindparam("as_of")
    limits = {
        "days1_to30": ("d1_from", "d1_to"),
        "days31_to60": ("d31_from", "d31_to"),
        "days61_to90": ("d61_from", "d61_to"),
    }

    def bucket(condition: Any) -> Any:
        return func.coalesce(func.sum(case((is_open & condition, balance), else_=0)), 0)

    columns = [bucket(credit | (Invoice.due_on >= as_of)).label("current")]
    columns += [
        bucket(
            ~credit & and_(Invoice.due_on >= bindparam(a), Invoice.due_on <= bindparam(b))
        ).label(n)
        for n, (a, b) in limits.items()
    ]
    columns.append(bucket(~credit & (Invoice.due_on < bindparam("over90_before"))).label("over90"))
    in_year = and_(
        Invoice.invoice_on >= bindparam("dso_from"), Invoice.invoice_on <= bindparam("dso_to")
    )
    columns.append(func.coalesce(func.sum(case((in_year, net), else_=0)), 0).label("sales_365"))
    return (
        select(Invoice.bill_customer_id, *columns)
        .where(Invoice.bill_customer_id.in_(IDS), Invoice.status.in_(ISSUED_STATUSES))
        .group_by(Invoice.bill_customer_id)
    )
