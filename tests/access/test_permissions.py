"""`viewer { permissions }` through HTTP, held to what each caller was seen to be allowed and refused
by the role matrix's cases (tests/access/test_roles.py): a client that shows the controls it
lists shows only controls that work."""

from __future__ import annotations

from typing import Any

from schema.base import global_id
from tests.access.roles import CALLERS, make_world
from tests.access.test_roles import CASES
from tests.conftest import Api

PERMISSIONS = "{ viewer { permissions { operation access } } }"
COST_READERS = {"admin", "manager", "read"}  # as tests/access/test_roles.py sees costs answered


async def permissions_of(api: Api, token: str) -> dict[str, str]:
    answer = await api.ok(PERMISSIONS, token=token)
    listed = answer["viewer"]["permissions"]
    assert len({p["operation"] for p in listed}) == len(listed)
    return {p["operation"]: p["access"] for p in listed}


async def test_permissions__each_caller_as_the_role_matrix_found_it(api: Api) -> None:
    # given: a user of each role, and an ADMIN's read-only token
    world = await make_world(api)
    for caller in CALLERS:
        # when
        listed = await permissions_of(api, world.tokens[caller])
        # then: an operation a case allowed is listed; one listed for every record (YES) was
        # allowed by each of its cases; one left out was refused by each
        for case in CASES:
            access = listed.get(case.mutation)
            if caller in case.allowed:
                assert access is not None, (case.id, caller)
            if access == "YES":
                assert caller in case.allowed, (case.id, caller)
            if access is None:
                assert caller not in case.allowed, (case.id, caller)
        # and the right to read costs is listed exactly for those who were answered costs
        assert (listed.get("readCosts") == "YES") is (caller in COST_READERS), caller
        assert set(listed.values()) <= {"YES", "OWN", "SELF"}


async def test_permissions__own_records_and_own_customers_are_marked(api: Api) -> None:
    # given
    world = await make_world(api)
    # when
    rep = await permissions_of(api, world.tokens["rep"])
    viewer = await permissions_of(api, world.tokens["viewer"])
    # then: a rep writes their own customers, everyone their own views and tokens
    assert rep["updateCustomer"] == "OWN" and rep["addNote"] == "YES"
    assert viewer["saveListView"] == viewer["createApiToken"] == viewer["updateUser"] == "SELF"
    assert "updateCustomer" not in viewer and "createUser" not in rep


async def test_permissions__a_read_only_token_lists_only_rights_to_read(api: Api) -> None:
    # given
    world = await make_world(api)
    # when
    listed = await permissions_of(api, world.tokens["read"])
    # then: its mutations would answer 403, so none is listed
    assert listed == {"readCosts": "YES"}


async def test_permissions__null_on_another_user_and_without_a_user(api: Api) -> None:
    # given
    world = await make_world(api)
    query = "query($id: ID!) { node(id: $id) { ... on User { email permissions { operation } } } }"
    # when
    other: Any = await api.ok(query, {"id": global_id("User", world.users["viewer"])})
    anonymous = await api.gql(PERMISSIONS, token=None)
    # then
    assert other["node"] == {"email": "viewer@example.com", "permissions": None}
    assert anonymous["data"] == {"viewer": None} and "errors" not in anonymous
