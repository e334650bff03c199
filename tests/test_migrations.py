"""One migration history for both databases: it builds exactly the models, with an index for
every foreign key."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from server.db.engine import Database
from server.db.migrate import upgrade
from server.models import Base


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


async def test_0005_fills_in_the_digits_of_the_phone_numbers_written_before_it(tmp_path):
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
