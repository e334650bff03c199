"""The services refuse by themselves (SPEC §8: roles in the domain layer, not only in the
resolvers), and the import endpoint asks the same policy."""

from __future__ import annotations

import io
from typing import Any

import pytest

from server.access import policy
from server.access.models import Role, User
from server.customers import service as customers
from server.customers.commands import ContactFields, CustomerFields
from server.errors import DomainError
from server.imports import service as imports
from tests import factories
from tests.access.roles import make_world, snapshot


def _forbidden(error: pytest.ExceptionInfo[DomainError]) -> bool:
    return [p.code.name for p in error.value.problems] == ["FORBIDDEN"]


async def test_services_refuse_an_anonymous_or_unentitled_actor(api: Any) -> None:
    # given
    world = await make_world(api)
    before = await snapshot(world.database)
    refused = [policy.ANONYMOUS, await factories.actor(world.database, world.users["viewer"]),
               await factories.actor(world.database, world.users["other"]),
               policy.Actor(world.users["rep"], Role.VIEWER), await factories.actor(world.database, 987654)]
    for actor in refused:
        # when a service is called directly, as no resolver would
        with pytest.raises(DomainError) as error:
            await factories.write(world.database, customers.update_customer, customer_id=world.mine,
                                  fields=CustomerFields(alias="X"), expected_version=None, actor=actor)
        # then
        assert _forbidden(error), actor
    assert await snapshot(world.database) == before
    # the owning rep, a manager and the system may
    for actor in (policy.Actor(world.users["rep"], Role.SALES_REP),
                  await factories.actor(world.database, world.users["manager"]), policy.SYSTEM):
        await factories.write(world.database, customers.update_customer, customer_id=world.mine,
                              fields=CustomerFields(alias=f"By {actor}"), expected_version=None, actor=actor)


async def test_an_inactive_user_acts_as_nobody(api: Any) -> None:
    # given a manager who was deactivated
    world = await make_world(api)
    await factories.set_row(world.database, User,
                            world.users["manager"], active=False)
    # when
    with pytest.raises(DomainError) as error:
        await factories.write(world.database, customers.create_contact,
                              fields=ContactFields(customer=world.mine, first_name="A", last_name="B"),
                              actor=await factories.actor(world.database, world.users["manager"]))
    # then
    assert _forbidden(error)


@pytest.mark.parametrize("caller, status", [("viewer", 403), ("rep", 403), ("manager", 200), ("admin", 200)])
async def test_import__managers_and_admins_only(api: Any, caller: str, status: int) -> None:
    # given
    world = await make_world(api)
    before = await snapshot(world.database)
    # when
    answer = await api.client.post("/import/customers", content=b"number,name\nI-1,Imported\n",
                                   headers={"Content-Type": "text/csv",
                                            "Authorization": f"Bearer {world.tokens[caller]}"})
    # then
    assert answer.status_code == status, answer.text
    if status == 403:
        assert "importCustomers" in answer.json()["error"]
        assert await snapshot(world.database) == before


async def test_import_service__refuses_by_itself(api: Any) -> None:
    # given
    world = await make_world(api)
    before = await snapshot(world.database)
    # when the service is called with a SALES_REP, as the endpoint would not
    with pytest.raises(DomainError) as error:
        await imports.import_customers(world.database, io.BytesIO(b"number,name\nI-1,Imported\n"), "csv",
                                       dry_run=False, actor=await factories.actor(world.database, world.users["rep"]),
                                       base_currency="USD")
    # then
    assert _forbidden(error)
    assert await snapshot(world.database) == before
