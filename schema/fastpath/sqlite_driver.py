"""aiosqlite with one call into its thread per statement.

SQLAlchemy's aiosqlite adapter makes four calls into aiosqlite's worker thread for every
statement: open a cursor, execute, fetch the rows, close the cursor. Each is a hand-off to the
thread and back through the event loop: about 70 µs, and 0.4 ms a statement in all, against
0.08 ms for one hand-off (measured on the bench machine, docs/performance.md). The cursor here
runs the four steps in one call and keeps what SQLAlchemy reads of the cursor afterwards
(description, row count, last row id); everything else is SQLAlchemy's adapter as it is.
Being one call, a statement needs no lock: aiosqlite's thread runs its queue in the order the
statements were sent, so while the event loop turns one statement's rows into records, the
next statement (another loader's) already runs in the thread.

A hand-off costs more than a short statement itself, so a short one runs on the event loop's
own thread when the connection's thread has nothing queued or running (`idle`; the jobs are
counted as they are queued and as they end): a read's `BEGIN` (`begin_here`), a rollback, and
the prepared reads whose last run was short (`schema/fastpath/prepared.py`). Never a statement that
may wait for a lock (`BEGIN IMMEDIATE`, a write, a commit): that would stop the loop
(decision 40).

`Database` passes `dbapi()` as the engine's DBAPI module on SQLite. It reaches into private
parts of both libraries (`Connection._execute` and `_conn` of aiosqlite, the cursor adapter's
slots of SQLAlchemy); `dbapi()` returns None when they are not there (`selfcheck`), and the
engine then uses SQLAlchemy's own adapter, slower but the same.
"""

from __future__ import annotations

import collections
from typing import Any, cast

from schema.fastpath import selfcheck

try:
    import aiosqlite
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_cursor,
        AsyncAdapt_aiosqlite_dbapi,
    )
except ImportError:  # pragma: no cover - a SQLAlchemy without these names: its own adapter is used
    AsyncAdapt_aiosqlite_cursor = None  # type: ignore[assignment,misc]  # absent: SQLAlchemy's own adapter


class _Ran:
    """What SQLAlchemy reads of a cursor once its statement has run in the thread."""

    __slots__ = ("description", "rowcount", "lastrowid", "arraysize")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount, self.lastrowid, self.arraysize = -1, None, 1

    async def close(self) -> None:
        """The driver's cursor was closed in the thread already."""


if AsyncAdapt_aiosqlite_cursor is not None:

    class OneCallCursor(AsyncAdapt_aiosqlite_cursor):
        __slots__ = ()

        def _make_new_cursor(self, connection: Any) -> Any:
            return _Ran()

        def _aenter_cursor(self, cursor: Any) -> Any:
            return cursor

        async def _execute_async(self, operation: Any, parameters: Any) -> Any:
            ran, driver = cast(_Ran, self._cursor), self._connection

            def run() -> Any:  # in aiosqlite's thread
                cursor = driver._conn.cursor()
                try:
                    cursor.execute(operation, () if parameters is None else parameters)
                    rows = cursor.fetchall() if cursor.description is not None else None
                    # after the fetch: an INSERT … RETURNING counts its rows as they are read
                    ran.description, ran.rowcount, ran.lastrowid = (
                        cursor.description,
                        cursor.rowcount,
                        cursor.lastrowid,
                    )
                    return rows
                finally:
                    cursor.close()

            # No lock around it (SQLAlchemy's adapter holds one for its four calls): the thread
            # runs its queue in order, so the statements of concurrent loaders go in back to back
            # and the next one runs while this one's rows are made into records.
            rows = await driver._execute(run)
            if ran.description is not None:
                self._rows = collections.deque(rows)

        async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
            ran, driver = cast(_Ran, self._cursor), self._connection

            def run() -> None:
                cursor = driver._conn.cursor()
                try:
                    cursor.executemany(operation, seq_of_parameters)
                    ran.description, ran.rowcount, ran.lastrowid = (
                        cursor.description,
                        cursor.rowcount,
                        cursor.lastrowid,
                    )
                finally:
                    cursor.close()

            await driver._execute(run)

    class OneCallConnection(AsyncAdapt_aiosqlite_connection):
        __slots__ = ()
        _cursor_cls = OneCallCursor

        def rollback(self) -> None:
            """On the loop's thread when the connection's thread is idle: a rollback never waits."""
            driver = self._connection
            if driver._connection is None or not idle(driver):
                super().rollback()
                return
            try:
                driver._conn.rollback()
            except Exception as error:  # noqa: BLE001 - handed on, translated, as SQLAlchemy does
                self._handle_exception(error)

    class OneCallDBAPI(AsyncAdapt_aiosqlite_dbapi):
        def connect(self, *arg: Any, **kw: Any) -> Any:
            adapted = super().connect(*arg, **kw)
            if kw.get("check_same_thread") is False:  # else the driver refuses any other thread
                _count_jobs(adapted._connection)
            return OneCallConnection(self, adapted._connection)


def _count_jobs(driver: Any) -> None:
    """Counts the jobs of aiosqlite's connection that are queued or running in its thread: one
    item of `clientele_jobs` each, added here and removed by the thread as the job ends (a list,
    whose append and pop are atomic; `n += 1` against `n -= 1` in another thread is not)."""
    execute = driver._execute
    jobs: list[None] = []
    driver.clientele_jobs = jobs

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not driver._running or not driver._connection:
            return await execute(fn, *args, **kwargs)  # refused (closed): nothing is queued

        def job() -> Any:  # in the thread
            try:
                return fn(*args, **kwargs)
            finally:
                jobs.pop()

        jobs.append(None)
        return await execute(job)  # queued at once; a cancelled wait leaves the job to count itself

    driver._execute = counted


def begin_here(dbapi_connection: Any) -> bool:
    """Begins a read's transaction (a plain `BEGIN`, which takes no lock) on this thread, straight
    on the driver, when the connection's thread is idle: neither a hand-off nor SQLAlchemy's
    execution of a statement (about 0.2 ms between them) for what SQLite does in microseconds.
    False when it cannot (SQLAlchemy's own adapter, or the thread busy): the caller runs it."""
    if AsyncAdapt_aiosqlite_cursor is None or type(dbapi_connection) is not OneCallConnection:
        return False
    driver = dbapi_connection._connection
    if driver._connection is None or not idle(driver):
        return False
    try:
        driver._conn.execute("BEGIN")
    except Exception as error:  # noqa: BLE001 - handed on, translated, as SQLAlchemy does
        dbapi_connection._handle_exception(error)  # as SQLAlchemy's adapter raises it
    return True


def idle(driver: Any) -> bool:
    """Nothing is queued to or running in the connection's thread, so a statement may run on the
    caller's thread (False when the jobs are not counted)."""
    jobs = getattr(driver, "clientele_jobs", None)
    return jobs is not None and not jobs


def dbapi() -> Any:
    """The DBAPI module for `create_async_engine(module=…)`, or None to use SQLAlchemy's own."""
    if AsyncAdapt_aiosqlite_cursor is None or not selfcheck.check():
        return None
    import sqlite3

    return OneCallDBAPI(aiosqlite, sqlite3)
