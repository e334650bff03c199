"""Partner tokens through real HTTP: create from a session, list, revoke, scopes, lastUsedAt."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import func, select, update

from server.access.models import ApiToken, Role
from server.db.base import now
from server.db.engine import Database
from tests.access.web import VIEWER, XRW, add_user, browser, every_value, post, signed_in
from tests.conftest import make_token

TOKEN_FIELDS = "id name scopes createdAt lastUsedAt revoked owner { email }"
CREATE = f"""mutation($name: String!, $scopes: [TokenScope!]!) {{
  createApiToken(name: $name, scopes: $scopes) {{ apiToken {{ {TOKEN_FIELDS} }} secret userErrors {{ field message code }} }}
}}"""
REVOKE = f"""mutation($id: ID!) {{
  revokeApiToken(id: $id) {{ apiToken {{ {TOKEN_FIELDS} }} secret userErrors {{ field message code }} }}
}}"""
LIST = f"{{ apiTokens {{ {TOKEN_FIELDS} }} }}"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def _create(client, name: str = "ERP sync", scopes: tuple[str, ...] = ("WRITE",), headers=None) -> dict:
    response = await post(client, CREATE, {"name": name, "scopes": list(scopes)}, XRW if headers is None else headers)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.json()
    return response.json()["data"]["createApiToken"]


async def _token_count(database: Database) -> int:
    async with database.read_session() as session:
        return await session.scalar(select(func.count()).select_from(ApiToken))


async def test_create_token__shows_the_secret_once_and_stores_its_hash(database):
    # given
    await add_user(database, "ann@example.com", Role.VIEWER)
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        # when
        made = await _create(client)
        listed = (await post(client, LIST, headers=XRW)).json()["data"]["apiTokens"]
        values = await every_value(database)
    # then
    secret = made["secret"]
    assert made["userErrors"] == [] and secret.startswith("clt_") and len(secret) > 40
    token = made["apiToken"]
    assert {k: token[k] for k in ("name", "scopes", "lastUsedAt", "revoked", "owner")} == {
        "name": "ERP sync", "scopes": ["READ", "WRITE"], "lastUsedAt": None, "revoked": False,
        "owner": {"email": "ann@example.com"}}
    assert listed == [token]
    assert "secret" not in str(listed)
    assert secret not in " ".join(values) and hashlib.sha256(secret.encode()).hexdigest() in values


async def test_token_acts_as_its_owner_and_records_its_use(database):
    # given
    await add_user(database, "ann@example.com", Role.SALES_REP)
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        secret = (await _create(client, scopes=()))["secret"]
        # when
        used = await post(client, "{ viewer { email role } }", headers=bearer(secret))
        async with database.read_session() as session:
            first = await session.scalar(select(ApiToken.last_used_at))
        await post(client, VIEWER, headers=bearer(secret))
        async with database.read_session() as session:
            second = await session.scalar(select(ApiToken.last_used_at))
        async with database.engine.begin() as connection:
            await connection.execute(update(ApiToken).values(last_used_at=now() - dt.timedelta(minutes=2)))
        await post(client, VIEWER, headers=bearer(secret))
        listed = (await post(client, LIST, headers=XRW)).json()["data"]["apiTokens"]
    # then
    assert used.json()["data"] == {"viewer": {"email": "ann@example.com", "role": "SALES_REP"}}
    assert first is not None and second == first  # at most one write a minute
    assert listed[0]["scopes"] == ["READ"]
    assert dt.datetime.fromisoformat(listed[0]["lastUsedAt"]) > now() - dt.timedelta(minutes=1)


async def test_read_token_cannot_run_mutations(database):
    await add_user(database, "ann@example.com", Role.ADMIN)
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        secret = (await _create(client, scopes=("READ",)))["secret"]
        client.cookies.clear()
        response = await post(client, CREATE, {"name": "more", "scopes": ["WRITE"]}, bearer(secret))
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _token_count(database) == 1


async def test_a_token_cannot_create_tokens(database):
    # given: a WRITE token
    await add_user(database, "ann@example.com", Role.ADMIN)
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        secret = (await _create(client))["secret"]
        client.cookies.clear()
        # when
        response = await post(client, CREATE, {"name": "more", "scopes": ["WRITE"]}, bearer(secret))
    # then
    assert response.json()["data"]["createApiToken"] == {
        "apiToken": None, "secret": None, "userErrors": [{
            "field": None, "message": "a token cannot create tokens: sign in with login to create one",
            "code": "FORBIDDEN"}]}
    assert await _token_count(database) == 1


async def test_create_token__needs_a_name_and_a_user(database):
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        anonymous = await post(client, CREATE, {"name": "x", "scopes": []}, XRW)
        await signed_in(client, "ann@example.com")
        blank = await _create(client, name="  ")
    assert anonymous.status_code == 401
    assert blank == {"apiToken": None, "secret": None, "userErrors": [{
        "field": ["name"], "message": "name is required: say who or what uses the token", "code": "REQUIRED"}]}
    assert await _token_count(database) == 0


async def test_revoke__own_token_stops_working_at_once(database):
    # given: a token in use
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        made = await _create(client)
        assert (await post(client, VIEWER, headers=bearer(made["secret"]))).status_code == 200
        # when
        revoked = (await post(client, REVOKE, {"id": made["apiToken"]["id"]}, XRW)).json()["data"]["revokeApiToken"]
        again = (await post(client, REVOKE, {"id": made["apiToken"]["id"]}, XRW)).json()["data"]["revokeApiToken"]
        after = await post(client, VIEWER, headers=bearer(made["secret"]))
        listed = (await post(client, LIST, headers=XRW)).json()["data"]["apiTokens"]
    # then
    assert revoked["userErrors"] == [] and revoked["apiToken"]["revoked"] is True and revoked["secret"] is None
    assert again["userErrors"] == [] and again["apiToken"]["revoked"] is True
    assert after.status_code == 401
    assert after.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert [t["revoked"] for t in listed] == [True]


async def test_a_token_may_revoke_itself(database):
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        made = await _create(client)
        client.cookies.clear()
        answer = await post(client, REVOKE, {"id": made["apiToken"]["id"]}, bearer(made["secret"]))
        assert answer.json()["data"]["revokeApiToken"]["apiToken"]["revoked"] is True
        assert (await post(client, VIEWER, headers=bearer(made["secret"]))).status_code == 401


async def test_revoke__others_tokens_only_as_admin(database):
    # given: ann's token, and bob (a manager) and the admin signed in elsewhere
    await add_user(database, "ann@example.com")
    await add_user(database, "bob@example.com")
    await add_user(database, "root@example.com", Role.ADMIN)
    async with browser(database) as ann, browser(database) as bob, browser(database) as root:
        await signed_in(ann, "ann@example.com")
        await signed_in(bob, "bob@example.com")
        await signed_in(root, "root@example.com")
        made = await _create(ann)
        await _create(bob, name="bob's")
        token_id = made["apiToken"]["id"]
        # when
        refused = (await post(bob, REVOKE, {"id": token_id}, XRW)).json()["data"]["revokeApiToken"]
        still = await post(ann, VIEWER, headers=bearer(made["secret"]))
        bobs = (await post(bob, LIST, headers=XRW)).json()["data"]["apiTokens"]
        everyone = (await post(root, LIST, headers=XRW)).json()["data"]["apiTokens"]
        done = (await post(root, REVOKE, {"id": token_id}, XRW)).json()["data"]["revokeApiToken"]
        after = await post(ann, VIEWER, headers=bearer(made["secret"]))
    # then
    assert refused == {"apiToken": None, "secret": None, "userErrors": [{
        "field": ["id"], "message": "id: only its owner or an admin may revoke a token", "code": "FORBIDDEN"}]}
    assert still.status_code == 200
    assert [t["owner"]["email"] for t in bobs] == ["bob@example.com"]
    assert sorted(t["owner"]["email"] for t in everyone) == ["ann@example.com", "bob@example.com"]
    assert done["userErrors"] == [] and done["apiToken"]["revoked"] is True
    assert after.status_code == 401


async def test_revoke__unknown_id_is_not_found(database):
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        await signed_in(client, "ann@example.com")
        customer_id = "Q3VzdG9tZXI6MQ"  # Customer:1
        missing = "QXBpVG9rZW46OTk"  # ApiToken:99
        for token_id in (missing, customer_id, "garbage"):
            answer = (await post(client, REVOKE, {"id": token_id}, XRW)).json()["data"]["revokeApiToken"]
            assert answer["userErrors"] == [{"field": ["id"], "message": "id: no API token with that id",
                                             "code": "NOT_FOUND"}]


async def test_cli_tokens_still_work(database):
    secret = await make_token(database, Role.VIEWER, "cli@example.com")
    async with browser(database) as client:
        assert (await post(client, VIEWER, headers=bearer(secret))).json()["data"] == {
            "viewer": {"email": "cli@example.com"}}


async def test_node__a_token_is_found_by_its_owner_and_by_an_admin(api):
    # given: a manager's token, seen by the manager, another manager and the admin
    owner = await make_token(api.database, Role.MANAGER, email="owner@example.com")
    stranger = await make_token(api.database, Role.MANAGER, email="stranger@example.com")
    [token_id] = [t["id"] for t in (await api.ok("{ apiTokens { id owner { email } } }", token=owner))["apiTokens"]]
    query = "query($id: ID!) { node(id: $id) { ... on ApiToken { id owner { email } } } }"
    # when
    seen = {who: (await api.ok(query, {"id": token_id}, token=token))["node"]
            for who, token in (("owner", owner), ("stranger", stranger), ("admin", "admin"))}
    # then
    assert seen["owner"] == seen["admin"] == {"id": token_id, "owner": {"email": "owner@example.com"}}
    assert seen["stranger"] is None
