"""What the role tests share: one caller per role (and a READ token) over the real HTTP app, a
small world of data, and a snapshot of every table to prove that a refused write changed nothing."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from schema.base import global_id
from server.access import service as access
from server.access.commands import UserFields
from server.access.models import Role, TokenScope, User
from server.access.policy import SYSTEM
from server.db.engine import Database
from server.models import Base
from tests import factories
from tests.conftest import Api, make_token

# who calls: a user of each role with a READ+WRITE token, and a READ token of an ADMIN
CALLERS = ("admin", "manager", "rep", "other", "viewer", "read")
ROLE_OF = {"admin": Role.ADMIN, "manager": Role.MANAGER, "rep": Role.SALES_REP, "other": Role.SALES_REP,
           "viewer": Role.VIEWER, "read": Role.ADMIN}
# rows that change on every request whoever sends it: when a token was last used, the cost buckets
VOLATILE_TABLES = {"rate_buckets", "login_failures", "alembic_version"}
VOLATILE_COLUMNS = {"api_tokens": {"last_used_at"}, "web_sessions": {"last_seen_at"}}


@dataclass
class World:
    """`mine` is a customer of `rep` (its sales rep); `theirs` belongs to nobody in particular."""

    api: Api
    tokens: dict[str, str]
    users: dict[str, int]
    mine: int = 0
    theirs: int = 0
    location: int = 0
    contact: int = 0
    item: int = 0
    program: int = 0
    source: int = 0
    numbers: Any = field(default_factory=lambda: itertools.count(100))

    @property
    def database(self) -> Database:
        return self.api.database

    def gid(self, kind: str, pk: int) -> str:
        return global_id(kind, pk)

    def user(self, caller: str) -> str:
        return global_id("User", self.users[caller])

    def n(self) -> int:
        return next(self.numbers)


async def make_world(api: Api) -> World:
    db = api.database
    tokens = {"admin": api.token}
    for caller in ("manager", "rep", "other", "viewer"):
        tokens[caller] = await make_token(db, ROLE_OF[caller], f"{caller}@example.com")
    tokens["read"] = await make_token(db, Role.ADMIN, "read@example.com", (TokenScope.READ,))
    async with db.read_session() as session:
        by_email = dict((await session.execute(select(User.email, User.id))).all())
    users = {caller: by_email[f"{caller}@example.com"] for caller in CALLERS}
    world = World(api, tokens, users)
    world.mine = (await factories.customer(db, "Mine Supply", salesRep=users["rep"])).id
    world.theirs = (await factories.customer(db, "Their Goods", salesRep=users["other"])).id
    world.location = (await factories.location(db, world.mine, "L1")).id
    world.contact = (await factories.contact(db, world.mine, "Ann", "Lee")).id
    world.item = (await factories.item(db, "BOLT", "2.00", unitCost="1.25")).id
    await factories.lead_program(db, "Wholesale")
    await factories.lead_source(db, "Fair")
    async with db.read_session() as session:
        from server.leads.models import LeadProgram, LeadSource
        world.program = await session.scalar(select(LeadProgram.id))
        world.source = await session.scalar(select(LeadSource.id))
    return world


async def snapshot(database: Database) -> dict[str, list[str]]:
    """Every row of every table (but the volatile ones), as sorted text: equal before and after
    means the database did not change."""
    found: dict[str, list[str]] = {}
    async with database.read_session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            skip = VOLATILE_COLUMNS.get(table.name, set())
            columns = [c for c in table.c if c.name not in skip]
            rows = (await session.execute(select(*columns))).all()
            found[table.name] = sorted(repr(tuple(row)) for row in rows)
    return found


async def outcome(world: World, caller: str, query: str, variables: dict[str, Any]) -> tuple[str, Any]:
    """("ok", data), ("forbidden", detail), ("not implemented", detail) or ("other", the answer)."""
    response = await world.api.post(query, variables, token=world.tokens[caller])
    body = response.json()
    if response.status_code == 403:
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        return ("forbidden" if codes == ["FORBIDDEN"] else "other"), body
    if body.get("errors"):
        codes = [e.get("extensions", {}).get("code") for e in body["errors"]]
        return ("not implemented" if "NOT_IMPLEMENTED" in codes else "other"), body
    [payload] = body["data"].values()
    if not isinstance(payload, dict):
        return "ok", payload
    codes = [e["code"] for e in payload["userErrors"]]
    if not codes:
        return "ok", payload
    return ("forbidden" if codes == ["FORBIDDEN"] else "other"), payload


async def add_password_user(database: Database, email: str, role: Role, password: str) -> int:
    async with database.write_session() as session:
        user = await access.create_user(session, fields=UserFields(email=email, name=email.split("@")[0].title(), role=role,
                                        password=password), actor=SYSTEM)
    return user.id
