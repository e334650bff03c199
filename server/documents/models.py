"""Items, orders and invoices (credit notes are invoices classified CREDIT), with their lines.

Header amounts are the sums of the lines, kept on the header so that figures aggregate one row
per document. `base_*` columns hold the amount in the base currency, fixed per document.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, UTCDateTime, Versioned, enum_column, money, now, pk, read_needs
from server.db.identity import IDENTIFIER, folded

COSTS = "readCosts"  # the policy's row for costs and margins (SPEC §8)


class LineType(enum.Enum):
    ITEM = "ITEM"
    DESCRIPTOR = "DESCRIPTOR"
    TASK = "TASK"


class OrderStatus(enum.Enum):
    PENDING_APPROVAL = "PENDING_APPROVAL"
    PLANNED = "PLANNED"
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    ON_HOLD = "ON_HOLD"
    FINISHED = "FINISHED"
    INVOICED = "INVOICED"
    CANCELLED = "CANCELLED"


OPEN_ORDER_STATUSES = (
    OrderStatus.PENDING_APPROVAL,
    OrderStatus.PLANNED,
    OrderStatus.OPEN,
    OrderStatus.IN_PROGRESS,
    OrderStatus.ON_HOLD,
    OrderStatus.FINISHED,
)


class OrderClassification(enum.Enum):
    SALES_ORDER = "SALES_ORDER"
    JOB_ORDER = "JOB_ORDER"


class InvoiceClassification(enum.Enum):
    INVOICE = "INVOICE"
    CREDIT = "CREDIT"


class InvoiceStatus(enum.Enum):
    PLANNED = "PLANNED"
    PRINTED = "PRINTED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    VOID = "VOID"


ISSUED_STATUSES = (InvoiceStatus.PRINTED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)


class Item(Versioned, Base):
    __tablename__ = "items"

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(String(40), unique=True, info=IDENTIFIER)
    description: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str] = mapped_column(String(20))
    unit_price_e4: Mapped[int] = mapped_column(BigInteger)
    unit_cost_e4: Mapped[int | None] = mapped_column(
        BigInteger, nullable=True, info=read_needs(COSTS, field="unitCost")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)


Index("uq_items_code_folded", folded(Item.code), unique=True)  # unique regardless of case


class LineColumns:
    """What an order line and an invoice line share."""

    position: Mapped[int] = mapped_column(Integer)
    line_type: Mapped[LineType] = enum_column(LineType)
    code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    quantity_e3: Mapped[int] = mapped_column(BigInteger)
    unit_price_e4: Mapped[int] = mapped_column(BigInteger)
    unit_cost_e4: Mapped[int | None] = mapped_column(
        BigInteger, nullable=True, info=read_needs(COSTS, field="unitCost")
    )
    tax_rate_e4: Mapped[int] = mapped_column(BigInteger, default=0)
    net_minor: Mapped[int] = money()
    tax_minor: Mapped[int] = money()
    cost_minor: Mapped[int | None] = money(
        nullable=True, info=read_needs(COSTS, field="costAmount")
    )


class Order(Versioned, Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_order_customer_date", "order_customer_id", "order_on"),
        Index("ix_orders_billing_customer_status", "billing_customer_id", "status"),
    )

    id: Mapped[int] = pk()
    number: Mapped[str] = mapped_column(String(40), unique=True)
    classification: Mapped[OrderClassification] = enum_column(OrderClassification)
    status: Mapped[OrderStatus] = enum_column(OrderStatus, index=True)
    order_on: Mapped[dt.date] = mapped_column(Date)
    required_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)
    order_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    billing_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id"), nullable=True, index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate_e8: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    net_minor: Mapped[int] = money()
    tax_minor: Mapped[int] = money()
    total_minor: Mapped[int] = money()
    base_net_minor: Mapped[int] = money()
    warnings: Mapped[str] = mapped_column(Text, default="")  # one per line
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class OrderLine(LineColumns, Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = pk()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), nullable=True, index=True)


class Invoice(Versioned, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_bill_customer_date", "bill_customer_id", "invoice_on"),
        Index("ix_invoices_order_customer_date", "order_customer_id", "invoice_on"),
        Index("ix_invoices_alt_number", "alt_number"),
    )

    id: Mapped[int] = pk()
    number: Mapped[str] = mapped_column(String(40), unique=True)
    alt_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    classification: Mapped[InvoiceClassification] = enum_column(InvoiceClassification)
    status: Mapped[InvoiceStatus] = enum_column(InvoiceStatus, index=True)
    invoice_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    bill_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    order_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate_e8: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    net_minor: Mapped[int] = money()
    tax_minor: Mapped[int] = money()
    total_minor: Mapped[int] = money()
    cost_minor: Mapped[int] = money(info=read_needs(COSTS, field="costAmount"))
    paid_minor: Mapped[int] = money(default=0)  # sum of applications, kept by the payments service
    base_net_minor: Mapped[int] = money()
    base_cost_minor: Mapped[int] = money(info=read_needs(COSTS, field="baseCostAmount"))
    base_balance_minor: Mapped[int] = money()  # (total - paid) in the base currency, unsigned
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class InvoiceLine(LineColumns, Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = pk()
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), nullable=True, index=True)
