"""What every bulk seed does after writing rows with explicit ids and numbers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.sequences import FORMATS, Sequence


async def set_sequences(connection: AsyncConnection, last_values: dict[str, int]) -> None:
    """Every number sequence continues after the last number used so far."""
    values = {name: last_values.get(name, 0) for name in FORMATS}
    await connection.execute(delete(Sequence).where(Sequence.name.in_(list(values))))
    await connection.execute(
        insert(Sequence), [{"name": n, "last_value": v} for n, v in values.items()]
    )


async def advance_ids(connection: AsyncConnection, models: tuple[type[Any], ...]) -> None:
    """PostgreSQL: move each table's id sequence past the ids written, so that rows the app adds
    later get fresh ids (SQLite's INTEGER PRIMARY KEY takes max(id) + 1 by itself)."""
    if connection.dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
            )
        )
