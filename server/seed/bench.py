"""`seed_bench`: a big, deterministic business for benchmarks (`clientele seed --scale bench|large`).

`bench` is 10,000 customers, 25,000 locations and 40,000 contacts (exactly), about 1,000,000
invoice lines over five years before `today` with their orders, credit notes, voids and drafts,
payments and deposits with their applications, notes and 3,000 leads, 320 items and about
thirty users. `large` is ten times that (meant for PostgreSQL). Hidden scales `tiny` (1/1000)
and `small` (1/100) are for tests.

Decisions:

- Every invoice of an order carries that order's lines, so order lines are about as many as
  invoice lines (plus open and cancelled orders, minus credit notes, voids and drafts): another
  million rows, about 15 s of a one-minute build, for `INVOICED` orders identical to their
  invoices as the service makes them.
- Customers come in sizes: most are small (a couple of orders a year), a few percent are key
  or anchor accounts with hundreds of orders and thousands of lines, so that large customers
  exist for the command center. The ordering rhythms are calibrated so that the expected
  number of invoice lines is the target; the actual number lands within a few percent.
- The generators are the demo seed's, called with a batch in place of the demo's world (see
  `bench_batch`), and so are the invariants (headers are the sums of their lines
  from `line_amounts`; base amounts via `to_base_minor` per document; paid and applied totals,
  statuses and base balances from the applications; applied <= received; numbers unique and
  the sequences at the last numbers used). See `bench_batch`.
- Memory stays bounded: customers are sketched up front (a small tuple each), then built,
  written and dropped in batches of 500 customers with everything they did (a branch and the
  head office that pays for it are in the same batch). The next batch is built in a worker
  thread while the database takes the last one. Ids and numbers are in date order within a
  batch; across batches they follow customer ids (creation order).
- Rows are plain tuples inserted in chunks of 10,000 (`bench_writer`): executemany on SQLite
  with `synchronous=OFF` and a big cache for the load, COPY on PostgreSQL. Foreign keys stay on.
- Each batch is one write transaction that also moves the number sequences on (and, on
  PostgreSQL, the id sequences past the ids written), so a finished batch is consistent; an
  interrupted run leaves the batches written so far (the seed refuses a database that has
  business data: start again from an empty one).
- After the load, `ANALYZE` gives the query planners statistics (PostgreSQL's autovacuum would
  soon do the same; SQLite never would on its own).

The same seed, scale, `today`, base currency and batch size always give the same rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

from sqlalchemy import text

from server.access.models import Role, User
from server.customers import phones
from server.customers.models import Contact, Customer, Location
from server.db.engine import Database
from server.documents.models import Invoice, InvoiceLine, Item, Order, OrderLine
from server.leads.models import Lead, LeadProgram, LeadSource, LeadStateChange
from server.notes.models import Note
from server.payments.models import Payment, PaymentApplication
from server.seed import documents
from server.seed import vocabulary as words
from server.seed.bench_batch import (
    INVOICE_LINE_COLUMNS,
    ORDER_LINE_COLUMNS,
    Batch,
    Context,
    Counters,
    Rates,
    calibrate,
    sketch_customers,
)
from server.seed.bench_writer import BulkLoader
from server.seed.demo import (
    TABLES,
    SeedError,
    check_currency,
    existing_users,
    payment_terms,
    refuse_unless_empty,
)
from server.seed.documents import BASE_VARIANT, Variant
from server.seed.loading import advance_ids, set_sequences
from server.seed.parties import plan_users
from server.seed.world import at

__all__ = ["SCALES", "BenchProgress", "SeedError", "Volume", "seed_bench"]


class Volume(NamedTuple):
    """How much of everything a scale makes (invoice lines: the calibration target)."""

    customers: int
    locations: int
    contacts: int
    invoice_lines: int
    leads: int

    def scaled(self, factor: Fraction) -> Volume:
        return Volume(*(max(1, int(value * factor)) for value in self))


BENCH = Volume(
    customers=10_000, locations=25_000, contacts=40_000, invoice_lines=1_000_000, leads=3_000
)
# `tiny` and `small` are for tests and quick looks; the command line offers bench and large.
SCALES: dict[str, Fraction] = {
    "tiny": Fraction(1, 1000),
    "small": Fraction(1, 100),
    "bench": Fraction(1),
    "large": Fraction(10),
}
BATCH_CUSTOMERS = 500
CUSTOMERS_PER_REP = 400
# Variants of every catalog item (see `documents.item_rows`).
VARIANTS: tuple[Variant, ...] = (
    BASE_VARIANT,
    (" (economy)", 850, -4),
    (" (premium)", 1300, 3),
    (" (value pack)", 2400, -2),
    (" (trial size)", 450, 5),
)
# In foreign-key order, as the batches write them.
BATCH_TABLES = (
    Customer,
    Contact,
    Location,
    Order,
    OrderLine,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentApplication,
    Lead,
    LeadStateChange,
    Note,
)


@dataclass(frozen=True)
class BenchProgress:
    """Reported after each batch (the command line prints it; the library prints nothing)."""

    batch: int
    batches: int
    customers: int
    total_customers: int
    counts: dict[str, int]
    seconds: float


async def seed_bench(
    database: Database,
    *,
    seed: int = 1,
    scale: str = "bench",
    today: dt.date | None = None,
    base_currency: str = "USD",
    batch_customers: int = BATCH_CUSTOMERS,
    progress: Callable[[BenchProgress], None] | None = None,
) -> dict[str, int]:
    """Seed an empty, migrated database at `scale`; returns the number of rows written per table."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; one of {', '.join(SCALES)}")
    if batch_customers < 1:
        raise ValueError("batch_customers must be at least 1")
    started = time.perf_counter()
    today = today or dt.date.today()
    base_currency = check_currency(base_currency)
    volume = BENCH.scaled(SCALES[scale])
    async with database.session() as session:
        await refuse_unless_empty(session, "bench")
        existing, terms = await existing_users(session), await payment_terms(session)

    rng = random.Random(seed)
    user_rows, staff, reps, gone = _plan_users(rng, today, existing, volume.customers)
    item_rows = documents.item_rows(rng, VARIANTS)
    ctx = Context(
        today=today,
        base_currency=base_currency,
        staff=staff,
        reps=reps,
        gone_reps=gone,
        terms=terms,
        items=item_rows,
        rates=Rates(rng, today, base_currency),
        intervals=[],
    )
    sketches = sketch_customers(rng, ctx, volume.customers)
    ctx.intervals = calibrate(sketches, volume.invoice_lines)
    chunks = [sketches[i : i + batch_customers] for i in range(0, len(sketches), batch_customers)]
    batch_seeds = [rng.getrandbits(64) for _ in chunks]

    counts: dict[str, int] = {model.__tablename__: 0 for model in TABLES}
    counters = Counters()
    async with BulkLoader.open(database) as loader:
        async with loader.transaction() as connection:
            await refuse_unless_empty(connection, "bench")  # again, now under the write lock
            await loader.insert_dicts(User.__table__, user_rows)
            await loader.insert_dicts(Item.__table__, item_rows)
            for lookup, names in (
                (LeadProgram, words.LEAD_PROGRAMS),
                (LeadSource, words.LEAD_SOURCES),
            ):
                await loader.insert_dicts(
                    lookup.__table__,
                    [
                        {"id": i, "name": name, "active": True, "version": 1}
                        for i, name in enumerate(names, start=1)
                    ],
                )
            await advance_ids(connection, (User, Item, LeadProgram, LeadSource))
        counts.update(
            users=len(user_rows),
            items=len(item_rows),
            lead_programs=len(words.LEAD_PROGRAMS),
            lead_sources=len(words.LEAD_SOURCES),
        )
        firsts = [index * batch_customers for index in range(len(chunks))]

        def build(index: int) -> Batch:
            chunk, done = chunks[index], firsts[index]
            return Batch(
                ctx,
                random.Random(batch_seeds[index]),
                chunk,
                counters,
                locations=_share(volume.locations, volume.customers, done, len(chunk)),
                contacts=_share(volume.contacts, volume.customers, done, len(chunk)),
                leads=_share(volume.leads, volume.customers, done, len(chunk)),
            )

        # Batches are built one after the other in a worker thread, the next while the database
        # takes the last (SQLite and PostgreSQL do their part without holding the GIL).
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(1, thread_name_prefix="bench-seed") as builder:
            pending = loop.run_in_executor(builder, build, 0)
            for index in range(len(chunks)):
                batch = await pending
                if index + 1 < len(chunks):
                    pending = loop.run_in_executor(builder, build, index + 1)
                async with loader.transaction() as connection:
                    await _write_batch(loader, batch)
                    await set_sequences(connection, batch.sequences)
                    await advance_ids(connection, BATCH_TABLES)
                for model in BATCH_TABLES:
                    counts[model.__tablename__] += len(batch.rows[model.__tablename__])
                del batch
                if progress is not None:
                    progress(
                        BenchProgress(
                            index + 1,
                            len(chunks),
                            firsts[index] + len(chunks[index]),
                            volume.customers,
                            dict(counts),
                            time.perf_counter() - started,
                        )
                    )
        await _analyze(loader)
    return counts


async def _write_batch(loader: BulkLoader, batch: Batch) -> None:
    for model in BATCH_TABLES:
        table, rows = model.__table__, batch.rows[model.__tablename__]
        if model is OrderLine:
            await loader.insert(table, ORDER_LINE_COLUMNS, rows)
        elif model is InvoiceLine:
            await loader.insert(table, INVOICE_LINE_COLUMNS, rows)
        else:
            phones.with_digits(table.name, rows)
            await loader.insert_dicts(table, rows)


def _share(total: int, customers: int, done: int, count: int) -> int:
    """This batch's part of `total`, so that the parts add up to it exactly."""
    return total * (done + count) // customers - total * done // customers


# ------------------------------------------------------------------- users, items


def _plan_users(
    rng: random.Random, today: dt.date, existing: dict[str, int], customers: int
) -> tuple[list[dict[str, Any]], dict[str, int], list[int], list[int]]:
    """The demo's staff plus one sales rep per 400 customers (a tenth of whom have left).

    Returns the rows to insert, the staff ids by key, and the ids of active and departed reps.
    """
    rows, staff = plan_users(existing, today)
    staff_names = {name for name, _, _ in words.USERS}
    names = [
        f"{first} {last}"
        for first in words.FIRST_NAMES
        for last in words.SURNAMES
        if f"{first} {last}" not in staff_names
    ]
    next_id = max([*existing.values(), *staff.values()], default=0) + 1
    reps, gone = [staff["rep_a"], staff["rep_b"]], [staff["rep_gone"]]
    for name in rng.sample(names, min(len(names), max(2, customers // CUSTOMERS_PER_REP))):
        first, last = name.split(" ", 1)
        email = f"{_slug(first)}.{_slug(last)}@example.com"
        active = rng.random() >= 0.1
        if email in existing:
            user_id = existing[email]
        else:
            user_id, next_id = next_id, next_id + 1
            rows.append(
                {
                    "id": user_id,
                    "email": email,
                    "name": name,
                    "role": Role.SALES_REP,
                    "active": active,
                    "password_hash": None,
                    "version": 1,
                    "created_at": at(today - dt.timedelta(days=rng.randint(30, 365 * 6))),
                }
            )
        (reps if active else gone).append(user_id)
    return rows, staff, reps, gone


def _slug(text_: str) -> str:
    return "".join(ch for ch in text_.lower() if ch.isascii() and ch.isalnum())


# ------------------------------------------------------------------------ database


async def _analyze(loader: BulkLoader) -> None:
    """Planner statistics for the freshly loaded tables; on SQLite, fold the WAL into the file."""
    if loader.is_sqlite:  # outside any transaction, on the driver's autocommit connection
        driver = await loader.driver()
        await driver.execute("ANALYZE")
        await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        await loader.connection.execute(text("ANALYZE"))
        await loader.connection.commit()
