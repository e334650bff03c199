"""No password, token secret or session cookie in the database or in any log line (issue 7, SPEC §8).

A real `clientele serve` logging everything (`CLIENTELE_LOG_LEVEL=DEBUG`, stdout and stderr to
a file) goes through the life of a user over HTTP: an admin made on the command line signs in
(after first trying to sign in over GET, which is refused but lands in the access log's URL),
creates a user, that user fails a login, signs in, makes an API token, uses the token and the
cookie for queries and a mutation, changes their password and signs out. Then every secret
used (raw, hex, base64, and as it looks in a URL) is searched for in the database (the SQLite
file with its -wal and -shm, or every row of every PostgreSQL table as text) and in the log.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

import httpx
import pytest
from sqlalchemy import text

from server.access.sessions import SESSION_COOKIE
from server.db.engine import Database
from tests.conftest import run_async
from tests.security.serving import BOTTOMLESS, clientele, emptied, served

ADMIN_EMAIL, USER_EMAIL = "root@example.com", "ann@example.com"
XRW = {"X-Requested-With": "XMLHttpRequest"}
LOGIN = """mutation ($email: String!, $password: String!) {
  login(email: $email, password: $password) { user { email role } userErrors { field message code } } }"""
CREATE_USER = """mutation ($input: UserInput!) {
  createUser(input: $input) { user { id email role } userErrors { field message code } } }"""
UPDATE_USER = """mutation ($id: ID!, $input: UserInput!) {
  updateUser(id: $id, input: $input) { user { email } userErrors { field message code } } }"""
CREATE_TOKEN = """mutation { createApiToken(name: "ERP sync", scopes: [READ, WRITE]) {
  apiToken { id name scopes } secret userErrors { field message code } } }"""
CREATE_CUSTOMER = """mutation ($name: String!) {
  createCustomer(input: {name: $name}) { customer { id name } userErrors { field message code } } }"""
READS = ["{ viewer { email role } }", "{ customers(first: 3) { totalCount edges { node { name } } } }",
         "{ apiTokens { name scopes revoked lastUsedAt } }"]


def _password() -> str:
    # spaces and punctuation, so that its URL, JSON and base64 forms all differ from it
    return f"Tr0ub4dor & {secrets.token_hex(6)} zebras!"


class Session:
    """Posts to `/graphql` as a bearer token, a session cookie, or nobody."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)

    def post(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None,
             cookie: str | None = None, status: int = 200) -> dict[str, Any]:
        headers = dict(XRW)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if cookie:
            headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert response.status_code == status, response.text
        return response.json()

    def ok(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        answer = self.post(query, variables, **kwargs)
        assert "errors" not in answer, answer["errors"]
        payload = next(iter(answer["data"].values()))
        assert not (isinstance(payload, dict) and payload.get("userErrors")), payload
        return answer["data"]

    def login(self, email: str, password: str) -> str:
        response = self.client.post("/graphql", json={"query": LOGIN, "variables": {"email": email, "password": password}},
                                    headers=XRW)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["login"]["userErrors"] == [], response.text
        return response.cookies[SESSION_COOKIE]


def life_of_a_user(base_url: str, admin_password: str, cli_token: str) -> list[str]:
    """Everything a user does, over HTTP; returns every secret that went over the wire."""
    api = Session(base_url)
    try:
        return _life(api, admin_password, cli_token)
    finally:
        api.client.close()


def _life(api: Session, admin_password: str, cli_token: str) -> list[str]:
    user_password, wrong_password, new_password = _password(), _password(), _password()
    unknown_token = "clt_" + secrets.token_urlsafe(32)
    # a login over GET, password in the URL (literal) and in `variables`: refused, never run
    literal = f'mutation {{ login(email: "{ADMIN_EMAIL}", password: "{admin_password}") {{ user {{ email }} }} }}'
    for params in ({"query": literal},
                   {"query": LOGIN, "variables": json.dumps({"email": ADMIN_EMAIL, "password": admin_password})}):
        refused = api.client.get("/graphql", params=params, headers=XRW)
        assert refused.status_code == 405, refused.text
    admin_cookie = api.login(ADMIN_EMAIL, admin_password)
    created = api.ok(CREATE_USER, {"input": {"email": USER_EMAIL, "name": "Ann Lee", "role": "MANAGER",
                                             "password": user_password}}, cookie=admin_cookie)
    user_id = created["createUser"]["user"]["id"]
    failed = api.post(LOGIN, {"email": USER_EMAIL, "password": wrong_password})
    assert failed["data"]["login"]["userErrors"][0]["code"] == "INVALID"
    user_cookie = api.login(USER_EMAIL, user_password)
    token = api.ok(CREATE_TOKEN, cookie=user_cookie)["createApiToken"]["secret"]
    for credentials in ({"token": token}, {"cookie": user_cookie}, {"token": cli_token}):
        for query in READS:
            api.ok(query, **credentials)
        api.ok(CREATE_CUSTOMER, {"name": f"Customer of {next(iter(credentials))}"}, **credentials)
    api.post(READS[1], token=unknown_token, status=401)  # not READS[0]: `viewer` is public
    api.ok(UPDATE_USER, {"id": user_id, "input": {"password": new_password}}, cookie=user_cookie)
    assert api.post("mutation { logout }", cookie=user_cookie)["data"] == {"logout": True}
    assert api.post("mutation { logout }", cookie=admin_cookie)["data"] == {"logout": True}
    api.post(READS[1], cookie=user_cookie, status=401)  # the cookie ended with the session
    return [admin_password, user_password, wrong_password, new_password, token, cli_token, unknown_token,
            admin_cookie, user_cookie]


def forms(secret: str) -> set[str]:
    """A secret as it may be written down: itself, hex, base64, URL-encoded, JSON-escaped."""
    raw = secret.encode()
    return {secret, raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode().rstrip("="), quote(secret, safe=""), quote_plus(secret),
            json.dumps(secret)[1:-1]}


def leaks(secrets_used: list[str], haystack: str) -> list[str]:
    """The secrets (shortened) found in the text, in any of their forms, also after URL-decoding it."""
    decoded = {haystack, unquote(haystack), unquote_plus(haystack)}
    return [f"{secret[:6]}… as {form[:12]}…" for secret in secrets_used for form in forms(secret)
            if any(form in text for text in decoded)]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a new SQLite file, or the test PostgreSQL database emptied."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'clientele.sqlite3'}"
        clientele("migrate", database_url=url)
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    run_async(emptied(url))
    yield url
    run_async(emptied(url))


async def every_row(url: str) -> str:
    """Every row of every table of the PostgreSQL database, as text (`SELECT t::text FROM t`)."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            tables = (await connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))).scalars().all()
            rows = [f"{table}: {row}" for table in tables
                    for row in (await connection.execute(text(f'SELECT t::text FROM "{table}" t'))).scalars()]
    finally:
        await database.dispose()
    assert any(row.startswith("users: ") for row in rows)
    return "\n".join(rows)


def sqlite_files(tmp_path: Path) -> str:
    """The SQLite database's files (the database, -wal, -shm), as text."""
    files = sorted(tmp_path.glob("clientele.sqlite3*"))
    assert files
    return "\n".join(path.read_bytes().decode("latin-1") for path in files)


def test_no_secret_in_the_database_or_the_log(database_url: str, tmp_path: Path) -> None:
    # given: an admin made on the command line, and a token made there
    admin_password = _password()
    clientele("create-user", "--email", ADMIN_EMAIL, "--name", "Root", "--role", "admin", "--password-stdin",
              database_url=database_url, stdin=admin_password + "\n")
    cli_token = clientele("create-token", "--email", ADMIN_EMAIL, "--name", "cli", "--scope", "read", "--scope",
                          "write", database_url=database_url).strip()
    log = tmp_path / "server.log"
    sqlite = database_url.startswith("sqlite")
    # when
    with served(database_url, log, **BOTTOMLESS, CLIENTELE_LOG_LEVEL="DEBUG") as server:
        used = life_of_a_user(server.base_url, admin_password, cli_token)
        stored_while_running = sqlite_files(tmp_path) if sqlite else ""  # the -wal goes at shutdown
    stored = stored_while_running + sqlite_files(tmp_path) if sqlite else run_async(every_row(database_url))
    logged = log.read_text(errors="replace")
    # then: the run is not vacuous, and nothing secret was kept
    assert re.search(r'"POST /graphql HTTP/1.1" 200', logged), logged[-3000:]
    assert re.search(r'"GET /graphql(\?\S*)? HTTP/1.1" 405', logged), logged[-3000:]  # the logins over GET
    assert "DEBUG" in logged
    assert all(leaks([value], stored) for value in (USER_EMAIL, "Customer of cookie"))  # the search works
    assert leaks(used, stored) == []
    assert leaks(used, logged) == [], _lines_with(used, logged)


def _lines_with(secrets_used: list[str], logged: str) -> str:
    return "\n".join(line[:300] for line in logged.splitlines() if leaks(secrets_used, line))
