"""Customers, locations and contacts: create and update, with their rules, in one transaction each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server import records, validate
from server.access import policy
from server.access.models import User
from server.audit import service as audit
from server.customers.commands import ContactFields, CustomerFields, LocationFields
from server.customers.models import Contact, Customer, Location, PaymentTerms
from server.db import identity
from server.db.sequences import next_number
from server.errors import DomainError, ErrorCode, Problems

Data = dict[str, Any]


def _customer_columns(
    problems: Problems, data: Data, *, creating: bool, base_currency: str
) -> Data:
    columns: Data = {
        "number": validate.text(problems, data, "number", max_length=40),
        "name": validate.text(
            problems, data, "name", max_length=200, required=creating or "name" in data
        ),
        "alias": validate.text(problems, data, "alias", max_length=200),
        "email": validate.email(problems, data, "email"),
        "phone": validate.text(problems, data, "phone", max_length=50),
        "currency": validate.currency(problems, data) or (base_currency if creating else None),
        "credit_limit_minor": validate.amount(problems, data, "creditLimit"),
        "prior_sales_minor": validate.amount(problems, data, "priorSales"),
        "status": data.get("status"),
        "credit_code": data.get("creditCode"),
        "billing_status": data.get("billingStatus"),
        "terms_basis": data.get("termsBasis"),
        "payment_terms_id": data.get("paymentTerms"),
        "sales_rep_id": data.get("salesRep"),
        "inside_sales_rep_id": data.get("insideSalesRep"),
        **validate.address(problems, data, "billingAddress", "billing"),
        **validate.address(problems, data, "shippingAddress", "shipping"),
    }
    names = {
        "number": "number",
        "name": "name",
        "alias": "alias",
        "email": "email",
        "phone": "phone",
        "currency": "currency",
        "credit_limit_minor": "creditLimit",
        "prior_sales_minor": "priorSales",
        "status": "status",
        "credit_code": "creditCode",
        "billing_status": "billingStatus",
        "terms_basis": "termsBasis",
        "payment_terms_id": "paymentTerms",
        "sales_rep_id": "salesRep",
        "inside_sales_rep_id": "insideSalesRep",
    }
    return records.given_columns(columns, names, data, creating)


def customer_columns(
    problems: Problems, data: Data, *, creating: bool, base_currency: str = ""
) -> Data:
    """The model columns of a customer input under the rules of create (`creating`) or update;
    shared by the API and the importer so both refuse the same input."""
    columns = _customer_columns(problems, data, creating=creating, base_currency=base_currency)
    if not creating:
        for column, name in (
            ("name", "name"),
            ("currency", "currency"),
            ("status", "status"),
            ("credit_code", "creditCode"),
            ("billing_status", "billingStatus"),
            ("terms_basis", "termsBasis"),
            ("number", "number"),
            ("prior_sales_minor", "priorSales"),
        ):
            if (
                column in columns
                and columns[column] is None
                and not any(p.field == [*problems.prefix, name] for p in problems.items)
            ):
                problems.add(ErrorCode.REQUIRED, f"{name} cannot be cleared", name)
    return columns


async def _check_references(session: AsyncSession, problems: Problems, data: Data) -> None:
    terms = data.get("paymentTerms")
    if terms is not None and await session.get(PaymentTerms, terms) is None:
        problems.add(ErrorCode.NOT_FOUND, "paymentTerms: no such payment terms", "paymentTerms")
    for field in ("salesRep", "insideSalesRep"):
        await check_user(session, problems, data.get(field), field)


async def check_user(
    session: AsyncSession, problems: Problems, user_id: int | None, *field: str
) -> None:
    if user_id is None:
        return
    user = await session.get(User, user_id)
    if user is None or not user.active:
        problems.add(ErrorCode.NOT_FOUND, f"{field[-1]}: no active user with that id", *field)


async def create_customer(
    session: AsyncSession, *, fields: CustomerFields, actor: policy.Actor, base_currency: str
) -> Customer:
    """A new customer; numbered C-000001 upward unless the input gives a number."""
    data = fields.given()
    problems = Problems()
    columns = _customer_columns(problems, data, creating=True, base_currency=base_currency)
    async with session.begin():
        actor_id = await policy.require(
            session,
            actor,
            "createCustomer",
            people=[data.get("salesRep"), data.get("insideSalesRep")],
        )
        await _check_references(session, problems, data)
        with problems.gathering():
            await _check_number(session, columns.get("number"), None)
        problems.raise_if_any()
        if columns.get("number") is None:
            columns["number"] = await next_number(session, "customer", taken=Customer.number)
        customer = Customer(**columns)
        session.add(customer)
        await session.flush()
        audit.record(
            session,
            actor_id=actor_id,
            action="createCustomer",
            entity=customer,
            changes=audit.created(customer, columns),
        )
    return customer


async def update_customer(
    session: AsyncSession,
    *,
    customer_id: int,
    fields: CustomerFields,
    expected_version: int | None,
    actor: policy.Actor,
) -> Customer:
    """Changes the fields the input names; refused with STALE_VERSION when the version moved on."""
    data = fields.given()
    problems = Problems()
    columns = customer_columns(problems, data, creating=False)
    async with session.begin():
        customer = await records.get_for_update(session, Customer, customer_id, "id", problems)
        # a SALES_REP must stay one of the customer's reps: they may not hand it over
        reps_after = [
            data[name] if name in data else getattr(customer, column)
            for name, column in (
                ("salesRep", "sales_rep_id"),
                ("insideSalesRep", "inside_sales_rep_id"),
            )
        ]
        actor_id = await policy.require(
            session, actor, "updateCustomer", customers=[customer_id], people=reps_after
        )
        with problems.gathering():
            audit.check_version(customer, expected_version)
        await _check_references(session, problems, data)
        if columns.get("number") != customer.number:
            with problems.gathering():
                await _check_number(session, columns.get("number"), customer.id)
        problems.raise_if_any()
        await records.save_changes(session, customer, columns, actor_id, "updateCustomer")
    return customer


async def _check_number(session: AsyncSession, number: str | None, customer_id: int | None) -> None:
    """Refuses a number another customer has, in any case: C-000158 takes c-000158 too."""
    if number is None:
        return
    existing = await identity.holder(session, Customer.number, number)
    if existing is not None and existing.id != customer_id:
        raise DomainError.one(
            ErrorCode.DUPLICATE,
            f"customer number {number} is taken by {existing.number}",
            ["input", "number"],
        )


def _location_columns(problems: Problems, data: Data, *, creating: bool) -> Data:
    columns: Data = {
        "code": validate.text(
            problems, data, "code", max_length=40, required=creating or "code" in data
        ),
        "alias": validate.text(
            problems, data, "alias", max_length=200, required=creating or "alias" in data
        ),
        "contact_name": validate.text(problems, data, "contactName", max_length=200),
        "contact_email": validate.email(problems, data, "contactEmail"),
        "contact_phone": validate.text(problems, data, "contactPhone", max_length=50),
        "alt_email": validate.email(problems, data, "altEmail"),
        "sales_rep_id": data.get("salesRep"),
        **validate.address(problems, data, "shippingAddress", "shipping"),
        **validate.address(problems, data, "billingAddress", "billing"),
    }
    names = {
        "code": "code",
        "alias": "alias",
        "contact_name": "contactName",
        "contact_email": "contactEmail",
        "contact_phone": "contactPhone",
        "alt_email": "altEmail",
        "sales_rep_id": "salesRep",
    }
    return records.given_columns(columns, names, data, creating)


async def _check_customer(
    session: AsyncSession, problems: Problems, customer_id: int | None
) -> None:
    if customer_id is None:
        problems.add(ErrorCode.REQUIRED, "customer is required", "customer")
    elif await session.get(Customer, customer_id) is None:
        problems.add(ErrorCode.NOT_FOUND, "customer: no customer with that id", "customer")


async def create_location(
    session: AsyncSession, *, fields: LocationFields, actor: policy.Actor
) -> Location:
    """A delivery location of a customer; its code is unique within the customer."""
    data = fields.given()
    problems = Problems()
    columns = _location_columns(problems, data, creating=True)
    async with session.begin():
        actor_id = await policy.require(
            session, actor, "createLocation", customers=[data.get("customer")]
        )
        await _check_customer(session, problems, data.get("customer"))
        await check_user(session, problems, data.get("salesRep"), "salesRep")
        if not problems.at("customer") and columns.get("code") is not None:
            with problems.gathering():
                await _check_location_code(session, data["customer"], columns["code"], None)
        problems.raise_if_any()
        location = Location(customer_id=data["customer"], **columns)
        session.add(location)
        await session.flush()
        audit.record(
            session,
            actor_id=actor_id,
            action="createLocation",
            entity=location,
            changes=audit.created(location, columns),
        )
    return location


async def _check_location_code(
    session: AsyncSession, customer_id: int, code: str, location_id: int | None
) -> None:
    """Refuses a code another location of the customer has, in any case: MAIN takes main too."""
    existing = await identity.holder(
        session, Location.code, code, Location.customer_id == customer_id
    )
    if existing is not None and existing.id != location_id:
        raise DomainError.one(
            ErrorCode.DUPLICATE,
            f"this customer already has a location {existing.code}",
            ["input", "code"],
        )


async def update_location(
    session: AsyncSession,
    *,
    location_id: int,
    fields: LocationFields,
    expected_version: int | None,
    actor: policy.Actor,
) -> Location:
    data = fields.given()
    problems = Problems()
    columns = _location_columns(problems, data, creating=False)
    if "customer" in data and data["customer"] is not None:
        problems.add(ErrorCode.INVALID, "a location cannot move to another customer", "customer")
    async with session.begin():
        location = await records.get_for_update(session, Location, location_id, "id", problems)
        actor_id = await policy.require(
            session, actor, "updateLocation", customers=[location.customer_id]
        )
        with problems.gathering():
            audit.check_version(location, expected_version)
        await check_user(session, problems, data.get("salesRep"), "salesRep")
        if columns.get("code") is not None:
            with problems.gathering():
                await _check_location_code(
                    session, location.customer_id, columns["code"], location.id
                )
        problems.raise_if_any()
        await records.save_changes(session, location, columns, actor_id, "updateLocation")
    return location


def _contact_columns(problems: Problems, data: Data, *, creating: bool) -> Data:
    columns: Data = {
        "first_name": validate.text(
            problems, data, "firstName", max_length=100, required=creating or "firstName" in data
        ),
        "last_name": validate.text(
            problems, data, "lastName", max_length=100, required=creating or "lastName" in data
        ),
        "email": validate.email(problems, data, "email"),
        "office_phone": validate.text(problems, data, "officePhone", max_length=50),
        "mobile_phone": validate.text(problems, data, "mobilePhone", max_length=50),
        "fax": validate.text(problems, data, "fax", max_length=50),
        "is_primary": data.get("isPrimary"),
        **validate.address(problems, data, "address", "address"),
    }
    names = {
        "first_name": "firstName",
        "last_name": "lastName",
        "email": "email",
        "office_phone": "officePhone",
        "mobile_phone": "mobilePhone",
        "fax": "fax",
        "is_primary": "isPrimary",
    }
    return records.given_columns(columns, names, data, creating)


async def _only_primary(session: AsyncSession, contact: Contact) -> None:
    """A customer has at most one primary contact: making one primary demotes the others."""
    if contact.is_primary:
        await session.execute(
            update(Contact)
            .where(
                Contact.customer_id == contact.customer_id,
                Contact.id != contact.id,
                Contact.is_primary.is_(True),
            )
            .values(is_primary=False, version=Contact.version + 1)
        )


async def create_contact(
    session: AsyncSession, *, fields: ContactFields, actor: policy.Actor
) -> Contact:
    data = fields.given()
    problems = Problems()
    columns = _contact_columns(problems, data, creating=True)
    async with session.begin():
        actor_id = await policy.require(
            session, actor, "createContact", customers=[data.get("customer")]
        )
        await _check_customer(session, problems, data.get("customer"))
        problems.raise_if_any()
        contact = Contact(customer_id=data["customer"], **columns)
        session.add(contact)
        await session.flush()
        await _only_primary(session, contact)
        audit.record(
            session,
            actor_id=actor_id,
            action="createContact",
            entity=contact,
            changes=audit.created(contact, columns),
        )
    return contact


async def update_contact(
    session: AsyncSession,
    *,
    contact_id: int,
    fields: ContactFields,
    expected_version: int | None,
    actor: policy.Actor,
) -> Contact:
    data = fields.given()
    problems = Problems()
    columns = _contact_columns(problems, data, creating=False)
    if columns.get("is_primary", False) is None:
        columns["is_primary"] = False
    if data.get("customer") is not None:
        problems.add(ErrorCode.INVALID, "a contact cannot move to another customer", "customer")
    async with session.begin():
        contact = await records.get_for_update(session, Contact, contact_id, "id", problems)
        actor_id = await policy.require(
            session, actor, "updateContact", customers=[contact.customer_id]
        )
        with problems.gathering():
            audit.check_version(contact, expected_version)
        problems.raise_if_any()
        await records.save_changes(session, contact, columns, actor_id, "updateContact")
        await _only_primary(session, contact)
    return contact


async def delete_contact(session: AsyncSession, *, contact_id: int, actor: policy.Actor) -> None:
    async with session.begin():
        contact = await records.get_for_update(session, Contact, contact_id, "id")
        actor_id = await policy.require(
            session, actor, "deleteContact", customers=[contact.customer_id]
        )
        audit.record(
            session,
            actor_id=actor_id,
            action="deleteContact",
            entity=contact,
            changes={
                "first_name": [contact.first_name, None],
                "last_name": [contact.last_name, None],
            },
        )
        await session.delete(contact)
