"""Bulk inserts for the bench seed: plain tuples, chunked, one transaction per batch.

Rows skip SQLAlchemy's per-row statement machinery but not its types: every value goes through
the column type's bind processor for the dialect (enums to names, dates and the aware UTC
datetimes to what SQLAlchemy itself would store), so the rows are exactly those a Core insert
writes. SQLite gets `executemany` on one connection with `synchronous=OFF` and a big page cache
for the load only; PostgreSQL gets COPY (`copy_records_to_table`), about twice as fast as
asyncpg's `executemany` here, inside transactions with `synchronous_commit` off.
"""

from __future__ import annotations

import operator
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.engine import Database

CHUNK_ROWS = 10_000
Processor = Callable[[Any], Any]  # a column type's bind processor
Plan = tuple[str, list[tuple[int, Processor]]]  # an INSERT and the processors of its columns
SQLITE_LOAD_PRAGMAS = {"synchronous": "OFF", "cache_size": "-262144"}  # 256 MiB of page cache


class BulkLoader:
    """One connection that inserts many rows fast; use `open` and `transaction`."""

    def __init__(self, database: Database, connection: AsyncConnection) -> None:
        self.database, self.connection = database, connection
        self.is_sqlite = database.is_sqlite
        self._plans: dict[tuple[str, tuple[str, ...]], Plan] = {}

    @classmethod
    @asynccontextmanager
    async def open(cls, database: Database) -> AsyncIterator[BulkLoader]:
        async with database.write_engine.connect() as connection:
            loader = cls(database, connection)
            if not loader.is_sqlite:
                yield loader
                return
            driver = await _driver(connection)
            before = {}
            for name, value in SQLITE_LOAD_PRAGMAS.items():
                cursor = await driver.execute(f"PRAGMA {name}")
                before[name] = (await cursor.fetchone())[0]
                await driver.execute(f"PRAGMA {name}={value}")
            try:
                yield loader
            finally:
                for name, value in before.items():
                    await driver.execute(f"PRAGMA {name}={value}")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite)."""
        async with self.connection.begin():
            if not self.is_sqlite:  # also makes the driver start the transaction before any COPY
                await self.connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield self.connection

    async def insert(
        self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert tuples whose values are in `columns` order, in chunks."""
        if not rows:
            return
        sql, processors = self._plan(table, tuple(columns))
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[start : start + CHUNK_ROWS]
            if processors:
                chunk = [_processed(row, processors) for row in chunk]
            if self.is_sqlite:
                await self.connection.exec_driver_sql(sql, chunk)
            else:
                driver = await _driver(self.connection)
                await driver.copy_records_to_table(table.name, records=chunk, columns=list(columns))

    async def insert_dicts(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert dicts that name every column of the table (no defaults are filled in)."""
        if not rows:
            return
        columns = tuple(column.name for column in table.columns)
        if set(rows[0]) != set(columns):
            raise ValueError(
                f"{table.name} rows must name exactly its columns; "
                f"missing {set(columns) - set(rows[0])}, unknown {set(rows[0]) - set(columns)}"
            )
        pick = operator.itemgetter(*columns)
        await self.insert(table, columns, [pick(row) for row in rows])

    def _plan(self, table: Table, columns: tuple[str, ...]) -> Plan:
        key = (table.name, columns)
        plan = self._plans.get(key)
        if plan is None:
            dialect = self.connection.dialect
            processors: list[tuple[int, Processor]] = []
            for index, name in enumerate(columns):
                column_type = table.c[name].type
                processor = column_type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    processors.append((index, processor))
            quote = dialect.identifier_preparer.quote
            sql = (
                f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            plan = self._plans[key] = (sql, processors)
        return plan

    async def driver(self) -> Any:
        """The driver's own connection (aiosqlite's or asyncpg's) under the loader's."""
        return await _driver(self.connection)


async def _driver(connection: AsyncConnection) -> Any:
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None:
        raise RuntimeError("the database connection is closed")
    return driver


def _processed(row: Sequence[Any], processors: list[tuple[int, Processor]]) -> tuple[Any, ...]:
    values = list(row)
    for index, processor in processors:
        values[index] = processor(values[index])
    return tuple(values)
