"""The request's read connection: opened on first use, one statement at a time.

Loaders of one request dispatch concurrently; an `AsyncConnection` takes one statement at a
time, so they queue on a lock. Reads use Core rows (tuples with attribute access), not ORM
objects: a page of figures needs no identity map.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable, Row
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.engine import Database


class Reader:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._connection: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    async def rows(self, statement: Executable) -> Sequence[Row[Any]]:
        async with self._lock:
            if self._connection is None:
                self._connection = await self.database.engine.connect()
            result = await self._connection.execute(statement)
            return result.all()

    async def scalar(self, statement: Executable) -> Any:
        rows = await self.rows(statement)
        return rows[0][0] if rows else None

    async def end(self) -> None:
        """Ends the read transaction, so that what a write committed since is seen next."""
        async with self._lock:
            if self._connection is not None:
                await self._connection.close()
                self._connection = None
