"""The contract's enums, each the domain's own Python enum exposed by member name, with the
descriptions GraphiQL shows (the domain's enums stay free of Strawberry).

`strawberry.enum` marks the class it is given and returns that same class, so each `...Enum` name
here is a plain alias of the domain's enum: annotations that name it are real types to mypy."""

from enum import Enum
from typing import Any, TypeAlias, TypeVar

import strawberry

from server.access.models import Role, TokenScope
from server.access.policy import Access
from server.customers.models import BillingStatus, CreditCode, CustomerStatus, TermsBasis
from server.documents.models import (
    InvoiceClassification,
    InvoiceStatus,
    LineType,
    OrderClassification,
    OrderStatus,
)
from server.figures.customer_list import Engagement
from server.figures.history import HistoryRole
from server.leads.models import LeadState
from server.lists.catalogue import ColumnType
from server.lists.models import ListKind
from server.lists.validator import FilterKind
from server.notes.models import NoteType
from server.payments.models import PaymentStatus, PaymentStyle
from server.sorting import CustomerSortField, InvoiceSortField, LeadSortField, SortDirection

E = TypeVar("E", bound=Enum)


def described(cls: type[E], name: str, description: str, **values: str) -> type[E]:
    """Mark `cls` as the GraphQL enum `name`, each member with its description (every one: a member
    left out is an error here, at import), and return it: the same class, marked."""
    exposed: Any = strawberry.enum(cls, name=name, description=description)
    definition = exposed.__strawberry_definition__
    if exposed is not cls:
        raise TypeError(f"{name}: strawberry.enum no longer marks the class in place")
    names = {v.name for v in definition.values}
    if names != set(values):
        raise ValueError(f"{name}: describe exactly {sorted(names)}, not {sorted(values)}")
    for value in definition.values:
        value.description = values[value.name]
    return cls


RoleEnum: TypeAlias = Role
described(
    Role,
    "Role",
    "What a user may do; an API token acts with its owner's role.",
    ADMIN="Everything, users and API tokens included.",
    MANAGER="Everything but users: sees costs and margins, approves orders, bulk updates and "
    "reverts.",
    SALES_REP="Reads all but costs and margins; writes the customers they are a sales rep of, "
    "with their locations, contacts, leads and orders; adds notes anywhere.",
    VIEWER="Reads all but costs and margins; writes nothing.",
)
AccessEnum: TypeAlias = Access
described(
    Access,
    "Access",
    "How far a permission reaches (the role table in docs/api.md).",
    YES="On every record.",
    OWN="Only on the customers the user is the sales rep or inside sales rep of (and what hangs "
    "off them); the server checks each record.",
    SELF="Only on the user's own records: their list views, API tokens, name and password.",
    NO="Never answered in `permissions`: an operation the role may not do is left out.",
)
TokenScopeEnum: TypeAlias = TokenScope
described(
    TokenScope,
    "TokenScope",
    "What an API token may do: READ, or READ and WRITE.",
    READ="Queries only.",
    WRITE="Mutations too (a token with WRITE also has READ).",
)
CustomerStatusEnum: TypeAlias = CustomerStatus
described(
    CustomerStatus,
    "CustomerStatus",
    "Whether the customer is in use.",
    ACTIVE="In use (the default).",
    INACTIVE="No longer in use; kept with its history.",
)
CreditCodeEnum: TypeAlias = CreditCode
described(
    CreditCode,
    "CreditCode",
    "The credit control that the customer's new orders meet.",
    CURRENT_ACCOUNT="In good standing: orders are created OPEN.",
    NEW_ACCOUNT="Orders are created PENDING_APPROVAL until a manager or admin approves them "
    "(`approveOrder`).",
    PAST_DUE="Orders are allowed and carry a past-due warning.",
    CREDIT_HOLD="`createOrder` is refused with the userError CREDIT_HOLD.",
)
BillingStatusEnum: TypeAlias = BillingStatus
described(
    BillingStatus,
    "BillingStatus",
    "How the customer pays.",
    ON_ACCOUNT="Invoiced, paid by the payment terms' due date.",
    PREPAY="Pays before the goods ship.",
    CASH_ON_DELIVERY="Pays on delivery.",
)
TermsBasisEnum: TypeAlias = TermsBasis
described(
    TermsBasis,
    "TermsBasis",
    "The day an invoice's due date counts from: due date = basis + the payment terms' dueDays.",
    INVOICE_DATE="The invoice date.",
    DELIVERY_DATE="The order's required date when it has one, else the invoice date.",
    END_OF_MONTH="The last day of the invoice date's month.",
)
HistoryRoleEnum: TypeAlias = HistoryRole
described(
    HistoryRole,
    "HistoryRole",
    "Whose documents a history or sales figure counts.",
    ORDER_OR_BILLING="The customer is the order or the billing customer, a document where it is "
    "both counted once (the default).",
    ORDER_ONLY="The customer is the order customer.",
    BILLING_ONLY="The customer is the billing (bill) customer.",
)
LineTypeEnum: TypeAlias = LineType
described(
    LineType,
    "LineType",
    "The kind of a document line.",
    ITEM="An item sold, usually picked from the item list.",
    DESCRIPTOR="A line of text or a charge without an item (a setup fee, a comment).",
    TASK="Work done, such as labour or a service.",
)
OrderStatusEnum: TypeAlias = OrderStatus
described(
    OrderStatus,
    "OrderStatus",
    "Where an order stands. `setOrderStatus` moves it; a move not allowed is the userError "
    "INVALID_TRANSITION.",
    PENDING_APPROVAL="A NEW_ACCOUNT customer's new order, waiting for `approveOrder`.",
    PLANNED="Not yet confirmed.",
    OPEN="Confirmed; the state of a new order.",
    IN_PROGRESS="Being made or picked.",
    ON_HOLD="Stopped for now.",
    FINISHED="Ready to invoice.",
    INVOICED="Turned into an invoice by `invoiceOrder`; final.",
    CANCELLED="Cancelled; counts in no figure; final.",
)
OrderClassificationEnum: TypeAlias = OrderClassification
described(
    OrderClassification,
    "OrderClassification",
    "The kind of order, which gives its number's prefix.",
    SALES_ORDER="Goods sold: numbered SO-….",
    JOB_ORDER="Work to be done: numbered JO-….",
)
InvoiceClassificationEnum: TypeAlias = InvoiceClassification
described(
    InvoiceClassification,
    "InvoiceClassification",
    "An invoice or a credit note.",
    INVOICE="Numbered IN-… once issued.",
    CREDIT="A credit note, numbered CR-… once issued; counts negatively in every sales figure "
    "and its balance is negative.",
)
InvoiceStatusEnum: TypeAlias = InvoiceStatus
described(
    InvoiceStatus,
    "InvoiceStatus",
    "Where an invoice or credit note stands.",
    PLANNED="A draft (DRAFT-… number): counts in nothing.",
    PRINTED="Issued, nothing paid.",
    PARTIALLY_PAID="Issued, partly paid.",
    PAID="Issued and paid in full.",
    VOID="Voided: counts in nothing.",
)
PaymentStyleEnum: TypeAlias = PaymentStyle
described(
    PaymentStyle,
    "PaymentStyle",
    "Money received from a customer.",
    PAYMENT="A payment, usually of invoices.",
    DEPOSIT="Money received ahead of invoices, applied to them later.",
)
PaymentStatusEnum: TypeAlias = PaymentStatus
described(
    PaymentStatus,
    "PaymentStatus",
    "How much of a payment is applied to invoices.",
    RECEIVED="Nothing applied yet.",
    PARTIALLY_APPLIED="Part applied.",
    FULLY_APPLIED="All of it applied.",
)
NoteTypeEnum: TypeAlias = NoteType
described(
    NoteType,
    "NoteType",
    "What a note records.",
    GENERAL="Anything else.",
    CALL="A phone call.",
    MEETING="A meeting.",
    EMAIL="An email.",
    FOLLOW_UP="Something to follow up, often with a reminder.",
    COMPLAINT="A complaint.",
)
LeadStateEnum: TypeAlias = LeadState
described(
    LeadState,
    "LeadState",
    "Where a lead stands. `changeLeadState` moves it; `Lead.allowedTransitions` lists where it "
    "may go now.",
    PENDING_QUALIFICATION="New: not yet qualified (the state of a new lead).",
    DEVELOPMENT="Qualified; being developed.",
    QUOTING="Quoted.",
    CUSTOMER="Won; closed, final.",
    INACTIVE="Dropped; closed, may be reopened as PENDING_QUALIFICATION.",
)
ListKindEnum: TypeAlias = ListKind
described(
    ListKind,
    "ListKind",
    "A list that staff shape with saved views.",
    CUSTOMERS="The customer list (`customers`).",
    LOCATIONS="The location list (`locations`).",
    LEADS="The lead list (`leads`).",
)
ColumnTypeEnum: TypeAlias = ColumnType
described(
    ColumnType,
    "ColumnType",
    "What a list column holds: how a client formats it and what a filter on it takes.",
    TEXT="Text.",
    MONEY="An amount in the base currency, as a decimal string (as `Money.amount`).",
    INTEGER="A whole number (a count, a number, a percentage).",
    DATE="A calendar date, ISO 8601.",
    DATE_TIME="A moment, ISO 8601 with its offset.",
    BOOLEAN="True or false.",
    ENUM="One of the column's `values`.",
    USER="A user, shown by email; filtered by the user's ID.",
)
ColumnFilterKindEnum: TypeAlias = FilterKind
described(
    FilterKind,
    "ColumnFilterKind",
    "How a list's filter narrows a column.",
    VALUES="A value list: the filter field takes the column's `values` (an enum's names) or "
    "IDs of `reference` records; a list of them when `multiple`.",
    RANGE="A range: the fields `from` and `to` hold its bounds, either may be left out.",
    TEXT="A text the column's value must equal, without regard to case.",
    FLAG="True or false.",
)
CustomerSortFieldEnum: TypeAlias = CustomerSortField
described(
    CustomerSortField,
    "CustomerSortField",
    "What the customer list sorts by; nulls sort last and ties break by id.",
    NUMBER="Customer number.",
    NAME="Name.",
    LIFETIME_VALUE="lifetimeValue.",
    ORDER_COUNT="orderCount.",
    ORDER_TOTAL="orderTotal.",
    AVERAGE_ORDER_VALUE="averageOrderValue.",
    LAST_ORDER_DATE="lastOrderDate.",
    NEWEST_NOTE_AT="newestNoteAt.",
    CREATED_AT="When the customer was created.",
    REGION="The billing address's region.",
    CREDIT_LIMIT="creditLimit.",
    PRIOR_SALES="priorSales.",
    OPEN_ORDERS="balances.openOrders.",
    CURRENT_INVOICES="balances.currentInvoices: what the customer owes.",
    UNAPPLIED_PAYMENTS="balances.unappliedPayments.",
    AVAILABLE_CREDIT="balances.availableCredit (null without a credit limit).",
    OVERDUE="aging.overdue: the open balance past due today.",
    YTD_SALES="invoiceStats.ytdThisYear: sales from 1 January to today.",
    LAST_PAYMENT_DATE="lastPaymentDate.",
    LAST_INVOICE_DATE="lastInvoiceDate.",
    ALIAS="alias.",
    EMAIL="email.",
    CITY="The billing address's city.",
)
InvoiceSortFieldEnum: TypeAlias = InvoiceSortField
described(
    InvoiceSortField,
    "InvoiceSortField",
    "What a customer's invoice list sorts by, in the order of the values shown; ties break by id.",
    INVOICE_DATE="Invoice date (the default).",
    DUE_DATE="Due date.",
    NUMBER="Number.",
    TOTAL_AMOUNT="totalAmount, in the document's currency.",
    BALANCE_DUE="balanceDue as shown: 0 for drafts and void documents, negative for open credit "
    "notes.",
)
LeadSortFieldEnum: TypeAlias = LeadSortField
described(
    LeadSortField,
    "LeadSortField",
    "What the lead list sorts by; nulls sort last and ties break by id.",
    NUMBER="Lead number.",
    CUSTOMER_NAME="The customer's name.",
    STATE="State, in the LeadState order.",
    PROBABILITY="probability.",
    POTENTIAL_VALUE="potentialValue.",
    ESTIMATED_CONVERSION_DATE="estimatedConversionDate.",
    NEWEST_NOTE_AT="The time of the lead's latest note.",
)
SortDirectionEnum: TypeAlias = SortDirection
described(
    SortDirection,
    "SortDirection",
    "Sort order.",
    ASC="Smallest, earliest or A first.",
    DESC="Largest, latest or Z first.",
)

EngagementEnum: TypeAlias = Engagement
described(
    Engagement,
    "Engagement",
    "Whether the customer orders, judged at asOf.",
    ENGAGED="An order, not cancelled, dated in the 365 days up to asOf.",
    LAPSED="Orders, but only before those 365 days.",
    NEVER_ORDERED="No order dated up to asOf.",
)
