"""The fast path's self-check (schema/fastpath/selfcheck.py): with a private name it uses gone, the
app still starts, says so once, and answers every query on the standard path, the same answers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import aiodataloader
import aiosqlite
import httpx
import pytest
from graphql.execution import values
from sqlalchemy.connectors import asyncio as adapter
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection
from strawberry.types import arguments

from schema.fastpath import prepared, selfcheck
from schema.fastpath.sqlite_driver import OneCallConnection
from server.app import create_app
from server.db.engine import Database
from tests import factories
from tests.conftest import make_token, settings_for

# A customer's screen: figures, a nested page, and order lines (which the database writes as JSON
# on the fast path).
SCREEN = """query Screen($number: String!) {
  customer(number: $number) {
    number name lifetimeValue { amount currency }
    orders(first: 5) { edges { node { number lines { code quantity unitPrice { amount } } } } }
  }
}"""


@pytest.fixture
def probe_again() -> Iterator[None]:
    """The check probes again in this test, and again after it (the names are back by then)."""
    selfcheck.forget()
    yield
    selfcheck.forget()


def test_selfcheck__every_name_there_with_the_pinned_versions(probe_again: None) -> None:
    assert selfcheck.missing() == []
    assert selfcheck.check() and selfcheck.ON


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        (aiosqlite.Connection, "_execute"),
        (aiosqlite.Connection, "_conn"),
        (adapter.AsyncAdapt_dbapi_cursor, "_execute_async"),
        (adapter.AsyncAdapt_dbapi_cursor, "_make_new_cursor"),
        (adapter.AsyncAdapt_dbapi_connection, "_handle_exception"),
        (arguments, "convert_arguments"),
        (values, "get_argument_values"),
        (aiodataloader, "dispatch_queue"),
        (aiodataloader.DataLoader, "do_resolve_reject"),
    ],
)
def test_selfcheck__names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, probe_again: None, owner: Any, name: str
) -> None:
    # given
    monkeypatch.delattr(owner, name)
    # when
    gone = selfcheck.missing()
    # then
    assert len(gone) == 1 and gone[0].endswith(f".{name}"), gone


@pytest.mark.parametrize(
    ("owner", "name"), [(arguments, "convert_arguments"), (values, "get_argument_values")]
)
async def test_selfcheck__name_missing__served_on_the_standard_path(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    probe_again: None,
    owner: Any,
    name: str,
) -> None:
    # given: a customer with an order, and its screen as the fast path answers it
    customer = await factories.customer(database, "Acme Supply")
    await factories.order(database, customer.id, "12.50", "0.99")
    fast = await screen(database, customer.number)
    assert fast["extensions"]["executor"] == "lean"
    # when: the name is gone at start-up
    monkeypatch.delattr(owner, name)
    selfcheck.forget()
    with caplog.at_level(logging.WARNING, logger="clientele.fastpath"):
        standard = await screen(database, customer.number, requests=3)
    # then: one warning naming it, the standard executor and SQLAlchemy's own driver, same answer
    warnings = [r for r in caplog.records if r.name == "clientele.fastpath"]
    assert len(warnings) == 1 and name in warnings[0].getMessage(), caplog.text
    assert not selfcheck.ON
    assert standard["extensions"]["executor"] == "standard"
    assert "fallback" not in standard["extensions"]
    assert standard["data"] == fast["data"]


async def test_selfcheck__name_missing__sqlalchemy_runs_every_statement(
    database: Database, monkeypatch: pytest.MonkeyPatch, probe_again: None
) -> None:
    # given
    monkeypatch.delattr(values, "get_argument_values")
    selfcheck.forget()
    # when
    standard = Database(database.url)
    try:
        async with standard.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            # then: SQLAlchemy's aiosqlite adapter, and no prepared reads, on SQLite
            if standard.is_sqlite:
                assert type(raw.dbapi_connection) is AsyncAdapt_aiosqlite_connection
                assert type(raw.dbapi_connection) is not OneCallConnection
                assert prepared.sqlite_driver(raw.driver_connection) is None
    finally:
        await standard.dispose()


async def screen(database: Database, number: str, requests: int = 1) -> dict[str, Any]:
    """The customer's screen from an app started now on its own engine (which runs the check)."""
    own = Database(database.url)
    try:
        app = create_app(settings_for(own), own)
        token = await make_token(own, email=f"staff{id(app)}@example.com")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for _ in range(requests):
                response = await client.post(
                    "/graphql",
                    json={"query": SCREEN, "variables": {"number": number}},
                    headers={"Authorization": f"Bearer {token}"},
                )
                answer = response.json()
                assert "errors" not in answer, answer["errors"]
        return answer  # type: ignore[no-any-return]
    finally:
        await own.dispose()
