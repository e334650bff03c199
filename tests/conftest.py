"""Real databases and the real HTTP app for every test.

Every database test runs on SQLite and, when CLIENTELE_TEST_POSTGRES_URL names a server, on
PostgreSQL too. SQLite tests copy a migrated template file; PostgreSQL tests share one migrated
database that is emptied between tests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from server.access import service as access
from server.access.commands import UserFields
from server.access.models import Role, TokenScope
from server.access.policy import SYSTEM
from server.app import create_app
from server.config import Settings
from schema.fastpath import prepared
from server.db.engine import Database
from server.db.migrate import upgrade
from server.models import Base

# Every read the tests make without SQLAlchemy's execution (schema/fastpath/prepared.py) is run through
# SQLAlchemy too and must read the same records.
prepared.VERIFY = True

POSTGRES_SKIP = "PostgreSQL tests skipped: set CLIENTELE_TEST_POSTGRES_URL (./.ci/run does) to run them"
KEEP_TABLES = {"alembic_version", "payment_terms", "sequences"}


def pytest_report_header(config: pytest.Config) -> str:
    return f"postgresql: {POSTGRES_URL}" if POSTGRES_URL else POSTGRES_SKIP


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not POSTGRES_URL:
        terminalreporter.write_line(POSTGRES_SKIP)


def run_async(coroutine: Any) -> Any:
    """Runs a coroutine to completion on a loop of its own (for session set-up outside the test loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _worker_url(url: str | None) -> str | None:
    """Each pytest-xdist worker gets a PostgreSQL database of its own beside the one named
    (`clientele_test` → `clientele_test_gw0`), made when missing: the tests empty it between them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base, _, name = url.rpartition("/")
    run_async(beside(url, f"{name}_{worker}"))
    os.environ["CLIENTELE_TEST_POSTGRES_URL"] = f"{base}/{name}_{worker}"
    return f"{base}/{name}_{worker}"


async def beside(url: str, own: str) -> str:
    """The URL of the PostgreSQL database `own` on the server of `url`, made when missing."""
    import asyncpg  # only the PostgreSQL runs need it

    base, _, name = url.rpartition("/")
    connection = await asyncpg.connect(f"{base.replace('postgresql+asyncpg://', 'postgresql://')}/{name}")
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", own):
            await connection.execute(f'CREATE DATABASE "{own}"')
    finally:
        await connection.close()
    return f"{base}/{own}"


POSTGRES_URL = _worker_url(os.environ.get("CLIENTELE_TEST_POSTGRES_URL"))


async def migrated(url: str, *, fresh_schema: bool = False, revision: str = "head") -> None:
    """Brings the database at `url` to `revision`; with `fresh_schema`, a PostgreSQL database
    from nothing."""
    database = Database(url)
    if fresh_schema:
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(database, revision)
    await database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    run_async(migrated(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    run_async(migrated(POSTGRES_URL, fresh_schema=True))
    return POSTGRES_URL


async def _empty(database: Database) -> None:
    """Deletes every row a test may have written (DELETE is far quicker than TRUNCATE on small
    tables), restarts the id sequences, and sets the document numbers back to zero."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    async with database.engine.begin() as connection:
        for table in tables:
            await connection.execute(table.delete())
        for table in tables:
            if "id" in table.c:
                await connection.execute(text(f"ALTER SEQUENCE IF EXISTS {table.name}_id_seq RESTART"))
        await connection.execute(text("UPDATE sequences SET last_value = 0"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "clientele.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    if not database.is_sqlite:
        await _empty(database)
    yield database
    await database.dispose()


@dataclass
class Api:
    """The HTTP app with a signed-in admin; `gql` posts a document and returns the JSON answer."""

    client: httpx.AsyncClient
    token: str
    database: Database

    async def post(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = "admin",
                   **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {self.token if token == 'admin' else token}"
        return await self.client.post("/graphql", json={"query": query, "variables": variables or {}},
                                      headers=headers, **kwargs)

    async def gql(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        response = await self.post(query, variables, **kwargs)
        return response.json()

    async def ok(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """The data of an answer that must have no errors."""
        answer = await self.gql(query, variables, **kwargs)
        assert "errors" not in answer, answer["errors"]
        return answer["data"]

    async def count(self, query: str, variables: dict[str, Any] | None = None) -> int:
        """The SQL statements the request ran."""
        answer = await self.gql(query, variables)
        assert "errors" not in answer, answer["errors"]
        return answer["extensions"]["sql"]["statements"]


def settings_for(database: Database, **overrides: Any) -> Settings:
    """Every query of the suite runs on the lean executor and on graphql-core, and must agree."""
    return Settings(database_url=database.url, debug_sql=True, lean_check=True, **overrides)


async def make_token(database: Database, role: Role = Role.ADMIN, email: str = "admin@example.com",
                     scopes: tuple[TokenScope, ...] = (TokenScope.READ, TokenScope.WRITE)) -> str:
    async with database.write_session() as session:
        await access.create_user(session, fields=UserFields(email=email, name=email.split("@")[0].title(), role=role), actor=SYSTEM)
    async with database.write_session() as session:
        _token, secret = await access.create_token(session, email=email, name="tests", scopes=scopes)
    return secret


@pytest.fixture
async def api(database: Database) -> AsyncIterator[Api]:
    app = create_app(settings_for(database), database)
    token = await make_token(database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, token, database)
