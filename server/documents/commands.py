"""The inputs of the item, order and invoice commands, typed (see server/commands.py).

References are primary keys; on `ItemFields`, a field left out is `UNSET` (an update keeps it)
and None clears it. Orders and invoices are only created, so None is "not given" there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from server.commands import UNSET, Command, Maybe
from server.documents.models import InvoiceClassification, LineType, OrderClassification


@dataclass(frozen=True, kw_only=True)
class ItemFields(Command):
    """`ItemInput`: createItem, updateItem."""

    code: Maybe[str | None] = UNSET
    description: Maybe[str | None] = UNSET
    unit: Maybe[str | None] = UNSET
    unit_price: Maybe[Decimal | None] = UNSET
    unit_cost: Maybe[Decimal | None] = UNSET
    active: Maybe[bool | None] = UNSET


@dataclass(frozen=True, kw_only=True)
class LineFields(Command):
    """`LineInput`: one line of an order or invoice; an ITEM line takes what it leaves out from
    its item."""

    quantity: Decimal
    line_type: LineType | None = LineType.ITEM
    item: int | None = None
    code: str | None = None
    description: str | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    unit_cost: Decimal | None = None
    tax_rate: Decimal | None = Decimal(0)


@dataclass(frozen=True, kw_only=True)
class OrderFields(Command):
    """`OrderInput`: createOrder."""

    order_customer: int
    billing_customer: int | None = None
    location: int | None = None
    order_date: dt.date | None = None
    required_date: dt.date | None = None
    classification: OrderClassification | None = OrderClassification.SALES_ORDER
    description: str | None = None
    fx_rate: Decimal | None = None
    lines: list[LineFields] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class InvoiceFields(Command):
    """`InvoiceInput`: createInvoice, an invoice or, with CREDIT, a credit note."""

    bill_customer: int
    order_customer: int | None = None
    order: int | None = None
    classification: InvoiceClassification | None = InvoiceClassification.INVOICE
    invoice_date: dt.date | None = None
    alt_number: str | None = None
    fx_rate: Decimal | None = None
    lines: list[LineFields] = field(default_factory=list)
    issue: bool | None = True
