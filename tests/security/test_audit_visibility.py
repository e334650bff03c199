"""The audit log shows only what the reader may read (issue 15, item 7; SPEC §8).

A column only some roles may read names its policy row and its API field on the model
(`read_needs`); the schema's field for it and the audit log's changes to it, shown under that
field's name, are hidden by that one row. The first test is
generated from the models: every such column of every model, in a one-record event and in a
bulk event, read as every role through `auditEvents` and `node`, so a cost column added later
is covered without editing it. The others go through the mutations that write costs, in
process on both databases, and through a real server.
"""

from __future__ import annotations

import concurrent.futures
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.access import policy
from server.access.models import Role
from server.audit import readable
from server.audit.models import AuditEvent, AuditEventEntity
from server.db.engine import Database
from server.ids import global_id_text, pk_of
from server.models import Base
from tests import factories
from tests.conftest import make_token, run_async
from tests.security.serving import emptied, opened, served

GUARDED = sorted((model, column, action) for model, columns in policy.guarded_columns().items()
                 for column, action in columns.items())
EVENTS = """query($entity: ID) { auditEvents(first: 50, entityId: $entity) {
  edges { node { id action changes } } } }"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on AuditEvent { id changes } } }"
BEFORE, AFTER = 918273645, 546372819  # numbers that appear nowhere else in an answer
RECORD = 7
CREATE_ITEM = """mutation($input: ItemInput!) { createItem(input: $input) {
  item { id } userErrors { field message code } } }"""
UPDATE_ITEM = """mutation($id: ID!, $input: ItemInput!) { updateItem(id: $id, input: $input) {
  item { id } userErrors { field message code } } }"""
COSTS = """query($item: ID!, $invoice: ID!) {
  item: node(id: $item) { ... on Item { unitPrice { amount } unitCost { amount } } }
  invoice: node(id: $invoice) { ... on Invoice { totalAmount { amount } costAmount { amount }
                                                 lines { code unitCost { amount } } } } }"""


def test_every_guarded_column_is_found():
    # the generated test below is not vacuous: the columns SPEC §8 hides are among those it covers
    assert {("Item", "unit_cost_e4"), ("Invoice", "cost_minor"), ("InvoiceLine", "unit_cost_e4")} <= {
        (model, column) for model, column, _ in GUARDED}
    assert {role for role in policy.ROLES if policy.allows(role, "readCosts")} == {Role.ADMIN, Role.MANAGER}


TAGGED = {m.class_.__name__: {a.key: a.columns[0].info["field"] for a in m.column_attrs if "read" in a.columns[0].info}
          for m in Base.registry.mappers}
MODELS = {m.class_.__name__: sorted(a.key for a in m.column_attrs) for m in Base.registry.mappers}
CHANGE = st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5)), min_size=2, max_size=2)


@st.composite
def events(draw: st.DrawFn) -> tuple[str, dict[str, Any] | list[Any]]:
    """An entity type and changes as the services write them: one record's, or a bulk list."""
    model = draw(st.sampled_from(sorted(MODELS)))
    fields = st.dictionaries(st.sampled_from(MODELS[model]) | st.text(max_size=8), CHANGE, max_size=6)
    if draw(st.booleans()):
        return model, draw(fields)
    return model, [{"id": i, "version": 2, "fields": draw(fields)} for i in range(draw(st.integers(0, 3)))]


@settings(deadline=None)  # a pure function: on a machine busy with other tests, a deadline is noise
@given(event=events(), role=st.sampled_from([*policy.ROLES, None]))
def test_visible_changes__drop_exactly_what_the_role_may_not_read(event, role):
    # given
    model, changes = event
    hidden = {field for column, field in TAGGED.get(model, {}).items()
              if not policy.allows(role, policy.guarded_columns()[model][column])}

    def shown(fields: dict[str, Any]) -> dict[str, Any]:
        return {key: change for key, change in fields.items() if readable.field_of(model, key) not in hidden}

    # when
    seen = readable.readable(model, changes, {}, role)
    # then: every other change as ADMIN sees it, and no hidden field left under any key
    if isinstance(changes, dict):
        assert seen == readable.readable(model, shown(changes), {}, Role.ADMIN)
        assert not hidden & set(seen)
    else:
        assert seen == readable.readable(model, [entry | {"fields": shown(entry["fields"])} for entry in changes],
                                         {}, Role.ADMIN)
        assert not any(hidden & set(entry["fields"]) for entry in seen)


async def tokens(database: Database, admin: str) -> dict[Role, str]:
    made = {Role.ADMIN: admin}
    for role in (Role.MANAGER, Role.SALES_REP, Role.VIEWER):
        made[role] = await make_token(database, role, email=f"{role.name.lower()}@example.com")
    return made


def readable_column(model: str) -> str:
    """A column of the model that every role may read."""
    mapper = next(m for m in Base.registry.mappers if m.class_.__name__ == model)
    hidden = policy.guarded_columns()[model]
    return sorted(a.key for a in mapper.column_attrs if a.key not in hidden and a.key != "id")[0]


async def record_events(database: Database, model: str, column: str) -> list[int]:
    """A one-record event and a bulk event of one record, each changing `column` and a column anyone may read."""
    other = readable_column(model)
    async with database.write_session() as session, session.begin():
        one = AuditEvent(action=f"update{model}", entity_type=model, entity_id=RECORD,
                         changes={column: [BEFORE, AFTER], other: ["a", "b"]})
        bulk = AuditEvent(action=f"bulkUpdate{model}s", entity_type=model, entity_id=None, revertible=True,
                          changes=[{"id": RECORD, "version": 3, "fields": {column: [AFTER, BEFORE], other: ["b", "c"]}}])
        session.add_all([one, bulk])
        await session.flush()
        session.add(AuditEventEntity(event_id=bulk.id, entity_type=model, entity_id=RECORD))
    return [one.id, bulk.id]


@pytest.mark.parametrize(("model", "column", "action"), GUARDED, ids=[f"{m}.{c}" for m, c, _ in GUARDED])
async def test_a_change_to_a_guarded_column_shows_only_to_who_may_read_it(api, model, column, action):
    # given
    ids = await record_events(api.database, model, column)
    field, shown = readable.field_of(model, column), readable.field_of(model, readable_column(model))
    convert = readable.columns(model)[column].convert
    before, after = convert(BEFORE, {}), convert(AFTER, {})  # as decimals: 9182736.45, 91827.3645
    gids = [global_id_text("AuditEvent", pk) for pk in ids]
    for role, token in (await tokens(api.database, api.token)).items():
        may = policy.allows(role, action)
        # when: the record's history, and the events by id
        listed = await api.post(EVENTS, {"entity": global_id_text(model, RECORD)}, token=token)
        by_id = await api.post(NODES, {"ids": gids}, token=token)
        # then: the same events for everyone, the guarded change only for who may read it
        for response in (listed, by_id):
            assert response.status_code == 200 and "errors" not in response.json(), response.text
            assert (before in response.text) is may and (after in response.text) is may, (role, response.text)
        events = [edge["node"] for edge in listed.json()["data"]["auditEvents"]["edges"]]
        assert [e["id"] for e in events] == gids[::-1]
        assert by_id.json()["data"]["nodes"] == [{"id": e["id"], "changes": e["changes"]} for e in events[::-1]]
        bulk, one = events[0]["changes"], events[1]["changes"]
        assert one == ({field: [before, after]} if may else {}) | {shown: ["a", "b"]}
        label = {readable.LABELS[model]: None} if model in readable.LABELS else {}  # record 7 does not exist
        assert bulk == [{"id": global_id_text(model, RECORD), **label, "version": 3,
                         "fields": ({field: [after, before]} if may else {}) | {shown: ["b", "c"]}}]


async def test_costs_written_by_item_mutations_hide_like_the_cost_fields(api):
    # given: a manager prices an item, then changes its cost with its description, then its cost alone
    by_role = await tokens(api.database, api.token)
    manager = by_role[Role.MANAGER]
    made = await api.ok(CREATE_ITEM, {"input": {"code": "BOLT-9", "description": "Hex bolt", "unit": "box",
                                                 "unitPrice": "19.99", "unitCost": "7.7071"}}, token=manager)
    item = made["createItem"]["item"]["id"]
    for change in ({"unitCost": "8.25", "description": "Hex bolt, zinc"}, {"unitCost": "12.3456"}):
        assert (await api.ok(UPDATE_ITEM, {"id": item, "input": change}, token=manager))["updateItem"]["userErrors"] == []
    customer = await factories.customer(api.database)
    invoice = await factories.invoice_of(api.database, customer.id, [{"item": pk_of(item, "Item"), "quantity": "3"}])
    costs = {"item": item, "invoice": global_id_text("Invoice", invoice.id)}
    for role, token in by_role.items():
        # when
        answer = await api.gql(EVENTS, {"entity": item}, token=token)
        fields = await api.gql(COSTS, costs, token=token)
        # then: three events for everyone; the cost in them exactly when the cost fields answer
        hidden_fields = {tuple(error["path"][-2:]) for error in fields.get("errors", [])
                         if error["extensions"]["code"] == "FORBIDDEN"}
        assert hidden_fields == ({("item", "unitCost"), ("invoice", "costAmount"), (0, "unitCost")}
                                 if role in (Role.SALES_REP, Role.VIEWER) else set()), fields
        assert "errors" not in answer, answer["errors"]
        changes = [edge["node"]["changes"] for edge in answer["data"]["auditEvents"]["edges"]][::-1]
        costs_seen = [c.get("unitCost") for c in changes]
        if ("item", "unitCost") in hidden_fields:
            assert costs_seen == [None, None, None]
            assert not any(text in str(answer) for text in ("77071", "82500", "123456", "7.7071", "12.3456"))
            assert changes[1:] == [{"description": ["Hex bolt", "Hex bolt, zinc"]}, {}]
        else:
            assert costs_seen == [[None, "7.7071"], ["7.7071", "8.25"], ["8.25", "12.3456"]]
        assert changes[0]["unitPrice"] == [None, "19.99"]


def test_a_reader_sees_no_cost_in_the_audit_log_of_a_real_server(server_url: str, tmp_path: Path):
    # given: a server, a manager's and readers' tokens
    made = run_async(_role_tokens(server_url))
    with served(server_url, tmp_path / "server.log") as server, httpx.Client(base_url=server.base_url,
                                                                                timeout=10) as client:
        def post(query: str, variables: dict[str, Any], role: Role) -> httpx.Response:
            return client.post("/graphql", json={"query": query, "variables": variables},
                               headers={"Authorization": f"Bearer {made[role]}"})
        item = post(CREATE_ITEM, {"input": {"code": "NUT-4", "description": "Wing nut", "unit": "bag",
                                            "unitPrice": "3.00", "unitCost": "1.2345"}}, Role.MANAGER)
        item_id = item.json()["data"]["createItem"]["item"]["id"]
        post(UPDATE_ITEM, {"id": item_id, "input": {"unitCost": "2.3456"}}, Role.MANAGER)
        # when: the readers read the whole log while /healthz is asked
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            health = pool.submit(httpx.get, f"{server.base_url}/healthz", timeout=2)
            answers = {role: pool.submit(post, EVENTS, {}, role) for role in (Role.SALES_REP, Role.VIEWER,
                                                                                Role.MANAGER)}
            health.result().raise_for_status()
            answers = {role: future.result() for role, future in answers.items()}
    # then
    for role, answer in answers.items():
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
        events = answer.json()["data"]["auditEvents"]["edges"]
        assert [e["node"]["action"] for e in events][:2] == ["updateItem", "createItem"]
        assert ("2.3456" in answer.text) is (role is Role.MANAGER), answer.text
        assert ("1.2345" in answer.text) is (role is Role.MANAGER), answer.text


async def _role_tokens(url: str) -> dict[Role, str]:
    async with opened(url) as database:
        return {role: await make_token(database, role, email=f"{role.name.lower()}@example.com")
                for role in (Role.MANAGER, Role.SALES_REP, Role.VIEWER)}


@pytest.fixture(params=["sqlite", "postgresql"])
def server_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database for a real server: a copy of the SQLite template, or the test
    PostgreSQL database emptied."""
    if request.param == "sqlite":
        path = tmp_path / "clientele.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    run_async(emptied(url))
    return url
