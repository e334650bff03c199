"""Customers, their delivery locations, contacts, and payment terms."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from server.customers import phones
from server.db.base import Base, UTCDateTime, Versioned, address, enum_column, money, now, pk
from server.db.identity import IDENTIFIER, folded


class CustomerStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class CreditCode(enum.Enum):
    CURRENT_ACCOUNT = "CURRENT_ACCOUNT"
    NEW_ACCOUNT = "NEW_ACCOUNT"
    PAST_DUE = "PAST_DUE"
    CREDIT_HOLD = "CREDIT_HOLD"


class BillingStatus(enum.Enum):
    ON_ACCOUNT = "ON_ACCOUNT"
    PREPAY = "PREPAY"
    CASH_ON_DELIVERY = "CASH_ON_DELIVERY"


class TermsBasis(enum.Enum):
    INVOICE_DATE = "INVOICE_DATE"
    DELIVERY_DATE = "DELIVERY_DATE"
    END_OF_MONTH = "END_OF_MONTH"


class PaymentTerms(Versioned, Base):
    __tablename__ = "payment_terms"

    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    due_days: Mapped[int] = mapped_column(Integer)


class Customer(Versioned, address("billing"), address("shipping"), Base):  # type: ignore[misc]  # address() makes its mixin at import
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_billing_region", "billing_region"),
        Index("ix_customers_name", "name"),
        Index("ix_customers_created_at", "created_at"),
    )

    id: Mapped[int] = pk()
    number: Mapped[str] = mapped_column(String(40), unique=True, info=IDENTIFIER)
    name: Mapped[str] = mapped_column(String(200))
    alias: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[CustomerStatus] = enum_column(
        CustomerStatus, default=CustomerStatus.ACTIVE, index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    credit_code: Mapped[CreditCode] = enum_column(
        CreditCode, default=CreditCode.CURRENT_ACCOUNT, index=True
    )
    credit_limit_minor: Mapped[int | None] = money(nullable=True)
    billing_status: Mapped[BillingStatus] = enum_column(
        BillingStatus, default=BillingStatus.ON_ACCOUNT, index=True
    )
    payment_terms_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_terms.id"), nullable=True, index=True
    )
    terms_basis: Mapped[TermsBasis] = enum_column(TermsBasis, default=TermsBasis.INVOICE_DATE)
    sales_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    inside_sales_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    phone_digits: Mapped[str | None] = mapped_column(
        String(50), nullable=True, default=phones.column_default("customers")
    )
    prior_sales_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)

    @validates(*phones.PHONE_COLUMNS["customers"])
    def _keep_digits(self, key: str, value: str | None) -> str | None:
        return keep_digits(self, key, value)


class Location(Versioned, address("shipping"), address("billing"), Base):  # type: ignore[misc]  # address() makes its mixin at import
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("customer_id", "code"),)

    id: Mapped[int] = pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), info=IDENTIFIER)
    alias: Mapped[str] = mapped_column(String(200), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    phone_digits: Mapped[str | None] = mapped_column(
        String(50), nullable=True, default=phones.column_default("locations")
    )
    alt_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    sales_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)

    @validates(*phones.PHONE_COLUMNS["locations"])
    def _keep_digits(self, key: str, value: str | None) -> str | None:
        return keep_digits(self, key, value)


# Unique regardless of case (server/db/identity.py): C-000158 and c-000158 are one customer.
Index("uq_customers_number_folded", folded(Customer.number), unique=True)
Index(
    "uq_locations_customer_id_code_folded", Location.customer_id, folded(Location.code), unique=True
)


class Contact(Versioned, address("address"), Base):  # type: ignore[misc]  # address() makes its mixin at import
    __tablename__ = "contacts"

    id: Mapped[int] = pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    office_phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    mobile_phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    fax: Mapped[str | None] = mapped_column(String(50), nullable=True)
    phone_digits: Mapped[str | None] = mapped_column(
        String(160), nullable=True, default=phones.column_default("contacts")
    )
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)

    @validates(*phones.PHONE_COLUMNS["contacts"])
    def _keep_digits(self, key: str, value: str | None) -> str | None:
        return keep_digits(self, key, value)


def keep_digits(record: Any, key: str, value: str | None) -> str | None:
    """Whenever a phone number of a record is set (created, updated, imported), its
    `phone_digits` follow (server/customers/phones.py)."""
    numbers = {name: getattr(record, name) for name in phones.PHONE_COLUMNS[record.__tablename__]}
    record.phone_digits = phones.row_digits(record.__tablename__, {**numbers, key: value})
    return value
