"""Payments and deposits, and their applications to invoices."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, UTCDateTime, Versioned, enum_column, money, now, pk


class PaymentStyle(enum.Enum):
    PAYMENT = "PAYMENT"
    DEPOSIT = "DEPOSIT"


class PaymentStatus(enum.Enum):
    RECEIVED = "RECEIVED"
    PARTIALLY_APPLIED = "PARTIALLY_APPLIED"
    FULLY_APPLIED = "FULLY_APPLIED"


class Payment(Versioned, Base):
    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_customer_date", "customer_id", "payment_on"),)

    id: Mapped[int] = pk()
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    payment_on: Mapped[dt.date] = mapped_column(Date)
    style: Mapped[PaymentStyle] = enum_column(PaymentStyle)
    currency: Mapped[str] = mapped_column(String(3))
    fx_rate_e8: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    received_minor: Mapped[int] = money()
    applied_minor: Mapped[int] = money(
        default=0
    )  # kept under a row lock by the service: never > received
    base_received_minor: Mapped[int] = money()
    base_unapplied_minor: Mapped[int] = money()
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)

    @property
    def status(self) -> PaymentStatus:
        return payment_status(self.received_minor, self.applied_minor)


def payment_status(received_minor: int, applied_minor: int) -> PaymentStatus:
    if applied_minor == 0:
        return PaymentStatus.RECEIVED
    return (
        PaymentStatus.FULLY_APPLIED
        if applied_minor >= received_minor
        else PaymentStatus.PARTIALLY_APPLIED
    )


class PaymentApplication(Base):
    __tablename__ = "payment_applications"

    id: Mapped[int] = pk()
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount_minor: Mapped[int] = money()
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
