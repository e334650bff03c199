"""The lead workflow of SPEC §5 through `/graphql`: createLead, updateLead, changeLeadState,
programs and sources. Every refusal checks that nothing was written."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from schema.base import global_id
from server.access.models import User
from server.leads.models import LeadProgram, LeadSource, LeadState
from server.leads.rules import LEAD_MOVES
from tests import factories

ERRORS = "userErrors { field message code }"
LEAD_FIELDS = """
    id number state open probability estimatedConversionDate version
    potentialValue { amount currency }
    customer { id } program { id name } source { id name }
    insideSalesRep { id } outsideSalesRep { id } assignedTo { id }
    allowedTransitions
    stateHistory { from to by { id } assignedTo { id } at }
"""
CREATE_LEAD = f"mutation($input: LeadInput!) {{ createLead(input: $input) {{ lead {{ {LEAD_FIELDS} }} {ERRORS} }} }}"
UPDATE_LEAD = f"""
mutation($id: ID!, $input: LeadInput!, $expectedVersion: Int) {{
  updateLead(id: $id, input: $input, expectedVersion: $expectedVersion) {{ lead {{ {LEAD_FIELDS} }} {ERRORS} }}
}}"""
CHANGE_STATE = f"""
mutation($id: ID!, $to: LeadState!, $assignTo: ID) {{
  changeLeadState(id: $id, to: $to, assignTo: $assignTo) {{ lead {{ {LEAD_FIELDS} }} {ERRORS} }}
}}"""
LEAD = f"query($id: ID!) {{ node(id: $id) {{ ... on Lead {{ {LEAD_FIELDS} }} }} }}"
TOTALS = "{ leads { totalCount } auditEvents { totalCount } }"
CREATE_PROGRAM = f"""
mutation($name: String!) {{ createLeadProgram(name: $name) {{ leadProgram {{ id name active }} {ERRORS} }} }}"""
CREATE_SOURCE = f"""
mutation($name: String!) {{ createLeadSource(name: $name) {{ leadSource {{ id name active }} {ERRORS} }} }}"""
PROGRAM_ACTIVE = f"""
mutation($id: ID!, $active: Boolean!) {{
  setLeadProgramActive(id: $id, active: $active) {{ leadProgram {{ id name active }} {ERRORS} }}
}}"""
SOURCE_ACTIVE = f"""
mutation($id: ID!, $active: Boolean!) {{
  setLeadSourceActive(id: $id, active: $active) {{ leadSource {{ id name active }} {ERRORS} }}
}}"""
STATISTICS = """
{
  leadPrograms(includeInactive: true) { name openLeads closedLeads leadsByState { state count } }
  leadSources(includeInactive: true) { name openLeads closedLeads leadsByState { state count } }
}"""
STATES = [s.name for s in LeadState]

# how a new lead reaches each state through allowed moves
PATHS = {
    "PENDING_QUALIFICATION": [],
    "DEVELOPMENT": ["DEVELOPMENT"],
    "QUOTING": ["DEVELOPMENT", "QUOTING"],
    "CUSTOMER": ["DEVELOPMENT", "QUOTING", "CUSTOMER"],
    "INACTIVE": ["INACTIVE"],
}
ALLOWED = [(a.name, b.name) for a, moves in LEAD_MOVES.items() for b in moves]
REFUSED = [(a, b) for a in STATES for b in STATES if (a, b) not in ALLOWED]


def test_the_table_is_spec_section_5():
    assert {a: set(b) for a, b in allowed_by_name().items()} == {
        "PENDING_QUALIFICATION": {"DEVELOPMENT", "INACTIVE"},
        "DEVELOPMENT": {"QUOTING", "PENDING_QUALIFICATION", "INACTIVE"},
        "QUOTING": {"CUSTOMER", "DEVELOPMENT", "INACTIVE"},
        "INACTIVE": {"PENDING_QUALIFICATION"},
        "CUSTOMER": set(),
    }


def allowed_by_name() -> dict[str, list[str]]:
    return {a.name: [b.name for b in moves] for a, moves in LEAD_MOVES.items()}


class World:
    def __init__(self, api: Any) -> None:
        self.api = api

    async def setup(self) -> World:
        api = self.api
        self.admin = (await api.ok("{ viewer { id } }"))["viewer"]["id"]
        self.acme = global_id("Customer", (await factories.customer(api.database, "Acme")).id)
        self.other = global_id("Customer", (await factories.customer(api.database, "Other")).id)
        self.program = (await api.ok(CREATE_PROGRAM, {"name": "Wholesale"}))["createLeadProgram"]["leadProgram"]["id"]
        self.source = (await api.ok(CREATE_SOURCE, {"name": "Trade show"}))["createLeadSource"]["leadSource"]["id"]
        self.rep = global_id("User", (await factories.user(api.database, "rep@example.com")).id)
        return self

    async def create(self, **input: Any) -> dict[str, Any]:
        answer = (await self.api.ok(CREATE_LEAD, {"input": {"customer": self.acme, "program": self.program,
                                                            **input}}))["createLead"]
        assert answer["userErrors"] == [], answer
        return answer["lead"]

    async def move(self, lead_id: str, to: str, assign_to: str | None = None) -> dict[str, Any]:
        return (await self.api.ok(CHANGE_STATE, {"id": lead_id, "to": to, "assignTo": assign_to}))["changeLeadState"]

    async def lead(self, lead_id: str) -> dict[str, Any]:
        return (await self.api.ok(LEAD, {"id": lead_id}))["node"]

    async def totals(self) -> dict[str, Any]:
        return await self.api.ok(TOTALS)


@pytest.fixture
async def world(api) -> World:
    return await World(api).setup()


# ------------------------------------------------------------------ createLead

async def test_create_lead_numbers_one_two_three_and_records_the_first_state(world):
    # when
    first = await world.create(source=world.source, insideSalesRep=world.rep, outsideSalesRep=world.admin,
                               assignedTo=world.rep, probability=40, estimatedConversionDate="2027-01-31",
                               potentialValue="1250.50")
    second = await world.create()
    third = await world.create()
    # then
    assert [first["number"], second["number"], third["number"]] == [1, 2, 3]
    assert first["state"] == "PENDING_QUALIFICATION" and first["open"] is True and first["version"] == 1
    assert first["customer"] == {"id": world.acme}
    assert first["program"] == {"id": world.program, "name": "Wholesale"}
    assert first["source"] == {"id": world.source, "name": "Trade show"}
    assert first["insideSalesRep"] == {"id": world.rep} and first["outsideSalesRep"] == {"id": world.admin}
    assert first["assignedTo"] == {"id": world.rep}
    assert first["probability"] == 40 and first["estimatedConversionDate"] == "2027-01-31"
    assert first["potentialValue"] == {"amount": "1250.50", "currency": "USD"}
    assert first["allowedTransitions"] == ["DEVELOPMENT", "INACTIVE"]
    [change] = first["stateHistory"]
    assert change["from"] is None and change["to"] == "PENDING_QUALIFICATION"
    assert change["by"] == {"id": world.admin} and change["assignedTo"] == {"id": world.rep}
    assert second["source"] is None and second["assignedTo"] is None and second["potentialValue"] is None
    events = await world.api.ok("query($id: ID!) { auditEvents(entityId: $id) { edges { node { action changes } } } }",
                                {"id": first["id"]})
    [event] = [e["node"] for e in events["auditEvents"]["edges"]]
    assert event["action"] == "createLead" and event["changes"]["number"] == [None, 1]


async def test_concurrent_creations_get_distinct_numbers(world):
    # when: 8 requests at once
    answers = await asyncio.gather(*(world.api.ok(CREATE_LEAD, {"input": {"customer": world.acme,
                                                                         "program": world.program}})
                                     for _ in range(8)))
    # then
    assert all(a["createLead"]["userErrors"] == [] for a in answers)
    assert sorted(a["createLead"]["lead"]["number"] for a in answers) == list(range(1, 9))
    assert (await world.totals())["leads"]["totalCount"] == 8


@pytest.mark.parametrize("change, code, field", [
    ({"program": None}, "REQUIRED", ["input", "program"]),
    ({"customer": None}, "REQUIRED", ["input", "customer"]),
    ({"customer": global_id("Customer", 999)}, "NOT_FOUND", ["input", "customer"]),
    ({"customer": global_id("Item", 1)}, "NOT_FOUND", ["input", "customer"]),
    ({"program": global_id("LeadProgram", 999)}, "NOT_FOUND", ["input", "program"]),
    ({"source": global_id("LeadSource", 999)}, "NOT_FOUND", ["input", "source"]),
    ({"assignedTo": global_id("User", 999)}, "NOT_FOUND", ["input", "assignedTo"]),
    ({"probability": 101}, "INVALID", ["input", "probability"]),
    ({"probability": -1}, "INVALID", ["input", "probability"]),
    ({"potentialValue": "-0.01"}, "INVALID", ["input", "potentialValue"]),
    ({"potentialValue": "1.001"}, "INVALID", ["input", "potentialValue"]),
])
async def test_create_lead_refusals_write_nothing(world, change, code, field):
    before = await world.totals()
    # when
    answer = (await world.api.ok(CREATE_LEAD, {"input": {"customer": world.acme, "program": world.program,
                                                         **change}}))["createLead"]
    # then
    assert answer["lead"] is None
    assert [(e["code"], e["field"]) for e in answer["userErrors"]] == [(code, field)]
    assert await world.totals() == before
    assert (await world.create())["number"] == 1  # no number was used up


async def test_inactive_program_source_or_user_are_refused(world):
    await world.api.ok(PROGRAM_ACTIVE, {"id": world.program, "active": False})
    await world.api.ok(SOURCE_ACTIVE, {"id": world.source, "active": False})
    rep = await factories.user(world.api.database, "gone@example.com")
    await factories.set_row(world.api.database, User, rep.id, active=False)
    before = await world.totals()
    # when
    answer = (await world.api.ok(CREATE_LEAD, {"input": {
        "customer": world.acme, "program": world.program, "source": world.source,
        "assignedTo": global_id("User", rep.id)}}))["createLead"]
    # then: every problem at once
    assert answer["lead"] is None
    assert sorted((e["code"], e["field"][-1]) for e in answer["userErrors"]) == [
        ("INVALID", "program"), ("INVALID", "source"), ("NOT_FOUND", "assignedTo")]
    assert await world.totals() == before


# ------------------------------------------------------------------ updateLead

async def test_update_lead_changes_the_named_fields_only(world):
    lead = await world.create(probability=10, source=world.source, potentialValue="100")
    # when
    answer = (await world.api.ok(UPDATE_LEAD, {"id": lead["id"], "expectedVersion": 1, "input": {
        "probability": 75, "source": None, "assignedTo": world.rep}}))["updateLead"]
    # then
    assert answer["userErrors"] == []
    updated = answer["lead"]
    assert updated["probability"] == 75 and updated["source"] is None and updated["assignedTo"] == {"id": world.rep}
    assert updated["potentialValue"] == {"amount": "100.00", "currency": "USD"} and updated["version"] == 2
    assert updated["state"] == "PENDING_QUALIFICATION" and updated["number"] == lead["number"]


@pytest.mark.parametrize("input, version, code, field", [
    ({"probability": 50}, 7, "STALE_VERSION", ["expectedVersion"]),
    ({"customer": "OTHER"}, 1, "INVALID", ["input", "customer"]),
    ({"program": None}, 1, "REQUIRED", ["input", "program"]),
    ({"probability": 500}, 1, "INVALID", ["input", "probability"]),
])
async def test_update_lead_refusals_change_nothing(world, input, version, code, field):
    lead = await world.create(probability=10)
    if input.get("customer") == "OTHER":
        input = {"customer": world.other}
    before = await world.totals()
    # when
    answer = (await world.api.ok(UPDATE_LEAD, {"id": lead["id"], "expectedVersion": version,
                                               "input": input}))["updateLead"]
    # then
    assert answer["lead"] is None
    assert [(e["code"], e["field"]) for e in answer["userErrors"]] == [(code, field)]
    assert await world.lead(lead["id"]) == lead
    assert await world.totals() == before


# ------------------------------------------------------------------ changeLeadState

@pytest.mark.parametrize("from_, to", ALLOWED)
async def test_every_allowed_move(world, from_, to):
    lead = await world.create()
    for state in PATHS[from_]:
        assert (await world.move(lead["id"], state))["userErrors"] == []
    before = await world.lead(lead["id"])
    # when
    answer = await world.move(lead["id"], to)
    # then
    assert answer["userErrors"] == []
    moved = answer["lead"]
    assert moved["state"] == to and moved["version"] == before["version"] + 1
    assert moved["open"] is (to not in ("CUSTOMER", "INACTIVE"))
    assert moved["allowedTransitions"] == allowed_by_name()[to]
    assert len(moved["stateHistory"]) == len(PATHS[from_]) + 2
    last = moved["stateHistory"][-1]
    assert (last["from"], last["to"], last["by"], last["assignedTo"]) == (from_, to, {"id": world.admin}, None)
    assert [(c["from"], c["to"]) for c in moved["stateHistory"]] == list(zip(
        [None, "PENDING_QUALIFICATION", *PATHS[from_]], ["PENDING_QUALIFICATION", *PATHS[from_], to], strict=True))
    assert moved["stateHistory"][-2]["at"] <= last["at"]


@pytest.mark.parametrize("from_, to", REFUSED)
async def test_every_refused_move_changes_nothing(world, from_, to):
    lead = await world.create()
    for state in PATHS[from_]:
        assert (await world.move(lead["id"], state))["userErrors"] == []
    before, totals = await world.lead(lead["id"]), await world.totals()
    # when
    answer = await world.move(lead["id"], to, world.rep)
    # then
    assert answer["lead"] is None
    [error] = answer["userErrors"]
    assert error["code"] == "INVALID_TRANSITION" and error["field"] == ["to"]
    assert f"from {from_} to {to}" in error["message"]
    assert await world.lead(lead["id"]) == before
    assert await world.totals() == totals


async def test_a_move_may_reassign_the_lead(world):
    lead = await world.create(assignedTo=world.admin)
    # when
    moved = (await world.move(lead["id"], "DEVELOPMENT", world.rep))["lead"]
    kept = (await world.move(lead["id"], "QUOTING"))["lead"]
    # then
    assert moved["assignedTo"] == {"id": world.rep}
    assert [c["assignedTo"] for c in moved["stateHistory"]] == [{"id": world.admin}, {"id": world.rep}]
    assert kept["assignedTo"] == {"id": world.rep} and kept["stateHistory"][-1]["assignedTo"] == {"id": world.rep}
    assert kept["version"] == 3


async def test_reassigning_to_a_missing_or_inactive_user_changes_nothing(world):
    lead = await world.create()
    gone = await factories.user(world.api.database, "gone@example.com")
    await factories.set_row(world.api.database, User, gone.id, active=False)
    before, totals = await world.lead(lead["id"]), await world.totals()
    for assignee in (global_id("User", gone.id), global_id("User", 999), world.acme):
        # when
        answer = await world.move(lead["id"], "DEVELOPMENT", assignee)
        # then
        assert answer["lead"] is None
        assert [(e["code"], e["field"]) for e in answer["userErrors"]] == [("NOT_FOUND", ["assignTo"])]
    assert await world.lead(lead["id"]) == before
    assert await world.totals() == totals


async def test_changing_the_state_of_a_missing_lead(world):
    answer = await world.move(global_id("Lead", 999), "DEVELOPMENT")
    assert answer["lead"] is None and [e["code"] for e in answer["userErrors"]] == ["NOT_FOUND"]


async def test_program_and_source_statistics_follow_the_moves(world):
    lead = await world.create(source=world.source)
    await world.create()

    def figures(data: dict[str, Any]) -> tuple:
        [program] = data["leadPrograms"]
        [source] = data["leadSources"]
        return (program["openLeads"], program["closedLeads"], [s["count"] for s in program["leadsByState"]],
                source["openLeads"], source["closedLeads"], [s["count"] for s in source["leadsByState"]])

    assert figures(await world.api.ok(STATISTICS)) == (2, 0, [2, 0, 0, 0, 0], 1, 0, [1, 0, 0, 0, 0])
    # when
    await world.move(lead["id"], "DEVELOPMENT")
    await world.move(lead["id"], "QUOTING")
    # then
    assert figures(await world.api.ok(STATISTICS)) == (2, 0, [1, 0, 1, 0, 0], 1, 0, [0, 0, 1, 0, 0])
    # when
    await world.move(lead["id"], "CUSTOMER")
    # then
    assert figures(await world.api.ok(STATISTICS)) == (1, 1, [1, 0, 0, 1, 0], 0, 1, [0, 0, 0, 1, 0])


# ------------------------------------------------------------------ programs and sources

@pytest.mark.parametrize("create, field, payload, taken", [
    (CREATE_PROGRAM, "createLeadProgram", "leadProgram", " wholesale "),
    (CREATE_SOURCE, "createLeadSource", "leadSource", "TRADE SHOW"),
])
async def test_names_are_required_short_and_unique_without_regard_to_case(world, create, field, payload, taken):
    before = await world.totals()
    for name, code in ((taken, "DUPLICATE"), ("", "REQUIRED"), ("   ", "REQUIRED"), ("x" * 201, "INVALID")):
        # when
        answer = (await world.api.ok(create, {"name": name}))[field]
        # then
        assert [(e["code"], e["field"]) for e in answer["userErrors"]] == [(code, ["name"])], name
        assert answer[payload] is None
    assert await world.totals() == before
    # when
    made = (await world.api.ok(create, {"name": "  Referral  "}))[field]
    # then
    assert made["userErrors"] == [] and made[payload]["name"] == "Referral" and made[payload]["active"] is True
    assert (await world.api.ok(create, {"name": "x" * 200}))[field]["userErrors"] == []


async def test_deactivation(world):
    async def version(model: Any, name: str) -> int:
        async with world.api.database.read_session() as session:
            return await session.scalar(select(model.version).where(model.name == name))

    # when
    program = (await world.api.ok(PROGRAM_ACTIVE, {"id": world.program, "active": False}))["setLeadProgramActive"]
    source = (await world.api.ok(SOURCE_ACTIVE, {"id": world.source, "active": False}))["setLeadSourceActive"]
    # then
    assert program == {"leadProgram": {"id": world.program, "name": "Wholesale", "active": False}, "userErrors": []}
    assert source == {"leadSource": {"id": world.source, "name": "Trade show", "active": False}, "userErrors": []}
    assert await version(LeadProgram, "Wholesale") == 2 and await version(LeadSource, "Trade show") == 2
    listed = await world.api.ok("{ leadPrograms { name } leadSources { name } }")
    assert listed == {"leadPrograms": [], "leadSources": []}
    # when: back again
    program = (await world.api.ok(PROGRAM_ACTIVE, {"id": world.program, "active": True}))["setLeadProgramActive"]
    # then
    assert program["leadProgram"]["active"] is True and await version(LeadProgram, "Wholesale") == 3
    missing = (await world.api.ok(SOURCE_ACTIVE, {"id": global_id("LeadSource", 999), "active": True}))
    assert [e["code"] for e in missing["setLeadSourceActive"]["userErrors"]] == ["NOT_FOUND"]


async def test_leads_keep_a_program_that_was_deactivated(world):
    lead = await world.create(probability=5)
    await world.api.ok(PROGRAM_ACTIVE, {"id": world.program, "active": False})
    # when: an update that keeps the program, and a move
    answer = (await world.api.ok(UPDATE_LEAD, {"id": lead["id"], "input": {"program": world.program,
                                                                          "probability": 6}}))["updateLead"]
    moved = await world.move(lead["id"], "DEVELOPMENT")
    # then
    assert answer["userErrors"] == [] and answer["lead"]["probability"] == 6
    assert moved["userErrors"] == [] and moved["lead"]["program"]["id"] == world.program
