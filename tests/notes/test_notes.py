"""addNote through `/graphql`: a note on a customer or a lead, with or without a reminder, by the
signed-in user; the newest-note figures follow. Every refusal checks that nothing was written.

Reminders are stored with the note; tests/notes/test_reminders.py covers the .ics and the mail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from schema.base import global_id
from tests import factories

NOTE_FIELDS = """
    id type body createdAt
    author { id } customer { id } lead { id }
    reminder { dueAt title icsUrl }
"""
ADD_NOTE = f"""
mutation($input: NoteInput!) {{
  addNote(input: $input) {{ note {{ {NOTE_FIELDS} }} userErrors {{ field message code }} }}
}}"""
FIGURES = """
query($customer: ID!, $lead: ID!) {
  customer(id: $customer) { newestNoteAt notes { totalCount edges { node { id } } } }
  lead(id: $lead) { newestNoteAt notes { totalCount edges { node { id } } } }
  auditEvents { totalCount }
}"""


@pytest.fixture
async def world(api) -> dict[str, Any]:
    acme = await factories.customer(api.database, "Acme")
    lead = await factories.lead(api.database, acme.id, 1)
    viewer = (await api.ok("{ viewer { id } }"))["viewer"]["id"]
    return {"customer": global_id("Customer", acme.id), "lead": global_id("Lead", lead.id), "me": viewer}


async def figures(api, world) -> dict[str, Any]:
    return await api.ok(FIGURES, {"customer": world["customer"], "lead": world["lead"]})


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


async def test_a_note_on_a_customer(api, world):
    before = dt.datetime.now(dt.UTC)
    # when
    answer = (await api.ok(ADD_NOTE, {"input": {"customer": world["customer"], "type": "CALL",
                                                "body": "Asked for the spring catalogue."}}))["addNote"]
    # then
    assert answer["userErrors"] == []
    note = answer["note"]
    assert note["type"] == "CALL" and note["body"] == "Asked for the spring catalogue."
    assert note["author"] == {"id": world["me"]} and note["customer"] == {"id": world["customer"]}
    assert note["lead"] is None and note["reminder"] is None
    assert before - dt.timedelta(seconds=1) <= moment(note["createdAt"]) <= dt.datetime.now(dt.UTC)
    data = await figures(api, world)
    assert data["customer"]["newestNoteAt"] == note["createdAt"]
    assert data["customer"]["notes"]["edges"] == [{"node": {"id": note["id"]}}]
    assert data["lead"]["newestNoteAt"] is None and data["lead"]["notes"]["totalCount"] == 0
    events = await api.ok("query($id: ID!) { auditEvents(entityId: $id) { edges { node { action changes } } } }",
                          {"id": note["id"]})
    [event] = [e["node"] for e in events["auditEvents"]["edges"]]
    assert event["action"] == "addNote" and event["changes"]["type"] == [None, "CALL"]


async def test_a_note_on_a_lead_with_a_reminder(api, world):
    # when: the due time is given in +01:00
    answer = (await api.ok(ADD_NOTE, {"input": {
        "lead": world["lead"], "type": "FOLLOW_UP", "body": "Send the quote",
        "reminder": {"dueAt": "2026-12-01T09:30:00+01:00", "title": "  Quote for Acme  "}}}))["addNote"]
    # then
    assert answer["userErrors"] == []
    note = answer["note"]
    assert note["lead"] == {"id": world["lead"]} and note["customer"] is None and note["type"] == "FOLLOW_UP"
    assert moment(note["reminder"]["dueAt"]) == dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    assert note["reminder"]["title"] == "Quote for Acme"
    assert note["reminder"]["icsUrl"] == f"/reminders/{note['id']}.ics"
    data = await figures(api, world)
    assert data["lead"]["newestNoteAt"] == note["createdAt"]
    assert data["lead"]["notes"]["edges"] == [{"node": {"id": note["id"]}}]
    assert data["customer"]["newestNoteAt"] is None


async def test_a_note_on_a_lead_without_a_reminder_and_the_default_type(api, world):
    first = (await api.ok(ADD_NOTE, {"input": {"lead": world["lead"], "body": "Met them"}}))["addNote"]["note"]
    second = (await api.ok(ADD_NOTE, {"input": {"lead": world["lead"], "body": "Met again"}}))["addNote"]["note"]
    # then
    assert first["type"] == "GENERAL" and first["reminder"] is None
    data = await figures(api, world)
    assert data["lead"]["newestNoteAt"] == second["createdAt"] >= first["createdAt"]
    assert data["lead"]["notes"]["totalCount"] == 2


@pytest.mark.parametrize("input, problems", [
    ({"customer": "CUSTOMER", "lead": "LEAD"}, [("INVALID", ["input"])]),
    ({}, [("INVALID", ["input"])]),
    ({"customer": None, "lead": None}, [("INVALID", ["input"])]),
    ({"customer": "CUSTOMER", "body": "   "}, [("REQUIRED", ["input", "body"])]),
    ({"customer": "CUSTOMER", "body": "x" * 10_001}, [("INVALID", ["input", "body"])]),
    ({"customer": "CUSTOMER", "type": None}, [("REQUIRED", ["input", "type"])]),
    ({"customer": global_id("Customer", 999)}, [("NOT_FOUND", ["input", "customer"])]),
    ({"lead": global_id("Lead", 999)}, [("NOT_FOUND", ["input", "lead"])]),
    ({"lead": global_id("Customer", 1)}, [("NOT_FOUND", ["input", "lead"])]),
    ({"customer": "CUSTOMER", "reminder": {"dueAt": "2026-12-01T09:30:00", "title": "Call"}},
     [("INVALID", ["input", "reminder", "dueAt"])]),
    ({"customer": "CUSTOMER", "reminder": {"dueAt": "2026-12-01T09:30:00Z", "title": " "}},
     [("REQUIRED", ["input", "reminder", "title"])]),
    ({"customer": "CUSTOMER", "reminder": {"dueAt": "2026-12-01T09:30:00Z", "title": "x" * 201}},
     [("INVALID", ["input", "reminder", "title"])]),
])
async def test_refusals_write_nothing(api, world, input, problems):
    input = {"body": "Called", **{k: world[v.lower()] if v in ("CUSTOMER", "LEAD") else v for k, v in input.items()}}
    before = await figures(api, world)
    # when
    answer = (await api.ok(ADD_NOTE, {"input": input}))["addNote"]
    # then
    assert answer["note"] is None
    assert [(e["code"], e["field"]) for e in answer["userErrors"]] == problems
    assert await figures(api, world) == before


async def test_the_longest_body_is_taken(api, world):
    answer = (await api.ok(ADD_NOTE, {"input": {"customer": world["customer"], "body": "x" * 10_000}}))["addNote"]
    assert answer["userErrors"] == [] and len(answer["note"]["body"]) == 10_000
