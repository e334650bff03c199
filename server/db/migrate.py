"""Apply the Alembic migration history (the same one on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from server.db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"


class MigrationStopped(Exception):
    """A migration found data it cannot change on its own; the message says what a person must
    do. The migration's transaction is rolled back: the database stays as it was."""


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the database to `revision`; creates the SQLite file's folder when needed."""
    if database.is_sqlite and "///" in database.url:
        path = database.url.split("///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with database.write_engine.begin() as connection:
        await connection.run_sync(run)
