"""The SQLite driver runs each statement in one call into aiosqlite's thread
(schema/fastpath/sqlite_driver.py): what SQLAlchemy reads of the cursor must stay the same. Short
statements run on the loop's thread when the driver's thread is idle, never a write."""

import asyncio
import threading

import pytest
from sqlalchemy import exc, literal_column, select, text

from schema.fastpath import prepared
from server.db.engine import Database
from schema.fastpath.sqlite_driver import OneCallConnection, idle
from schema.fastpath.reader import Reader


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


# ------------------------------------------------- short statements on the loop's thread

SLOW = text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
            "SELECT count(*) AS counted FROM n")


def quick():
    """A select, which can be prepared (a text cannot); a new one per test, since what a
    prepared statement learned stays with the statement object."""
    return select(literal_column("2").label("two"))


async def _traced(reader, quick):
    """Which thread ran each statement: the loop's ("here") or the driver's ("thread")."""
    await reader.rows(quick)  # opens the connection (and runs QUICK once, through SQLAlchemy)
    ran: list[tuple[str, str]] = []
    here = threading.get_ident()

    def trace(statement):
        kind = statement.split()[0] if not statement.startswith("WITH") else "SLOW"
        ran.append((kind if kind != "SELECT" else "QUICK", "here" if threading.get_ident() == here else "thread"))
    reader._driver._conn.set_trace_callback(trace)
    return ran


async def test_jobs__counted_while_queued_or_running(database):
    reader = Reader(database)
    try:
        await reader.rows(quick())
        driver = reader._driver
        assert idle(driver)
        running = asyncio.ensure_future(reader.rows(SLOW))
        await asyncio.sleep(0.005)
        assert not idle(driver)
        assert (await running)[0].counted == 300000
        assert idle(driver)
    finally:
        await reader.end()


async def test_a_short_read__runs_here_once_it_has_run_short_and_when_nothing_else_is_in_flight(database, monkeypatch):
    monkeypatch.setattr(prepared, "VERIFY", False)  # which would run each read a second time
    monkeypatch.setattr(prepared, "SHORT_SECONDS", 1.0)  # short, however busy the machine
    reader = Reader(database)
    try:
        ran = await _traced(reader, statement := quick())
        await reader.rows(statement)  # prepared now: its first prepared run, in the thread, is timed
        await reader.rows(statement)
        slow = asyncio.ensure_future(reader.rows(SLOW))
        while idle(reader._driver):
            await asyncio.sleep(0)
        await reader.rows(statement)  # the slow one is in the thread: this one queues behind it
        await slow
        assert ran == [("QUICK", "thread"), ("QUICK", "here"), ("SLOW", "thread"), ("QUICK", "thread")]
    finally:
        await reader.end()


async def test_a_read_that_ran_long__stays_in_the_thread(database, monkeypatch):
    monkeypatch.setattr(prepared, "SHORT_SECONDS", 0.0)  # nothing is short
    monkeypatch.setattr(prepared, "VERIFY", False)
    reader = Reader(database)
    try:
        ran = await _traced(reader, statement := quick())
        for _ in range(3):
            await reader.rows(statement)
        assert ran == [("QUICK", "thread")] * 3
    finally:
        await reader.end()


async def test_begin_and_rollback__here_when_idle_and_a_write_begins_in_the_thread(database):
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE w (n INTEGER)"))
    here = threading.get_ident()
    ran: list[tuple[str, bool]] = []
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        raw.driver_connection._conn.set_trace_callback(
            lambda statement: ran.append((statement.split()[0], threading.get_ident() == here)))
        await connection.execute(text("SELECT count(*) FROM w"))
        await connection.rollback()
    async with database.write_engine.begin() as connection:
        await connection.execute(text("INSERT INTO w (n) VALUES (1)"))
    # SQLite traces a rollback as ROLLBACK, a commit as COMMIT
    assert ran[:3] == [("BEGIN", True), ("SELECT", False), ("ROLLBACK", True)]
    assert ("BEGIN", False) in ran[3:] and ("INSERT", False) in ran[3:] and ("COMMIT", False) in ran[3:]
    async with database.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM w"))).scalar() == 1


async def test_rows_now__only_a_prepared_short_read_with_the_thread_idle_and_logged_as_any(database, monkeypatch):
    from server.db.engine import StatementLog, current_log
    monkeypatch.setattr(prepared, "SHORT_SECONDS", 1.0)
    monkeypatch.setattr(prepared, "VERIFY", False)
    reader = Reader(database)
    statement = quick()
    assert reader.rows_now(statement) is None  # no connection yet
    try:
        ran = await _traced(reader, statement)  # run once, through SQLAlchemy: not prepared yet
        assert reader.rows_now(statement) is None
        await reader.rows(statement)  # prepared now, and timed short
        log = StatementLog(keep_texts=True)
        reset = current_log.set(log)
        try:
            found = reader.rows_now(statement)  # no await: it ran on this thread, now
        finally:
            current_log.reset(reset)
        assert [r.two for r in found] == [2] and ran[-1] == ("QUICK", "here")
        assert log.statements == 1 and log.texts == ["SELECT 2 AS two"] and log.seconds > 0
        slow = asyncio.ensure_future(reader.rows(SLOW))
        while idle(reader._driver):
            await asyncio.sleep(0)
        assert reader.rows_now(statement) is None  # the thread is busy: the caller awaits instead
        await slow
    finally:
        await reader.end()


async def test_rows_now__verified_by_the_tests_before_the_connection_ends(database, monkeypatch):
    monkeypatch.setattr(prepared, "SHORT_SECONDS", 1.0)
    reader = Reader(database)
    statement = quick()
    try:
        await reader.rows(statement)
        await reader.rows(statement)
        assert [r.two for r in reader.rows_now(statement)] == [2]
        assert len(reader._checks) == 1
        await reader._checks[0]  # it passes
        # a record that differs from SQLAlchemy's fails the end of the connection
        wrong = type(reader.rows_now(statement)[0])(3)
        reader._checks.append(asyncio.ensure_future(reader._verify(reader._connection, statement, None, [wrong])))
        with pytest.raises(AssertionError, match="prepared statement read"):
            await reader.end()
        assert reader._connection is None  # ended all the same
    finally:
        await reader.end()


@pytest.mark.parametrize("url", ["sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"])
async def test_an_in_memory_database__one_connection_without_pool_settings(url):
    # given: both ways of naming a private database in memory
    database = Database(url)
    try:
        # when
        async with database.engine.connect() as connection:
            found = (await connection.execute(select(literal_column("1")))).scalar_one()
        # then: it opened, on SQLAlchemy's one shared connection
        assert found == 1
        assert type(database.engine.pool).__name__ == "StaticPool"
    finally:
        await database.engine.dispose()
