"""Both executors answer every field the same (issue 15), on demo data, as a VIEWER and a MANAGER.

The documents are generated from the served schema: one per root field, selecting every field
without required arguments of every object type reachable from it (each type in full once, where
it is first met going down; elsewhere its `id`), `first: 2` on every list that pages. Each runs
as it is (the lean executor) and with `@include(if: true)` on its root field, which sends it to
graphql-core; `data` and `errors` must be equal. A query that leaves the lean path because a field
raised (a VIEWER's FORBIDDEN on costs) is compared as it is, then again without the fields that
raised, until the lean executor answers it: so that every other field is compared with the lean
executor's own answer, not graphql-core's twice.

Mutations always run on graphql-core: what is compared there is each payload's object with what
a query on the lean executor reads of it afterwards (docs/decisions.md).
"""

from __future__ import annotations

import dataclasses
import shutil
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from graphql import (GraphQLInterfaceType, GraphQLNamedType, GraphQLObjectType, GraphQLSchema, GraphQLUnionType,
                     get_named_type, is_leaf_type, is_required_argument)

from schema import build_schema
from server.access.models import Role
from server.app import create_app
from server.customers.models import Customer, Location
from server.db.engine import Database
from server.seed.demo import seed_demo
from tests import factories
from tests.conftest import _empty, make_token, settings_for
from schema.base import global_id

SCHEMA: GraphQLSchema = build_schema()._schema
FIRST = 2  # items of a root list; a nested list asks for one (the roots bring the variety)
DEPTH = 2  # object levels below a root field's own (pages count as none): deeper, only `__typename id`
BY_ID = ("Location", "Customer")  # what `node` and `nodes` are asked for (the types' own fields come anyway)
ROUNDS = 4  # runs of one document without the fields that raised, before it must be lean


@dataclasses.dataclass
class Served:
    client: httpx.AsyncClient
    tokens: dict[Role, str]
    arguments: dict[str, str]  # root fields' arguments that name objects of the seeded data
    ids: dict[str, str] = dataclasses.field(default_factory=dict)  # the branch customer's and location's

    async def answer(self, role: Role, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.client.post("/graphql", json={"query": document, "variables": variables or {}},
                                           headers={"Authorization": f"Bearer {self.tokens[role]}"})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    """Demo data, and a customer whose sales rep its locations inherit: one of them has its own;
    one database for the module's tests (the queries first: the mutations change what they read)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("agree") / "clientele.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite+aiosqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        await _empty(database)
    try:
        async with _serving(database) as served:
            yield served
    finally:
        await database.dispose()


@asynccontextmanager
async def _serving(database: Database) -> AsyncIterator[Served]:
    await seed_demo(database, seed=3, today=factories.TODAY)
    rep, own = [await factories.user(database, f"{name}@example.com") for name in ("inherited", "own")]
    customer = await factories.customer(database, "Inheriting Supply")
    await factories.set_row(database, Customer, customer.id, sales_rep_id=rep.id)
    inherits = await factories.location(database, customer.id, "INH")
    await factories.set_row(database, Location, (await factories.location(database, customer.id, "OWN")).id,
                            sales_rep_id=own.id)
    settings = dataclasses.replace(settings_for(database), lean_check=False, max_cost=10**9, max_tokens=10**6,
                                   max_aliases=10**4, max_fields=10**6, max_merged_fields=10**4,
                                   max_document_bytes=10**7, max_body_bytes=10**7,
                                   bucket_size=1e15)
    tokens = {role: await make_token(database, role, f"{role.value.lower()}@example.com")
              for role in (Role.VIEWER, Role.MANAGER, Role.ADMIN)}
    await make_token(database, Role.VIEWER, "spare@example.com")  # the user and token the mutations change
    transport = httpx.ASGITransport(app=create_app(settings, database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        served = Served(client, tokens, {})
        served.arguments = await _root_arguments(served, customer, inherits.id)
        served.ids = {"customer": global_id("Customer", customer.id), "location": global_id("Location", inherits.id)}
        yield served


async def _root_arguments(served: Served, customer: Any, location_id: int) -> dict[str, str]:
    """Arguments for the root fields that answer one object: the customer whose locations
    inherit its sales rep, and a demo order, invoice and lead."""
    found = await served.answer(Role.MANAGER, """{ customers(first: 10) { edges { node {
        orders(first: 1) { edges { node { number } } } invoices(first: 1) { edges { node { number } } } } } }
        leads(first: 1) { edges { node { number } } } }""")
    assert "errors" not in found, found["errors"]
    customers = [edge["node"] for edge in found["data"]["customers"]["edges"]]
    order = next(c["orders"]["edges"][0]["node"]["number"] for c in customers if c["orders"]["edges"])
    invoice = next(c["invoices"]["edges"][0]["node"]["number"] for c in customers if c["invoices"]["edges"])
    location, owner = global_id("Location", location_id), global_id("Customer", customer.id)
    return {"customer": f'number: "{customer.number}"', "invoice": f'number: "{invoice}"',
            "order": f'number: "{order}"', "lead": f'number: {found["data"]["leads"]["edges"][0]["node"]["number"]}',
            "node": f'id: "{location}"', "nodes": f'ids: ["{location}", "{owner}"]', "listViews": "kind: CUSTOMERS",
            "locations": f'first: {FIRST}, customer: "{owner}"'}


# ------------------------------------------------------------------ documents

def _depths(root: GraphQLNamedType) -> dict[str, int]:
    """How deep each type reachable from a root field is first met (a page's connection and
    edges count as no level: `customers { edges { node } }` is one level down)."""
    depths, queue = {root.name: 0}, deque([root])
    while queue:
        named = queue.popleft()
        for child in _children(named):
            depth = depths[named.name] + _step(child)
            if depth < depths.get(child.name, depth + 1):
                depths[child.name] = depth
                queue.append(child)
    return depths


def _step(named: GraphQLNamedType) -> int:
    return 0 if named.name.endswith(("Connection", "Edge")) else 1


def _children(named: GraphQLNamedType) -> list[GraphQLNamedType]:
    if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
        return list(SCHEMA.get_possible_types(named))
    if not isinstance(named, GraphQLObjectType):
        return []
    return [get_named_type(f.type) for f in named.fields.values() if not _required(f)
            and not is_leaf_type(get_named_type(f.type))]


def _required(field: Any) -> bool:
    return any(is_required_argument(argument) for argument in field.args.values())


@dataclasses.dataclass
class Selection:
    """Selection sets of one root field; `skip` names fields left out (those that raised)."""

    depths: dict[str, int]
    skip: frozenset[str]
    selected: set[tuple[str, str]] = dataclasses.field(default_factory=set)  # (type, field), for coverage
    expanded: set[str] = dataclasses.field(default_factory=set)

    def of(self, named: GraphQLNamedType, depth: int, alias: str = "") -> str:
        """`alias`: a prefix for the fields of one concrete type of an abstract one, whose
        fields of one name may differ in type from another's (Lead's `number` is an Int)."""
        if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):  # `node`: the types of the ids given
            return "__typename " + " ".join(f"... on {t.name} {{ {self.of(t, depth, f'{t.name}_')} }}"
                                            for t in SCHEMA.get_possible_types(named) if t.name in BY_ID)
        assert isinstance(named, GraphQLObjectType)
        if named.name in self.expanded or depth > self.depths[named.name] or depth > DEPTH:
            return "__typename id" if "id" in named.fields else "__typename"
        self.expanded.add(named.name)
        parts = []
        for name, field in named.fields.items():
            if _required(field) or name in self.skip:
                continue
            self.selected.add((named.name, name))
            arguments = "(first: 1)" if "first" in field.args else ""
            inner = get_named_type(field.type)
            head = f"{alias}{name}: {name}{arguments}" if alias else name + arguments
            parts.append(head if is_leaf_type(inner) else f"{head} {{ {self.of(inner, depth + _step(inner))} }}")
        return " ".join(parts) or "__typename"


def document(arguments: dict[str, str], skip: frozenset[str], *, forced: bool,
             selected: set[tuple[str, str]] | None = None) -> str:
    """One query of every root field (each with its own selection sets); `forced`: with a
    directive on the first, so that graphql-core answers it."""
    fields = []
    for root in roots(arguments):
        field = SCHEMA.query_type.fields[root]
        named = get_named_type(field.type)
        given = arguments.get(root) or (f"first: {FIRST}" if "first" in field.args else "")
        head = root + (f"({given})" if given else "") + (" @include(if: true)" if forced and not fields else "")
        if is_leaf_type(named):
            fields.append(head)
            continue
        selection = Selection(_depths(named), skip)
        fields.append(f"{head} {{ {selection.of(named, 0)} }}")
        if selected is not None:
            selected |= selection.selected
    return "{ " + "\n".join(fields) + " }"


def roots(arguments: dict[str, str]) -> list[str]:
    """Root fields without required arguments, and those the seeded data gives arguments for."""
    return [name for name, field in SCHEMA.query_type.fields.items() if name in arguments or not _required(field)]


# ------------------------------------------------------------------ comparing

def errors_of(answer: dict[str, Any]) -> list[tuple[str, tuple[Any, ...], str]]:
    return sorted((e["message"], tuple(e.get("path") or ()), e["extensions"]["code"])
                  for e in answer.get("errors", []))


def raised(answer: dict[str, Any]) -> set[str]:
    """The names of the fields that raised (the last key on each error's path, unaliased)."""
    keys = {next(p for p in reversed(e["path"]) if isinstance(p, str)) for e in answer.get("errors", [])
            if e.get("path")}
    return {key.split("_", 1)[-1] for key in keys}


async def compare(served: Served, role: Role, differences: list[str], selected: set[tuple[str, str]]) -> None:
    """The document with each executor, then without the fields that raised, until it is lean."""
    skip: frozenset[str] = frozenset()
    for _round in range(ROUNDS):
        plain = await served.answer(role, document(served.arguments, skip, forced=False, selected=selected))
        forced = await served.answer(role, document(served.arguments, skip, forced=True))
        where = f"{role.value} without {sorted(skip)}"
        if "executor" not in plain.get("extensions", {}):
            differences.append(f"{where}: refused before it ran: {plain}")
            return
        if "INTERNAL_SERVER_ERROR" in repr(plain) + repr(forced):
            differences.append(f"{where}: an internal error\n{plain.get('errors')}\n{forced.get('errors')}")
        if plain.get("data") != forced.get("data") or errors_of(plain) != errors_of(forced):
            differences.append(f"{where}: {_difference(plain, forced)}")
            return
        if plain["extensions"]["executor"] == "lean":
            return
        if not raised(plain) - skip:
            differences.append(f"{where}: not lean ({plain['extensions'].get('fallback')}) though no field raised")
            return
        skip |= raised(plain)
    differences.append(f"{role.value}: still not lean after {ROUNDS} rounds without {sorted(skip)}")


def _difference(plain: dict[str, Any], forced: dict[str, Any]) -> str:
    """Where the two answers differ: the root fields' data, and the errors of only one of them."""
    lean, core = plain.get("data") or {}, forced.get("data") or {}
    found = [f"{key}: lean {lean.get(key)!r}\n  graphql-core {core.get(key)!r}" for key in sorted({*lean, *core})
             if lean.get(key) != core.get(key)]
    only = set(errors_of(plain)) ^ set(errors_of(forced))
    return "\n".join([*found, *(f"error of one only: {error}" for error in sorted(only, key=repr))])


def reachable_fields() -> set[tuple[str, str]]:
    """Every (type, field) without required arguments of an object type reachable from the query root."""
    found: set[tuple[str, str]] = set()
    for named in _depths(SCHEMA.query_type):
        kind = SCHEMA.get_type(named)
        if isinstance(kind, GraphQLObjectType) and kind is not SCHEMA.query_type:
            found |= {(named, name) for name, field in kind.fields.items() if not _required(field)}
    return found


async def test_every_field__answered_alike_by_both_executors(served):
    # given: every root field (the customer's inherited sales rep among them), read by a VIEWER
    # (FORBIDDEN on costs) and a MANAGER
    differences: list[str] = []
    selected: set[tuple[str, str]] = set()
    # when
    for role in (Role.VIEWER, Role.MANAGER):
        await compare(served, role, differences, selected)
    # then
    assert not differences, "\n\n".join(differences)
    assert reachable_fields() - selected == set()  # every field was asked for


# ------------------------------------------------------------------ mutations

# A mutation for every payload that carries an object, on the seeded data (`{customer}`: the
# customer whose locations inherit its sales rep; `{item}`, `{program}`: the first of the demo's;
# `{spare}`, `{token}`: a user and token no test signs in with). LoginPayload's user is UserPayload's type, read the same way.
MUTATIONS = {
    "customer": 'updateCustomer(id: "{customer}", input: {{creditLimit: "1234.50", alias: "Inherits"}})',
    "location": 'updateLocation(id: "{location}", input: {{contactName: "Dee"}})',
    "contact": 'createContact(input: {{customer: "{customer}", firstName: "Ada", lastName: "Byron", isPrimary: true}})',
    "item": 'updateItem(id: "{item}", input: {{unitCost: "12.3456"}})',
    "order": 'createOrder(input: {{orderCustomer: "{customer}", location: "{location}", lines: [{{code: "X", '
             'description: "Goods", quantity: "3", unitPrice: "0.10", unitCost: "0.0125"}}]}})',
    "invoice": 'createInvoice(input: {{billCustomer: "{customer}", issue: true, lines: [{{code: "X", '
               'description: "Goods", quantity: "0.333", unitPrice: "1234567.89"}}]}})',
    "payment": 'recordPayment(input: {{customer: "{customer}", amount: "10.00", reference: "agree"}})',
    "note": 'addNote(input: {{customer: "{customer}", body: "Called", reminder: {{dueAt: "2030-01-02T09:00:00+00:00", '
            'title: "Call back"}}}})',
    "lead": 'createLead(input: {{customer: "{customer}", program: "{program}", potentialValue: "100.00"}})',
    "leadProgram": 'createLeadProgram(name: "Agreement")',
    "leadSource": 'createLeadSource(name: "Agreement")',
    "auditEvent": 'bulkUpdateLocations(ids: ["{location}"], salesRep: "{spare}")',
    "listView": 'saveListView(kind: CUSTOMERS, name: "Agreement", columns: [{{field: "name"}}])',
    "user": 'updateUser(id: "{spare}", input: {{name: "Renamed Spare"}})',
    "apiToken": 'revokeApiToken(id: "{token}")',
}


async def _mutation_ids(served: Served) -> dict[str, str]:
    found = await served.answer(Role.ADMIN, """{ items(first: 1) { edges { node { id } } }
        leadPrograms { id } users { id email } apiTokens { id owner { email } } }""")
    assert "errors" not in found, found["errors"]
    data = found["data"]
    spare = next(u["id"] for u in data["users"] if u["email"] == "spare@example.com")
    token = next(t["id"] for t in data["apiTokens"] if t["owner"]["email"] == "spare@example.com")
    return {**served.ids, "item": data["items"]["edges"][0]["node"]["id"], "program": data["leadPrograms"][0]["id"],
            "spare": spare, "token": token}


async def test_mutation_payloads__answer_what_a_lean_read_answers_afterwards(served):
    # given: a mutation for every payload type with an object (the updateLocation among them)
    ids = await _mutation_ids(served)
    payloads = {get_named_type(f.type).name for f in SCHEMA.mutation_type.fields.values()}
    differences: list[str] = []
    for key, call in MUTATIONS.items():
        named = get_named_type(SCHEMA.mutation_type.fields[call.split("(")[0]].type)
        payloads.discard(named.name)
        object_type = get_named_type(named.fields[key].type)
        body = Selection(_depths(object_type), frozenset()).of(object_type, 0)
        # when: the mutation (graphql-core), then the object read on the lean executor
        written = await served.answer(Role.ADMIN, f"mutation {{ m: {call.format(**ids)} {{ {key} {{ {body} }} "
                                                  "userErrors { field message code } } }")
        assert "errors" not in written and not written["data"]["m"]["userErrors"], written
        read = await served.answer(Role.ADMIN, f"query($id: ID!) {{ node(id: $id) {{ ... on {object_type.name} "
                                               f"{{ {body} }} }} }}", {"id": written["data"]["m"][key]["id"]})
        # then
        assert "errors" not in read and read["extensions"]["executor"] == "lean", read
        if written["data"]["m"][key] != read["data"]["node"]:
            differences.append(f"{key}: payload {written['data']['m'][key]}\n  lean read {read['data']['node']}")
    assert not differences, "\n\n".join(differences)
    assert payloads <= {"DeletePayload", "LoginPayload", "RevertPayload", "Boolean"}  # no object, or one compared
