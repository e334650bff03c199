"""`seed_demo`: fill an empty, migrated database with a believable small wholesale business.

About 150 customers (with locations and contacts), 64 items, three years of orders,
invoices, credit notes, payments and deposits, notes with reminders, and leads in every
state. The same `seed` and `today` always give the same rows: everything is drawn from one
`random.Random(seed)` and dated relative to `today`.

The business is built in memory first (see `build_world`), then written with bulk inserts in
one write transaction. Only staff users may exist beforehand: a seeded user whose email is
already taken is reused, not duplicated. Payment terms come from the migration.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.access.models import User
from server.customers.models import Contact, Customer, Location, PaymentTerms
from server.db.base import Base
from server.db.engine import Database
from server.documents.models import Invoice, InvoiceLine, Item, Order, OrderLine
from server.leads.models import Lead, LeadProgram, LeadSource, LeadStateChange
from server.notes.models import Note
from server.payments.models import Payment, PaymentApplication
from server.seed import activity, documents, ledger, parties
from server.seed.loading import advance_ids, set_sequences
from server.seed.parties import SEEDED_ADMIN_EMAIL
from server.seed.world import Terms, World

__all__ = ["SEEDED_ADMIN_EMAIL", "SeedError", "build_world", "seed_demo"]

# In foreign-key order. Users are written first but may be partly there already.
TABLES: tuple[type[Base], ...] = (
    User,
    Customer,
    Contact,
    Location,
    Item,
    Order,
    OrderLine,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentApplication,
    LeadProgram,
    LeadSource,
    Lead,
    LeadStateChange,
    Note,
)
MUST_BE_EMPTY: tuple[type[Base], ...] = tuple(model for model in TABLES if model is not User)


class SeedError(RuntimeError):
    """The database cannot take demo data (it already holds business data)."""


async def seed_demo(
    database: Database, *, seed: int = 1, today: dt.date | None = None, base_currency: str = "USD"
) -> dict[str, int]:
    """Seed the demo business; returns the number of rows written per table."""
    today = today or dt.date.today()
    base_currency = check_currency(base_currency)
    async with database.session() as session:
        await refuse_unless_empty(session)
        existing, terms = await existing_users(session), await payment_terms(session)
    world = build_world(
        seed=seed,
        today=today,
        base_currency=base_currency,
        existing_users=existing,
        terms=terms,
    )
    async with database.write_session() as session, session.begin():
        await refuse_unless_empty(session)  # again, now under the write lock
        for model in TABLES:
            rows = world.rows.get(model.__tablename__)
            if rows:
                await session.execute(insert(model.__table__), rows)
        connection = await session.connection()
        await set_sequences(connection, world.sequences)
        await advance_ids(connection, TABLES)
    return {model.__tablename__: len(world.rows.get(model.__tablename__, ())) for model in TABLES}


def build_world(
    *,
    seed: int,
    today: dt.date,
    base_currency: str,
    existing_users: dict[str, int],
    terms: dict[str, Terms],
) -> World:
    """The whole demo business as rows in memory, ready to insert."""
    user_rows, users = parties.plan_users(existing_users, today)
    world = World(
        rng=random.Random(seed), today=today, base_currency=base_currency, users=users, terms=terms
    )
    world.rows["users"] = user_rows
    documents.build_items(world)
    parties.build_parties(world)
    world.sequences["customer"] = len(world.customers)
    documents.build_orders(world)
    documents.build_invoices(world)
    ledger.build_payments(world)
    parties.assign_credit_limits(world, ledger.exposure(world.rows))
    activity.build_notes(world)
    activity.build_leads(world)
    activity.number_notes(world)
    return world


def check_currency(code: str) -> str:
    """The base currency code, upper-cased; anything but three letters is refused."""
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"base currency must be a three-letter ISO 4217 code, not {code!r}")
    return code


async def refuse_unless_empty(session: AsyncSession | AsyncConnection, kind: str = "demo") -> None:
    """Seed data only goes into a database without business data (users may be there)."""
    for model in MUST_BE_EMPTY:
        if await session.scalar(select(func.count()).select_from(model)):
            raise SeedError(
                f"cannot seed {kind} data: the database already has {model.__tablename__} "
                "(seed an empty, freshly migrated database)"
            )


async def existing_users(session: AsyncSession) -> dict[str, int]:
    """Users already there (such as an admin created first), by lower-case email."""
    return {
        email.lower(): user_id
        for email, user_id in await session.execute(select(User.email, User.id))
    }


async def payment_terms(session: AsyncSession) -> dict[str, Terms]:
    """The migration's terms (DUE, NET7 .. NET90), by code; whichever of them exist."""
    rows = await session.execute(select(PaymentTerms.id, PaymentTerms.code, PaymentTerms.due_days))
    return {
        code: Terms(id=terms_id, code=code, due_days=due_days) for terms_id, code, due_days in rows
    }
