"""Run the very statements a request ran, with its parameters, straight on the driver: the SQL floor.

The server reports them in `extensions.sql.captured` (with `CLIENTELE_BENCH_CAPTURE=1`) as
`[[sql, params], ...]`, in the driver's own paramstyle (`?` on SQLite, `$1` on asyncpg), with
dates, times, decimals and bytes tagged `{"$": type, "v": text}` so that they come back as the
same Python values here.

Each replay times every statement from sending it until its last row is fetched (`run`
returns those times; their sum is the request's SQL time). On SQLite that is done twice: with the `sqlite3` module (the engine alone, no thread
hops: the floor) and with `aiosqlite` (the driver the server uses, one thread hop per call).
On PostgreSQL it is asyncpg, the server's driver, inside one transaction as the server reads.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from server.db.engine import POSTGRES_SESSION

Statement = tuple[str, Any]

_TYPES: dict[str, Any] = {
    "date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat, "time": dt.time.fromisoformat,
    "Decimal": Decimal, "bytes": bytes.fromhex,
}


def untag(value: Any) -> Any:
    """The Python value of one tagged parameter (see server/http/graphql.py `_tagged`)."""
    if isinstance(value, list):
        return [untag(v) for v in value]
    if isinstance(value, dict):
        kind, raw = value["$"], value["v"]
        if kind == "dict":
            return {k: untag(v) for k, v in raw.items()}
        if kind not in _TYPES:
            raise ValueError(f"cannot replay a parameter of type {kind}")
        return _TYPES[kind](raw)
    return value


def statements(captured: list[list[Any]]) -> list[Statement]:
    """(sql, params) pairs ready for a DBAPI cursor: positional params as a tuple."""
    result = []
    for sql, params in captured:
        params = untag(params)
        result.append((sql, tuple(params) if isinstance(params, list) else (params if params is not None else ())))
    return result


def is_begin(sql: str) -> bool:
    return sql.lstrip().upper().startswith("BEGIN")


class SqliteReplay:
    """The `sqlite3` module on the same file, set up as the server's connections are."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            self.connection.execute(f"PRAGMA {pragma}")

    def run(self, batch: list[Statement]) -> list[float]:
        times = []
        for sql, params in batch:
            started = time.perf_counter()
            self.connection.execute(sql, params).fetchall()
            times.append(time.perf_counter() - started)
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")
        return times

    def explain(self, sql: str, params: Any) -> list[str]:
        rows = self.connection.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        depth: dict[int, int] = {0: 0}
        lines = []
        for node, parent, _unused, detail in rows:
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * (depth[node] - 1) + detail)
        return lines

    def close(self) -> None:
        self.connection.close()


class AiosqliteReplay:
    """aiosqlite on the same file: what the server's driver costs on top of the engine."""

    def __init__(self, path: Path) -> None:
        self.path, self.connection = path, None

    async def open(self) -> AiosqliteReplay:
        import aiosqlite

        self.connection = await aiosqlite.connect(self.path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            await self.connection.execute(f"PRAGMA {pragma}")
        return self

    async def run(self, batch: list[Statement]) -> list[float]:
        assert self.connection is not None
        times = []
        for sql, params in batch:
            started = time.perf_counter()
            cursor = await self.connection.execute(sql, params)
            await cursor.fetchall()
            await cursor.close()
            times.append(time.perf_counter() - started)
        if self.connection.in_transaction:
            await self.connection.execute("ROLLBACK")
        return times

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()


class AsyncpgReplay:
    """asyncpg on the same database; each replay in one transaction, as the server's reads are."""

    def __init__(self, url: str) -> None:
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.connection: Any = None

    async def open(self) -> AsyncpgReplay:
        import asyncpg

        # The server's session settings, so that the replay plans as the server does.
        self.connection = await asyncpg.connect(self.dsn, server_settings=POSTGRES_SESSION)
        return self

    async def run(self, batch: list[Statement]) -> list[float]:
        times = []
        async with self.connection.transaction():
            for sql, params in batch:
                started = time.perf_counter()
                await self.connection.fetch(sql, *params)
                times.append(time.perf_counter() - started)
        return times

    async def explain(self, sql: str, params: Any) -> list[str]:
        rows = await self.connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)
        return [row[0] for row in rows]

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
