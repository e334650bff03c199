"""The SQLite driver runs each statement in one call into aiosqlite's thread
(server/db/sqlite_driver.py): what SQLAlchemy reads of the cursor must stay the same."""

import pytest
from sqlalchemy import exc, text

from server.db.engine import Database
from server.db.sqlite_driver import OneCallConnection


@pytest.fixture
async def database(tmp_path):
    found = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}")
    yield found
    await found.engine.dispose()


async def test_the_engine_uses_the_one_call_cursor(database):
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneCallConnection)


async def test_rows_row_counts_row_ids_and_errors__as_the_driver_gives_them(database):
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)"))
        inserted = await connection.execute(text("INSERT INTO t (name, n) VALUES ('a', 1)"))
        assert inserted.lastrowid == 1
        many = await connection.execute(text("INSERT INTO t (name, n) VALUES (:name, :n)"),
                                        [{"name": "b", "n": 2}, {"name": "c", "n": 3}])
        assert many.rowcount == 2
        updated = await connection.execute(text("UPDATE t SET n = n + 10 WHERE n >= 2"))
        assert updated.rowcount == 2
        rows = (await connection.execute(text("SELECT name, n FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [("a", 1), ("b", 12), ("c", 13)]
        assert (await connection.execute(text("SELECT n FROM t WHERE name = :name"), {"name": "zz"})).all() == []
        with pytest.raises(exc.IntegrityError):
            await connection.execute(text("INSERT INTO t (name, n) VALUES ('a', 9)"))


async def test_returning__gives_its_rows_and_counts_them(database):
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE r (id INTEGER PRIMARY KEY, n INTEGER)"))
        await connection.execute(text("INSERT INTO r (n) VALUES (1), (2), (3)"))
        updated = await connection.execute(text("UPDATE r SET n = n * 10 WHERE n > 1 RETURNING id, n"))
        assert sorted(tuple(r) for r in updated.all()) == [(2, 20), (3, 30)]
        assert updated.rowcount == 2
