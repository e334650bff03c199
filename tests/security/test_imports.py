"""The import's refusal of a session cookie without X-Requested-With, as /graphql refuses it, and
the downloads that take the cookie alone (issue 15, item 8), from a real server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.access import service as access
from server.access.models import Role, TokenScope
from server.access.sessions import SESSION_COOKIE
from server.db.engine import Database
from tests.bench.processes import Server
from tests.conftest import run_async
from tests.security.serving import BOTTOMLESS, emptied, served

PASSWORD = "a long enough password"


async def _admin(url: str) -> str:
    """An admin with a password, and a read and write token of theirs (its secret)."""
    database = Database(url)
    try:
        async with database.write_session() as session:
            await access.create_user(session, email="root@example.com", name="Root", role=Role.ADMIN,
                                     password=PASSWORD)
        async with database.write_session() as session:
            _token, secret = await access.create_token(session, email="root@example.com", name="tests",
                                                       scopes=(TokenScope.READ, TokenScope.WRITE))
        return secret
    finally:
        await database.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served_imports(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                   sqlite_template: Path) -> Iterator[tuple[Server, str, str]]:
    """A server on a migrated database with an admin who has a password and a token: (server,
    token, session cookie)."""
    tmp_path = tmp_path_factory.mktemp("imports")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'clientele.sqlite3'}"
        shutil.copy(sqlite_template, tmp_path / "clientele.sqlite3")
    else:
        url = request.getfixturevalue("postgres_url")
        run_async(emptied(url))
    token = run_async(_admin(url))
    try:
        with served(url, tmp_path / "server.log", **BOTTOMLESS) as server:
            login = httpx.post(f"{server.base_url}/graphql", headers={"X-Requested-With": "test"}, json={
                "query": "mutation ($p: String!) { login(email: \"root@example.com\", password: $p) "
                         "{ userErrors { message } } }", "variables": {"p": PASSWORD}})
            assert login.json()["data"]["login"]["userErrors"] == [], login.text
            yield server, token, login.cookies[SESSION_COOKIE]
    finally:
        if request.param == "postgresql":
            run_async(emptied(url))


def customers(server: Server, token: str) -> int:
    answer = httpx.post(f"{server.base_url}/graphql", json={"query": "{ customers { totalCount } }"},
                        headers={"Authorization": f"Bearer {token}"})
    return answer.json()["data"]["customers"]["totalCount"]


def test_session_cookie_without_requested_with__refused_403_like_graphql(
        served_imports: tuple[Server, str, str]) -> None:
    # given
    server, token, cookie = served_imports
    cookies = {SESSION_COOKIE: cookie}
    body = b"number,name\r\nK-1,Cookie Ltd\r\n"
    before = customers(server, token)
    # when
    refused = httpx.post(f"{server.base_url}/import/customers", content=body, cookies=cookies,
                         headers={"Content-Type": "text/csv"})
    graphql = httpx.post(f"{server.base_url}/graphql", json={"query": "{ viewer { email } }"}, cookies=cookies)
    # then: the same status as /graphql, and nothing imported
    assert (refused.status_code, graphql.status_code) == (403, 403), refused.text
    assert "X-Requested-With" in refused.json()["error"]
    assert "www-authenticate" not in refused.headers
    assert customers(server, token) == before
    # and with the header the cookie is enough
    allowed = httpx.post(f"{server.base_url}/import/customers?dryRun=true", content=body, cookies=cookies,
                         headers={"Content-Type": "text/csv", "X-Requested-With": "test"})
    assert allowed.status_code == 200 and allowed.json()["created"] == 1, allowed.text


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_file_downloads_take_the_cookie_alone(served_imports: tuple[Server, str, str], method: str) -> None:
    # given: a download link, which cannot send X-Requested-With
    server, _token, cookie = served_imports
    cookies = {SESSION_COOKIE: cookie}
    # when
    export = httpx.request(method, f"{server.base_url}/export/customers.csv", cookies=cookies)
    reminder = httpx.request(method, f"{server.base_url}/reminders/Tm90ZTow.ics", cookies=cookies)
    # then: the cookie signs them in, whatever the method
    assert export.status_code == 200, export.text
    assert reminder.status_code == 404, reminder.text

