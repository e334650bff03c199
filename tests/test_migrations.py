"""One migration history for both databases: it builds exactly the models, with an index for
every foreign key."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, insert, inspect, text
from sqlalchemy.exc import IntegrityError

from server.customers.models import Customer, Location
from server.db.engine import Database
from server.db.migrate import MigrationStopped, upgrade
from server.documents.models import Item
from server.models import Base
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL, beside, migrated


# SQLite's reflection skips an expression index (the identifiers' folded ones); they are built and
# checked by test_identifiers_are_unique_regardless_of_case.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
async def test_migrations_build_the_models(database):
    # given: a database migrated to head (the fixture)
    def compare(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, Base.metadata)

    # when
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(compare)
    # then
    assert differences == []


def test_every_foreign_key_is_indexed():
    missing = []
    for table in Base.metadata.tables.values():
        leading = {index.columns[0].name for index in table.indexes}
        leading |= {c.columns[0].name for c in table.constraints if hasattr(c, "columns") and len(c.columns)}
        for fk in table.foreign_keys:
            if fk.parent.name not in leading:
                missing.append(f"{table.name}.{fk.parent.name}")
    assert missing == []


async def test_sqlite_runs_in_wal_mode(database):
    if not database.is_sqlite:
        pytest.skip("a SQLite setting")
    async with database.engine.connect() as connection:
        mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    assert (mode, timeout) == ("wal", 30000)




async def test_0004_links_the_bulk_events_written_before_it(tmp_path):
    # given: a database at 0003 holding one bulk event of two customers and one plain event
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
    await upgrade(database, "0003")
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO audit_events (id, at, action, entity_type, entity_id, changes, revertible) VALUES "
            "(1, '2026-01-02 03:04:05', 'bulkUpdateCustomers', 'Customer', NULL, "
            "'[{\"id\": 7, \"version\": 2, \"fields\": {}}, {\"id\": 9, \"version\": 3, \"fields\": {}}]', 1), "
            "(2, '2026-01-02 03:04:06', 'updateCustomer', 'Customer', 7, '{\"name\": [\"a\", \"b\"]}', 0)"))
    # when
    await upgrade(database)
    # then
    async with database.engine.connect() as connection:
        links = (await connection.execute(text(
            "SELECT event_id, entity_type, entity_id FROM audit_event_entities ORDER BY entity_id"))).all()
    await database.dispose()
    assert [tuple(link) for link in links] == [(1, "Customer", 7), (1, "Customer", 9)]


@pytest.fixture(params=["sqlite", "postgresql"])
async def at_0004(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Database]:
    """A database of each kind at revision 0004, before identifiers were unique regardless of case."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
        await migrated(url, revision="0004")
    else:
        if not POSTGRES_URL:
            pytest.skip(POSTGRES_SKIP)
        url = await beside(POSTGRES_URL, POSTGRES_URL.rpartition("/")[2] + "_migrations")
        await migrated(url, fresh_schema=True, revision="0004")
    database = Database(url)
    yield database
    await database.dispose()


async def _insert(database: Database, model: Any, *rows: dict[str, Any]) -> None:
    """Rows written through the model's table as the database has it now: the columns of later
    revisions (and their defaults) left out."""
    async with database.engine.begin() as connection:
        name = model.__tablename__
        present = set(await connection.run_sync(lambda sync: [c["name"] for c in inspect(sync).get_columns(name)]))
        table = Table(name, MetaData(), *(c._copy() for c in model.__table__.columns if c.name in present))
        await connection.execute(insert(table), list(rows))


async def _holding(database: Database) -> tuple[str, list[Any]]:
    """The revision and every identifier the database holds."""
    async with database.engine.connect() as connection:
        revision = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        held = [tuple(row) for table, column in (("customers", "number"), ("locations", "code"), ("items", "code"))
                for row in await connection.execute(text(f"SELECT id, {column} FROM {table} ORDER BY id"))]
    return revision, held


def _customer(id_: int, number: str) -> dict[str, Any]:
    return {"id": id_, "number": number, "name": f"Customer {id_}", "currency": "USD"}


def _location(id_: int, customer_id: int, code: str) -> dict[str, Any]:
    return {"id": id_, "customer_id": customer_id, "code": code, "alias": f"Site {code}"}


def _item(id_: int, code: str) -> dict[str, Any]:
    return {"id": id_, "code": code, "description": "Goods", "unit": "EA", "unit_price_e4": 10000}


async def test_0005__clashes_stop_it_listed_and_nothing_changes(at_0004):
    # given: identifiers that differ only in case, beside ones that differ in more
    await _insert(at_0004, Customer, _customer(1, "C-000158"), _customer(2, "c-000158"), _customer(3, "C-000159"),
                  _customer(4, "ÄB-1"), _customer(5, "äb-1"))
    await _insert(at_0004, Location, _location(1, 1, "MAIN"), _location(2, 1, "main"), _location(3, 2, "Main"),
                  _location(4, 3, "MAIN"), _location(5, 3, "Dock"))
    await _insert(at_0004, Item, _item(1, "ab-1"), _item(2, "AB-1"), _item(3, "Ab-1"), _item(4, "AB-2"))
    before = await _holding(at_0004)
    # when
    with pytest.raises(MigrationStopped) as stopped:
        await upgrade(at_0004)
    # then: every group is listed, with ids, and only those
    lines = str(stopped.value).splitlines()[1:]
    assert [line.strip() for line in lines] == [
        "customer numbers: 'C-000158' (id 1), 'c-000158' (id 2)",
        "location codes of customer id 1: 'MAIN' (id 1), 'main' (id 2)",
        "item codes: 'ab-1' (id 1), 'AB-1' (id 2), 'Ab-1' (id 3)",
    ]
    assert await _holding(at_0004) == before
    # and: still at 0004, so a case variant is still taken in
    await _insert(at_0004, Customer, _customer(6, "c-000159"))


async def test_0005__without_clashes_case_variants_are_refused(at_0004):
    # given: the clashes of the test above, resolved by a person
    await _insert(at_0004, Customer, _customer(1, "C-000158"), _customer(2, "C-000158-B"))
    await _insert(at_0004, Location, _location(1, 1, "MAIN"), _location(2, 2, "main"))
    await _insert(at_0004, Item, _item(1, "ab-1"))
    before = await _holding(at_0004)
    # when
    await upgrade(at_0004, "0005")
    # then: nothing was renamed, and a case variant of each is refused by the database itself
    assert await _holding(at_0004) == ("0005", before[1])
    for model, row in ((Customer, _customer(3, "c-000158")), (Location, _location(3, 1, "Main")),
                       (Item, _item(2, "AB-1"))):
        with pytest.raises(IntegrityError):
            await _insert(at_0004, model, row)
    await _insert(at_0004, Location, _location(3, 2, "MAIN-2"))  # another code, or another customer's, is free


async def test_0006_fills_in_the_digits_of_the_phone_numbers_written_before_it(tmp_path):
    # given: a database at 0004 with a customer, a location and a contact with phone numbers
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
    await upgrade(database, "0004")
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO customers (id, number, name, status, currency, credit_code, billing_status, terms_basis, "
            "phone, prior_sales_minor, created_at, updated_at, version) VALUES "
            "(1, 'C-1', 'Grove', 'ACTIVE', 'USD', 'CURRENT_ACCOUNT', 'ON_ACCOUNT', 'INVOICE_DATE', "
            "'(312) 555-0101', 0, '2026-01-02 03:04:05', '2026-01-02 03:04:05', 1), "
            "(2, 'C-2', 'Hill', 'ACTIVE', 'USD', 'CURRENT_ACCOUNT', 'ON_ACCOUNT', 'INVOICE_DATE', "
            "NULL, 0, '2026-01-02 03:04:05', '2026-01-02 03:04:05', 1)"))
        await connection.execute(text(
            "INSERT INTO locations (id, customer_id, code, alias, contact_phone, created_at, version) VALUES "
            "(1, 1, 'A', 'Main', '630.555.0123', '2026-01-02 03:04:05', 1)"))
        await connection.execute(text(
            "INSERT INTO contacts (id, customer_id, first_name, last_name, office_phone, fax, is_primary, "
            "created_at, version) VALUES (1, 1, 'Pat', 'Lee', '773-555-0199 ext. 4', '+1 312 555 0100', 0, "
            "'2026-01-02 03:04:05', 1)"))
    # when
    await upgrade(database)
    # then
    async with database.engine.connect() as connection:
        found = [tuple(row) for table in ("customers", "locations", "contacts") for row in (await connection.execute(
            text(f"SELECT '{table}', id, phone_digits FROM {table} ORDER BY id"))).all()]
    await database.dispose()
    assert found == [("customers", 1, "3125550101"), ("customers", 2, None), ("locations", 1, "6305550123"),
                     ("contacts", 1, "77355501994 13125550100")]
