"""The request's read connection: opened on first use, its statements sent as they come.

Loaders of one request dispatch concurrently, and their statements go to the connection
without waiting for each other: the driver queues them (aiosqlite's thread runs them in order,
SQLAlchemy's asyncpg adapter holds its own lock), so that the next statement runs while the
event loop makes the previous one's rows into records, instead of the database waiting for
Python between statements. Only opening the connection, with its transaction, and ending it
wait: ending waits for the statements in flight, and a statement sent while the connection
opens or ends waits for that. Reads give records: named tuples of the statement's columns, not
ORM objects (a page of figures needs no identity map) nor SQLAlchemy's `Row`, whose attribute
access costs about 300 ns against 40 ns for a named tuple, and pages read ten or more a row.

`close()` ends it for good, when the request ends: a load dispatched after that (a loader whose
value nothing awaited, a task the request left behind) is refused with `ReaderClosed` instead
of opening a connection that nothing would give back to the pool.
"""

from __future__ import annotations

import asyncio
import functools
import keyword
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import BindParameter, Executable, bindparam
from sqlalchemy.ext.asyncio import AsyncConnection

from schema.fastpath import prepared
from server.db.engine import Database, PoolTimeout, current_log

F = TypeVar("F", bound=Callable[..., Any])

# The ids of a batch: one statement text per shape, whatever the ids (an expanding IN).
IDS: BindParameter[Any] = bindparam("ids", expanding=True)


def shape(build: F) -> F:
    """Builds a statement once per shape (its arguments), with bind parameters for the values.

    Building a SQLAlchemy statement costs more Python than running a small one on SQLite; the
    figure and relation statements are built once per process and executed with parameters.
    """
    return functools.lru_cache(maxsize=512)(build)  # type: ignore[return-value]  # lru_cache keeps the signature


def records(result: Any) -> list[Any]:
    """A result's rows as named tuples of its columns (`row.name`, `row[i]`, `row._asdict()`)."""
    make = _record_maker(tuple(result.keys()))
    rows = result.all()
    return rows if make is None else [make(row) for row in rows]


@functools.lru_cache(maxsize=1024)
def _record_maker(keys: tuple[str, ...]) -> Callable[[Any], Any] | None:
    """Makes a record of a row with these columns; None (keep SQLAlchemy's rows) when the names
    cannot be a named tuple's (duplicates, keywords, a leading underscore)."""
    if len(set(keys)) != len(keys) or any(
        not k.isidentifier() or keyword.iskeyword(k) or k.startswith("_") for k in keys
    ):
        return None
    return functools.partial(tuple.__new__, namedtuple("record", keys))


class ReaderClosed(RuntimeError):
    """A statement sent after the request's read connection was closed for good."""

    def __init__(self) -> None:
        super().__init__("the request has ended: its read connection is closed")


class Reader:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._connection: AsyncConnection | None = None
        self._driver: Any = None  # aiosqlite's connection, for prepared statements (SQLite only)
        self._lock = asyncio.Lock()  # opening and ending
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._checks: list[asyncio.Future[None]] = []  # the tests' verifications of `rows_now`
        self._closed = False
        self._starved: PoolTimeout | None = None  # the request waited for the pool once, in vain

    async def rows(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Any]:  # records (named tuples), or rows when the names cannot be a record's
        connection = self._connection
        if connection is None or self._lock.locked():  # opening, or ending: after that
            connection = await self._open()
        self._running += 1
        self._idle.clear()
        try:
            if self._driver is not None:  # a statement run before: without SQLAlchemy's execution
                found = prepared.prepared(statement, connection.dialect, _record_maker)
                if found is not None:
                    made = await prepared.run(self._driver, found, params or {}, connection.dialect)
                    if made is not None:
                        if prepared.VERIFY:
                            await self._verify(connection, statement, params, made)
                        return made
            # Shielded: graphql-core cancels a failed root field's siblings, and SQLAlchemy cancelled
            # mid-statement terminates the connection, which the request's other statements share
            # (it hung the request). The statement finishes; only its caller stops waiting. It
            # holds a count of its own, so that ending waits for it. (A prepared read needs no
            # shield: cancelling leaves its job to run in the driver's thread, in turn.)
            running = asyncio.ensure_future(connection.execute(statement, params))
            self._running += 1
            running.add_done_callback(self._finished)
            return records(await asyncio.shield(running))
        finally:
            self._release()

    def rows_now(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Any] | None:
        """The records at once, without a turn of the event loop, when the statement can run on
        this thread now: on SQLite, prepared, short last time, and the connection open with its
        thread idle (schema/fastpath/prepared.py `run_now`). Else None: the caller awaits `rows`."""
        connection = self._connection
        if self._driver is None or connection is None or self._lock.locked():
            return None  # (closed too: `end` has dropped the connection, or holds the lock)
        found = prepared.ready(statement)
        made = (
            None
            if found is None
            else prepared.run_now(self._driver, found, params or {}, connection.dialect)
        )
        if made is not None and prepared.VERIFY:  # compared before the connection ends (`end`)
            self._checks.append(
                asyncio.ensure_future(self._verify(connection, statement, params, made))
            )
        return made

    def _finished(self, running: asyncio.Future[Any]) -> None:
        if not running.cancelled():
            running.exception()  # retrieved: its caller may have stopped waiting
        self._release()

    def _release(self) -> None:
        """One statement fewer in flight; ending may go on when none is left."""
        self._running -= 1
        if not self._running:
            self._idle.set()

    @staticmethod
    async def _verify(
        connection: AsyncConnection,
        statement: Executable,
        params: Mapping[str, Any] | None,
        made: list[Any],
    ) -> None:
        """Runs the statement through SQLAlchemy too, unlogged, and fails on any difference (the
        tests set `prepared.VERIFY`)."""
        reset = current_log.set(None)
        try:
            expected = records(await connection.execute(statement, params))
        finally:
            current_log.reset(reset)
        if [(r._fields, tuple(r), [type(v) for v in r]) for r in made] != [
            (r._fields, tuple(r), [type(v) for v in r]) for r in expected
        ]:
            raise AssertionError(
                f"the prepared statement read {made[:3]!r}…, SQLAlchemy {expected[:3]!r}…: {statement}"
            )

    async def _open(self) -> AsyncConnection:
        """The connection with its transaction begun, so that concurrent first statements do
        not each begin one."""
        async with self._lock:
            if self._closed:
                raise ReaderClosed()
            if self._starved is not None:  # a second wait would double the time to its refusal
                raise self._starved
            if self._connection is None:
                try:
                    connection = await self.database.engine.connect()
                except PoolTimeout as error:
                    self._starved = error
                    raise
                try:
                    await connection.begin()
                    if self.database.is_sqlite:
                        raw = await connection.get_raw_connection()
                        self._driver = prepared.sqlite_driver(raw.driver_connection)
                except BaseException:
                    await connection.close()
                    raise
                self._connection = connection
            return self._connection

    async def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any:
        rows = await self.rows(statement, params)
        return rows[0][0] if rows else None

    async def close(self) -> None:
        """Ends the read transaction for good: from now on every statement is refused."""
        self._closed = True
        await self.end()

    async def end(self) -> None:
        """Ends the read transaction, so that what a write committed since is seen next."""
        async with self._lock:
            checks, self._checks = self._checks, []
            try:
                if checks:
                    await asyncio.gather(*checks)
            finally:
                await self._idle.wait()
                if self._connection is not None:
                    await self._connection.close()
                    self._connection = self._driver = None
