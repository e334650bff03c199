"""Building test data through the services (the same rules as the API), fast."""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.access.commands import UserFields
from server.access.models import User
from server.access.policy import SYSTEM, Actor
from server.customers import service as customers
from server.customers.commands import ContactFields, CustomerFields, LocationFields
from server.db.base import now
from server.db.engine import Database
from server.documents import service as documents
from server.documents.commands import InvoiceFields, ItemFields, OrderFields
from server.notes.models import Note, NoteType
from server.payments import service as payments
from server.payments.commands import PaymentFields

TODAY = dt.date(2026, 11, 24)


async def write(database: Database, service: Any, **kwargs: Any) -> Any:
    async with database.write_session() as session:
        return await service(session, **kwargs)


async def actor(database: Database, user_id: int) -> Actor:
    """The actor a request by that user carries: ANONYMOUS once the user is inactive or gone."""
    async with database.read_session() as session:
        return Actor.of(await session.get(User, user_id))


async def customer(database: Database, name: str = "Acme Supply", **data: Any) -> Any:
    return await write(database, customers.create_customer, fields=CustomerFields.of({"name": name, **data}),
                       actor=SYSTEM, base_currency="USD")


async def location(database: Database, customer_id: int, code: str, **data: Any) -> Any:
    return await write(database, customers.create_location,
                       fields=LocationFields.of({"customer": customer_id, "code": code, "alias": f"Site {code}", **data}),
                       actor=SYSTEM)


async def contact(database: Database, customer_id: int, first: str, last: str, **data: Any) -> Any:
    return await write(database, customers.create_contact,
                       fields=ContactFields.of({"customer": customer_id, "firstName": first, "lastName": last, **data}),
                       actor=SYSTEM)


def line(price: str, quantity: str = "1", **data: Any) -> dict[str, Any]:
    return {"code": "X", "description": "Goods", "quantity": quantity, "unitPrice": price, **data}


async def order(database: Database, customer_id: int, *prices: str, on: dt.date = TODAY, **data: Any) -> Any:
    return await write(database, documents.create_order,
                       fields=OrderFields.of({"orderCustomer": customer_id, "orderDate": on,
                                              "lines": [line(p) for p in prices], **data}),
                       actor=SYSTEM, today=TODAY, base_currency="USD")


async def invoice(database: Database, customer_id: int, *prices: str, on: dt.date = TODAY, **data: Any) -> Any:
    return await write(database, documents.create_invoice,
                       fields=InvoiceFields.of({"billCustomer": customer_id, "invoiceDate": on,
                                                "lines": [line(p) for p in prices], **data}), actor=SYSTEM, today=TODAY, base_currency="USD")


async def payment(database: Database, customer_id: int, amount: str, **data: Any) -> Any:
    return await write(database, payments.record_payment,
                       fields=PaymentFields.of({"customer": customer_id, "amount": amount, **data}), actor=SYSTEM, today=TODAY, base_currency="USD")


async def note(database: Database, customer_id: int, author_id: int, body: str = "Called",
               at: dt.datetime | None = None) -> None:
    async with database.write_session() as session, session.begin():
        session.add(Note(customer_id=customer_id, author_id=author_id, type=NoteType.CALL, body=body,
                         created_at=at or now()))


async def lead(database: Database, customer_id: int, number: int, program: str = "Wholesale") -> Any:
    from sqlalchemy import select

    from server.leads.models import Lead, LeadProgram, LeadState
    async with database.write_session() as session, session.begin():
        program_id = await session.scalar(select(LeadProgram.id).where(LeadProgram.name == program))
        if program_id is None:
            record = LeadProgram(name=program)
            session.add(record)
            await session.flush()
            program_id = record.id
        lead_ = Lead(number=number, customer_id=customer_id, program_id=program_id,
                     state=LeadState.PENDING_QUALIFICATION)
        session.add(lead_)
    return lead_


async def lead_note(database: Database, lead_id: int, author_id: int, at: dt.datetime) -> None:
    async with database.write_session() as session, session.begin():
        session.add(Note(lead_id=lead_id, author_id=author_id, type=NoteType.MEETING, body="Met", created_at=at))


async def set_row(database: Database, model: Any, row_id: int, **values: Any) -> None:
    """Sets columns of one row directly: states no service reaches yet (a cancelled order, a void
    invoice, a lead's state, probability or people)."""
    from sqlalchemy import update
    async with database.write_session() as session, session.begin():
        await session.execute(update(model).where(model.id == row_id).values(**values))


async def user(database: Database, email: str, role: Any = None) -> Any:
    from server.access import service as access
    from server.access.models import Role
    async with database.write_session() as session:
        return await access.create_user(session, fields=UserFields(email=email, name=email.split("@")[0].title(),
                                        role=role or Role.SALES_REP), actor=SYSTEM)


async def lead_source(database: Database, name: str) -> Any:
    from server.leads.models import LeadSource
    async with database.write_session() as session, session.begin():
        source = LeadSource(name=name)
        session.add(source)
    return source


# Items, documents with lines of several kinds, leads in any state (item and lead figures).

async def item(database: Database, code: str, price: str, **data: Any) -> Any:
    return await write(database, documents.create_item,
                       fields=ItemFields.of({"code": code, "description": f"{code} description", "unit": "EA",
                                             "unitPrice": price, **data}), actor=SYSTEM)


async def order_of(database: Database, customer_id: int, lines: list[dict[str, Any]], on: dt.date = TODAY,
                   **data: Any) -> Any:
    """An order with the given input lines (see `line`, or `{"item": id, "quantity": "2"}`)."""
    return await write(database, documents.create_order,
                       fields=OrderFields.of({"orderCustomer": customer_id, "orderDate": on, "lines": lines, **data}),
                       actor=SYSTEM, today=TODAY, base_currency="USD")


async def invoice_of(database: Database, customer_id: int, lines: list[dict[str, Any]], on: dt.date = TODAY,
                     **data: Any) -> Any:
    """An invoice (or, with classification=CREDIT, a credit note) with the given input lines."""
    return await write(database, documents.create_invoice,
                       fields=InvoiceFields.of({"billCustomer": customer_id, "invoiceDate": on, "lines": lines, **data}),
                       actor=SYSTEM, today=TODAY, base_currency="USD")


async def lead_in(database: Database, customer_id: int, number: int, *, program: str, source: str | None = None,
                  state: str = "PENDING_QUALIFICATION") -> Any:
    """A lead of a program (made when new), from a source (made when new, or none), in a state."""
    from sqlalchemy import select

    from server.leads.models import Lead, LeadProgram, LeadSource, LeadState

    async def named(session: Any, model: Any, name: str) -> int:
        found = await session.scalar(select(model.id).where(model.name == name))
        if found is None:
            record = model(name=name)
            session.add(record)
            await session.flush()
            found = record.id
        return found

    async with database.write_session() as session, session.begin():
        lead_ = Lead(number=number, customer_id=customer_id, program_id=await named(session, LeadProgram, program),
                     source_id=await named(session, LeadSource, source) if source else None, state=LeadState[state])
        session.add(lead_)
    return lead_


async def lead_program(database: Database, name: str) -> None:
    from server.leads.models import LeadProgram
    async with database.write_session() as session, session.begin():
        session.add(LeadProgram(name=name))
