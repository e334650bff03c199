"""What the session and token tests share: users with passwords, browsers over the real app,
and a look at every stored value."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import select, update

from server.access import service as access
from server.access.commands import UserFields
from server.access.models import Role, WebSession
from server.access.policy import SYSTEM
from server.access.sessions import SESSION_COOKIE
from server.app import create_app
from server.db.base import now
from server.db.engine import Database
from server.models import Base
from tests.conftest import settings_for

PASSWORD = "correct horse battery"
XRW = {"X-Requested-With": "XMLHttpRequest"}
LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { user { email role } userErrors { field message code } }
}"""
VIEWER = "{ viewer { email } }"


async def add_user(database: Database, email: str, role: Role = Role.MANAGER, password: str | None = PASSWORD) -> None:
    async with database.write_session() as session:
        await access.create_user(session, fields=UserFields(email=email, name=email.split("@")[0].title(), role=role, password=password), actor=SYSTEM)


@asynccontextmanager
async def browser(database: Database, base_url: str = "http://testserver", **settings: Any
                  ) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client with a cookie jar over the real app."""
    app = create_app(settings_for(database, **settings), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
        yield client


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {})


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD,
                headers: dict[str, str] | None = None) -> httpx.Response:
    return await post(client, LOGIN, {"email": email, "password": password}, XRW if headers is None else headers)


async def signed_in(client: httpx.AsyncClient, email: str) -> str:
    """Logs in and returns the session cookie's value."""
    response = await login(client, email)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["login"]["userErrors"] == []
    return response.cookies[SESSION_COOKIE]


def cookie_header(secret: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={secret}"}


def without_timings(answer: dict[str, Any]) -> dict[str, Any]:
    answer.get("extensions", {}).get("sql", {}).pop("durationMs", None)
    return answer


async def every_value(database: Database) -> list[str]:
    """Every value of every row of every table, as text."""
    values = []
    async with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                values += [str(v) for v in row]
    return values


async def age_sessions(database: Database, minutes: float) -> None:
    """Makes every session look last used `minutes` ago."""
    async with database.engine.begin() as connection:
        await connection.execute(update(WebSession).values(last_seen_at=now() - dt.timedelta(minutes=minutes)))
