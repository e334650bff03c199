"""The demo seed: deterministic, internally consistent, complete enough to demo, and quick."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from server.access.models import Role, User
from server.customers.models import Customer, PaymentTerms
from server.db.engine import Database
from tests.seed.ledger_checks import check_invoice_payments, check_phone_digits
from server.db.migrate import upgrade
from server.documents.models import Invoice, Order
from server.leads.models import Lead, LeadStateChange
from server.money import line_amounts, to_base_minor
from server.seed.demo import SEEDED_ADMIN_EMAIL, TABLES, SeedError, seed_demo

TODAY = dt.date(2026, 3, 15)
SEED = 7

ALLOWED_LEAD_MOVES = {  # SPEC §5, written out again so that the test does not trust the seed
    "PENDING_QUALIFICATION": {"DEVELOPMENT", "INACTIVE"},
    "DEVELOPMENT": {"QUOTING", "PENDING_QUALIFICATION", "INACTIVE"},
    "QUOTING": {"CUSTOMER", "DEVELOPMENT", "INACTIVE"},
    "INACTIVE": {"PENDING_QUALIFICATION"},
    "CUSTOMER": set(),
}


async def migrated(path: Path) -> Database:
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    return database


async def fetch(database: Database, statement: Any, **params: Any) -> list[tuple]:
    """All rows of a statement (text SQL or a select) as plain tuples."""
    if isinstance(statement, str):
        statement = text(statement)
    async with database.session() as session:
        return [tuple(row) for row in (await session.execute(statement, params)).all()]


async def scalar(database: Database, sql: str, **params: Any) -> Any:
    return (await fetch(database, sql, **params))[0][0]


async def table_rows(database: Database) -> dict[str, list[tuple]]:
    """Every seeded table's rows, sorted."""
    return {model.__tablename__: sorted(await fetch(database, select(model.__table__)), key=repr)
            for model in TABLES}


@pytest.fixture(scope="module")
async def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    database = await migrated(tmp_path_factory.mktemp("seed") / "demo.sqlite3")
    counts = await seed_demo(database, seed=SEED, today=TODAY)
    yield database, counts
    await database.dispose()


@pytest.fixture
def db(seeded: tuple[Database, dict[str, int]]) -> Database:
    return seeded[0]


# ------------------------------------------------------------------- the whole thing


async def test_seeds_and_counts_what_it_wrote(seeded: tuple[Database, dict[str, int]]) -> None:
    database, counts = seeded
    for table, count in counts.items():
        assert await scalar(database, f"SELECT count(*) FROM {table}") == count, table
    assert counts["customers"] == 150
    assert counts["users"] == 6
    assert 50 <= counts["items"] <= 70
    assert counts["orders"] > 500 and counts["invoices"] > 400 and counts["payments"] > 300
    assert 35 <= counts["leads"] <= 45


async def test_same_seed_and_day_give_identical_rows(tmp_path: Path, db: Database) -> None:
    again = await migrated(tmp_path / "again.sqlite3")
    other = await migrated(tmp_path / "other.sqlite3")
    try:
        await seed_demo(again, seed=SEED, today=TODAY)
        await seed_demo(other, seed=SEED + 1, today=TODAY)
        first, second, third = await table_rows(db), await table_rows(again), await table_rows(other)
    finally:
        await again.dispose()
        await other.dispose()
    for table in ("customers", "invoices", "payments"):
        assert first[table] == second[table], table
        assert first[table] != third[table], table
    assert first == second


async def test_seeding_twice_is_refused(db: Database) -> None:
    before = await scalar(db, "SELECT count(*) FROM invoices")
    with pytest.raises(SeedError, match="already has customers"):
        await seed_demo(db, seed=SEED, today=TODAY)
    assert await scalar(db, "SELECT count(*) FROM invoices") == before


async def test_another_base_currency(tmp_path: Path) -> None:
    database = await migrated(tmp_path / "eur.sqlite3")
    try:
        await seed_demo(database, seed=3, today=TODAY, base_currency="eur")
        rates = dict(await fetch(database, "SELECT currency, max(fx_rate_e8 IS NULL) FROM invoices GROUP BY currency"))
    finally:
        await database.dispose()
    assert rates["EUR"] == 1  # the base currency carries no rate
    assert rates["USD"] == 0 and rates["CAD"] == 0


# ------------------------------------------------------------------------ people


async def test_users_already_there_are_kept_and_reused(tmp_path: Path) -> None:
    database = await migrated(tmp_path / "users.sqlite3")
    created = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    try:
        async with database.write_session() as session, session.begin():
            await session.execute(insert(User.__table__), [
                {"id": 1, "email": "owner@corp.example", "name": "Owner", "role": Role.ADMIN, "active": True,
                 "password_hash": "x", "version": 1, "created_at": created},
                {"id": 2, "email": SEEDED_ADMIN_EMAIL, "name": "Maria", "role": Role.ADMIN, "active": True,
                 "password_hash": "y", "version": 1, "created_at": created},
            ])
        counts = await seed_demo(database, seed=2, today=TODAY)
        users = await fetch(database, "SELECT id, email, password_hash FROM users ORDER BY id")
        notes_by_maria = await scalar(database, "SELECT count(*) FROM notes WHERE author_id = 2")
    finally:
        await database.dispose()
    assert counts["users"] == 5 and len(users) == 7
    assert users[:2] == [(1, "owner@corp.example", "x"), (2, SEEDED_ADMIN_EMAIL, "y")]
    assert notes_by_maria > 0


async def test_staff_one_per_role(db: Database) -> None:
    users = await fetch(db, "SELECT email, role, active, password_hash, version FROM users")
    roles = sorted(role for _, role, active, _, _ in users if active)
    assert roles == ["ADMIN", "MANAGER", "SALES_REP", "SALES_REP", "VIEWER"]
    assert [role for _, role, active, _, _ in users if not active] == ["SALES_REP"]
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+@example\.com", email) for email, *_ in users)
    assert {(hash_, version) for *_, hash_, version in users} == {(None, 1)}


async def test_customers_locations_and_contacts(db: Database) -> None:
    numbers = [n for (n,) in await fetch(db, "SELECT number FROM customers ORDER BY id")]
    assert numbers == [f"C-{i:06d}" for i in range(1, 151)]
    per_customer = await fetch(db, """
        SELECT c.id, (SELECT count(*) FROM locations l WHERE l.customer_id = c.id),
               (SELECT count(DISTINCT code) FROM locations l WHERE l.customer_id = c.id),
               (SELECT count(*) FROM contacts k WHERE k.customer_id = c.id),
               (SELECT count(*) FROM contacts k WHERE k.customer_id = c.id AND k.is_primary)
        FROM customers c""")
    for _, locations, codes, contacts, primary in per_customer:
        assert 1 <= locations == codes <= 4
        assert 1 <= contacts <= 3 and primary == 1
    assert await scalar(db, "SELECT count(*) FROM locations WHERE sales_rep_id IS NOT NULL") > 0
    assert await scalar(db, "SELECT count(*) FROM customers WHERE status = 'INACTIVE'") > 0
    assert await scalar(db, "SELECT count(*) FROM customers WHERE prior_sales_minor > 0") > 0
    regions = await fetch(db, "SELECT DISTINCT billing_region FROM customers WHERE billing_country = 'US'")
    assert all(re.fullmatch(r"[A-Z]{2}", region) for (region,) in regions) and len(regions) > 5
    assert await scalar(db, "SELECT count(*) FROM customers WHERE billing_country <> 'US'") >= 2
    currencies = dict(await fetch(db, "SELECT currency, count(*) FROM customers GROUP BY currency"))
    assert 1 <= currencies.get("EUR", 0) <= 2 and currencies.get("CAD", 0) == 1


async def test_every_versioned_row_is_at_version_one(db: Database) -> None:
    for model in TABLES:
        if "version" in model.__table__.c:
            assert await fetch(db, f"SELECT DISTINCT version FROM {model.__tablename__}") == [(1,)], model


async def test_nothing_happens_after_today(db: Database) -> None:
    checks = {Order: Order.order_on, Invoice: Invoice.invoice_on, Customer: Customer.created_at}
    for model, column in checks.items():
        (latest,) = (await fetch(db, select(column).order_by(column.desc()).limit(1)))[0]
        day = latest.date() if isinstance(latest, dt.datetime) else latest
        assert day < TODAY, model
    (created,) = (await fetch(db, select(Customer.created_at).limit(1)))[0]
    assert created.tzinfo is dt.UTC


# --------------------------------------------------------------------- coverage


async def test_every_credit_code_and_billing_status(db: Database) -> None:
    codes = dict(await fetch(db, "SELECT credit_code, count(*) FROM customers GROUP BY 1"))
    assert set(codes) == {"CURRENT_ACCOUNT", "NEW_ACCOUNT", "PAST_DUE", "CREDIT_HOLD"}
    assert codes["CURRENT_ACCOUNT"] > 100
    statuses = {s for (s,) in await fetch(db, "SELECT DISTINCT billing_status FROM customers")}
    assert statuses == {"ON_ACCOUNT", "PREPAY", "CASH_ON_DELIVERY"}


async def test_engaged_lapsed_and_never_ordered_customers(db: Database) -> None:
    window = TODAY - dt.timedelta(days=364)
    rows = await fetch(db, select(Customer.id, Order.order_on, Order.status)
                       .join(Order, Order.order_customer_id == Customer.id, isouter=True))
    orders: dict[int, list[dt.date]] = defaultdict(list)
    for customer_id, order_on, status in rows:
        if order_on is not None and status.name != "CANCELLED":
            orders[customer_id].append(order_on)
    kinds = {"ENGAGED": 0, "LAPSED": 0, "NEVER_ORDERED": 0}
    for customer_id in {row[0] for row in rows}:
        days = orders[customer_id]
        kinds["NEVER_ORDERED" if not days else "ENGAGED" if max(days) >= window else "LAPSED"] += 1
    assert all(count >= 5 for count in kinds.values()), kinds


async def test_statuses_of_every_kind(db: Database) -> None:
    order_statuses = {s for (s,) in await fetch(db, "SELECT DISTINCT status FROM orders")}
    assert order_statuses == {"PENDING_APPROVAL", "PLANNED", "OPEN", "IN_PROGRESS", "ON_HOLD", "FINISHED",
                              "INVOICED", "CANCELLED"}
    pending = await fetch(db, """SELECT DISTINCT c.credit_code FROM orders o
                                 JOIN customers c ON c.id = o.order_customer_id WHERE o.status = 'PENDING_APPROVAL'""")
    assert pending == [("NEW_ACCOUNT",)]
    invoice_kinds = set(await fetch(db, "SELECT DISTINCT classification, status FROM invoices"))
    assert invoice_kinds >= {("INVOICE", s) for s in ("PLANNED", "PRINTED", "PARTIALLY_PAID", "PAID", "VOID")}
    assert ("CREDIT", "PRINTED") in invoice_kinds
    styles = set(await fetch(db, "SELECT DISTINCT style, applied_minor = 0 FROM payments"))
    assert styles >= {("PAYMENT", 0), ("DEPOSIT", 1), ("DEPOSIT", 0)}
    assert await scalar(db, "SELECT count(*) FROM payments WHERE 0 < applied_minor AND applied_minor < received_minor")
    assert await scalar(db, "SELECT count(*) FROM orders WHERE billing_customer_id <> order_customer_id") > 10
    note_types = {t for (t,) in await fetch(db, "SELECT DISTINCT type FROM notes")}
    assert note_types == {"GENERAL", "CALL", "MEETING", "EMAIL", "FOLLOW_UP", "COMPLAINT"}
    future = await scalar(db, "SELECT count(*) FROM notes WHERE reminder_due_at > :now AND reminder_title IS NOT NULL",
                          now=dt.datetime(TODAY.year, TODAY.month, TODAY.day))
    assert future >= 3


async def test_overdue_invoices_in_every_aging_bucket(db: Database) -> None:
    rows = await fetch(db, select(Invoice.due_on, Invoice.total_minor - Invoice.paid_minor).where(
        Invoice.classification == "INVOICE", Invoice.status.in_(["PRINTED", "PARTIALLY_PAID"])))
    buckets: dict[str, int] = defaultdict(int)
    for due_on, balance in rows:
        late = (TODAY - due_on).days
        assert balance > 0
        buckets["current" if late <= 0 else "1-30" if late <= 30 else "31-60" if late <= 60
                else "61-90" if late <= 90 else "over 90"] += 1
    assert set(buckets) == {"current", "1-30", "31-60", "61-90", "over 90"}, buckets


async def test_some_customers_are_over_their_credit_limit(db: Database) -> None:
    over = await scalar(db, """
        SELECT count(*) FROM customers c WHERE c.credit_limit_minor IS NOT NULL AND c.credit_limit_minor <
          (SELECT coalesce(sum(CASE WHEN classification = 'CREDIT' THEN -base_balance_minor
                                    ELSE base_balance_minor END), 0)
             FROM invoices WHERE bill_customer_id = c.id AND status IN ('PRINTED', 'PARTIALLY_PAID'))
          + (SELECT coalesce(sum(base_net_minor), 0) FROM orders WHERE billing_customer_id = c.id
             AND status NOT IN ('INVOICED', 'CANCELLED'))
          - (SELECT coalesce(sum(base_unapplied_minor), 0) FROM payments WHERE customer_id = c.id)""")
    assert over >= 2
    assert await scalar(db, "SELECT count(*) FROM customers WHERE credit_limit_minor IS NOT NULL") > 30


# ---------------------------------------------------------------------- amounts


@pytest.mark.parametrize("table, parent", [("order_lines", "order_id"), ("invoice_lines", "invoice_id")])
async def test_line_amounts_are_exact(db: Database, table: str, parent: str) -> None:
    lines = await fetch(db, f"SELECT quantity_e3, unit_price_e4, tax_rate_e4, unit_cost_e4, net_minor, tax_minor, "
                            f"cost_minor FROM {table}")
    for quantity, price, tax_rate, cost, net, tax, line_cost in lines:
        amounts = line_amounts(quantity, price, tax_rate, cost)
        assert (amounts.net_minor, amounts.tax_minor, amounts.cost_minor) == (net, tax, line_cost)
    costly = f"SELECT count(*) FROM {table} WHERE unit_cost_e4 >= unit_price_e4 AND line_type = 'ITEM'"
    assert await scalar(db, costly) == 0


async def test_order_headers_are_the_sums_of_their_lines(db: Database) -> None:
    rows = await fetch(db, """
        SELECT o.net_minor, o.tax_minor, o.total_minor, o.base_net_minor, o.fx_rate_e8,
               sum(l.net_minor), sum(l.tax_minor), count(l.id)
        FROM orders o JOIN order_lines l ON l.order_id = o.id GROUP BY o.id""")
    assert len(rows) == await scalar(db, "SELECT count(*) FROM orders")
    for net, tax, total, base_net, rate, line_net, line_tax, count in rows:
        assert (net, tax, total) == (line_net, line_tax, line_net + line_tax)
        assert base_net == to_base_minor(net, rate)
        assert 1 <= count <= 9  # up to six items, labour, freight and a delivery note


async def test_invoice_headers_are_the_sums_of_their_lines(db: Database) -> None:
    rows = await fetch(db, """
        SELECT i.net_minor, i.tax_minor, i.total_minor, i.cost_minor, i.base_net_minor, i.base_cost_minor,
               i.fx_rate_e8, sum(l.net_minor), sum(l.tax_minor), coalesce(sum(l.cost_minor), 0)
        FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id GROUP BY i.id""")
    assert len(rows) == await scalar(db, "SELECT count(*) FROM invoices")
    for net, tax, total, cost, base_net, base_cost, rate, line_net, line_tax, line_cost in rows:
        assert (net, tax, total, cost) == (line_net, line_tax, line_net + line_tax, line_cost)
        assert (base_net, base_cost) == (to_base_minor(net, rate), to_base_minor(cost, rate))


async def test_invoiced_orders_and_their_invoices_agree(db: Database) -> None:
    mismatches = await scalar(db, """
        SELECT count(*) FROM invoices i JOIN orders o ON o.id = i.order_id
        WHERE o.status <> 'INVOICED' OR i.currency <> o.currency
           OR coalesce(i.fx_rate_e8, 0) <> coalesce(o.fx_rate_e8, 0)
           OR i.bill_customer_id <> o.billing_customer_id OR i.order_customer_id <> o.order_customer_id
           OR i.net_minor <> o.net_minor OR i.total_minor <> o.total_minor OR i.invoice_on < o.order_on""")
    assert mismatches == 0
    invoiced = await fetch(db, """SELECT (SELECT count(*) FROM invoices i WHERE i.order_id = o.id) FROM orders o
                                  WHERE o.status = 'INVOICED'""")
    assert {count for (count,) in invoiced} == {1}
    foreign = await fetch(db, "SELECT DISTINCT currency, fx_rate_e8 IS NULL FROM invoices")
    assert ("USD", 1) in foreign and ("EUR", 0) in foreign and ("CAD", 0) in foreign
    assert ("USD", 0) not in foreign


async def test_due_dates_follow_the_payers_terms(db: Database) -> None:
    terms = dict(await fetch(db, select(PaymentTerms.id, PaymentTerms.due_days)))
    rows = await fetch(db, select(Invoice.invoice_on, Invoice.due_on, Order.required_on, Customer.payment_terms_id,
                                  Customer.terms_basis)
                       .join(Customer, Customer.id == Invoice.bill_customer_id)
                       .join(Order, Order.id == Invoice.order_id, isouter=True))
    for invoice_on, due_on, required_on, terms_id, basis in rows:
        if terms_id is None:
            assert due_on == invoice_on
            continue
        start = {"INVOICE_DATE": invoice_on, "DELIVERY_DATE": required_on or invoice_on,
                 "END_OF_MONTH": _end_of_month(invoice_on)}[basis.name]
        assert due_on == start + dt.timedelta(days=terms[terms_id])


def _end_of_month(day: dt.date) -> dt.date:
    following = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return following - dt.timedelta(days=1)


# --------------------------------------------------------------------- payments


async def test_invoice_paid_amounts_and_statuses(db: Database) -> None:
    await check_invoice_payments(db)


async def test_phone_digits_are_those_of_the_numbers(db: Database) -> None:
    await check_phone_digits(db)


async def test_payment_applied_amounts(db: Database) -> None:
    rows = await fetch(db, """
        SELECT p.received_minor, p.applied_minor, p.base_received_minor, p.base_unapplied_minor, p.fx_rate_e8,
               coalesce(sum(a.amount_minor), 0), coalesce(min(a.amount_minor), 1)
        FROM payments p LEFT JOIN payment_applications a ON a.payment_id = p.id GROUP BY p.id""")
    for received, applied, base_received, base_unapplied, rate, applications, smallest in rows:
        assert applied == applications and 0 <= applied <= received and smallest > 0
        assert base_received == to_base_minor(received, rate)
        assert base_unapplied == to_base_minor(received - applied, rate)


async def test_payments_apply_only_to_their_customers_invoices(db: Database) -> None:
    strays = await scalar(db, """
        SELECT count(*) FROM payment_applications a
        JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id
        WHERE i.bill_customer_id <> p.customer_id OR i.currency <> p.currency OR i.classification <> 'INVOICE'
           OR i.status NOT IN ('PAID', 'PARTIALLY_PAID')""")
    assert strays == 0
    assert await scalar(db, "SELECT count(*) FROM payments p JOIN customers c ON c.id = p.customer_id "
                            "WHERE p.currency <> c.currency") == 0


# ---------------------------------------------------------------------- numbers


@pytest.mark.parametrize("table, pattern", [
    ("customers", r"C-\d{6}"), ("orders", r"(SO|JO)-\d{6}"), ("invoices", r"(IN|CR|DRAFT)-\d{6}"),
    ("payments", r"PY-\d{6}"), ("leads", r"\d+"),
])
async def test_numbers_are_unique_and_well_formed(db: Database, table: str, pattern: str) -> None:
    numbers = [str(n) for (n,) in await fetch(db, f"SELECT number FROM {table}")]
    assert len(numbers) == len(set(numbers))
    assert all(re.fullmatch(pattern, number) for number in numbers)


async def test_sequences_continue_after_the_demo_numbers(db: Database) -> None:
    sequences = dict(await fetch(db, "SELECT name, last_value FROM sequences"))
    prefixes = {"customer": ("customers", "C-"), "sales_order": ("orders", "SO-"), "job_order": ("orders", "JO-"),
                "invoice": ("invoices", "IN-"), "credit": ("invoices", "CR-"), "draft": ("invoices", "DRAFT-"),
                "payment": ("payments", "PY-")}
    for name, (table, prefix) in prefixes.items():
        numbers = sorted(int(n[len(prefix):]) for (n,) in await fetch(db, f"SELECT number FROM {table}")
                         if n.startswith(prefix))
        assert numbers == list(range(1, len(numbers) + 1)), name
        assert sequences[name] == len(numbers) > 0, name
    assert sequences["lead"] == await scalar(db, "SELECT max(number) FROM leads")


# ------------------------------------------------------------------------ leads


async def test_leads_in_every_state_with_a_consistent_history(db: Database) -> None:
    leads = {lead_id: state.name for lead_id, state in await fetch(db, select(Lead.id, Lead.state))}
    assert set(leads.values()) == set(ALLOWED_LEAD_MOVES)
    numbers = sorted(n for (n,) in await fetch(db, "SELECT number FROM leads"))
    assert numbers == list(range(1, len(numbers) + 1))
    changes: dict[int, list[tuple]] = defaultdict(list)
    for lead_id, at, change_id, before, after in await fetch(db, select(
            LeadStateChange.lead_id, LeadStateChange.at, LeadStateChange.id, LeadStateChange.from_state,
            LeadStateChange.to_state).order_by(LeadStateChange.id)):
        changes[lead_id].append((at, before and before.name, after.name))
    for lead_id, state in leads.items():
        history = changes[lead_id]
        assert history[0][1:] == (None, "PENDING_QUALIFICATION")
        for (at_before, _, previous), (at_after, before, after) in zip(history, history[1:]):
            assert before == previous and after in ALLOWED_LEAD_MOVES[before] and at_after > at_before
        assert history[-1][2] == state
    assert await scalar(db, "SELECT count(*) FROM notes WHERE lead_id IS NOT NULL") > 0
    assert await scalar(db, "SELECT count(*) FROM lead_programs") == 4
    assert await scalar(db, "SELECT count(*) FROM lead_sources") == 5


async def test_demo_data__the_app_adds_rows_after_it(api):
    """The seed writes explicit ids; on PostgreSQL the id sequences must move past them."""
    # given
    from server.seed.demo import seed_demo
    await seed_demo(api.database, seed=3)
    # when
    answer = await api.ok('mutation { createCustomer(input: {name: "After the demo"}) '
                          '{ customer { number } userErrors { code } } }')
    # then: a fresh id and the next number
    assert answer["createCustomer"]["userErrors"] == []
    assert answer["createCustomer"]["customer"]["number"] == "C-000151"
