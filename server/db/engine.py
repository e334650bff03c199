"""Engines and sessions: one read session per request, a short write session per service call.

SQLite runs in WAL mode with a busy timeout, and write transactions start with `BEGIN IMMEDIATE`
so that concurrent writers wait for the lock instead of failing half-way.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, exc, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from schema.fastpath import sqlite_driver
from server.config import Settings

DEFAULTS = Settings()
WRITE_OPTION = "clientele_write"
# What a checkout raises when no connection came free within `pool_timeout`.
PoolTimeout = exc.TimeoutError


@dataclass
class StatementLog:
    """SQL statements run on behalf of one request (for `--debug-sql` and the tests).

    With `keep_texts`, `texts` and `params` hold each statement and the parameters the driver
    received (in its own paramstyle), so that `scripts/bench` can replay them exactly.
    """

    statements: int = 0
    seconds: float = 0.0
    texts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    keep_texts: bool = False


current_log: contextvars.ContextVar[StatementLog | None] = contextvars.ContextVar(
    "current_log", default=None
)


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async drivers."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


# The application's statements are short and many: PostgreSQL's JIT, triggered by the cost
# estimates of a joined figure statement (which the planner overestimates by orders of
# magnitude), spent 0.5 s compiling a statement that runs in 2 ms (docs/performance.md).
POSTGRES_SESSION = {"jit": "off"}


def is_unique_violation(error: exc.IntegrityError) -> bool:
    """Whether the database refused a write for a value a unique index already holds (SQLite's
    "UNIQUE constraint failed", PostgreSQL's SQLSTATE 23505), not for a broken reference or a
    missing value."""
    original = error.orig
    return (
        getattr(original, "sqlstate", None) == "23505"
        or getattr(original, "pgcode", None) == "23505"
        or "UNIQUE constraint failed" in str(original)
    )


def _in_memory(url: str) -> bool:
    """A private SQLite database in memory, `sqlite://` or `sqlite:///:memory:`, which SQLAlchemy
    serves with one connection (a `file:…?mode=memory` URI is a file to it: a pool as usual)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


class Database:
    """The engine and its pool: `pool_size` connections kept, as many again opened under load, and
    a request that finds none free within `pool_timeout` seconds fails (`PoolTimeout`) instead of
    queueing behind the requests before it (CLIENTELE_POOL_SIZE, CLIENTELE_POOL_TIMEOUT)."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = DEFAULTS.pool_size,
        pool_timeout: float = DEFAULTS.pool_timeout,
    ) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if not _in_memory(self.url):  # one connection (StaticPool) for an in-memory database
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_timeout=pool_timeout)
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
            driver = sqlite_driver.dbapi()  # one call into aiosqlite's thread per statement
            if driver is not None and self.url.startswith("sqlite+aiosqlite"):
                kwargs["module"] = driver
        else:
            kwargs.update(pool_pre_ping=True, connect_args={"server_settings": POSTGRES_SESSION})
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self.write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self.read_session = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.write_session = async_sessionmaker(self.write_engine, expire_on_commit=False)
        sync_engine = self.engine.sync_engine
        if self.is_sqlite:
            event.listen(sync_engine, "connect", _sqlite_connect)
            event.listen(sync_engine, "begin", _sqlite_begin)
        event.listen(sync_engine, "before_cursor_execute", _before_execute)
        event.listen(sync_engine, "after_cursor_execute", _after_execute)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.read_session() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event, not the driver, start transactions (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "busy_timeout=30000",
        "foreign_keys=ON",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get(WRITE_OPTION, False):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif not sqlite_driver.begin_here(conn.connection.dbapi_connection):
        conn.exec_driver_sql("BEGIN")


def _before_execute(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    log = current_log.get()
    if log is not None and not statement.startswith(
        "BEGIN"
    ):  # SQLite's own; asyncpg's is not seen either
        log.statements += 1
        if log.keep_texts:
            log.texts.append(statement)
            log.params.append(parameters)
        context.clientele_started = (
            time.perf_counter()
        )  # per statement: a request runs several at once


def _after_execute(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    log = current_log.get()
    started = getattr(context, "clientele_started", None)
    if log is not None and started is not None:
        log.seconds += time.perf_counter() - started
