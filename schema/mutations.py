"""The root Mutation: decode IDs, call one service, answer the payload or its userErrors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

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
    @strawberry.mutation
    async def create_customer(self, info: Info, input: CustomerInput) -> CustomerPayload:  # type: ignore
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

    @strawberry.mutation
    async def update_customer(
        self,
        info: Info,
        id: strawberry.ID,
        input: CustomerInput,
        expected_version: int | None = None,
    ) -> CustomerPayload:  # type: ignore
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

    @strawberry.mutation
    async def create_location(self, info: Info, input: LocationInput) -> LocationPayload:  # type: ignore
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

    @strawberry.mutation
    async def update_location(
        self,
        info: Info,
        id: strawberry.ID,
        input: LocationInput,
        expected_version: int | None = None,
    ) -> LocationPayload:  # type: ignore
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

    @strawberry.mutation
    async def create_contact(self, info: Info, input: ContactInput) -> ContactPayload:  # type: ignore
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

    @strawberry.mutation
    async def update_contact(
        self,
        info: Info,
        id: strawberry.ID,
        input: ContactInput,
        expected_version: int | None = None,
    ) -> ContactPayload:  # type: ignore
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

    @strawberry.mutation
    async def delete_contact(self, info: Info, id: strawberry.ID) -> DeletePayload:
        try:
            await ctx(info).write(
                customers.delete_contact, contact_id=key(id, "Contact"), actor=ctx(info).actor
            )
        except DomainError as error:
            return DeletePayload(deleted_id=None, user_errors=user_errors(error))
        return DeletePayload(deleted_id=id, user_errors=[])

    @strawberry.mutation
    async def create_item(self, info: Info, input: ItemInput) -> ItemPayload:  # type: ignore
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

    @strawberry.mutation
    async def update_item(
        self, info: Info, id: strawberry.ID, input: ItemInput, expected_version: int | None = None
    ) -> ItemPayload:  # type: ignore
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
        description="A new order: OPEN, PENDING_APPROVAL for a new account, refused on credit hold."
    )
    async def create_order(self, info: Info, input: OrderInput) -> OrderPayload:  # type: ignore
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

    @strawberry.mutation
    async def approve_order(self, info: Info, id: strawberry.ID) -> OrderPayload:  # type: ignore
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

    @strawberry.mutation
    async def set_order_status(
        self,
        info: Info,
        id: strawberry.ID,
        status: OrderStatusEnum,  # type: ignore
        expected_version: int | None = None,
    ) -> OrderPayload:  # type: ignore
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

    @strawberry.mutation(description="An invoice or credit note, issued unless `issue` is false.")
    async def create_invoice(self, info: Info, input: InvoiceInput) -> InvoicePayload:  # type: ignore
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

    @strawberry.mutation
    async def invoice_order(
        self, info: Info, order: strawberry.ID, invoice_date: dt.date | None = None
    ) -> InvoicePayload:  # type: ignore
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

    @strawberry.mutation
    async def issue_invoice(self, info: Info, id: strawberry.ID) -> InvoicePayload:  # type: ignore
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

    @strawberry.mutation
    async def void_invoice(self, info: Info, id: strawberry.ID) -> InvoicePayload:  # type: ignore
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
        description="A payment or deposit, optionally applied to invoices at once."
    )
    async def record_payment(self, info: Info, input: PaymentInput) -> PaymentPayload:  # type: ignore
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

    @strawberry.mutation
    async def apply_payment(
        self, info: Info, payment: strawberry.ID, applications: list[ApplicationInput]
    ) -> PaymentPayload:  # type: ignore
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

    @strawberry.mutation
    async def add_note(self, info: Info, input: NoteInput) -> NotePayload:  # type: ignore
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

    @strawberry.mutation
    async def create_lead(self, info: Info, input: LeadInput) -> LeadPayload:  # type: ignore
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

    @strawberry.mutation
    async def update_lead(
        self, info: Info, id: strawberry.ID, input: LeadInput, expected_version: int | None = None
    ) -> LeadPayload:  # type: ignore
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

    @strawberry.mutation
    async def change_lead_state(
        self,
        info: Info,
        id: strawberry.ID,
        to: LeadStateEnum,  # type: ignore
        assign_to: strawberry.ID | None = None,
    ) -> LeadPayload:  # type: ignore
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

    @strawberry.mutation
    async def create_lead_program(self, info: Info, name: str) -> LeadProgramPayload:  # type: ignore
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

    @strawberry.mutation
    async def set_lead_program_active(
        self, info: Info, id: strawberry.ID, active: bool
    ) -> LeadProgramPayload:  # type: ignore
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

    @strawberry.mutation
    async def create_lead_source(self, info: Info, name: str) -> LeadSourcePayload:  # type: ignore
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

    @strawberry.mutation
    async def set_lead_source_active(
        self, info: Info, id: strawberry.ID, active: bool
    ) -> LeadSourcePayload:  # type: ignore
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

    @strawberry.mutation
    async def bulk_update_customers(
        self,
        info: Info,
        set: CustomerBulkSet,
        ids: list[strawberry.ID] | None = None,
        filter: CustomerFilter | None = None,
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

    @strawberry.mutation
    async def bulk_update_locations(
        self, info: Info, ids: list[strawberry.ID], sales_rep: strawberry.ID | None = None
    ) -> BulkPayload:
        return await _bulk(
            info,
            bulk.bulk_update_locations,
            actor=ctx(info).actor,
            ids=[key(i, "Location") for i in ids],
            sales_rep=key(sales_rep, "User"),
        )

    @strawberry.mutation
    async def revert_change(self, info: Info, audit_event: strawberry.ID) -> RevertPayload:
        try:
            count, event = await ctx(info).write(
                bulk.revert_change, actor=ctx(info).actor, event_id=key(audit_event, "AuditEvent")
            )
        except DomainError as error:
            return RevertPayload(reverted_count=0, audit_event=None, user_errors=user_errors(error))
        row = await settle(ctx(info).loaders.row("AuditEvent", event.id))
        return RevertPayload(reverted_count=count, audit_event=AuditEvent.of(row), user_errors=[])

    @strawberry.mutation
    async def save_list_view(
        self,
        info: Info,
        kind: ListKindEnum,
        name: str,  # type: ignore[valid-type]
        columns: list[ListColumnInput],
        id: strawberry.ID | None = None,
        sort: list[ListSortInput] | None = None,
        filter: JSON | None = None,
        is_default: bool | None = False,
    ) -> ListViewPayload:  # type: ignore
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

    @strawberry.mutation
    async def delete_list_view(self, info: Info, id: strawberry.ID) -> DeletePayload:
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
        )
    )
    async def login(self, info: Info, email: str, password: str) -> LoginPayload:  # type: ignore
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
            "Admins only. `email`, `name` and `role` are required; `password` (10 characters or more) may be left "
            "out: the user then acts only through API tokens until an admin sets one."
        )
    )
    async def create_user(self, info: Info, input: UserInput) -> UserPayload:  # type: ignore
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
            "Admins change anyone; everyone else only their own `name` and `password` (FORBIDDEN otherwise). "
            "`active: false` ends the user's sessions and revokes their tokens at once; the last active admin "
            "cannot be demoted or deactivated."
        )
    )
    async def update_user(self, info: Info, id: strawberry.ID, input: UserInput) -> UserPayload:  # type: ignore
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
        )
    )
    async def create_api_token(
        self, info: Info, name: str, scopes: list[TokenScopeEnum]
    ) -> ApiTokenPayload:  # type: ignore
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
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> ApiTokenPayload:
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
