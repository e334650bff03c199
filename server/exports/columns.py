"""The columns an export may show, by GraphQL field name: each an SQL expression correlated on
the list's own table (computed per batch of ids), a cell kind and a default label for people
("Lifetime value", "Billing city"): what a list heads the column with until a view relabels it,
and a name the importer knows the column by. The export's header without a view or labels is
the field name (docs/decisions.md 64).

The customer columns are also the importer's: those marked `importable` are `CustomerInput`
fields it writes back, the others (figures, times) it reads as read-only and ignores, so any
export of the customer list imports back unchanged.

Cell kinds: text, money (minor units -> exact Decimal), int, date, datetime, bool. A text
column may also say what its values are (`values`: an enum's names) or whose (`reference`: the
type of record it names, `User` for a rep by email): what a client needs to show and filter it.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select

from server import spreadsheets, validate
from server.access.models import User
from server.customers.models import Customer, Location, PaymentTerms
from server.documents.models import Invoice
from server.documents.rules import balance_due_expression
from server.figures import customer_list as figures
from server.figures.customer_list import Engagement
from server.leads.models import CLOSED_LEAD_STATES, Lead, LeadProgram, LeadSource
from server.listing import lead_newest_note_expression
from server.money import from_minor, round_div
from server.payments.models import Payment

TEXT, MONEY, INT, DATE, DATETIME, BOOL = "text", "money", "int", "date", "datetime", "bool"

# Default labels that are not the field name in words (`lifetimeValue` is "Lifetime value").
LABELS = {
    "creditLimit": "Credit limit",
    "createdAt": "Created",
    "orderCount": "Orders",
    "lastOrderDate": "Last order",
    "lastInvoiceDate": "Last invoice",
    "lastPaymentDate": "Last payment",
    "newestNoteAt": "Newest note",
    "customer.number": "Customer number",
    "customer.name": "Customer",
    "effectiveSalesRep": "Sales rep",
    "assignedTo": "Assigned to",
    "estimatedConversionDate": "Estimated conversion",
    "altNumber": "Alternate number",
}
# The words of a field's first part that a label leaves out (`billingAddress.city`: "Billing city").
_LEFT_OUT = {"address", "balances"}


def default_label(field: str) -> str:
    """The field name in words, as a sentence: `billingAddress.postalCode` -> "Billing postal
    code", `balances.openOrders` -> "Open orders" (what LABELS does not say otherwise).

    >>> default_label("billingAddress.line1"), default_label("lifetimeValue")
    ('Billing line 1', 'Lifetime value')
    """
    words = [
        word.lower()
        for word in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", field)
        if word.lower() not in _LEFT_OUT
    ]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class ExportColumn:
    field: str
    kind: str
    # SQL expressions read per row (correlated on the list's table); `value` shapes them into the cell.
    expressions: Callable[[dt.date], list[ColumnElement[Any]]]
    value: Callable[[list[Any]], Any] = lambda values: values[0]
    balances: bool = False  # read from the batched balances statement instead
    importable: bool = False  # a CustomerInput field the importer writes (customers only)
    values: type[enum.Enum] | None = None  # a text column of this enum's names
    reference: str | None = None  # a text column naming a record of this type (`User`)
    label: str = ""  # the default label; LABELS, else the field name in words

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", LABELS.get(self.field) or default_label(self.field))


@dataclass(frozen=True)
class Selected:
    column: ExportColumn
    label: str


def _enum_name(value: Any) -> Any:
    return getattr(value, "name", value)


def _person(column: Any) -> Callable[[dt.date], list[ColumnElement[Any]]]:
    """A user by email (what the importer reads back)."""
    return lambda _day: [select(User.email).where(User.id == column).scalar_subquery()]


def _plain(column: Any) -> Callable[[dt.date], list[ColumnElement[Any]]]:
    return lambda _day: [column]


def _col(
    field: str, kind: str, column: Any, value: Callable[[list[Any]], Any] | None = None
) -> ExportColumn:
    return ExportColumn(field, kind, _plain(column), value or (lambda v: v[0]))


def _enum(field: str, column: Any) -> ExportColumn:
    """A column of an enum's names (the model's column says which enum)."""
    values = column.type.enum_class
    return ExportColumn(field, TEXT, _plain(column), lambda v: _enum_name(v[0]), values=values)


def _rep(
    field: str, expressions: Callable[[dt.date], list[ColumnElement[Any]]], label: str = ""
) -> ExportColumn:
    """A user, by email (`_person`)."""
    return ExportColumn(field, TEXT, expressions, reference="User", label=label)


def _importable(*columns: ExportColumn) -> list[ExportColumn]:
    return [replace(column, importable=True) for column in columns]


def _address(name: str, prefix: str) -> list[ExportColumn]:
    """Every part of an address (`billingAddress.line1` ..), in the order of AddressInput."""
    return _importable(
        *(
            _col(f"{name}.{part}", TEXT, getattr(Customer, f"{prefix}_{column}"))
            for part, column in validate.ADDRESS_FIELDS.items()
        )
    )


def _average(values: list[Any]) -> Any:
    total, count = values
    return round_div(int(total), int(count)) if count else None


def _engagement(day: dt.date) -> list[ColumnElement[Any]]:
    return [
        case(
            (figures.engagement_condition(day, [Engagement.ENGAGED]), literal("ENGAGED")),
            (figures.engagement_condition(day, [Engagement.LAPSED]), literal("LAPSED")),
            else_=literal("NEVER_ORDERED"),
        )
    ]


def _last_payment(_day: dt.date) -> list[ColumnElement[Any]]:
    return [
        select(func.max(Payment.payment_on))
        .where(Payment.customer_id == Customer.id)
        .correlate(Customer)
        .scalar_subquery()
    ]


def _balance(field: str, index: int) -> ExportColumn:
    return ExportColumn(field, MONEY, lambda _day: [], lambda v: v[index], balances=True)


CUSTOMER_COLUMNS: dict[str, ExportColumn] = {
    c.field: c
    for c in [
        *_importable(
            _col("number", TEXT, Customer.number),
            _col("name", TEXT, Customer.name),
            _col("alias", TEXT, Customer.alias),
            _enum("status", Customer.status),
            _col("currency", TEXT, Customer.currency),
            _enum("creditCode", Customer.credit_code),
            _col("creditLimit", MONEY, Customer.credit_limit_minor),
            _enum("billingStatus", Customer.billing_status),
            ExportColumn(
                "paymentTerms",
                TEXT,
                lambda _d: [
                    select(PaymentTerms.code)
                    .where(PaymentTerms.id == Customer.payment_terms_id)
                    .scalar_subquery()
                ],
            ),
            _enum("termsBasis", Customer.terms_basis),
            _rep("salesRep", _person(Customer.sales_rep_id)),
            _rep("insideSalesRep", _person(Customer.inside_sales_rep_id)),
            _col("email", TEXT, Customer.email),
            _col("phone", TEXT, Customer.phone),
        ),
        *_address("billingAddress", "billing"),
        *_address("shippingAddress", "shipping"),
        *_importable(_col("priorSales", MONEY, Customer.prior_sales_minor)),
        _col("createdAt", DATETIME, Customer.created_at),
        ExportColumn("lifetimeValue", MONEY, lambda _d: [figures.lifetime_value_expression()]),
        ExportColumn("orderCount", INT, lambda _d: [figures.order_count_expression()]),
        ExportColumn("orderTotal", MONEY, lambda _d: [figures.order_total_expression()]),
        ExportColumn(
            "averageOrderValue",
            MONEY,
            lambda _d: [figures.order_total_expression(), figures.order_count_expression()],
            _average,
        ),
        ExportColumn("engagement", TEXT, _engagement, values=Engagement),
        ExportColumn("lastOrderDate", DATE, lambda _d: [figures.last_order_on_expression()]),
        ExportColumn("lastInvoiceDate", DATE, lambda _d: [figures.last_invoice_on_expression()]),
        ExportColumn("lastPaymentDate", DATE, _last_payment),
        ExportColumn("newestNoteAt", DATETIME, lambda _d: [figures.newest_note_expression()]),
        _balance("balances.openOrders", 0),
        _balance("balances.currentInvoices", 1),
        _balance("balances.unappliedPayments", 2),
        _balance("balances.availableCredit", 3),
        ExportColumn("aging.overdue", MONEY, lambda day: [figures.overdue_expression(day)]),
        ExportColumn(
            "invoiceStats.ytdThisYear",
            MONEY,
            lambda day: [figures.ytd_sales_expression(day.replace(month=1, day=1), day)],
        ),
    ]
}

CUSTOMER_DEFAULT = (
    "number",
    "name",
    "status",
    "creditCode",
    "creditLimit",
    "salesRep",
    "email",
    "phone",
    "billingAddress.city",
    "billingAddress.region",
    "lifetimeValue",
    "orderCount",
    "lastOrderDate",
    "balances.currentInvoices",
)


def _location_effective_rep(_day: dt.date) -> list[ColumnElement[Any]]:
    rep = func.coalesce(
        Location.sales_rep_id,
        select(Customer.sales_rep_id)
        .where(Customer.id == Location.customer_id)
        .correlate(Location)
        .scalar_subquery(),
    )
    return [select(User.email).where(User.id == rep).scalar_subquery()]


LOCATION_COLUMNS: dict[str, ExportColumn] = {
    c.field: c
    for c in [
        _col("code", TEXT, Location.code),
        _col("alias", TEXT, Location.alias),
        ExportColumn(
            "customer.number",
            TEXT,
            lambda _d: [
                select(Customer.number)
                .where(Customer.id == Location.customer_id)
                .correlate(Location)
                .scalar_subquery()
            ],
        ),
        ExportColumn(
            "customer.name",
            TEXT,
            lambda _d: [
                select(Customer.name)
                .where(Customer.id == Location.customer_id)
                .correlate(Location)
                .scalar_subquery()
            ],
        ),
        _col("contactName", TEXT, Location.contact_name),
        _col("contactEmail", TEXT, Location.contact_email),
        _col("contactPhone", TEXT, Location.contact_phone),
        _col("shippingAddress.city", TEXT, Location.shipping_city),
        _col("shippingAddress.region", TEXT, Location.shipping_region),
        _rep("salesRep", _person(Location.sales_rep_id), "Sales rep override"),
        _rep("effectiveSalesRep", _location_effective_rep),
    ]
}

LOCATION_DEFAULT = (
    "customer.name",
    "code",
    "alias",
    "contactName",
    "contactEmail",
    "contactPhone",
    "shippingAddress.city",
    "shippingAddress.region",
    "effectiveSalesRep",
)


def _of_lead_customer(column: Any) -> Callable[[dt.date], list[ColumnElement[Any]]]:
    return lambda _d: [
        select(column).where(Customer.id == Lead.customer_id).correlate(Lead).scalar_subquery()
    ]


LEAD_COLUMNS: dict[str, ExportColumn] = {
    c.field: c
    for c in [
        _col("number", INT, Lead.number),
        ExportColumn("customer.name", TEXT, _of_lead_customer(Customer.name)),
        ExportColumn("customer.number", TEXT, _of_lead_customer(Customer.number)),
        _enum("state", Lead.state),
        ExportColumn("open", BOOL, _plain(Lead.state), lambda v: v[0] not in CLOSED_LEAD_STATES),
        ExportColumn(
            "program",
            TEXT,
            lambda _d: [
                select(LeadProgram.name)
                .where(LeadProgram.id == Lead.program_id)
                .correlate(Lead)
                .scalar_subquery()
            ],
        ),
        ExportColumn(
            "source",
            TEXT,
            lambda _d: [
                select(LeadSource.name)
                .where(LeadSource.id == Lead.source_id)
                .correlate(Lead)
                .scalar_subquery()
            ],
        ),
        _col("probability", INT, Lead.probability),
        _col("potentialValue", MONEY, Lead.potential_value_minor),
        _col("estimatedConversionDate", DATE, Lead.estimated_conversion_on),
        _rep("insideSalesRep", _person(Lead.inside_sales_rep_id)),
        _rep("outsideSalesRep", _person(Lead.outside_sales_rep_id)),
        _rep("assignedTo", _person(Lead.assigned_to_id)),
        _col("createdAt", DATETIME, Lead.created_at),
        ExportColumn("newestNoteAt", DATETIME, lambda _d: [lead_newest_note_expression()]),
    ]
}

LEAD_DEFAULT = (
    "number",
    "customer.number",
    "customer.name",
    "state",
    "program",
    "source",
    "probability",
    "potentialValue",
    "estimatedConversionDate",
    "assignedTo",
    "newestNoteAt",
)

INVOICE_COLUMNS: dict[str, ExportColumn] = {
    c.field: c
    for c in [
        _col("number", TEXT, Invoice.number),
        _col("altNumber", TEXT, Invoice.alt_number),
        _enum("classification", Invoice.classification),
        _enum("status", Invoice.status),
        _col("invoiceDate", DATE, Invoice.invoice_on),
        _col("dueDate", DATE, Invoice.due_on),
        _col("currency", TEXT, Invoice.currency),
        _col("netAmount", MONEY, Invoice.net_minor),
        _col("taxAmount", MONEY, Invoice.tax_minor),
        _col("totalAmount", MONEY, Invoice.total_minor),
        _col("amountPaid", MONEY, Invoice.paid_minor),
        ExportColumn("balanceDue", MONEY, lambda _d: [balance_due_expression(Invoice)]),
    ]
}

INVOICE_DEFAULT = (
    "number",
    "classification",
    "status",
    "invoiceDate",
    "dueDate",
    "currency",
    "netAmount",
    "taxAmount",
    "totalAmount",
    "amountPaid",
    "balanceDue",
)


def escape_text(text: str) -> str:
    """SPEC §7: a text cell starting with = + - @ tab or CR gets one leading ' (the importer removes it)."""
    return spreadsheets.escaped(text)


def cell(kind: str, value: Any) -> Any:
    """The Python value of a cell: Decimal for money (exact), str for text (escaped), None empty."""
    if value is None:
        return None
    if kind == MONEY:
        return from_minor(int(value))
    if kind == INT:
        return int(value)
    if kind == BOOL:
        return bool(value)
    if kind == DATE:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if kind == DATETIME:
        if not isinstance(value, dt.datetime):
            value = dt.datetime.fromisoformat(str(value))
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return escape_text(str(_enum_name(value)))
