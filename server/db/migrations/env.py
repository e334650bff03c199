"""Alembic environment: runs on the connection handed over by server.db.migrate, or on the URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from server.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    from server.db.engine import Database

    async def run() -> None:
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("no sqlalchemy.url: pass the database URL in the Alembic config")
        database = Database(url)
        async with database.write_engine.begin() as conn:
            await conn.run_sync(run_on)
        await database.dispose()

    asyncio.run(run())


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_online()
