"""`createUser` and `updateUser` through `/graphql` (SPEC §8): admins manage users, everyone
else only their own name and password; deactivating ends sessions and tokens at once; the last
active admin stays; the audit trail never holds a password."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from server.access.models import ApiToken, Role, User, WebSession
from schema.base import global_id
from tests.access.roles import add_password_user, snapshot
from tests.conftest import make_token

ERRORS = "userErrors { field message code }"
USER = "user { id email name role active }"
CREATE = f"mutation($input: UserInput!) {{ createUser(input: $input) {{ {USER} {ERRORS} }} }}"
UPDATE = f"mutation($id: ID!, $input: UserInput!) {{ updateUser(id: $id, input: $input) {{ {USER} {ERRORS} }} }}"
LOGIN = f"mutation($e: String!, $p: String!) {{ login(email: $e, password: $p) {{ user {{ email }} {ERRORS} }} }}"
EVENTS = "query($id: ID!) { auditEvents(entityId: $id) { edges { node { action changes by { email } } } } }"
XRW = {"X-Requested-With": "test"}
PASSWORD = "a long enough password"


async def _user_id(api: Any, email: str) -> int:
    async with api.database.read_session() as session:
        return await session.scalar(select(User.id).where(User.email == email))


async def _gid(api: Any, email: str) -> str:
    return global_id("User", await _user_id(api, email))


def _codes(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def _login(api: Any, email: str, password: str) -> dict[str, Any]:
    api.client.cookies.clear()
    answer = (await api.post(LOGIN, {"e": email, "p": password}, token=None, headers=XRW)).json()
    return answer["data"]["login"]


# ------------------------------------------------------------------ createUser

async def test_create_user__admin_creates_a_user_who_can_sign_in(api: Any) -> None:
    # when
    data = await api.ok(CREATE, {"input": {"email": "  Ann@Example.COM ", "name": " Ann Lee ", "role": "MANAGER",
                                           "password": PASSWORD}})
    # then
    payload = data["createUser"]
    assert payload["userErrors"] == []
    assert {k: v for k, v in payload["user"].items() if k != "id"} == {
        "email": "ann@example.com", "name": "Ann Lee", "role": "MANAGER", "active": True}
    assert (await _login(api, "ann@example.com", PASSWORD))["userErrors"] == []
    api.client.cookies.clear()


async def test_create_user__validation_names_the_fields(api: Any) -> None:
    # given
    before = await snapshot(api.database)
    cases = [
        ({"email": "not-an-email", "name": "X", "role": "VIEWER"}, [("INVALID", ["input", "email"])]),
        ({"email": "ADMIN@example.com", "name": "X", "role": "VIEWER"}, [("DUPLICATE", ["input", "email"])]),
        ({"email": "x@example.com", "name": "   ", "role": "VIEWER"}, [("REQUIRED", ["input", "name"])]),
        ({"email": "x@example.com", "name": "X", "role": "VIEWER", "password": "short"},
         [("INVALID", ["input", "password"])]),
        ({"name": "X"}, [("REQUIRED", ["input", "email"]), ("REQUIRED", ["input", "role"])]),
    ]
    for given, expected in cases:
        # when
        payload = (await api.ok(CREATE, {"input": given}))["createUser"]
        # then
        assert payload["user"] is None
        assert _codes(payload) == expected, given
    assert await snapshot(api.database) == before


async def test_create_user__refused_for_a_manager(api: Any) -> None:
    # given
    manager = await make_token(api.database, Role.MANAGER, "boss@example.com")
    before = await snapshot(api.database)
    # when
    payload = (await api.ok(CREATE, {"input": {"email": "x@example.com", "name": "X", "role": "ADMIN"}},
                            token=manager))["createUser"]
    # then
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"] and payload["user"] is None
    assert await snapshot(api.database) == before


# ------------------------------------------------------------------ updateUser: oneself

async def test_update_user__anyone_changes_their_own_name_and_password(api: Any) -> None:
    # given a viewer with a password and a token
    await add_password_user(api.database, "vic@example.com", Role.VIEWER, PASSWORD)
    token = await _viewer_token(api, "vic@example.com")
    me = await _gid(api, "vic@example.com")
    # when
    payload = (await api.ok(UPDATE, {"id": me, "input": {"name": "Vic Tor", "password": "another long one"}},
                            token=token))["updateUser"]
    # then
    assert payload["userErrors"] == [] and payload["user"]["name"] == "Vic Tor"
    assert (await _login(api, "vic@example.com", "another long one"))["userErrors"] == []
    assert [e["code"] for e in (await _login(api, "vic@example.com", PASSWORD))["userErrors"]] == ["INVALID"]
    api.client.cookies.clear()


async def _viewer_token(api: Any, email: str) -> str:
    from server.access import service as access
    from server.access.models import TokenScope
    async with api.database.write_session() as session:
        _token, secret = await access.create_token(session, email=email, name="t",
                                                   scopes=[TokenScope.READ, TokenScope.WRITE])
    return secret


async def test_update_user__nothing_else_of_ones_own_nor_anything_of_another(api: Any) -> None:
    # given
    token = await make_token(api.database, Role.SALES_REP, "rep@example.com")
    me, admin = await _gid(api, "rep@example.com"), await _gid(api, "admin@example.com")
    before = await snapshot(api.database)
    cases = [(me, {"role": "ADMIN"}, ["input", "role"]), (me, {"active": False}, ["input", "active"]),
             (me, {"email": "new@example.com"}, ["input", "email"]),
             (me, {"name": "Rep", "role": "MANAGER"}, ["input", "role"]),
             (admin, {"name": "Mallory"}, None), (admin, {"password": "0123456789abc"}, None)]
    for target, given, field in cases:
        # when
        payload = (await api.ok(UPDATE, {"id": target, "input": given}, token=token))["updateUser"]
        # then
        assert _codes(payload) == [("FORBIDDEN", field)], given
    assert await snapshot(api.database) == before
    # sending one's own role unchanged is no change, so it is allowed
    payload = (await api.ok(UPDATE, {"id": me, "input": {"name": "Rita", "role": "SALES_REP"}}, token=token))
    assert payload["updateUser"]["userErrors"] == []


# ------------------------------------------------------------------ updateUser: admins

async def test_update_user__admin_changes_another_user(api: Any) -> None:
    # given
    await make_token(api.database, Role.VIEWER, "val@example.com")
    await make_token(api.database, Role.VIEWER, "taken@example.com")
    val = await _gid(api, "val@example.com")
    # when
    payload = (await api.ok(UPDATE, {"id": val, "input": {"role": "MANAGER", "email": "Valerie@Example.com",
                                                           "name": "Valerie"}}))["updateUser"]
    # then
    assert payload["userErrors"] == []
    assert payload["user"] | {"id": None} == {"id": None, "email": "valerie@example.com", "name": "Valerie",
                                              "role": "MANAGER", "active": True}
    refused = [({"email": "TAKEN@example.com"}, ("DUPLICATE", ["input", "email"])),
               ({"email": "nope"}, ("INVALID", ["input", "email"])),
               ({"name": ""}, ("REQUIRED", ["input", "name"])),
               ({"role": None}, ("REQUIRED", ["input", "role"])),
               ({"password": "123456789"}, ("INVALID", ["input", "password"]))]
    before = await snapshot(api.database)
    for given, expected in refused:
        assert _codes((await api.ok(UPDATE, {"id": val, "input": given}))["updateUser"]) == [expected], given
    assert await snapshot(api.database) == before
    unknown = (await api.ok(UPDATE, {"id": global_id("User", 999), "input": {"name": "X"}}))["updateUser"]
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]


async def test_update_user__deactivating_ends_sessions_and_tokens_at_once(api: Any) -> None:
    # given a manager signed in on a browser and holding a token
    await add_password_user(api.database, "mia@example.com", Role.MANAGER, PASSWORD)
    token = await _viewer_token(api, "mia@example.com")
    assert (await _login(api, "mia@example.com", PASSWORD))["userErrors"] == []
    cookies = dict(api.client.cookies)
    api.client.cookies.clear()
    assert (await api.post("{ viewer { email } }", token=token)).status_code == 200
    mia = await _gid(api, "mia@example.com")
    # when the admin deactivates her
    payload = (await api.ok(UPDATE, {"id": mia, "input": {"active": False}}))["updateUser"]
    # then
    assert payload["userErrors"] == [] and payload["user"]["active"] is False
    async with api.database.read_session() as session:
        user_id = await _user_id(api, "mia@example.com")
        ended = list(await session.scalars(select(WebSession.ended_at).where(WebSession.user_id == user_id)))
        revoked = list(await session.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == user_id)))
    assert ended and None not in ended
    assert revoked and None not in revoked
    assert (await api.post("{ viewer { email } }", token=token)).status_code == 401
    api.client.cookies.update(cookies)
    answer = await api.post("{ viewer { email } }", token=None, headers=XRW)
    assert answer.status_code == 401 or answer.json()["data"]["viewer"] is None
    api.client.cookies.clear()
    # and reactivating her does not bring the old session or token back
    assert (await api.ok(UPDATE, {"id": mia, "input": {"active": True}}))["updateUser"]["userErrors"] == []
    assert (await api.post("{ viewer { email } }", token=token)).status_code == 401


async def test_update_user__the_last_active_admin_stays(api: Any) -> None:
    # given the only admin
    me = await _gid(api, "admin@example.com")
    before = await snapshot(api.database)
    # when they demote or deactivate themselves
    for given, field in (({"role": "MANAGER"}, ["input", "role"]), ({"active": False}, ["input", "active"])):
        payload = (await api.ok(UPDATE, {"id": me, "input": given}))["updateUser"]
        # then
        assert _codes(payload) == [("INVALID", field)]
    assert await snapshot(api.database) == before
    # given a second admin, one may step down; then the other is the last again
    second = await make_token(api.database, Role.ADMIN, "second@example.com")
    assert (await api.ok(UPDATE, {"id": me, "input": {"role": "MANAGER"}}))["updateUser"]["userErrors"] == []
    other = await _gid(api, "second@example.com")
    payload = (await api.ok(UPDATE, {"id": other, "input": {"active": False}}, token=second))["updateUser"]
    assert _codes(payload) == [("INVALID", ["input", "active"])]


async def test_update_user__the_audit_trail_never_holds_the_password(api: Any) -> None:
    # given
    data = await api.ok(CREATE, {"input": {"email": "pat@example.com", "name": "Pat", "role": "VIEWER",
                                           "password": PASSWORD}})
    pat = data["createUser"]["user"]["id"]
    # when
    await api.ok(UPDATE, {"id": pat, "input": {"password": "the second password", "name": "Patricia"}})
    # then
    events = (await api.ok(EVENTS, {"id": pat}))["auditEvents"]["edges"]
    assert sorted(e["node"]["action"] for e in events) == ["createUser", "updateUser"]
    text = json.dumps(events)
    assert PASSWORD not in text and "the second password" not in text and "argon2" not in text
    changes = {e["node"]["action"]: e["node"]["changes"] for e in events}
    assert changes["updateUser"]["name"] == ["Pat", "Patricia"]
    assert changes["updateUser"]["password"] == ["(hidden)", "(changed)"]
    assert all(e["node"]["by"]["email"] == "admin@example.com" for e in events)
    async with api.database.read_session() as session:
        stored = await session.scalar(select(User.password_hash).where(User.email == "pat@example.com"))
    assert stored and stored not in text


async def test_update_user__a_new_password_ends_the_other_sessions(api: Any) -> None:
    # given: a manager signed in on two browsers, and holding a token
    await add_password_user(api.database, "mia@example.com", Role.MANAGER, PASSWORD)
    token = await _viewer_token(api, "mia@example.com")
    assert (await _login(api, "mia@example.com", PASSWORD))["userErrors"] == []
    laptop = dict(api.client.cookies)
    assert (await _login(api, "mia@example.com", PASSWORD))["userErrors"] == []
    phone = dict(api.client.cookies)
    mia = await _gid(api, "mia@example.com")
    viewer = "{ viewer { email } }"
    # when: she sets a new password from her phone
    payload = (await api.ok(UPDATE, {"id": mia, "input": {"password": "another long one"}}, token=None,
                            headers=XRW))["updateUser"]
    # then: the phone stays signed in, the laptop is signed out, the token still works
    assert payload["userErrors"] == []
    assert (await api.ok(viewer, token=None, headers=XRW))["viewer"] == {"email": "mia@example.com"}
    api.client.cookies.clear()
    api.client.cookies.update(laptop)
    assert (await api.ok(viewer, token=None, headers=XRW))["viewer"] is None  # signed out, told without an error
    api.client.cookies.clear()
    assert (await api.ok(viewer, token=token))["viewer"] == {"email": "mia@example.com"}
    assert phone != laptop
