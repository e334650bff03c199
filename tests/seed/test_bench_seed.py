"""The bench seed at a tiny scale, on SQLite and PostgreSQL: deterministic and internally consistent.

The checks recompute everything from the rows with SQL sums and `server.money`, trusting nothing
the seed kept on the side. The real `bench` scale is measured by hand (README, `clientele seed`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from server import cli
from server.db.engine import Database
from tests.seed.ledger_checks import check_invoice_payments, check_phone_digits
from server.db.migrate import upgrade
from server.documents.models import InvoiceLine, OrderLine
from server.money import line_amounts, to_base_minor
from server.notes.models import Note, NoteType
from server.seed import bench
from server.seed.bench import SCALES, SeedError, seed_bench
from server.seed.demo import TABLES

TODAY = dt.date(2026, 3, 15)
SEED = 11
BATCH = 4  # customers per batch: tiny has 10, so three batches

ALLOWED_LEAD_MOVES = {  # SPEC §5, written out again so that the test does not trust the seed
    "PENDING_QUALIFICATION": {"DEVELOPMENT", "INACTIVE"},
    "DEVELOPMENT": {"QUOTING", "PENDING_QUALIFICATION", "INACTIVE"},
    "QUOTING": {"CUSTOMER", "DEVELOPMENT", "INACTIVE"},
    "INACTIVE": {"PENDING_QUALIFICATION"},
    "CUSTOMER": set(),
}
NUMBER_PREFIXES = {"customer": ("customers", "C-"), "sales_order": ("orders", "SO-"),
                   "job_order": ("orders", "JO-"), "invoice": ("invoices", "IN-"), "credit": ("invoices", "CR-"),
                   "draft": ("invoices", "DRAFT-"), "payment": ("payments", "PY-")}


async def fetch(database: Database, sql: str, **params: Any) -> list[tuple]:
    async with database.session() as session:
        return [tuple(row) for row in (await session.execute(text(sql), params)).all()]


def day(value: dt.date | str | None) -> dt.date | None:
    """A date from text SQL (SQLite answers text SQL with ISO strings)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


async def scalar(database: Database, sql: str, **params: Any) -> Any:
    return (await fetch(database, sql, **params))[0][0]


async def snapshot(database: Database) -> dict[str, list[tuple]]:
    """Every seeded table's rows, and the number sequences, sorted."""
    async with database.session() as session:
        rows = {model.__tablename__: sorted((tuple(r) for r in (await session.execute(select(model.__table__))).all()),
                                            key=repr) for model in TABLES}
    rows["sequences"] = sorted(await fetch(database, "SELECT name, last_value FROM sequences"))
    return rows


async def empty(database: Database) -> None:
    """Delete every seeded row (children first) so that the same database can be seeded again."""
    async with database.write_session() as session, session.begin():
        for model in reversed(TABLES):
            await session.execute(model.__table__.delete())


async def seed_tiny(database: Database, seed: int = SEED, **kwargs: Any) -> dict[str, int]:
    return await seed_bench(database, seed=seed, scale="tiny", today=TODAY, batch_customers=BATCH, **kwargs)


@pytest.fixture
async def seeded(database: Database) -> tuple[Database, dict[str, int]]:
    return database, await seed_tiny(database)


# ------------------------------------------------------------------------ volumes


async def test_counts_are_what_was_written_and_the_scale_asked_for(seeded: tuple[Database, dict[str, int]]) -> None:
    database, counts = seeded
    for table, count in counts.items():
        assert await scalar(database, f"SELECT count(*) FROM {table}") == count, table
    assert (counts["customers"], counts["locations"], counts["contacts"], counts["leads"]) == (10, 25, 40, 3)
    assert 500 <= counts["invoice_lines"] <= 1500  # calibrated to 1,000 in expectation
    assert 250 <= counts["items"] <= 400
    assert counts["users"] >= 8
    assert counts["orders"] > 0 and counts["payments"] > 0 and counts["payment_applications"] > 0


async def test_the_dataset_keeps_its_size(seeded: tuple[Database, dict[str, int]]) -> None:
    """Pinned, so that a change to the shared generators that moves the bench's volumes (and
    with them scripts/bench's results) is seen: the same seed made these rows before the bench
    called the demo's generators."""
    _, counts = seeded
    assert counts == {
        "users": 8, "customers": 10, "contacts": 40, "locations": 25, "items": 320, "orders": 242,
        "order_lines": 1030, "invoices": 233, "invoice_lines": 982, "payments": 222,
        "payment_applications": 232, "lead_programs": 4, "lead_sources": 5, "leads": 3,
        "lead_state_changes": 12, "notes": 35,
    }


async def test_progress_is_reported_per_batch(database: Database) -> None:
    reports: list[bench.BenchProgress] = []
    await seed_tiny(database, progress=reports.append)
    assert [(r.batch, r.batches, r.customers) for r in reports] == [(1, 3, 4), (2, 3, 8), (3, 3, 10)]
    assert reports[-1].counts["customers"] == 10 and reports[-1].total_customers == 10


async def test_same_seed_gives_identical_rows_and_another_seed_other_rows(database: Database) -> None:
    await seed_tiny(database)
    first = await snapshot(database)
    await empty(database)
    await seed_tiny(database)
    second = await snapshot(database)
    await empty(database)
    await seed_tiny(database, seed=SEED + 1)
    third = await snapshot(database)
    assert first == second
    for table in ("customers", "invoices", "invoice_lines", "payments"):
        assert first[table] != third[table], table


async def test_a_database_with_business_data_is_refused(seeded: tuple[Database, dict[str, int]]) -> None:
    database, counts = seeded
    with pytest.raises(SeedError, match="already has customers"):
        await seed_tiny(database)
    assert await scalar(database, "SELECT count(*) FROM invoice_lines") == counts["invoice_lines"]


async def test_unknown_scale_is_refused(database: Database) -> None:
    with pytest.raises(ValueError, match="unknown scale"):
        await seed_bench(database, scale="huge", today=TODAY)


async def test_the_app_can_add_rows_after_the_seed(seeded: tuple[Database, dict[str, int]]) -> None:
    """Ids were written explicitly; the database must still hand out fresh ones (PostgreSQL sequences)."""
    database, counts = seeded
    author = await scalar(database, "SELECT min(id) FROM users")
    async with database.write_session() as session, session.begin():
        new_id = (await session.execute(insert(Note.__table__).returning(Note.__table__.c.id), [{
            "type": NoteType.GENERAL, "body": "after the seed", "author_id": author,
            "created_at": dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)}])).scalar_one()
    assert new_id == counts["notes"] + 1


# ------------------------------------------------------------------------ amounts


@pytest.mark.parametrize("table", [OrderLine.__tablename__, InvoiceLine.__tablename__])
async def test_line_amounts_are_exact(seeded: tuple[Database, dict[str, int]], table: str) -> None:
    database, _ = seeded
    lines = await fetch(database, f"SELECT quantity_e3, unit_price_e4, tax_rate_e4, unit_cost_e4, net_minor, "
                                  f"tax_minor, cost_minor, line_type FROM {table}")
    assert lines
    for quantity, price, tax_rate, cost, net, tax, line_cost, line_type in lines:
        amounts = line_amounts(quantity, price, tax_rate, cost)
        assert (amounts.net_minor, amounts.tax_minor, amounts.cost_minor) == (net, tax, line_cost)
        if line_type == "ITEM":
            assert cost is not None and cost < price


async def test_order_headers_are_the_sums_of_their_lines(seeded: tuple[Database, dict[str, int]]) -> None:
    database, _ = seeded
    rows = await fetch(database, """
        SELECT o.net_minor, o.tax_minor, o.total_minor, o.base_net_minor, o.fx_rate_e8,
               sum(l.net_minor), sum(l.tax_minor), count(l.id)
        FROM orders o JOIN order_lines l ON l.order_id = o.id GROUP BY o.id""")
    assert len(rows) == await scalar(database, "SELECT count(*) FROM orders")
    for net, tax, total, base_net, rate, line_net, line_tax, count in rows:
        assert (net, tax, total) == (line_net, line_tax, line_net + line_tax)
        assert base_net == to_base_minor(net, rate)
        assert count >= 1


async def test_invoice_headers_are_the_sums_of_their_lines(seeded: tuple[Database, dict[str, int]]) -> None:
    database, _ = seeded
    rows = await fetch(database, """
        SELECT i.net_minor, i.tax_minor, i.total_minor, i.cost_minor, i.base_net_minor, i.base_cost_minor,
               i.fx_rate_e8, sum(l.net_minor), sum(l.tax_minor), coalesce(sum(l.cost_minor), 0)
        FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id GROUP BY i.id""")
    assert len(rows) == await scalar(database, "SELECT count(*) FROM invoices")
    for net, tax, total, cost, base_net, base_cost, rate, line_net, line_tax, line_cost in rows:
        assert (net, tax, total, cost) == (line_net, line_tax, line_net + line_tax, line_cost)
        assert (base_net, base_cost) == (to_base_minor(net, rate), to_base_minor(cost, rate))


async def test_every_invoiced_order_has_its_invoice_with_the_same_lines(
        seeded: tuple[Database, dict[str, int]]) -> None:
    database, _ = seeded
    per_order = await fetch(database, """
        SELECT o.status, (SELECT count(*) FROM invoices i WHERE i.order_id = o.id) FROM orders o""")
    assert {count for status, count in per_order if status == "INVOICED"} == {1}
    assert {count for status, count in per_order if status != "INVOICED"} <= {0}
    mismatched_headers = await scalar(database, """
        SELECT count(*) FROM invoices i JOIN orders o ON o.id = i.order_id
        WHERE i.currency <> o.currency OR coalesce(i.fx_rate_e8, 0) <> coalesce(o.fx_rate_e8, 0)
           OR i.bill_customer_id <> o.billing_customer_id OR i.order_customer_id <> o.order_customer_id
           OR i.net_minor <> o.net_minor OR i.tax_minor <> o.tax_minor OR i.total_minor <> o.total_minor
           OR i.invoice_on < o.order_on OR i.classification <> 'INVOICE'""")
    assert mismatched_headers == 0
    columns = ("position", "line_type", "code", "description", "unit", "quantity_e3", "unit_price_e4",
               "unit_cost_e4", "tax_rate_e4", "net_minor", "tax_minor", "cost_minor", "item_id")
    picked = ", ".join(f"l.{c}" for c in columns)
    order_lines = await fetch(database, f"""
        SELECT i.id, {picked} FROM invoices i JOIN order_lines l ON l.order_id = i.order_id ORDER BY 1, 2""")
    invoice_lines = await fetch(database, f"""
        SELECT i.id, {picked} FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id
        WHERE i.order_id IS NOT NULL ORDER BY 1, 2""")
    assert order_lines == invoice_lines and order_lines


async def test_due_dates_follow_the_payers_terms(seeded: tuple[Database, dict[str, int]]) -> None:
    database, _ = seeded
    rows = await fetch(database, """
        SELECT i.invoice_on, i.due_on, o.required_on, t.due_days, c.terms_basis
        FROM invoices i JOIN customers c ON c.id = i.bill_customer_id
        LEFT JOIN payment_terms t ON t.id = c.payment_terms_id LEFT JOIN orders o ON o.id = i.order_id""")
    for invoice_on, due_on, required_on, due_days, basis in rows:
        invoice_on, due_on, required_on = day(invoice_on), day(due_on), day(required_on)
        if due_days is None:
            assert due_on == invoice_on
            continue
        following = (invoice_on.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        start = {"INVOICE_DATE": invoice_on, "DELIVERY_DATE": required_on or invoice_on,
                 "END_OF_MONTH": following - dt.timedelta(days=1)}[basis]
        assert due_on == start + dt.timedelta(days=due_days)


# ---------------------------------------------------------------------- payments


async def test_invoice_paid_amounts_statuses_and_balances(seeded: tuple[Database, dict[str, int]]) -> None:
    database, _ = seeded
    await check_invoice_payments(database)


async def test_phone_digits_are_those_of_the_numbers(seeded: tuple[Database, dict[str, int]]) -> None:
    database, _ = seeded
    await check_phone_digits(database)


async def test_payments_never_apply_more_than_received(seeded: tuple[Database, dict[str, int]]) -> None:
    database, _ = seeded
    rows = await fetch(database, """
        SELECT p.received_minor, p.applied_minor, p.base_received_minor, p.base_unapplied_minor, p.fx_rate_e8,
               coalesce(sum(a.amount_minor), 0), coalesce(min(a.amount_minor), 1)
        FROM payments p LEFT JOIN payment_applications a ON a.payment_id = p.id GROUP BY p.id""")
    assert rows
    for received, applied, base_received, base_unapplied, rate, applications, smallest in rows:
        assert applied == applications and 0 <= applied <= received and smallest > 0
        assert base_received == to_base_minor(received, rate)
        assert base_unapplied == to_base_minor(received - applied, rate)
    strays = await scalar(database, """
        SELECT count(*) FROM payment_applications a
        JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id
        WHERE i.bill_customer_id <> p.customer_id OR i.currency <> p.currency OR i.classification <> 'INVOICE'
           OR i.status NOT IN ('PAID', 'PARTIALLY_PAID')""")
    assert strays == 0


# ------------------------------------------------------------------------ numbers


@pytest.mark.parametrize("table, pattern", [
    ("customers", r"C-\d{6}"), ("orders", r"(SO|JO)-\d{6}"), ("invoices", r"(IN|CR|DRAFT)-\d{6}"),
    ("payments", r"PY-\d{6}"), ("leads", r"\d+"),
])
async def test_numbers_are_unique_and_well_formed(seeded: tuple[Database, dict[str, int]], table: str,
                                                  pattern: str) -> None:
    database, _ = seeded
    numbers = [str(n) for (n,) in await fetch(database, f"SELECT number FROM {table}")]
    assert numbers and len(numbers) == len(set(numbers))
    assert all(re.fullmatch(pattern, number) for number in numbers)


async def test_sequences_are_at_the_last_numbers_used(seeded: tuple[Database, dict[str, int]]) -> None:
    database, _ = seeded
    sequences = dict(await fetch(database, "SELECT name, last_value FROM sequences"))
    for name, (table, prefix) in NUMBER_PREFIXES.items():
        numbers = sorted(int(n[len(prefix):]) for (n,) in await fetch(database, f"SELECT number FROM {table}")
                         if n.startswith(prefix))
        assert numbers == list(range(1, len(numbers) + 1)), name
        assert sequences[name] == len(numbers), name
    assert sequences["lead"] == await scalar(database, "SELECT max(number) FROM leads")


# ---------------------------------------------------------------- people, leads


async def test_customers_locations_contacts_and_dates(seeded: tuple[Database, dict[str, int]]) -> None:
    database, _ = seeded
    per_customer = await fetch(database, """
        SELECT c.id, (SELECT count(*) FROM locations l WHERE l.customer_id = c.id),
               (SELECT count(DISTINCT code) FROM locations l WHERE l.customer_id = c.id),
               (SELECT count(*) FROM contacts k WHERE k.customer_id = c.id),
               (SELECT count(*) FROM contacts k WHERE k.customer_id = c.id AND k.is_primary)
        FROM customers c""")
    for _, locations, codes, contacts, primary in per_customer:
        assert 1 <= locations == codes and contacts >= 1 and primary == 1
    numbers = [n for (n,) in await fetch(database, "SELECT number FROM customers ORDER BY id")]
    assert numbers == [f"C-{i:06d}" for i in range(1, 11)]
    for table, column in (("orders", "order_on"), ("invoices", "invoice_on"), ("payments", "payment_on")):
        first, last = map(day, (await fetch(database, f"SELECT min({column}), max({column}) FROM {table}"))[0])
        assert TODAY - dt.timedelta(days=5 * 365 + 30) <= first and last < TODAY, table
    stray_locations = await scalar(database, """
        SELECT count(*) FROM orders o JOIN locations l ON l.id = o.location_id WHERE l.customer_id <> o.order_customer_id""")
    assert stray_locations == 0


async def test_leads_walk_the_transition_table(seeded: tuple[Database, dict[str, int]]) -> None:
    database, _ = seeded
    leads = dict(await fetch(database, "SELECT id, state FROM leads"))
    changes: dict[int, list[tuple]] = defaultdict(list)
    for lead_id, at, before, after in await fetch(database, """
            SELECT lead_id, at, from_state, to_state FROM lead_state_changes ORDER BY id"""):
        changes[lead_id].append((at, before, after))
    for lead_id, state in leads.items():
        history = changes[lead_id]
        assert history[0][1:] == (None, "PENDING_QUALIFICATION")
        for (at_before, _, previous), (at_after, before, after) in itertools.pairwise(history):
            assert before == previous and after in ALLOWED_LEAD_MOVES[before] and at_after > at_before
        assert history[-1][2] == state


# ------------------------------------------------------------- a bigger sample


@pytest.fixture(scope="module")
async def small(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """`small` (1/100 of bench) once, on SQLite: enough rows for every kind of document to show up."""
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('bench') / 'small.sqlite3'}")
    await upgrade(database)
    counts = await seed_bench(database, seed=SEED, scale="small", today=TODAY, batch_customers=40)
    yield database, counts
    await database.dispose()


async def test_small_scale_has_every_kind_of_document(small: tuple[Database, dict[str, int]]) -> None:
    database, counts = small
    assert (counts["customers"], counts["locations"], counts["contacts"], counts["leads"]) == (100, 250, 400, 30)
    assert 9_000 <= counts["invoice_lines"] <= 11_000
    order_statuses = {s for (s,) in await fetch(database, "SELECT DISTINCT status FROM orders")}
    assert order_statuses == {"PENDING_APPROVAL", "PLANNED", "OPEN", "IN_PROGRESS", "ON_HOLD", "FINISHED",
                              "INVOICED", "CANCELLED"}
    kinds = set(await fetch(database, "SELECT DISTINCT classification, status FROM invoices"))
    assert kinds >= {("INVOICE", s) for s in ("PLANNED", "PRINTED", "PARTIALLY_PAID", "PAID", "VOID")}
    assert ("CREDIT", "PRINTED") in kinds
    styles = set(await fetch(database, "SELECT DISTINCT style, applied_minor = 0 FROM payments"))
    assert styles >= {("PAYMENT", 0), ("DEPOSIT", 1), ("DEPOSIT", 0)}
    codes = {c for (c,) in await fetch(database, "SELECT DISTINCT credit_code FROM customers")}
    assert codes == {"CURRENT_ACCOUNT", "NEW_ACCOUNT", "PAST_DUE", "CREDIT_HOLD"}
    assert await scalar(database, "SELECT count(*) FROM orders WHERE billing_customer_id <> order_customer_id") > 0
    assert await scalar(database, "SELECT count(DISTINCT currency) FROM invoices") >= 2


async def test_small_scale_has_a_few_very_busy_customers(small: tuple[Database, dict[str, int]]) -> None:
    database, _ = small
    per_customer = sorted((n for (n,) in await fetch(database, """
        SELECT count(*) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id GROUP BY i.bill_customer_id""")),
        reverse=True)
    assert per_customer[0] > 10 * per_customer[len(per_customer) // 2]  # skewed, as real books are


# ------------------------------------------------------------------ command line


def test_command_line_seeds_a_bench_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(SCALES, "bench", Fraction(1, 1000))  # the wiring, not the volume
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert cli.run(["seed", "--scale", "bench", "--seed", "3", "--database-url", url]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Seeded: users=") and "customers=10" in out
    assert "batch 1/1" in err and "10/10 customers" in err
    assert cli.run(["seed", "--scale", "bench", "--database-url", url]) == 1
    assert "already has customers" in capsys.readouterr().err
