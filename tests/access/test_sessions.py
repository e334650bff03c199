"""Web sessions through real HTTP: the cookie, X-Requested-With, logout and idle expiry."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from sqlalchemy import func, select, update

from server.access.models import LoginFailure, User, WebSession
from server.access.sessions import SESSION_COOKIE
from server.customers.models import Customer
from server.db.engine import Database
from tests.access.web import (PASSWORD, VIEWER, XRW, add_user, age_sessions, browser, cookie_header, every_value,
                              login, post, signed_in)

CREATE_CUSTOMER = """mutation { createCustomer(input: {name: "Acme"}) { customer { name } userErrors { code } } }"""


async def _count(database: Database, model: type) -> int:
    async with database.read_session() as session:
        return await session.scalar(select(func.count()).select_from(model))


def _set_cookie(response) -> str:
    [header] = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    return header


async def test_login__sets_an_http_only_lax_cookie(database):
    # given
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        # when
        response = await login(client, "Ann@Example.com ")
        # then
        assert response.status_code == 200
        assert response.json()["data"]["login"] == {"user": {"email": "ann@example.com", "role": "MANAGER"},
                                                    "userErrors": []}
        header = _set_cookie(response)
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
        assert header.startswith(f"{SESSION_COOKIE}=")
        assert {"httponly", "path", "samesite"} <= attributes and "secure" not in attributes
        assert "samesite=lax" in header.lower() and "path=/" in header.lower()
        assert (await post(client, VIEWER, headers=XRW)).json()["data"] == {"viewer": {"email": "ann@example.com"}}


async def test_login__cookie_is_secure_over_https(database):
    await add_user(database, "ann@example.com")
    async with browser(database, "https://testserver") as client:
        response = await login(client, "ann@example.com")
        assert "; secure" in _set_cookie(response).lower()
        assert (await post(client, VIEWER, headers=XRW)).json()["data"] == {"viewer": {"email": "ann@example.com"}}


async def test_login__secure_behind_a_trusted_proxy_only(database):
    # given: the test transport's client address is 127.0.0.1
    await add_user(database, "ann@example.com")
    forwarded = {**XRW, "X-Forwarded-Proto": "https"}
    # when
    async with browser(database, trusted_proxies=("127.0.0.0/8",)) as client:
        trusted = _set_cookie(await login(client, "ann@example.com", headers=forwarded))
    async with browser(database, trusted_proxies=("*",)) as client:
        anyone = _set_cookie(await login(client, "ann@example.com", headers=forwarded))
    async with browser(database, trusted_proxies=("10.0.0.1",)) as client:
        untrusted = _set_cookie(await login(client, "ann@example.com", headers=forwarded))
    # then
    assert "; secure" in trusted.lower() and "; secure" in anyone.lower()
    assert "secure" not in untrusted.lower()


async def test_login__without_requested_with_is_refused(database):
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        response = await login(client, "ann@example.com", headers={})
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "set-cookie" not in response.headers
    assert await _count(database, WebSession) == 0
    assert await _count(database, LoginFailure) == 0


async def test_cookie_without_requested_with__403_and_nothing_runs(database):
    # given
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        async with database.read_session() as session:
            seen = await session.scalar(select(WebSession.last_seen_at))
        # when
        write = await post(client, CREATE_CUSTOMER)
        read = await post(client, VIEWER)
        # then
        for response in (write, read):
            assert response.status_code == 403
            assert response.json() == {"errors": [{"message": "a request signed in by the session cookie must "
                                                   "carry the header X-Requested-With",
                                                   "extensions": {"code": "FORBIDDEN"}}]}
    assert await _count(database, Customer) == 0
    async with database.read_session() as session:
        assert await session.scalar(select(WebSession.last_seen_at)) == seen


async def test_cookie_alone__downloads_an_export_but_reads_no_graphql(database):
    # given: a signed-in browser following a plain link, which cannot add headers
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        # when
        export = await client.get("/export/customers.csv")
        graphql = await client.get("/graphql", params={"query": VIEWER})
        imported = await client.post("/import/customers", files={"file": ("c.csv", b"name\nAcme\n", "text/csv")})
    # then: a file comes; GraphQL and the import (which writes) still need the header
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert graphql.status_code == 403
    assert imported.status_code in (401, 403)
    assert await _count(database, Customer) == 0


async def test_cookie_with_requested_with__runs_mutations(database):
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        response = await post(client, CREATE_CUSTOMER, headers=XRW)
        assert response.json()["data"]["createCustomer"] == {"customer": {"name": "Acme"}, "userErrors": []}
    assert await _count(database, Customer) == 1


async def test_cross_site_requests_are_refused(database):
    # given: what a page on another site can make a browser send with the cookie
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        secret = await signed_in(client, "ann@example.com")
        client.cookies.clear()
        body = f'{{"query": "{CREATE_CUSTOMER.replace(chr(34), chr(92) + chr(34))}"}}'
        origin = {"Origin": "https://evil.example", **cookie_header(secret)}
        # when
        form = await client.post("/graphql", content=f"query={CREATE_CUSTOMER}",
                                 headers={**origin, "Content-Type": "text/plain"})
        urlencoded = await client.post("/graphql", content="query=mutation%7Blogout%7D",
                                       headers={**origin, "Content-Type": "application/x-www-form-urlencoded"})
        script = await client.post("/graphql", content=body, headers={**origin, "Content-Type": "application/json"})
        # then
        assert form.status_code == 415 and urlencoded.status_code == 415
        assert script.status_code == 403
        assert script.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert (await post(client, VIEWER, headers={**XRW, **cookie_header(secret)})).status_code == 200
    assert await _count(database, Customer) == 0
    async with database.read_session() as session:
        assert await session.scalar(select(WebSession.ended_at)) is None


async def test_get_never_runs_a_mutation(database):
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        logout = await client.get("/graphql", params={"query": "mutation { logout }"}, headers=XRW)
        create = await client.get("/graphql", params={"query": CREATE_CUSTOMER}, headers=XRW)
        assert logout.status_code == create.status_code == 405
        assert logout.headers["allow"] == "POST"
        assert (await client.get("/graphql", params={"query": VIEWER}, headers=XRW)).json()["data"] == {
            "viewer": {"email": "ann@example.com"}}
    assert await _count(database, Customer) == 0
    async with database.read_session() as session:
        assert await session.scalar(select(WebSession.ended_at)) is None


async def test_logout__ends_the_session_and_the_old_cookie_fails(database):
    # given
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        secret = await signed_in(client, "ann@example.com")
        # when
        response = await post(client, "mutation { logout }", headers=XRW)
        # then
        assert response.json()["data"] == {"logout": True}
        cleared = _set_cookie(response).lower()
        assert cleared.startswith(f'{SESSION_COOKIE}="";') and "max-age=0" in cleared and "httponly" in cleared
        assert SESSION_COOKIE not in client.cookies
        replayed = await post(client, VIEWER, headers={**XRW, **cookie_header(secret)})
        assert (replayed.status_code, replayed.json()["data"]) == (200, {"viewer": None})  # signed out: no error
        refused = await post(client, "{ apiTokens { name } }", headers={**XRW, **cookie_header(secret)})
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        # a stale cookie does not break what is public, with or without the header
        for headers in (cookie_header(secret), {**XRW, **cookie_header(secret)}):
            public = await post(client, "{ serverInfo { baseCurrency } }", headers=headers)
            assert public.json()["data"] == {"serverInfo": {"baseCurrency": "USD"}}
    async with database.read_session() as session:
        assert await session.scalar(select(WebSession.ended_at)) is not None


async def test_session_expires_after_the_idle_time(database):
    # given
    await add_user(database, "ann@example.com")
    async with browser(database, session_idle_minutes=30) as client:
        await signed_in(client, "ann@example.com")
        # when: used 29 minutes ago, it still works and counts as used now
        await age_sessions(database, 29)
        fresh = await post(client, VIEWER, headers=XRW)
        async with database.read_session() as session:
            touched = await session.scalar(select(WebSession.last_seen_at))
        again = await post(client, VIEWER, headers=XRW)
        async with database.read_session() as session:
            not_touched_again = await session.scalar(select(WebSession.last_seen_at))
        # when: unused for 31 minutes, it no longer signs in
        await age_sessions(database, 31)
        idle = await post(client, VIEWER, headers=XRW)
    # then
    assert fresh.json()["data"] == again.json()["data"] == {"viewer": {"email": "ann@example.com"}}
    assert touched == not_touched_again  # written at most once a minute
    assert (idle.status_code, idle.json()["data"]) == (200, {"viewer": None})


async def test_session_of_an_inactive_user_no_longer_signs_in(database):
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        async with database.write_session() as session, session.begin():
            await session.execute(update(User).values(active=False))
        assert (await post(client, VIEWER, headers=XRW)).json()["data"] == {"viewer": None}


async def test_bearer_token_wins_over_the_cookie(database, api):
    # given: a signed-in browser that also sends the admin's token, without X-Requested-With
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        response = await post(client, VIEWER, headers={"Authorization": f"Bearer {api.token}"})
        assert response.json()["data"] == {"viewer": {"email": "admin@example.com"}}


async def test_no_secret_is_stored_or_logged(database, caplog):
    # given: a sign-in, a failed one, a token made and used, a logout
    caplog.set_level(logging.DEBUG)
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        secret = await signed_in(client, "ann@example.com")
        await login(client, "ann@example.com", "a wrong password")
        made = await post(client, 'mutation { createApiToken(name: "t", scopes: [WRITE]) { secret } }', headers=XRW)
        token = made.json()["data"]["createApiToken"]["secret"]
        await post(client, VIEWER, headers={"Authorization": f"Bearer {token}"})
        await post(client, "mutation { logout }", headers=XRW)
        # when
        values = await every_value(database)
    # then
    secrets = (secret, token, PASSWORD, "a wrong password")
    stored = " ".join(values)
    assert not [s for s in secrets if s in stored]
    assert not [s for s in secrets if s in caplog.text]
    assert hashlib.sha256(secret.encode()).hexdigest() in values
    assert hashlib.sha256(token.encode()).hexdigest() in values
    assert hashlib.sha256(b"ann@example.com").hexdigest() in values  # the failure's key
    if database.is_sqlite:
        path = database.url.split("///", 1)[1]
        raw = b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if Path(p).exists())
        assert not [s for s in secrets if s.encode() in raw]
