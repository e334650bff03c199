"""Pure rules of documents: line arithmetic, due dates, currencies. No I/O."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, cast

from server import money, validate
from server.customers.models import TermsBasis
from server.documents.models import (
    ISSUED_STATUSES,
    InvoiceClassification,
    InvoiceStatus,
    LineType,
    OrderStatus,
)
from server.errors import ErrorCode, Problems


def due_date(
    invoice_on: dt.date, due_days: int | None, basis: TermsBasis, required_on: dt.date | None
) -> dt.date:
    """SPEC §2: basis + the terms' due days; no terms, due on the invoice date.

    >>> due_date(dt.date(2026, 2, 10), 30, TermsBasis.END_OF_MONTH, None)
    datetime.date(2026, 3, 30)
    """
    if due_days is None:
        return invoice_on
    if basis is TermsBasis.END_OF_MONTH:
        start = invoice_on.replace(day=calendar.monthrange(invoice_on.year, invoice_on.month)[1])
    elif basis is TermsBasis.DELIVERY_DATE and required_on is not None:
        start = required_on
    else:
        start = invoice_on
    return start + dt.timedelta(days=due_days)


# ------------------------------------------------------------------ balance due
#
# SPEC §2: a draft (PLANNED) and a VOID document count in nothing, so they owe nothing; an issued
# document owes total - paid, and a credit note's balance is negative. The rule in Python (display,
# exports, the services and the seed) and in SQL (sort, filter, figures), side by side: both take
# anything with the invoice's columns as attributes (an `Invoice`, a row, a table's `.c`).

# Issued and not paid: the statuses whose balance may be open (what currentInvoices and aging sum).
OWING_STATUSES = (InvoiceStatus.PRINTED, InvoiceStatus.PARTIALLY_PAID)


def balance_due_minor(invoice: Any) -> int:
    """What is still open on the document, in its currency: total - paid once issued, negative for
    a credit note, 0 for a draft or a void one.

    >>> from types import SimpleNamespace as Row
    >>> balance_due_minor(Row(status=InvoiceStatus.PRINTED, classification=InvoiceClassification.CREDIT,
    ...                       total_minor=2500, paid_minor=0))
    -2500
    """
    if invoice.status not in ISSUED_STATUSES:
        return 0
    open_minor = invoice.total_minor - invoice.paid_minor
    return -open_minor if invoice.classification is InvoiceClassification.CREDIT else open_minor


def balance_due_expression(invoice: Any) -> ColumnElement[int]:
    """`balance_due_minor` in SQL, over `invoice`'s columns (`Invoice`, or a subquery's `.c`)."""
    open_minor = invoice.total_minor - invoice.paid_minor
    return cast(
        case(
            (invoice.status.not_in(ISSUED_STATUSES), 0),
            (invoice.classification == InvoiceClassification.CREDIT, -open_minor),
            else_=open_minor,
        ),
        BigInteger,
    )


def base_balance_minor(
    status: InvoiceStatus, total_minor: int, paid_minor: int, fx_rate_e8: int | None
) -> int:
    """The stored `base_balance_minor`: the open amount (total - paid) at the document's own rate,
    unsigned, 0 unless issued (decision 3)."""
    return (
        money.to_base_minor(total_minor - paid_minor, fx_rate_e8)
        if status in ISSUED_STATUSES
        else 0
    )


def signed_base_balance_minor(
    classification: InvoiceClassification, base_balance_minor: int
) -> int:
    """The balance due in the base currency, from the stored unsigned `base_balance_minor`."""
    return (
        -base_balance_minor
        if classification is InvoiceClassification.CREDIT
        else base_balance_minor
    )


def signed_base_balance_expression(invoice: Any) -> ColumnElement[int]:
    """`signed_base_balance_minor` in SQL."""
    return case(
        (invoice.classification == InvoiceClassification.CREDIT, -invoice.base_balance_minor),
        else_=invoice.base_balance_minor,
    )


def fx_rate(
    problems: Problems, data: dict[str, Any], currency: str, base_currency: str
) -> int | None:
    """The document's rate in 1e-8 units: required for a foreign currency, none for the base one."""
    rate = validate.amount(problems, data, "fxRate", places=money.RATE, positive=True)
    if currency == base_currency:
        if rate is not None and rate != 10**money.RATE:
            problems.add(
                ErrorCode.INVALID,
                f"fxRate must be left out for a document in {base_currency}",
                "fxRate",
            )
        return None
    if rate is None and "fxRate" not in problems_fields(problems):
        problems.add(
            ErrorCode.REQUIRED,
            f"fxRate is required: the document is in {currency}, "
            f"not the base currency {base_currency}",
            "fxRate",
        )
    return rate


def problems_fields(problems: Problems) -> set[str]:
    return {p.field[-1] for p in problems.items if p.field}


@dataclass
class Line:
    """A validated line, ready to store."""

    position: int
    line_type: LineType
    item_id: int | None
    code: str
    description: str
    unit: str | None
    quantity_e3: int
    unit_price_e4: int
    unit_cost_e4: int | None
    tax_rate_e4: int
    amounts: money.LineAmounts

    def columns(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "line_type": self.line_type,
            "item_id": self.item_id,
            "code": self.code,
            "description": self.description,
            "unit": self.unit,
            "quantity_e3": self.quantity_e3,
            "unit_price_e4": self.unit_price_e4,
            "unit_cost_e4": self.unit_cost_e4,
            "tax_rate_e4": self.tax_rate_e4,
            "net_minor": self.amounts.net_minor,
            "tax_minor": self.amounts.tax_minor,
            "cost_minor": self.amounts.cost_minor,
        }


def line(problems: Problems, index: int, data: dict[str, Any], item: Any | None) -> Line | None:
    """One input line; an ITEM line takes code, description, unit, price and cost from its item."""
    path = ("lines", str(index))
    before = len(problems.items)
    line_type = data.get("lineType") or LineType.ITEM
    defaults = (
        {"code": item.code, "description": item.description, "unit": item.unit} if item else {}
    )
    merged = {**defaults, **{k: v for k, v in data.items() if v is not None}}
    code = validate.text(problems, merged, "code", max_length=40, required=True, path=path)
    description = validate.text(
        problems, merged, "description", max_length=500, required=True, path=path
    )
    unit = validate.text(problems, merged, "unit", max_length=20, path=path)
    quantity = validate.amount(
        problems, data, "quantity", places=money.QUANTITY, positive=True, path=path
    )
    price = validate.amount(problems, data, "unitPrice", places=money.PRICE, path=path)
    cost = validate.amount(problems, data, "unitCost", places=money.PRICE, path=path)
    tax = validate.amount(problems, data, "taxRate", places=money.TAX_RATE, path=path)
    if tax is not None and tax > 100 * 10**money.TAX_RATE:
        problems.add(
            ErrorCode.INVALID, "taxRate is a percentage and must be 100 or less", *path, "taxRate"
        )
    if price is None and data.get("unitPrice") is None:  # a malformed price is INVALID already
        price = item.unit_price_e4 if item else None
        if price is None and line_type is LineType.ITEM:
            problems.add(
                ErrorCode.REQUIRED,
                "unitPrice is required for a line without an item",
                *path,
                "unitPrice",
            )
    if cost is None and item is not None:
        cost = item.unit_cost_e4
    if len(problems.items) > before or quantity is None or code is None or description is None:
        return None
    price, tax = price or 0, tax or 0
    amounts = money.line_amounts(quantity, price, tax, cost)
    for amount, field in ((amounts.net_minor, "unitPrice"), (amounts.cost_minor, "unitCost")):
        if amount is not None and not money.within(amount):
            problems.add(
                ErrorCode.INVALID,
                f"quantity x {field} is {money.from_minor(amount)}: a line's amount "
                f"must be at most {money.MAXIMUM}",
                *path,
                field,
            )
    if len(problems.items) > before:
        return None
    return Line(
        index,
        line_type,
        item.id if item else None,
        code,
        description,
        unit,
        quantity,
        price,
        cost,
        tax,
        amounts,
    )


@dataclass(frozen=True)
class Totals:
    net_minor: int
    tax_minor: int
    total_minor: int
    cost_minor: int


def totals(lines: list[Line]) -> Totals:
    net = sum(line.amounts.net_minor for line in lines)
    tax = sum(line.amounts.tax_minor for line in lines)
    cost = sum(line.amounts.cost_minor or 0 for line in lines)
    return Totals(net, tax, net + tax, cost)


def check_totals(problems: Problems, lines: list[Line], rate: int | None) -> None:
    """SPEC §1: a document's total and cost, and their base amounts at its rate, stay within
    money's maximum (server/money.py), so that no sum the database keeps overflows."""
    found = totals(lines)
    if not (money.within(found.total_minor) and money.within(found.cost_minor)):
        largest = money.from_minor(max(found.total_minor, found.cost_minor))
        problems.add(
            ErrorCode.INVALID,
            f"the lines add up to {largest}: a document's total must be at most {money.MAXIMUM}",
            "lines",
        )
    elif not all(
        money.within(money.to_base_minor(m, rate)) for m in (found.total_minor, found.cost_minor)
    ):
        problems.add(
            ErrorCode.INVALID,
            f"at this rate the document's total is over {money.MAXIMUM} in the base currency",
            "fxRate",
        )


# SPEC §2: the moves of an order's status, exactly the table. PENDING_APPROVAL -> OPEN is made
# only by approveOrder (a MANAGER or ADMIN), never by setOrderStatus; INVOICED is reached only by
# invoiceOrder. INVOICED and CANCELLED are final.
ORDER_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_APPROVAL: frozenset({OrderStatus.OPEN, OrderStatus.CANCELLED}),
    OrderStatus.PLANNED: frozenset({OrderStatus.OPEN, OrderStatus.CANCELLED}),
    OrderStatus.OPEN: frozenset(
        {
            OrderStatus.PLANNED,
            OrderStatus.IN_PROGRESS,
            OrderStatus.ON_HOLD,
            OrderStatus.FINISHED,
            OrderStatus.CANCELLED,
        }
    ),
    OrderStatus.IN_PROGRESS: frozenset(
        {OrderStatus.ON_HOLD, OrderStatus.FINISHED, OrderStatus.CANCELLED}
    ),
    OrderStatus.ON_HOLD: frozenset(
        {OrderStatus.OPEN, OrderStatus.IN_PROGRESS, OrderStatus.CANCELLED}
    ),
    OrderStatus.FINISHED: frozenset({OrderStatus.IN_PROGRESS}),
    OrderStatus.INVOICED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
ONLY_BY_APPROVAL = frozenset({(OrderStatus.PENDING_APPROVAL, OrderStatus.OPEN)})
INVOICEABLE = (OrderStatus.OPEN, OrderStatus.IN_PROGRESS, OrderStatus.FINISHED)


def order_move_refusal(current: OrderStatus, to: OrderStatus) -> str | None:
    """Why setOrderStatus may not move an order from `current` to `to`, or None when it may.

    >>> order_move_refusal(OrderStatus.OPEN, OrderStatus.FINISHED) is None
    True
    >>> order_move_refusal(OrderStatus.PENDING_APPROVAL, OrderStatus.OPEN)
    'an order PENDING_APPROVAL becomes OPEN only when a manager approves it (approveOrder)'
    """
    if (current, to) in ONLY_BY_APPROVAL:
        return f"an order {current.name} becomes {to.name} only when a manager approves it (approveOrder)"
    if to in ORDER_MOVES[current]:
        return None
    allowed = sorted(s.name for s in ORDER_MOVES[current] if (current, s) not in ONLY_BY_APPROVAL)
    hint = " (invoiceOrder invoices an order)" if to is OrderStatus.INVOICED else ""
    return (
        f"an order cannot move from {current.name} to {to.name}{hint}; from {current.name} it may move to "
        + (", ".join(allowed) if allowed else "nothing: that status is final")
    )
