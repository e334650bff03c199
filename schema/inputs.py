"""The contract's input types. Fields left out stay UNSET, so an update changes only what it names."""

from __future__ import annotations

import datetime as dt

import strawberry

from schema.base import AddressInput, DecimalScalar
from schema.enums import (
    BillingStatusEnum,
    CreditCodeEnum,
    CustomerSortFieldEnum,
    CustomerStatusEnum,
    EngagementEnum,
    InvoiceClassificationEnum,
    LeadSortFieldEnum,
    LeadStateEnum,
    LineTypeEnum,
    NoteTypeEnum,
    OrderClassificationEnum,
    PaymentStyleEnum,
    RoleEnum,
    SortDirectionEnum,
    TermsBasisEnum,
)
from server.documents.models import InvoiceClassification, LineType, OrderClassification
from server.notes.models import NoteType
from server.payments.models import PaymentStyle
from server.sorting import SortDirection

UNSET = strawberry.UNSET
Dec = DecimalScalar


@strawberry.input(
    description="A range of one column's values, both ends inclusive, either left out for open."
)
class FieldRange:
    field: str = strawberry.field(
        description=(
            "The column's field name, as a saved view's columns and sort name it: "
            "`lifetimeValue`, `orderCount`, `lastOrderDate`, `balances.currentInvoices`, "
            "`aging.overdue`, `invoiceStats.ytdThisYear` ... (docs/api.md lists them)."
        )
    )
    start: str | None = strawberry.field(
        name="from",
        default=UNSET,
        description=(
            'The lowest value, as the column shows it: an amount ("1234.50"), a whole number, '
            "a date or a date and time (ISO 8601)."
        ),
    )
    end: str | None = strawberry.field(
        name="to", default=UNSET, description="The highest value, read as `from`."
    )


@strawberry.input
class CustomerFilter:
    search: str | None = strawberry.field(
        default=UNSET,
        description=(
            "Matches number, name, alias, email, phone, contact names and city, ignoring case."
        ),
    )
    include_inactive: bool | None = False
    sales_rep: strawberry.ID | None = UNSET
    sales_reps: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Customers whose sales rep is any of these users."
    )
    inside_sales_rep: strawberry.ID | None = UNSET
    region: str | None = strawberry.field(
        default=UNSET, description="The billing address's region."
    )
    credit_code: list[CreditCodeEnum] | None = UNSET  # type: ignore[valid-type]
    billing_status: list[BillingStatusEnum] | None = UNSET  # type: ignore[valid-type]
    engagement: list[EngagementEnum] | None = UNSET  # type: ignore[valid-type]
    newest_note_from: dt.datetime | None = UNSET
    newest_note_to: dt.datetime | None = UNSET
    ranges: list[FieldRange] | None = strawberry.field(
        default=UNSET,
        description=(
            "Ranges of money, counts, dates and times, one per field, all of them met; any "
            "field `orderBy` sorts by and that holds such a value."
        ),
    )


@strawberry.input
class CustomerOrder:
    field: CustomerSortFieldEnum  # type: ignore[valid-type]
    direction: SortDirectionEnum | None = SortDirection.ASC  # type: ignore[valid-type]


@strawberry.input
class LeadFilter:
    search: str | None = strawberry.field(default=UNSET, description="Customer name or number.")
    state: list[LeadStateEnum] | None = UNSET  # type: ignore[valid-type]
    open: bool | None = UNSET
    program: strawberry.ID | None = UNSET
    source: strawberry.ID | None = UNSET
    inside_sales_rep: strawberry.ID | None = UNSET
    outside_sales_rep: strawberry.ID | None = UNSET
    assigned_to: strawberry.ID | None = UNSET
    region: str | None = UNSET
    note_from: dt.datetime | None = UNSET
    note_to: dt.datetime | None = UNSET


@strawberry.input
class LeadOrder:
    field: LeadSortFieldEnum  # type: ignore[valid-type]
    direction: SortDirectionEnum | None = SortDirection.ASC  # type: ignore[valid-type]


@strawberry.input
class CustomerInput:
    number: str | None = strawberry.field(
        default=UNSET, description="Left out on create: the next in sequence."
    )
    name: str | None = UNSET
    alias: str | None = UNSET
    status: CustomerStatusEnum | None = UNSET  # type: ignore[valid-type]
    currency: str | None = UNSET
    credit_code: CreditCodeEnum | None = UNSET  # type: ignore[valid-type]
    credit_limit: Dec | None = UNSET  # type: ignore[valid-type]
    billing_status: BillingStatusEnum | None = UNSET  # type: ignore[valid-type]
    payment_terms: strawberry.ID | None = UNSET
    terms_basis: TermsBasisEnum | None = UNSET  # type: ignore[valid-type]
    sales_rep: strawberry.ID | None = UNSET
    inside_sales_rep: strawberry.ID | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    billing_address: AddressInput | None = UNSET
    shipping_address: AddressInput | None = UNSET
    prior_sales: Dec | None = UNSET  # type: ignore[valid-type]


@strawberry.input
class LocationInput:
    customer: strawberry.ID | None = UNSET
    code: str | None = UNSET
    alias: str | None = UNSET
    contact_name: str | None = UNSET
    contact_email: str | None = UNSET
    contact_phone: str | None = UNSET
    alt_email: str | None = UNSET
    shipping_address: AddressInput | None = UNSET
    billing_address: AddressInput | None = UNSET
    sales_rep: strawberry.ID | None = UNSET


@strawberry.input
class ContactInput:
    customer: strawberry.ID | None = UNSET
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    email: str | None = UNSET
    office_phone: str | None = UNSET
    mobile_phone: str | None = UNSET
    fax: str | None = UNSET
    address: AddressInput | None = UNSET
    is_primary: bool | None = UNSET


@strawberry.input
class ItemInput:
    code: str | None = UNSET
    description: str | None = UNSET
    unit: str | None = UNSET
    unit_price: Dec | None = UNSET  # type: ignore[valid-type]
    unit_cost: Dec | None = UNSET  # type: ignore[valid-type]
    active: bool | None = UNSET


@strawberry.input
class LineInput:
    line_type: LineTypeEnum | None = LineType.ITEM  # type: ignore[valid-type]
    item: strawberry.ID | None = strawberry.field(
        default=UNSET,
        description=(
            "An ITEM line takes code, description, unit, price and cost from it unless given."
        ),
    )
    code: str | None = UNSET
    description: str | None = UNSET
    unit: str | None = UNSET
    quantity: Dec  # type: ignore[valid-type]
    unit_price: Dec | None = UNSET  # type: ignore[valid-type]
    unit_cost: Dec | None = UNSET  # type: ignore[valid-type]
    tax_rate: Dec | None = strawberry.field(default="0", description="Percent.")  # type: ignore[valid-type]


@strawberry.input
class OrderInput:
    order_customer: strawberry.ID
    billing_customer: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Defaults to orderCustomer."
    )
    location: strawberry.ID | None = UNSET
    order_date: dt.date | None = UNSET
    required_date: dt.date | None = UNSET
    classification: OrderClassificationEnum | None = OrderClassification.SALES_ORDER  # type: ignore[valid-type]
    description: str | None = UNSET
    fx_rate: Dec | None = strawberry.field(
        default=UNSET,
        description=(  # type: ignore[valid-type]
            "Base units per one unit of the document's currency; required when that is not the base currency."
        ),
    )
    lines: list[LineInput]


@strawberry.input
class InvoiceInput:
    bill_customer: strawberry.ID
    order_customer: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Defaults to billCustomer."
    )
    order: strawberry.ID | None = UNSET
    classification: InvoiceClassificationEnum | None = InvoiceClassification.INVOICE  # type: ignore[valid-type]
    invoice_date: dt.date | None = UNSET
    alt_number: str | None = UNSET
    fx_rate: Dec | None = UNSET  # type: ignore[valid-type]
    lines: list[LineInput]
    issue: bool | None = strawberry.field(
        default=True, description="False leaves it PLANNED (a draft)."
    )


@strawberry.input
class ApplicationInput:
    invoice: strawberry.ID
    amount: Dec  # type: ignore[valid-type]


@strawberry.input
class PaymentInput:
    customer: strawberry.ID
    payment_date: dt.date | None = UNSET
    style: PaymentStyleEnum | None = PaymentStyle.PAYMENT  # type: ignore[valid-type]
    amount: Dec  # type: ignore[valid-type]
    fx_rate: Dec | None = UNSET  # type: ignore[valid-type]
    reference: str | None = UNSET
    apply_to: list[ApplicationInput] | None = UNSET


@strawberry.input
class ReminderInput:
    due_at: dt.datetime
    title: str


@strawberry.input
class NoteInput:
    customer: strawberry.ID | None = UNSET
    lead: strawberry.ID | None = UNSET
    type: NoteTypeEnum | None = NoteType.GENERAL  # type: ignore[valid-type]
    body: str
    reminder: ReminderInput | None = UNSET


@strawberry.input
class LeadInput:
    customer: strawberry.ID | None = UNSET
    program: strawberry.ID | None = UNSET
    source: strawberry.ID | None = UNSET
    inside_sales_rep: strawberry.ID | None = UNSET
    outside_sales_rep: strawberry.ID | None = UNSET
    assigned_to: strawberry.ID | None = UNSET
    probability: int | None = UNSET
    estimated_conversion_date: dt.date | None = UNSET
    potential_value: Dec | None = UNSET  # type: ignore[valid-type]


@strawberry.input
class CustomerBulkSet:
    sales_rep: strawberry.ID | None = UNSET
    inside_sales_rep: strawberry.ID | None = UNSET
    payment_terms: strawberry.ID | None = UNSET
    billing_status: BillingStatusEnum | None = UNSET  # type: ignore[valid-type]
    terms_basis: TermsBasisEnum | None = UNSET  # type: ignore[valid-type]
    credit_code: CreditCodeEnum | None = UNSET  # type: ignore[valid-type]
    status: CustomerStatusEnum | None = UNSET  # type: ignore[valid-type]


@strawberry.input
class ListColumnInput:
    field: str
    label: str | None = UNSET
    visible: bool | None = True


@strawberry.input
class ListSortInput:
    field: str = strawberry.field(
        description=(
            "A column's field name (`lifetimeValue`); the list's sort enum name (`LIFETIME_VALUE`) is read as it."
        )
    )
    direction: SortDirectionEnum | None = SortDirection.ASC  # type: ignore[valid-type]


@strawberry.input
class UserInput:
    email: str | None = UNSET
    name: str | None = UNSET
    role: RoleEnum | None = UNSET  # type: ignore[valid-type]
    active: bool | None = UNSET
    password: str | None = UNSET
