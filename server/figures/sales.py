"""Sales statistics and margins (SPEC §4): every window of every customer of a page, under one
history role and asOf, in one grouped statement of conditional sums (a family of
server/figures/families.py).

"Sales" are issued invoices minus issued credit notes, by net amount in the base currency, by
invoice date; cost of sales likewise, a credit note's cost counting negatively. The same
statement gives the all-time parts of lifetime value, so a list asking both costs one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select

from schema.fastpath.reader import IDS, shape
from server.documents.models import Invoice, InvoiceClassification
from server.figures.history import HistoryRole, invoices_of
from server.figures.windows import Windows, span_parameters
from server.money import percent

SALES_WINDOWS = (
    "last30",
    "previous30",
    "mtd_this_year",
    "mtd_last_year",
    "ytd_this_year",
    "ytd_last_year",
    "last12_months",
    "previous12_months",
    "last365",
)
COST_WINDOWS = ("last30", "last12_months", "previous12_months")

Key = tuple[int, dt.date, HistoryRole]


@dataclass(frozen=True, slots=True)
class SalesFigures:
    """A customer's sales under one role: all time (lifetime value's parts) and per window up to
    asOf (statistics, margins, days sales outstanding), in base minor units."""

    as_of: dt.date
    invoiced_minor: int
    credited_minor: int
    first_invoice_on: dt.date | None
    last_invoice_on: dt.date | None
    invoice_count: int
    sales: dict[str, int]
    cost: dict[str, int]

    @classmethod
    def none(cls, as_of: dt.date) -> SalesFigures:
        return cls(
            as_of,
            0,
            0,
            None,
            None,
            0,
            dict.fromkeys(SALES_WINDOWS, 0),
            dict.fromkeys(COST_WINDOWS, 0),
        )

    def variance(self, this: str, that: str) -> float | None:
        """(this - that) / that x 100; null when that is 0."""
        return percent(self.sales[this] - self.sales[that], self.sales[that])

    def margin(self, window: str) -> float | None:
        """(sales - cost) / sales x 100; null with no sales."""
        return percent(self.sales[window] - self.cost[window], self.sales[window])


def parameters(as_of: dt.date) -> dict[str, dt.date]:
    """The bind parameters of `statement` but `ids`."""
    return Windows(as_of).parameters(*SALES_WINDOWS)


def read(values: Sequence[Any], as_of: dt.date) -> SalesFigures:
    """The figures from `statement`'s columns after the customer id."""
    invoiced, credited, first_on, last_on, invoice_count, *windows = values
    return SalesFigures(
        as_of,
        int(invoiced),
        int(credited),
        first_on,
        last_on,
        int(invoice_count),
        {w: int(v) for w, v in zip(SALES_WINDOWS, windows[: len(SALES_WINDOWS)], strict=True)},
        {w: int(v) for w, v in zip(COST_WINDOWS, windows[len(SALES_WINDOWS) :], strict=True)},
    )


@shape
def statement(role: HistoryRole) -> Any:
    """One row per customer of the bind parameter `ids` with invoices under `role`: the customer
    id, then the columns `read` takes. Bind parameters: `ids`, each window's `<window>_from` and
    `<window>_to`."""
    docs = invoices_of(
        IDS,
        role,
        Invoice.classification,
        Invoice.base_net_minor,
        Invoice.base_cost_minor,
        Invoice.invoice_on,
    )
    credit = docs.c.classification == InvoiceClassification.CREDIT
    net = case((credit, -docs.c.base_net_minor), else_=docs.c.base_net_minor)
    cost = case((credit, -docs.c.base_cost_minor), else_=docs.c.base_cost_minor)

    def within(amount: Any, window: str) -> Any:
        start, end = span_parameters(window)
        inside = and_(docs.c.invoice_on >= start, docs.c.invoice_on <= end)
        return func.coalesce(func.sum(case((inside, amount), else_=0)), 0)

    columns = [
        func.coalesce(func.sum(case((credit, 0), else_=docs.c.base_net_minor)), 0).label(
            "invoiced"
        ),
        func.coalesce(func.sum(case((credit, docs.c.base_net_minor), else_=0)), 0).label(
            "credited"
        ),
        func.min(docs.c.invoice_on).label("first_on"),
        func.max(docs.c.invoice_on).label("last_on"),
        func.count().label("invoice_count"),
        *(within(net, w).label(w) for w in SALES_WINDOWS),
        *(within(cost, w).label(f"cost_{w}") for w in COST_WINDOWS),
    ]
    return select(docs.c.customer_id, *columns).group_by(docs.c.customer_id)
