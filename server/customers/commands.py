"""The inputs of the customer, location and contact commands, typed (see server/commands.py).

References are primary keys; a field left out is `UNSET` (an update keeps it), None clears it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from server.commands import UNSET, Address, Command, Maybe
from server.customers.models import BillingStatus, CreditCode, CustomerStatus, TermsBasis


@dataclass(frozen=True, kw_only=True)
class CustomerFields(Command):
    """`CustomerInput`: createCustomer, updateCustomer."""

    number: Maybe[str | None] = UNSET
    name: Maybe[str | None] = UNSET
    alias: Maybe[str | None] = UNSET
    status: Maybe[CustomerStatus | None] = UNSET
    currency: Maybe[str | None] = UNSET
    credit_code: Maybe[CreditCode | None] = UNSET
    credit_limit: Maybe[Decimal | None] = UNSET
    billing_status: Maybe[BillingStatus | None] = UNSET
    payment_terms: Maybe[int | None] = UNSET
    terms_basis: Maybe[TermsBasis | None] = UNSET
    sales_rep: Maybe[int | None] = UNSET
    inside_sales_rep: Maybe[int | None] = UNSET
    email: Maybe[str | None] = UNSET
    phone: Maybe[str | None] = UNSET
    billing_address: Maybe[Address | None] = UNSET
    shipping_address: Maybe[Address | None] = UNSET
    prior_sales: Maybe[Decimal | None] = UNSET


@dataclass(frozen=True, kw_only=True)
class LocationFields(Command):
    """`LocationInput`: createLocation, updateLocation (where `customer` may not change)."""

    customer: Maybe[int | None] = UNSET
    code: Maybe[str | None] = UNSET
    alias: Maybe[str | None] = UNSET
    contact_name: Maybe[str | None] = UNSET
    contact_email: Maybe[str | None] = UNSET
    contact_phone: Maybe[str | None] = UNSET
    alt_email: Maybe[str | None] = UNSET
    shipping_address: Maybe[Address | None] = UNSET
    billing_address: Maybe[Address | None] = UNSET
    sales_rep: Maybe[int | None] = UNSET


@dataclass(frozen=True, kw_only=True)
class ContactFields(Command):
    """`ContactInput`: createContact, updateContact (where `customer` may not change)."""

    customer: Maybe[int | None] = UNSET
    first_name: Maybe[str | None] = UNSET
    last_name: Maybe[str | None] = UNSET
    email: Maybe[str | None] = UNSET
    office_phone: Maybe[str | None] = UNSET
    mobile_phone: Maybe[str | None] = UNSET
    fax: Maybe[str | None] = UNSET
    address: Maybe[Address | None] = UNSET
    is_primary: Maybe[bool | None] = UNSET


@dataclass(frozen=True, kw_only=True)
class CustomerBulkFields(Command):
    """`CustomerBulkSet`: what bulkUpdateCustomers sets on every customer it changes."""

    sales_rep: Maybe[int | None] = UNSET
    inside_sales_rep: Maybe[int | None] = UNSET
    payment_terms: Maybe[int | None] = UNSET
    billing_status: Maybe[BillingStatus | None] = UNSET
    terms_basis: Maybe[TermsBasis | None] = UNSET
    credit_code: Maybe[CreditCode | None] = UNSET
    status: Maybe[CustomerStatus | None] = UNSET
