"""One migration history for both databases: it builds exactly the models, with an index for
every foreign key."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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


