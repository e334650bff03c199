"""Two `clientele serve` processes on one PostgreSQL database share one login throttle and the
sessions: what one process records, the other enforces."""

from __future__ import annotations

import asyncio

import httpx

from server.db.engine import Database
from server.access.sessions import SESSION_COOKIE
from tests.access.web import LOGIN, PASSWORD, XRW, add_user, cookie_header
from tests.bench.processes import Server
from tests.limits.servers import two_servers
from tests.conftest import _empty


def _login(server: Server, email: str, password: str, client: httpx.Client | None = None) -> httpx.Response:
    send = client.post if client is not None else httpx.post
    return send(f"{server.base_url}/graphql", json={"query": LOGIN, "variables": {"email": email, "password": password}},
                headers=XRW, timeout=30.0)


def _errors(response: httpx.Response) -> list:
    assert response.status_code == 200, response.text
    return response.json()["data"]["login"]["userErrors"]


async def _users(url: str) -> None:
    database = Database(url)
    try:
        await _empty(database)
        await add_user(database, "ann@example.com")
        await add_user(database, "bob@example.com")
    finally:
        await database.dispose()


async def test_two_servers_share_one_throttle_and_the_sessions(postgres_url):
    # given: two servers on one database
    await _users(postgres_url)
    with two_servers(postgres_url) as (a, b):
        # when: ten failures through A
        for _ in range(10):
            assert _errors(await asyncio.to_thread(_login, a, "ann@example.com", "not the password"))
        # then: B refuses the right password, and still lets another email in
        assert _errors(await asyncio.to_thread(_login, b, "ann@example.com", PASSWORD))[0]["code"] == "INVALID"
        assert _errors(await asyncio.to_thread(_login, b, "bob@example.com", PASSWORD)) == []
        # and a session made on B signs in on A, and a logout on A ends it on B
        with httpx.Client() as browser:
            await asyncio.to_thread(_login, b, "bob@example.com", PASSWORD, browser)
            viewer = {"json": {"query": "{ viewer { email } }"}, "headers": XRW}
            on_a = await asyncio.to_thread(browser.post, f"{a.base_url}/graphql", **viewer)
            replay = {"json": viewer["json"], "headers": {**XRW, **cookie_header(browser.cookies[SESSION_COOKIE])}}
            before = await asyncio.to_thread(httpx.post, f"{b.base_url}/graphql", **replay)
            await asyncio.to_thread(browser.post, f"{a.base_url}/graphql", json={"query": "mutation { logout }"},
                                    headers=XRW)
            after = await asyncio.to_thread(httpx.post, f"{b.base_url}/graphql", **replay)
        assert on_a.json()["data"] == before.json()["data"] == {"viewer": {"email": "bob@example.com"}}
        assert (after.status_code, after.json()["data"]) == (200, {"viewer": None})
        # and neither server logged a password or the session's secret
        secret = replay["headers"]["Cookie"].split("=", 1)[1]
        for server in (a, b):
            logged = server.log_path.read_text(errors="replace")
            assert PASSWORD not in logged and "not the password" not in logged and secret not in logged
