"""The root Mutation: decode IDs, call one service, answer the payload or its userErrors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from schema.base import (
    JSON,
    UserError,
    ctx,
    given,
    pk_of,
    settle,
    user_errors,
    user_errors_field,
)
from schema.enums import LeadStateEnum, ListKindEnum, OrderStatusEnum, TokenScopeEnum
from schema.inputs import (
    ApplicationInput,
    ContactInput,
    CustomerBulkSet,
    CustomerFilter,
    CustomerInput,
    InvoiceInput,
    ItemInput,
    LeadInput,
    ListColumnInput,
    ListSortInput,
    LocationInput,
    NoteInput,
    OrderInput,
    PaymentInput,
    UserInput,
)
from schema.queries import _customer_filter
from schema.types import (
    ApiToken,
    AuditEvent,
    Contact,
    Customer,
    Invoice,
    Item,
    Lead,
    LeadProgram,
    LeadSource,
    ListView,
    Location,
    Note,
    Order,
    Payment,
    User,
)
from server.access import service as access
from server.access import sessions, tokens
from server.access.commands import UserFields
from server.customers import bulk
from server.customers import service as customers
from server.customers.commands import (
    ContactFields,
    CustomerBulkFields,
    CustomerFields,
    LocationFields,
)
from server.documents import service as documents
from server.documents.commands import InvoiceFields, ItemFields, OrderFields
from server.errors import DomainError, ErrorCode
from server.ids import NOWHERE
from server.leads import service as leads
from server.leads.commands import LeadFields
from server.lists import service as lists
from server.lists.commands import ListColumnFields, ListSortFields, ListViewFields
from server.notes import outbox
from server.notes import service as notes
from server.notes.commands import NoteFields
from server.payments import service as payments
from server.payments.commands import ApplicationFields, PaymentFields

T = TypeVar("T")
Creating = Annotated[T, strawberry.argument(description="The new record's fields.")]
Changing = Annotated[
    T,
    strawberry.argument(
        description="The fields to change, and only those: a field left out keeps its value, null "
        "clears it."
    ),
]
Target = Annotated[
    strawberry.ID,
    strawberry.argument(
        description="The record's global ID; one of another type, or of nothing, is NOT_FOUND."
    ),
]
ExpectedVersion = Annotated[
    int | None,
    strawberry.argument(
        description="The `version` last read: if the record's is another, STALE_VERSION and "
        "nothing changes. Left out: no check."
    ),
]
IsActive = Annotated[
    bool,
    strawberry.argument(
        description="False: no new lead may name it (INVALID); leads that have it keep it."
    ),
]
NewName = Annotated[
    str,
    strawberry.argument(
        description="Required; at most 200 characters, trimmed, unique regardless of case."
    ),
]
ORDER_STATUS = strawberry.argument(description="The status to move to.")
LEAD_STATE = strawberry.argument(description="The state to move to.")
LIST_KIND = strawberry.argument(
    description="The list it is a view of; a replaced view keeps its own (INVALID)."
)
VIEW_NAME = strawberry.argument(
    description="Required; at most 200 characters, trimmed, unique among the viewer's views of "
    "the list regardless of case (DUPLICATE)."
)
TOKEN_SCOPES = strawberry.argument(description="What the token may do; READ is always added.")


def _payload(name: str, field: str, type_: Any, what: str | None = None) -> type:
    """The answer of the mutations that write one `type_`: it, or the rules the input broke."""
    what = what or f"The {type_.__name__} as written"
    cls = type(
        name,
        (),
        {
            "__annotations__": {field: type_ | None, "user_errors": list[UserError]},
            field: strawberry.field(description=f"{what}; null when userErrors is not empty."),
            "user_errors": user_errors_field(),
        },
    )
    return strawberry.type(
        cls, description=f"A mutation's answer: the {type_.__name__}, or why nothing was written."
    )


CustomerPayload = _payload("CustomerPayload", "customer", Customer)
LocationPayload = _payload("LocationPayload", "location", Location)
ContactPayload = _payload("ContactPayload", "contact", Contact)
ItemPayload = _payload("ItemPayload", "item", Item)
OrderPayload = _payload("OrderPayload", "order", Order)
InvoicePayload = _payload("InvoicePayload", "invoice", Invoice)
PaymentPayload = _payload("PaymentPayload", "payment", Payment)
NotePayload = _payload("NotePayload", "note", Note)
LeadPayload = _payload("LeadPayload", "lead", Lead)
LeadProgramPayload = _payload("LeadProgramPayload", "lead_program", LeadProgram)
LeadSourcePayload = _payload("LeadSourcePayload", "lead_source", LeadSource)
ListViewPayload = _payload("ListViewPayload", "list_view", ListView)
LoginPayload = _payload(
    "LoginPayload", "user", User, "The signed-in user (a session cookie is set)"
)
UserPayload = _payload("UserPayload", "user", User)


@strawberry.type(description="A new API token and its secret, or why none was made.")
class ApiTokenPayload:
    api_token: ApiToken | None = strawberry.field(
        description="The token; null when userErrors is not empty."
    )
    secret: str | None = strawberry.field(
        description="The bearer token, shown once, never stored in clear."
    )
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="What a bulk update changed, or why it changed nothing.")
class BulkPayload:
    updated_count: int = strawberry.field(description="How many records changed.")
    audit_event: AuditEvent | None = strawberry.field(
        description="The one audit event of the whole change (revert it with `revertChange`); "
        "null when nothing changed."
    )
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="The id of what was deleted, or why nothing was.")
class DeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        description="The global ID of the deleted record; null when userErrors is not empty."
    )
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="What undoing a change did, or why it did nothing.")
class RevertPayload:
    reverted_count: int = strawberry.field(description="How many records were set back.")
    audit_event: AuditEvent | None = strawberry.field(
        description="The audit event of the revert itself; null when nothing was reverted."
    )
    user_errors: list[UserError] = user_errors_field()


def key(value: str | None, kind: str) -> int | None:
    """The primary key of a global ID (None for None); one that names nothing of `kind` (another
    type, garbage) stands for no row, so that the service reports it NOT_FOUND with the input's
    other problems."""
    return None if value is None else pk_of(value, kind) or NOWHERE


def decode(data: dict[str, Any], kinds: dict[str, str]) -> None:
    """Replaces the global IDs in `data` by primary keys (`key`)."""
    for name, kind in kinds.items():
        if data.get(name) is not None:
            data[name] = key(data[name], kind)


def decode_lines(data: dict[str, Any], name: str, kinds: dict[str, str]) -> None:
    for line in data.get(name) or []:
        decode(line, kinds)


async def run(
    info: Info,
    payload: type,
    field: str,
    kind: str,
    make: Callable[[Any], Any],
    service: Callable[..., Any],
    **kwargs: Any,
) -> Any:
    """Runs a service; answers the payload with the fresh object, or its userErrors and no object."""
    try:
        record = await ctx(info).write(service, **kwargs)
    except DomainError as error:
        return payload(**{field: None, "user_errors": user_errors(error)})
    row = await settle(ctx(info).loaders.row(kind, record.id))
    return payload(**{field: make(row), "user_errors": []})


def _documents(info: Info) -> dict[str, Any]:
    """The request's actor, day and base currency: what the document and payment services take."""
    return {
        "actor": ctx(info).actor,
        "today": ctx(info).today,
        "base_currency": ctx(info).settings.base_currency,
    }


CUSTOMER_IDS = {"paymentTerms": "PaymentTerms", "salesRep": "User", "insideSalesRep": "User"}
LEAD_IDS = {
    "customer": "Customer",
    "program": "LeadProgram",
    "source": "LeadSource",
    "insideSalesRep": "User",
    "outsideSalesRep": "User",
    "assignedTo": "User",
}


@strawberry.type(
    description="What can be written. Each answers a payload whose userErrors lists every rule "
    "the input broke, in which case nothing was written."
)
class Mutation:
    @strawberry.mutation(
        description=(
            "A new customer, numbered C-000001 upward unless `number` is given. ADMIN and "
            "MANAGER; a SALES_REP for customers where they are the salesRep or insideSalesRep"
            " (naming themself as one of its reps). Refused: a number another customer has, "
            "in any case (DUPLICATE); payment terms or a rep that does not exist or is "
            "inactive (NOT_FOUND). Audited as createCustomer, every field set."
        )
    )
    async def create_customer(self, info: Info, input: Creating[CustomerInput]) -> CustomerPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, CUSTOMER_IDS)
        return await run(
            info,
            CustomerPayload,
            "customer",
            "Customer",
            Customer.of,
            customers.create_customer,
            fields=CustomerFields.of(data),
            base_currency=ctx(info).settings.base_currency,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Changes the fields `input` gives; the version goes up by one when any differs. "
            "ADMIN and MANAGER; a SALES_REP for customers where they are the salesRep or "
            "insideSalesRep, who must stay one of its reps. Refused: STALE_VERSION; a number "
            "another customer has (DUPLICATE); unknown payment terms or rep (NOT_FOUND); null"
            " for a field that cannot be cleared (REQUIRED). Audited as updateCustomer, each "
            "changed field before and after."
        )
    )
    async def update_customer(
        self,
        info: Info,
        id: Target,
        input: Changing[CustomerInput],
        expected_version: ExpectedVersion = None,
    ) -> CustomerPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, CUSTOMER_IDS)
        return await run(
            info,
            CustomerPayload,
            "customer",
            "Customer",
            Customer.of,
            customers.update_customer,
            customer_id=key(id, "Customer"),
            fields=CustomerFields.of(data),
            expected_version=expected_version,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "A delivery location of a customer. ADMIN and MANAGER; a SALES_REP for customers "
            "where they are the salesRep or insideSalesRep (the location's customer). "
            "Refused: no such customer or sales rep (NOT_FOUND); a code the customer has "
            "already, in any case (DUPLICATE). Audited as createLocation."
        )
    )
    async def create_location(self, info: Info, input: Creating[LocationInput]) -> LocationPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, {"customer": "Customer", "salesRep": "User"})
        return await run(
            info,
            LocationPayload,
            "location",
            "Location",
            Location.of,
            customers.create_location,
            fields=LocationFields.of(data),
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Changes the fields `input` gives; a location never moves to another customer "
            "(INVALID). ADMIN and MANAGER; a SALES_REP for customers where they are the "
            "salesRep or insideSalesRep (the location's customer). Refused: STALE_VERSION, "
            "DUPLICATE code, unknown sales rep (NOT_FOUND). Audited as updateLocation, each "
            "changed field before and after."
        )
    )
    async def update_location(
        self,
        info: Info,
        id: Target,
        input: Changing[LocationInput],
        expected_version: ExpectedVersion = None,
    ) -> LocationPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, {"customer": "Customer", "salesRep": "User"})
        return await run(
            info,
            LocationPayload,
            "location",
            "Location",
            Location.of,
            customers.update_location,
            location_id=key(id, "Location"),
            fields=LocationFields.of(data),
            expected_version=expected_version,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "A contact person of a customer; `isPrimary` true makes the customer's other "
            "contacts not primary. ADMIN and MANAGER; a SALES_REP for customers where they "
            "are the salesRep or insideSalesRep. Refused: no such customer (NOT_FOUND). "
            "Audited as createContact."
        )
    )
    async def create_contact(self, info: Info, input: Creating[ContactInput]) -> ContactPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, {"customer": "Customer"})
        return await run(
            info,
            ContactPayload,
            "contact",
            "Contact",
            Contact.of,
            customers.create_contact,
            fields=ContactFields.of(data),
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Changes the fields `input` gives; a contact never moves to another customer "
            "(INVALID). ADMIN and MANAGER; a SALES_REP for customers where they are the "
            "salesRep or insideSalesRep. Refused: STALE_VERSION. Audited as updateContact, "
            "each changed field before and after."
        )
    )
    async def update_contact(
        self,
        info: Info,
        id: Target,
        input: Changing[ContactInput],
        expected_version: ExpectedVersion = None,
    ) -> ContactPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, {"customer": "Customer"})
        return await run(
            info,
            ContactPayload,
            "contact",
            "Contact",
            Contact.of,
            customers.update_contact,
            contact_id=key(id, "Contact"),
            fields=ContactFields.of(data),
            expected_version=expected_version,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Deletes a contact for good. ADMIN and MANAGER; a SALES_REP for customers where "
            "they are the salesRep or insideSalesRep. Refused: no such contact (NOT_FOUND). "
            "Audited as deleteContact, with its name."
        )
    )
    async def delete_contact(self, info: Info, id: Target) -> DeletePayload:
        try:
            await ctx(info).write(
                customers.delete_contact, contact_id=key(id, "Contact"), actor=ctx(info).actor
            )
        except DomainError as error:
            return DeletePayload(deleted_id=None, user_errors=user_errors(error))
        return DeletePayload(deleted_id=id, user_errors=[])

    @strawberry.mutation(
        description=(
            "A new item of the catalogue. ADMIN and MANAGER only. Refused: a code another "
            "item has, in any case (DUPLICATE). Audited as createItem."
        )
    )
    async def create_item(self, info: Info, input: Creating[ItemInput]) -> ItemPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        base = ctx(info).settings.base_currency
        return await run(
            info,
            ItemPayload,
            "item",
            "Item",
            lambda r: Item.of(r, base),
            documents.create_item,
            fields=ItemFields.of(given(input)),
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Changes the fields `input` gives. ADMIN and MANAGER only. Refused: "
            "STALE_VERSION; a code another item has (DUPLICATE); null unitPrice or active "
            "(REQUIRED). Lines already written keep their copies. Audited as updateItem, each"
            " changed field before and after."
        )
    )
    async def update_item(
        self,
        info: Info,
        id: Target,
        input: Changing[ItemInput],
        expected_version: ExpectedVersion = None,
    ) -> ItemPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        base = ctx(info).settings.base_currency
        return await run(
            info,
            ItemPayload,
            "item",
            "Item",
            lambda r: Item.of(r, base),
            documents.update_item,
            item_id=key(id, "Item"),
            fields=ItemFields.of(given(input)),
            expected_version=expected_version,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "A new order, numbered SO-… or JO-…: OPEN, or PENDING_APPROVAL when the billing "
            "customer is a NEW_ACCOUNT. Refused with CREDIT_HOLD when either customer is on "
            "credit hold; a PAST_DUE billing customer, or an exposure over its credit limit, "
            "only add `warnings`. ADMIN and MANAGER; a SALES_REP for customers where they are"
            " the salesRep or insideSalesRep (the order customer). Audited as createOrder: "
            "number, status and net."
        )
    )
    async def create_order(self, info: Info, input: Creating[OrderInput]) -> OrderPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(
            data,
            {"orderCustomer": "Customer", "billingCustomer": "Customer", "location": "Location"},
        )
        decode_lines(data, "lines", {"item": "Item"})
        return await run(
            info,
            OrderPayload,
            "order",
            "Order",
            Order.of,
            documents.create_order,
            fields=OrderFields.of(data),
            **_documents(info),
        )

    @strawberry.mutation(
        description=(
            "Moves an order of a new account from PENDING_APPROVAL to OPEN; any other status "
            "is INVALID_TRANSITION. ADMIN and MANAGER only. Audited as approveOrder."
        )
    )
    async def approve_order(self, info: Info, id: Target) -> OrderPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            OrderPayload,
            "order",
            "Order",
            Order.of,
            documents.approve_order,
            order_id=key(id, "Order"),
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Moves an order: PENDING_APPROVAL to CANCELLED (to OPEN only by `approveOrder`); "
            "PLANNED to OPEN, CANCELLED; OPEN to PLANNED, IN_PROGRESS, ON_HOLD, FINISHED, "
            "CANCELLED; IN_PROGRESS to ON_HOLD, FINISHED, CANCELLED; ON_HOLD to OPEN, "
            "IN_PROGRESS, CANCELLED; FINISHED to IN_PROGRESS; INVOICED and CANCELLED are "
            "final (`invoiceOrder` makes INVOICED). Anything else is INVALID_TRANSITION. "
            "ADMIN and MANAGER; a SALES_REP for customers where they are the salesRep or "
            "insideSalesRep (the order customer). Audited as setOrderStatus."
        )
    )
    async def set_order_status(
        self,
        info: Info,
        id: Target,
        status: Annotated[OrderStatusEnum, ORDER_STATUS],
        expected_version: ExpectedVersion = None,
    ) -> OrderPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            OrderPayload,
            "order",
            "Order",
            Order.of,
            documents.set_order_status,
            order_id=key(id, "Order"),
            status=status,
            expected_version=expected_version,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "An invoice or credit note: issued (PRINTED, numbered IN-… or CR-…, due by the "
            "bill customer's payment terms and terms basis) unless `issue` is false, which "
            "leaves a draft (PLANNED, numbered DRAFT-…). ADMIN and MANAGER only. Audited as "
            "createInvoice: number, status and total."
        )
    )
    async def create_invoice(self, info: Info, input: Creating[InvoiceInput]) -> InvoicePayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, {"billCustomer": "Customer", "orderCustomer": "Customer", "order": "Order"})
        decode_lines(data, "lines", {"item": "Item"})
        return await run(
            info,
            InvoicePayload,
            "invoice",
            "Invoice",
            Invoice.of,
            documents.create_invoice,
            fields=InvoiceFields.of(data),
            **_documents(info),
        )

    @strawberry.mutation(
        description=(
            "Turns an OPEN, IN_PROGRESS or FINISHED order into an issued invoice (its lines, "
            "currency, rate and both customers carried over; due from the order's required "
            "date under DELIVERY_DATE terms) and marks the order INVOICED; any other status "
            "is INVALID_TRANSITION. ADMIN and MANAGER only. Audited as invoiceOrder, on the "
            "invoice and on the order."
        )
    )
    async def invoice_order(
        self,
        info: Info,
        order: Annotated[strawberry.ID, strawberry.argument(description="The Order's global ID.")],
        invoice_date: Annotated[
            dt.date | None,
            strawberry.argument(
                description="Today in the server's time zone when left out; the due date "
                "counts from it."
            ),
        ] = None,
    ) -> InvoicePayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            InvoicePayload,
            "invoice",
            "Invoice",
            Invoice.of,
            documents.invoice_order,
            order_id=key(order, "Order"),
            invoice_date=invoice_date,
            **_documents(info),
        )

    @strawberry.mutation(
        description=(
            "Issues a draft (PLANNED): the next IN- or CR- number, PRINTED, counted from now "
            "on. It keeps its invoice date; its due date is computed again from the bill "
            "customer's current terms. Anything but a draft is INVALID_TRANSITION. ADMIN and "
            "MANAGER only. Audited as issueInvoice."
        )
    )
    async def issue_invoice(self, info: Info, id: Target) -> InvoicePayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            InvoicePayload,
            "invoice",
            "Invoice",
            Invoice.of,
            documents.issue_invoice,
            invoice_id=key(id, "Invoice"),
            actor=ctx(info).actor,
            today=ctx(info).today,
        )

    @strawberry.mutation(
        description=(
            "Voids a draft or an issued invoice: VOID counts in nothing; its number stays "
            "taken, and an order it came from stays INVOICED. Refused: void already "
            "(INVALID_TRANSITION); payments applied (INVALID: issue a credit note instead). "
            "ADMIN and MANAGER only. Audited as voidInvoice."
        )
    )
    async def void_invoice(self, info: Info, id: Target) -> InvoicePayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            InvoicePayload,
            "invoice",
            "Invoice",
            Invoice.of,
            documents.void_invoice,
            invoice_id=key(id, "Invoice"),
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "A payment or deposit, numbered PY-…, in the customer's currency, optionally "
            "applied to invoices at once (`applyTo`, checked as `applyPayment` checks). ADMIN"
            " and MANAGER only. Audited as recordPayment (number and amount), and its "
            "applications as applyPayment."
        )
    )
    async def record_payment(self, info: Info, input: Creating[PaymentInput]) -> PaymentPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, {"customer": "Customer"})
        decode_lines(data, "applyTo", {"invoice": "Invoice"})
        return await run(
            info,
            PaymentPayload,
            "payment",
            "Payment",
            Payment.of,
            payments.record_payment,
            fields=PaymentFields.of(data),
            **_documents(info),
        )

    @strawberry.mutation(
        description=(
            "Moves money from a payment to invoices of its customer: their balances and "
            "statuses (PARTIALLY_PAID, PAID) and the payment's applied amount change "
            "together. Refused: more than the payment has left or an invoice's balance due "
            "(OVER_APPLIED); an invoice of another customer or currency, a credit note, or "
            "one not issued and unpaid (INVALID). Two requests at once never apply more than "
            "the payment. ADMIN and MANAGER only. Audited as applyPayment, the amount per "
            "invoice number."
        )
    )
    async def apply_payment(
        self,
        info: Info,
        payment: Annotated[
            strawberry.ID, strawberry.argument(description="The Payment's global ID.")
        ],
        applications: Annotated[
            list[ApplicationInput],
            strawberry.argument(
                description="At least one (REQUIRED); together at most what the payment has "
                "left to apply."
            ),
        ],
    ) -> PaymentPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        items = [given(a) for a in applications]
        for item in items:
            decode(item, {"invoice": "Invoice"})
        return await run(
            info,
            PaymentPayload,
            "payment",
            "Payment",
            Payment.of,
            payments.apply_payment,
            payment_id=key(payment, "Payment"),
            applications=[ApplicationFields.of(item) for item in items],
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "A note by the signed-in user, now, on exactly one customer or one lead (INVALID "
            "otherwise); with a reminder, an .ics event and, when SMTP is configured, an "
            "invitation mailed to the author. ADMIN, MANAGER and SALES_REP, on any customer "
            "or lead. Audited as addNote."
        )
    )
    async def add_note(self, info: Info, input: Creating[NoteInput]) -> NotePayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, {"customer": "Customer", "lead": "Lead"})
        return await run(
            info,
            NotePayload,
            "note",
            "Note",
            Note.of,
            notes.add_note,
            fields=NoteFields.of(data),
            invite_from=outbox.sender(ctx(info).settings),
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "A new lead, numbered 1, 2, 3 …, in PENDING_QUALIFICATION; that first state is "
            "recorded in `stateHistory`. ADMIN and MANAGER; a SALES_REP for customers where "
            "they are the salesRep or insideSalesRep (the lead's customer). Refused: a "
            "program or source that does not exist (NOT_FOUND) or is inactive (INVALID); an "
            "unknown or inactive user (NOT_FOUND). Audited as createLead."
        )
    )
    async def create_lead(self, info: Info, input: Creating[LeadInput]) -> LeadPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, LEAD_IDS)
        return await run(
            info,
            LeadPayload,
            "lead",
            "Lead",
            Lead.of,
            leads.create_lead,
            fields=LeadFields.of(data),
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Changes the fields `input` gives; the state moves only by `changeLeadState`, and"
            " the customer never changes (INVALID). ADMIN and MANAGER; a SALES_REP for "
            "customers where they are the salesRep or insideSalesRep (the lead's customer). "
            "Refused: STALE_VERSION; a new program or source that is inactive (INVALID). "
            "Audited as updateLead, each changed field before and after."
        )
    )
    async def update_lead(
        self,
        info: Info,
        id: Target,
        input: Changing[LeadInput],
        expected_version: ExpectedVersion = None,
    ) -> LeadPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        data = given(input)
        decode(data, LEAD_IDS)
        return await run(
            info,
            LeadPayload,
            "lead",
            "Lead",
            Lead.of,
            leads.update_lead,
            lead_id=key(id, "Lead"),
            fields=LeadFields.of(data),
            expected_version=expected_version,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Moves a lead: PENDING_QUALIFICATION to DEVELOPMENT, INACTIVE; DEVELOPMENT to "
            "QUOTING, PENDING_QUALIFICATION, INACTIVE; QUOTING to CUSTOMER, DEVELOPMENT, "
            "INACTIVE; INACTIVE to PENDING_QUALIFICATION; CUSTOMER is final. Anything else is"
            " INVALID_TRANSITION. The move (from, to, by, at, assigned to) is added to "
            "`stateHistory`. ADMIN and MANAGER; a SALES_REP for customers where they are the "
            "salesRep or insideSalesRep (the lead's customer). Audited as changeLeadState."
        )
    )
    async def change_lead_state(
        self,
        info: Info,
        id: Target,
        to: Annotated[LeadStateEnum, LEAD_STATE],
        assign_to: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="A User's global ID, an active user (NOT_FOUND otherwise), to assign "
                "the lead to; left out or null, it stays with whom it is."
            ),
        ] = None,
    ) -> LeadPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            LeadPayload,
            "lead",
            "Lead",
            Lead.of,
            leads.change_lead_state,
            lead_id=key(id, "Lead"),
            to=to,
            assign_to=key(assign_to, "User"),
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "A new, active lead program. ADMIN and MANAGER only. Refused: a name another "
            "program has, in any case (DUPLICATE). Audited as createLeadProgram."
        )
    )
    async def create_lead_program(self, info: Info, name: NewName) -> LeadProgramPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            LeadProgramPayload,
            "lead_program",
            "LeadProgram",
            LeadProgram.of,
            leads.create_lead_program,
            name=name,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Switches a lead program on or off. ADMIN and MANAGER only. Audited as "
            "setLeadProgramActive when it changes."
        )
    )
    async def set_lead_program_active(
        self, info: Info, id: Target, active: IsActive
    ) -> LeadProgramPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            LeadProgramPayload,
            "lead_program",
            "LeadProgram",
            LeadProgram.of,
            leads.set_lead_program_active,
            program_id=key(id, "LeadProgram"),
            active=active,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "A new, active lead source. ADMIN and MANAGER only. Refused: a name another "
            "source has, in any case (DUPLICATE). Audited as createLeadSource."
        )
    )
    async def create_lead_source(self, info: Info, name: NewName) -> LeadSourcePayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            LeadSourcePayload,
            "lead_source",
            "LeadSource",
            LeadSource.of,
            leads.create_lead_source,
            name=name,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Switches a lead source on or off. ADMIN and MANAGER only. Audited as "
            "setLeadSourceActive when it changes."
        )
    )
    async def set_lead_source_active(
        self, info: Info, id: Target, active: IsActive
    ) -> LeadSourcePayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            LeadSourcePayload,
            "lead_source",
            "LeadSource",
            LeadSource.of,
            leads.set_lead_source_active,
            source_id=key(id, "LeadSource"),
            active=active,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Sets the fields of `set` on the customers of `ids`, or on exactly those the list"
            " shows for `filter`, in one transaction: each customer whose values differ "
            "changes, its version one more. ADMIN and MANAGER only. Refused, changing "
            "nothing: both or neither of ids and filter (INVALID); an id of no customer "
            "(NOT_FOUND); nothing to set (REQUIRED); unknown payment terms or rep "
            "(NOT_FOUND). Audited as ONE revertible event, bulkUpdateCustomers, that "
            "`revertChange` undoes."
        )
    )
    async def bulk_update_customers(
        self,
        info: Info,
        set: Annotated[CustomerBulkSet, strawberry.argument(description="What to set.")],
        ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Customers' global IDs; give this or `filter`."),
        ] = None,
        filter: Annotated[
            CustomerFilter | None,
            strawberry.argument(
                description="The customers the list shows for this filter; give this or `ids`."
            ),
        ] = None,
    ) -> BulkPayload:
        data = given(set)
        decode(data, CUSTOMER_IDS)
        flt = await _customer_filter(info, filter) if filter is not None else None
        pks = [key(i, "Customer") for i in ids] if ids is not None else None
        return await _bulk(
            info,
            bulk.bulk_update_customers,
            actor=ctx(info).actor,
            ids=pks,
            flt=flt,
            fields=CustomerBulkFields.of(data),
        )

    @strawberry.mutation(
        description=(
            "Sets, or with null clears, the sales rep override of the locations of `ids`, in "
            "one transaction; each location that differs changes, its version one more. ADMIN"
            " and MANAGER only. Refused, changing nothing: no ids (REQUIRED), an id of no "
            "location or an unknown rep (NOT_FOUND). Audited as ONE revertible event, "
            "bulkUpdateLocations, that `revertChange` undoes."
        )
    )
    async def bulk_update_locations(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="Locations' global IDs: at least one."),
        ],
        sales_rep: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="A User's global ID, an active user; left out or null clears the "
                "override: the customer's reps apply."
            ),
        ] = None,
    ) -> BulkPayload:
        return await _bulk(
            info,
            bulk.bulk_update_locations,
            actor=ctx(info).actor,
            ids=[key(i, "Location") for i in ids],
            sales_rep=key(sales_rep, "User"),
        )

    @strawberry.mutation(
        description=(
            "Undoes a bulk update: every field it changed is set back, in one transaction. "
            "Refused, changing nothing: no such event (NOT_FOUND); not a bulk update, "
            "reverted already, or with a record changed or removed since (INVALID). ADMIN and"
            " MANAGER only. Audited as revertChange, an event of its own that cannot be "
            "reverted."
        )
    )
    async def revert_change(
        self,
        info: Info,
        audit_event: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The AuditEvent's global ID, as `BulkPayload.auditEvent` gives it."
            ),
        ],
    ) -> RevertPayload:
        try:
            count, event = await ctx(info).write(
                bulk.revert_change, actor=ctx(info).actor, event_id=key(audit_event, "AuditEvent")
            )
        except DomainError as error:
            return RevertPayload(reverted_count=0, audit_event=None, user_errors=user_errors(error))
        row = await settle(ctx(info).loaders.row("AuditEvent", event.id))
        return RevertPayload(reverted_count=count, audit_event=AuditEvent.of(row), user_errors=[])

    @strawberry.mutation(
        description=(
            "Saves one of the viewer's own views of a list: a new one without `id`, else that"
            " view replaced, its version one more. Columns, sort and filter pass the list's "
            "own checks (what the list and its export take). Every signed-in role, for their "
            "own views only. Not audited."
        )
    )
    async def save_list_view(
        self,
        info: Info,
        kind: Annotated[ListKindEnum, LIST_KIND],
        name: Annotated[str, VIEW_NAME],
        columns: Annotated[
            list[ListColumnInput],
            strawberry.argument(
                description="The columns in order: at least one, and at least one visible."
            ),
        ],
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="A view of the viewer's to replace (its global ID); left out, a new "
                "view. Another user's view is NOT_FOUND."
            ),
        ] = None,
        sort: Annotated[
            list[ListSortInput] | None,
            strawberry.argument(description="The sort keys in order; none when left out."),
        ] = None,
        filter: Annotated[
            JSON | None,
            strawberry.argument(
                description="The list's filter input as JSON: a CustomerFilter, a LeadFilter, or "
                "for locations {search, customer}; none when left out."
            ),
        ] = None,
        is_default: Annotated[
            bool | None,
            strawberry.argument(
                description="True: the list opens with this view, and the viewer's other views of "
                "the list stop being the default. False when left out; null keeps a replaced "
                "view's setting."
            ),
        ] = False,
    ) -> ListViewPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            ListViewPayload,
            "list_view",
            "ListView",
            ListView.of,
            lists.save_list_view,
            view_id=key(id, "ListView"),
            fields=ListViewFields(
                kind=kind,
                name=name,
                columns=[ListColumnFields.of(given(c)) for c in columns],
                sort=[ListSortFields.of(given(s)) for s in sort or []],
                filter=filter,
                is_default=is_default,
            ),
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "Deletes one of the viewer's own list views; another user's view is NOT_FOUND, as"
            " one that never was. Every signed-in role. Not audited."
        )
    )
    async def delete_list_view(self, info: Info, id: Target) -> DeletePayload:
        try:
            await ctx(info).write(
                lists.delete_list_view, view_id=key(id, "ListView"), actor=ctx(info).actor
            )
        except DomainError as error:
            return DeletePayload(deleted_id=None, user_errors=user_errors(error))
        return DeletePayload(deleted_id=id, user_errors=[])

    @strawberry.mutation(
        description=(
            "Signs in and sets the session cookie (HttpOnly, SameSite=Lax; Secure over https). Send the header "
            "X-Requested-With. Every refusal (wrong password, unknown email, inactive user, or sign-in paused after "
            "too many failures for the email) is the same INVALID userError."
            " Not audited."
        )
    )
    async def login(
        self,
        info: Info,
        email: Annotated[
            str, strawberry.argument(description="The email the user signs in with, any case.")
        ],
        password: Annotated[str, strawberry.argument(description="The user's password.")],
    ) -> LoginPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        context = ctx(info)
        try:
            user, secret = await context.write(
                sessions.login,
                email=email,
                password=password,
                throttle=sessions.Throttle.of(context.settings),
            )
        except DomainError as error:
            return LoginPayload(user=None, user_errors=user_errors(error))
        context.response_cookies[sessions.SESSION_COOKIE] = secret
        return LoginPayload(
            user=User.of(await settle(context.loaders.row("User", user.id))), user_errors=[]
        )

    @strawberry.mutation(
        description=(
            "Ends this browser's session on the server and clears its cookie. Answers true, signed in or not (nothing "
            "to end is no error), but needs the header X-Requested-With like every mutation sent without a token."
        )
    )
    async def logout(self, info: Info) -> bool:
        context = ctx(info)
        if context.web_session is not None:
            await context.write(sessions.end_session, session_id=context.web_session.id)
        context.response_cookies[sessions.SESSION_COOKIE] = None
        return True

    @strawberry.mutation(
        description=(
            "ADMIN only. `email`, `name` and `role` are required; `password` (10 characters or more) may be left "
            "out: the user then acts only through API tokens until an admin sets one."
            " Refused: an email another user has (DUPLICATE). Audited as createUser, the "
            "password never."
        )
    )
    async def create_user(self, info: Info, input: Creating[UserInput]) -> UserPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        return await run(
            info,
            UserPayload,
            "user",
            "User",
            User.of,
            access.create_user,
            fields=UserFields.of(given(input)),
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "An ADMIN changes anyone; everyone else only their own `name` and `password` (FORBIDDEN otherwise). "
            "`active: false` ends the user's sessions and revokes their tokens at once; the last active admin "
            "cannot be demoted or deactivated."
            " Audited as updateUser: each changed field, a password only as changed."
        )
    )
    async def update_user(self, info: Info, id: Target, input: Changing[UserInput]) -> UserPayload:  # type: ignore[valid-type]  # a payload type made at import by _payload()
        web_session = ctx(info).web_session
        return await run(
            info,
            UserPayload,
            "user",
            "User",
            User.of,
            access.update_user,
            user_id=key(id, "User"),
            fields=UserFields.of(given(input)),
            current_session_id=web_session.id if web_session is not None else None,
            actor=ctx(info).actor,
        )

    @strawberry.mutation(
        description=(
            "A token for the signed-in user, acting with their role; READ is always included. `secret` is shown "
            "only in this answer. Needs a signed-in session: a token cannot create tokens (FORBIDDEN)."
            " Audited as createApiToken: name and scopes."
            " Revoking a revoked token changes nothing. Audited as revokeApiToken."
        )
    )
    async def create_api_token(
        self,
        info: Info,
        name: Annotated[
            str,
            strawberry.argument(
                description="Who or what uses the token: required, at most 200 characters."
            ),
        ],
        scopes: Annotated[list[TokenScopeEnum], TOKEN_SCOPES],
    ) -> ApiTokenPayload:
        context = ctx(info)
        if context.token is not None:
            return _token_refused(
                ErrorCode.FORBIDDEN,
                "a token cannot create tokens: sign in with login to create one",
            )
        return await _token_payload(
            context, tokens.create_token, name=name, scopes=scopes, actor=context.actor
        )

    @strawberry.mutation(description="Revokes a token at once: one's own, or any as ADMIN.")
    async def revoke_api_token(self, info: Info, id: Target) -> ApiTokenPayload:
        context = ctx(info)
        return await _token_payload(
            context, tokens.revoke_token, token_id=key(id, "ApiToken"), actor=context.actor
        )


async def _token_payload(
    context: Any, service: Callable[..., Any], **kwargs: Any
) -> ApiTokenPayload:
    """Runs a token service; the payload carries the secret only when the service made one."""
    try:
        done = await context.write(service, **kwargs)
    except DomainError as error:
        return ApiTokenPayload(api_token=None, secret=None, user_errors=user_errors(error))
    token, secret = done if isinstance(done, tuple) else (done, None)
    row = await settle(context.loaders.row("ApiToken", token.id))
    return ApiTokenPayload(api_token=ApiToken.of(row), secret=secret, user_errors=[])


def _token_refused(code: ErrorCode, message: str) -> ApiTokenPayload:
    return ApiTokenPayload(
        api_token=None, secret=None, user_errors=[UserError(field=None, message=message, code=code)]
    )


async def _bulk(info: Info, service: Callable[..., Any], **kwargs: Any) -> BulkPayload:
    """Runs a bulk service; answers the count of records changed and the audit event, or userErrors."""
    try:
        count, event = await ctx(info).write(service, **kwargs)
    except DomainError as error:
        return BulkPayload(updated_count=0, audit_event=None, user_errors=user_errors(error))
    row = await settle(ctx(info).loaders.row("AuditEvent", event.id)) if event is not None else None
    return BulkPayload(
        updated_count=count,
        audit_event=AuditEvent.of(row) if row is not None else None,
        user_errors=[],
    )
