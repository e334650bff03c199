"""The contract's input types. Fields left out stay UNSET, so an update changes only what it names."""

from __future__ import annotations

import datetime as dt
from typing import Any

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


def maybe(description: str, default: object = UNSET) -> Any:
    """An input field that may be left out (`default`), with its description."""
    return strawberry.field(default=default, description=description)


UPDATE_RULE = (
    "On an update a field left out keeps its value and null clears it; a field that cannot be "
    "cleared says so (null is then REQUIRED)."
)
MONEY = "Money (two decimal places at most, at most 99999999999.99)"
PRICE = "four decimal places at most"
REP = "A User's global ID"
REGION_MATCH = "without regard to case or blanks around it; at most 200 characters"
IN_ANY = "all when left out or empty"


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


@strawberry.input(
    description="Which customers a list, a bulk update or an export takes; every field given must "
    "match (AND), a field left out or null matches all."
)
class CustomerFilter:
    search: str | None = maybe(
        "Matches number, name, alias, email, phone, contact names and city, ignoring case."
    )
    include_inactive: bool | None = maybe(
        "Also the INACTIVE customers; false when left out: ACTIVE ones only.", False
    )
    sales_rep: strawberry.ID | None = maybe(
        f"Only customers whose salesRep is this user ({REP}; another type's ID is refused)."
    )
    sales_reps: list[strawberry.ID] | None = maybe(
        f"Only customers whose salesRep is any of these users ({REP} each); {IN_ANY}."
    )
    inside_sales_rep: strawberry.ID | None = maybe(
        f"Only customers whose insideSalesRep is this user ({REP})."
    )
    region: str | None = maybe(f"The billing address's region, {REGION_MATCH}.")
    credit_code: list[CreditCodeEnum] | None = maybe(f"Any of these credit codes; {IN_ANY}.")
    billing_status: list[BillingStatusEnum] | None = maybe(
        f"Any of these billing statuses; {IN_ANY}."
    )
    engagement: list[EngagementEnum] | None = maybe(
        f"Any of these engagements, judged as of today in the server's time zone; {IN_ANY}."
    )
    newest_note_from: dt.datetime | None = maybe(
        "Only customers whose newest note is at or after this time (a time without an offset is "
        "read in the server's time zone); customers without notes are left out."
    )
    newest_note_to: dt.datetime | None = maybe(
        "Only customers whose newest note is at or before this time; with `newestNoteFrom`, a "
        "range with both ends included."
    )
    ranges: list[FieldRange] | None = maybe(
        "Ranges of money, counts, dates and times, one per field, all of them met; any field "
        "`orderBy` sorts by and that holds such a value."
    )


SORT_DIRECTION = "ASC (the default) or DESC."


@strawberry.input(description="One key of the customer list's sort; ties go by the next key.")
class CustomerOrder:
    field: CustomerSortFieldEnum = strawberry.field(description="What to sort by.")
    direction: SortDirectionEnum | None = maybe(SORT_DIRECTION, SortDirection.ASC)


@strawberry.input(
    description="Which leads the list or an export takes; every field given must match (AND), a "
    "field left out or null matches all. An ID of another type than the field's matches nothing."
)
class LeadFilter:
    search: str | None = maybe(
        "Part of the customer's name or number, ignoring case; digits also match the lead's "
        "number, and a phone number (3 digits or more, punctuation ignored) the customer's phone. "
        "At most 200 characters."
    )
    state: list[LeadStateEnum] | None = maybe(f"Any of these states; {IN_ANY}.")
    open: bool | None = maybe(
        "True: only open leads (not CUSTOMER or INACTIVE); false: only closed ones; left out: both."
    )
    program: strawberry.ID | None = maybe("Only the leads of this program (its global ID).")
    source: strawberry.ID | None = maybe("Only the leads from this source (its global ID).")
    inside_sales_rep: strawberry.ID | None = maybe(
        f"Only the leads whose insideSalesRep is this user ({REP})."
    )
    outside_sales_rep: strawberry.ID | None = maybe(
        f"Only the leads whose outsideSalesRep is this user ({REP})."
    )
    assigned_to: strawberry.ID | None = maybe(f"Only the leads assigned to this user ({REP}).")
    region: str | None = maybe(f"The customer's billing region, {REGION_MATCH}.")
    note_from: dt.datetime | None = maybe(
        "Only leads whose newest note is at or after this time (without an offset: the server's "
        "time zone); leads without notes are left out."
    )
    note_to: dt.datetime | None = maybe(
        "Only leads whose newest note is at or before this time; both ends are included."
    )


@strawberry.input(description="One key of the lead list's sort; ties go by the next key.")
class LeadOrder:
    field: LeadSortFieldEnum = strawberry.field(description="What to sort by.")
    direction: SortDirectionEnum | None = maybe(SORT_DIRECTION, SortDirection.ASC)


@strawberry.input(
    description=f"A customer's fields, for createCustomer and updateCustomer. {UPDATE_RULE} Texts "
    "are trimmed, and a blank one is null."
)
class CustomerInput:
    number: str | None = maybe(
        "Left out on create: the next in sequence (C-000001 upward). At most 40 characters, unique "
        "regardless of case (DUPLICATE); cannot be cleared."
    )
    name: str | None = maybe("Required on create; at most 200 characters; cannot be cleared.")
    alias: str | None = maybe("Another name people know the customer by; at most 200 characters.")
    status: CustomerStatusEnum | None = maybe("ACTIVE when left out on create; cannot be cleared.")
    currency: str | None = maybe(
        "The ISO 4217 code of the customer's documents (three letters, any case: `eur` is EUR); "
        "the base currency when left out on create; cannot be cleared."
    )
    credit_code: CreditCodeEnum | None = maybe(
        "CURRENT_ACCOUNT when left out on create; cannot be cleared. CREDIT_HOLD refuses new "
        "orders, NEW_ACCOUNT sends them for approval."
    )
    credit_limit: Dec | None = maybe(
        f"{MONEY}, zero or more, in the base currency as exposure is; null: no limit."
    )
    billing_status: BillingStatusEnum | None = maybe(
        "ON_ACCOUNT when left out on create; cannot be cleared."
    )
    payment_terms: strawberry.ID | None = maybe(
        "The PaymentTerms' global ID (`paymentTerms` lists them); null: none, invoices are due "
        "on their date."
    )
    terms_basis: TermsBasisEnum | None = maybe(
        "INVOICE_DATE when left out on create; cannot be cleared."
    )
    sales_rep: strawberry.ID | None = maybe(
        f"The (outside) sales rep: {REP}, an active user. A SALES_REP must stay the customer's "
        "salesRep or insideSalesRep."
    )
    inside_sales_rep: strawberry.ID | None = maybe(
        f"The inside sales rep: {REP}, an active user; null: none."
    )
    email: str | None = maybe("An email address like name@example.com; at most 254 characters.")
    phone: str | None = maybe("At most 50 characters; searched ignoring punctuation.")
    billing_address: AddressInput | None = maybe(
        "Where invoices go; given, it replaces the whole address; null clears it."
    )
    shipping_address: AddressInput | None = maybe(
        "Where goods go by default; given, it replaces the whole address; null clears it."
    )
    prior_sales: Dec | None = maybe(
        f"Sales before the system was adopted: {MONEY}, zero or more, in the base currency; "
        "part of lifetime value. Zero when left out on create; cannot be cleared."
    )


@strawberry.input(
    description=f"A delivery location's fields, for createLocation and updateLocation. {UPDATE_RULE}"
)
class LocationInput:
    customer: strawberry.ID | None = maybe(
        "The owning Customer's global ID: required on create; an update may not change it."
    )
    code: str | None = maybe(
        "Required on create; at most 40 characters, unique within the customer regardless of case "
        "(DUPLICATE); cannot be cleared."
    )
    alias: str | None = maybe(
        "The common name of the site: required on create; at most 200 characters; cannot be "
        "cleared."
    )
    contact_name: str | None = maybe("Whom to ask for at the site; at most 200 characters.")
    contact_email: str | None = maybe(
        "An email address like name@example.com; at most 254 characters."
    )
    contact_phone: str | None = maybe("At most 50 characters.")
    alt_email: str | None = maybe("A second email address for the site; at most 254 characters.")
    shipping_address: AddressInput | None = maybe(
        "The site's address; given, it replaces the whole address; null clears it."
    )
    billing_address: AddressInput | None = maybe(
        "A billing address for the site; given, it replaces the whole address; null clears it."
    )
    sales_rep: strawberry.ID | None = maybe(
        f"A sales rep for this site overriding the customer's: {REP}, an active user; null: none."
    )


@strawberry.input(
    description=f"A contact's fields, for createContact and updateContact. {UPDATE_RULE}"
)
class ContactInput:
    customer: strawberry.ID | None = maybe(
        "The Customer's global ID: required on create; an update may not change it."
    )
    first_name: str | None = maybe("Required on create; at most 100 characters; cannot be cleared.")
    last_name: str | None = maybe("Required on create; at most 100 characters; cannot be cleared.")
    email: str | None = maybe("An email address like name@example.com; at most 254 characters.")
    office_phone: str | None = maybe("At most 50 characters.")
    mobile_phone: str | None = maybe("At most 50 characters; searched ignoring punctuation.")
    fax: str | None = maybe("At most 50 characters.")
    address: AddressInput | None = maybe("Given, it replaces the whole address; null clears it.")
    is_primary: bool | None = maybe(
        "True makes this the customer's primary contact and the others not; null is false."
    )


@strawberry.input(description=f"An item's fields, for createItem and updateItem. {UPDATE_RULE}")
class ItemInput:
    code: str | None = maybe(
        "Required on create; at most 40 characters, unique regardless of case (DUPLICATE)."
    )
    description: str | None = maybe("Required on create; at most 500 characters.")
    unit: str | None = maybe(
        'The unit of measure ("EA", "KG"): required on create; at most 20 characters.'
    )
    unit_price: Dec | None = maybe(
        f"The list price per unit in the base currency, zero or more, {PRICE}: required on create; "
        "cannot be cleared."
    )
    unit_cost: Dec | None = maybe(
        f"The cost per unit in the base currency, zero or more, {PRICE}; null: not known."
    )
    active: bool | None = maybe(
        "Whether the item is in use; true when left out on create; cannot be cleared."
    )


@strawberry.input(
    description="A line of a new order or invoice. Its amounts, in the document's currency: net = "
    "quantity x unitPrice (to the cent), tax = net x taxRate %, cost = quantity x unitCost."
)
class LineInput:
    line_type: LineTypeEnum | None = maybe("ITEM when left out.", LineType.ITEM)
    item: strawberry.ID | None = maybe(
        "An Item's global ID: the line takes its code, description, unit, unit price and unit "
        "cost where it does not give them."
    )
    code: str | None = maybe("Required without an item; at most 40 characters.")
    description: str | None = maybe("Required without an item; at most 500 characters.")
    unit: str | None = maybe("The unit of measure; at most 20 characters.")
    quantity: Dec = strawberry.field(description="More than zero, three decimal places at most.")
    unit_price: Dec | None = maybe(
        f"Per unit, in the document's currency, zero or more, {PRICE}. Left out: the item's; "
        "without an item, required on an ITEM line and 0 on the others."
    )
    unit_cost: Dec | None = maybe(
        f"Per unit, in the document's currency, zero or more, {PRICE}. Left out: the item's, or "
        "none."
    )
    tax_rate: Dec | None = maybe("Percent, 0 to 100, four decimal places at most.", "0")


FX_RATE = (
    "Base units per one unit of the document's currency (up to 8 decimal places, more than zero, "
    "below 1000000000); required when that is not the base currency, left out (or 1) when it is."
)
DATE_BOUNDS = "from 1900-01-01 to 2999-12-31"


@strawberry.input(
    description="A new order: its currency is the billing customer's, its number SO-… or JO-…."
)
class OrderInput:
    order_customer: strawberry.ID = strawberry.field(
        description="The Customer's global ID who orders. A SALES_REP must be one of its reps."
    )
    billing_customer: strawberry.ID | None = maybe(
        "The Customer's global ID who pays; defaults to orderCustomer."
    )
    location: strawberry.ID | None = maybe(
        "A Location of the order customer (its global ID) to deliver to; none when left out."
    )
    order_date: dt.date | None = maybe(
        f"Today in the server's time zone when left out; {DATE_BOUNDS}."
    )
    required_date: dt.date | None = maybe(
        "When the customer needs it; not before orderDate. The DELIVERY_DATE terms basis counts "
        "from it."
    )
    classification: OrderClassificationEnum | None = maybe(
        "SALES_ORDER (numbered SO-…) when left out, or JOB_ORDER (JO-…).",
        OrderClassification.SALES_ORDER,
    )
    description: str | None = maybe("At most 500 characters.")
    fx_rate: Dec | None = maybe(FX_RATE)
    lines: list[LineInput] = strawberry.field(
        description="At least one; totals within money's maximum."
    )


@strawberry.input(
    description="A new invoice or credit note: its currency is the bill customer's; issued "
    "(PRINTED, numbered IN-… or CR-…) unless `issue` is false."
)
class InvoiceInput:
    bill_customer: strawberry.ID = strawberry.field(
        description="The Customer's global ID who pays: its currency, payment terms and terms "
        "basis set the currency and due date."
    )
    order_customer: strawberry.ID | None = maybe(
        "The Customer's global ID who ordered; defaults to billCustomer."
    )
    order: strawberry.ID | None = maybe(
        "An Order's global ID the invoice is for, with the same two customers; its required date "
        "is the DELIVERY_DATE basis. Its status does not change (`invoiceOrder` does that)."
    )
    classification: InvoiceClassificationEnum | None = maybe(
        "INVOICE when left out, or CREDIT: a credit note, with positive lines, that counts "
        "negatively.",
        InvoiceClassification.INVOICE,
    )
    invoice_date: dt.date | None = maybe(
        f"Today in the server's time zone when left out; {DATE_BOUNDS}. The due date counts from it."
    )
    alt_number: str | None = maybe(
        "An alternative number, such as the customer's purchase order; at most 40 characters."
    )
    fx_rate: Dec | None = maybe(FX_RATE)
    lines: list[LineInput] = strawberry.field(
        description="At least one; totals within money's maximum."
    )
    issue: bool | None = maybe(
        "False leaves it PLANNED (a draft numbered DRAFT-…, counted in nothing); true when left out.",
        True,
    )


@strawberry.input(description="Money to move from a payment to one invoice.")
class ApplicationInput:
    invoice: strawberry.ID = strawberry.field(
        description="An issued, unpaid invoice (its global ID; PRINTED or PARTIALLY_PAID, not a "
        "credit note) billed to the payment's customer, in the payment's currency."
    )
    amount: Dec = strawberry.field(
        description=f"{MONEY} in the documents' currency, more than zero, at most the invoice's "
        "balance due (OVER_APPLIED)."
    )


@strawberry.input(description="Money received from a customer, in the customer's currency.")
class PaymentInput:
    customer: strawberry.ID = strawberry.field(description="The paying Customer's global ID.")
    payment_date: dt.date | None = maybe(
        f"When it was received: today in the server's time zone when left out; {DATE_BOUNDS}."
    )
    style: PaymentStyleEnum | None = maybe(
        "PAYMENT when left out, or DEPOSIT.", PaymentStyle.PAYMENT
    )
    amount: Dec = strawberry.field(
        description=f"{MONEY}, more than zero, in the customer's currency."
    )
    fx_rate: Dec | None = maybe(FX_RATE)
    reference: str | None = maybe("A cheque or transfer reference; at most 200 characters.")
    apply_to: list[ApplicationInput] | None = maybe(
        "Invoices to apply it to at once, together at most the amount (OVER_APPLIED); none when "
        "left out or empty."
    )


@strawberry.input(
    description="A reminder on a note: an RFC 5545 event at GET /reminders/<note id>.ics, mailed "
    "to the author as an invitation when SMTP is configured."
)
class ReminderInput:
    due_at: dt.datetime = strawberry.field(
        description="When, with its UTC offset (2026-12-01T09:00:00+01:00 or …Z): required."
    )
    title: str = strawberry.field(description="Required; at most 200 characters.")


@strawberry.input(
    description="A note on exactly one customer or one lead, by the signed-in user, now."
)
class NoteInput:
    customer: strawberry.ID | None = maybe("The Customer's global ID; give this or `lead`.")
    lead: strawberry.ID | None = maybe("The Lead's global ID; give this or `customer`.")
    type: NoteTypeEnum | None = maybe("GENERAL when left out; null is REQUIRED.", NoteType.GENERAL)
    body: str = strawberry.field(description="Required; at most 10000 characters, trimmed.")
    reminder: ReminderInput | None = maybe("A reminder for the author; none when left out or null.")


@strawberry.input(description=f"A lead's fields, for createLead and updateLead. {UPDATE_RULE}")
class LeadInput:
    customer: strawberry.ID | None = maybe(
        "The Customer's global ID the opportunity is with: required on create; an update may not "
        "change it."
    )
    program: strawberry.ID | None = maybe(
        "An active LeadProgram's global ID: required on create; cannot be cleared."
    )
    source: strawberry.ID | None = maybe("An active LeadSource's global ID; null: not known.")
    inside_sales_rep: strawberry.ID | None = maybe(f"{REP}, an active user; null: none.")
    outside_sales_rep: strawberry.ID | None = maybe(f"{REP}, an active user; null: none.")
    assigned_to: strawberry.ID | None = maybe(
        f"Who works the lead: {REP}, an active user; null: nobody."
    )
    probability: int | None = maybe("Percent, 0 to 100.")
    estimated_conversion_date: dt.date | None = maybe(
        f"When the lead is expected to be won; {DATE_BOUNDS}."
    )
    potential_value: Dec | None = maybe(f"{MONEY}, zero or more, in the base currency.")


@strawberry.input(
    description="What bulkUpdateCustomers sets on every customer it takes: at least one field. A "
    "field left out stays as each customer has it."
)
class CustomerBulkSet:
    sales_rep: strawberry.ID | None = maybe(f"{REP}, an active user; null clears it.")
    inside_sales_rep: strawberry.ID | None = maybe(f"{REP}, an active user; null clears it.")
    payment_terms: strawberry.ID | None = maybe("The PaymentTerms' global ID; null clears it.")
    billing_status: BillingStatusEnum | None = maybe("Null is REQUIRED: it cannot be cleared.")
    terms_basis: TermsBasisEnum | None = maybe("Null is REQUIRED: it cannot be cleared.")
    credit_code: CreditCodeEnum | None = maybe("Null is REQUIRED: it cannot be cleared.")
    status: CustomerStatusEnum | None = maybe("Null is REQUIRED: it cannot be cleared.")


@strawberry.input(description="A column of a saved list view, in the view's order.")
class ListColumnInput:
    field: str = strawberry.field(
        description="The column's field name (`lifetimeValue`): one of the list's columns, each "
        "at most once."
    )
    label: str | None = maybe(
        "The heading shown; at most 200 characters. Left out, null or blank: the field name."
    )
    visible: bool | None = maybe(
        "False keeps the column in the view, hidden; true when left out. At least one is visible.",
        True,
    )
    width: int | None = strawberry.field(
        default=None,
        description="The column's width in whole pixels, 24 to 2000; null: the client's own.",
    )


@strawberry.input(description="One key of a saved list view's sort; ties go by the next key.")
class ListSortInput:
    field: str = strawberry.field(
        description=(
            "A column's field name (`lifetimeValue`); the list's sort enum name (`LIFETIME_VALUE`) is read as it."
        )
    )
    direction: SortDirectionEnum | None = maybe(SORT_DIRECTION, SortDirection.ASC)


@strawberry.input(
    description="A user's fields, for createUser and updateUser. On an update a field left out "
    "keeps its value, and none can be cleared (null is REQUIRED); a user who is not ADMIN may "
    "change only their own name and password (FORBIDDEN)."
)
class UserInput:
    email: str | None = maybe(
        "The email the user signs in with, stored in lower case: required on create; an address "
        "like name@example.com, at most 254 characters, unique (DUPLICATE)."
    )
    name: str | None = maybe("Required on create; at most 200 characters, trimmed.")
    role: RoleEnum | None = maybe("Required on create.")
    active: bool | None = maybe(
        "True when left out on create. False: the user can no longer sign in; their sessions end "
        "and their tokens are revoked at once."
    )
    password: str | None = maybe(
        "10 characters or more, stored hashed. Left out on create: the user acts only through "
        "API tokens until one is set. A new one ends the user's other sessions; tokens stay."
    )
