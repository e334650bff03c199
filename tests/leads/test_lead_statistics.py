"""Lead program and source statistics (SPEC §4 last row, seed 004): open and closed leads, leads
in every state, leads by source and by program; one statement per family for every program."""

from __future__ import annotations

import pytest

from tests import factories

PROGRAMS = """
{
  leadPrograms {
    name openLeads closedLeads
    leadsByState { state count }
    leadsBySource { source { name } count }
  }
}
"""

SOURCES = """
{
  leadSources {
    name openLeads closedLeads
    leadsByState { state count }
    leadsByProgram { program { name } count }
  }
}
"""

STATES = ("PENDING_QUALIFICATION", "DEVELOPMENT", "QUOTING", "CUSTOMER", "INACTIVE")


def states(*counts: int) -> list[dict]:
    return [{"state": state, "count": n} for state, n in zip(STATES, counts, strict=True)]


@pytest.fixture
async def leads(api):
    """Wholesale: 2 from Trade show (pending, customer), 2 from Cold call (pending, development),
    2 without a source (quoting, inactive). Retail: 1 from Cold call (development). Empty and the
    source Ads have no leads."""
    acme = await factories.customer(api.database, "Acme")
    made = [("Wholesale", "Trade show", "PENDING_QUALIFICATION"), ("Wholesale", "Trade show", "CUSTOMER"),
            ("Wholesale", "Cold call", "PENDING_QUALIFICATION"), ("Wholesale", "Cold call", "DEVELOPMENT"),
            ("Wholesale", None, "QUOTING"), ("Wholesale", None, "INACTIVE"), ("Retail", "Cold call", "DEVELOPMENT")]
    for number, (program, source, state) in enumerate(made, start=1):
        await factories.lead_in(api.database, acme.id, number, program=program, source=source, state=state)
    await factories.lead_program(api.database, "Empty")
    await factories.lead_source(api.database, "Ads")


async def test_lead_program_statistics(api, leads):
    # when
    data = await api.ok(PROGRAMS)
    # then: programs by name; sources by count, then name, "no source" after named ties
    by_name = {p["name"]: p for p in data["leadPrograms"]}
    assert list(by_name) == ["Empty", "Retail", "Wholesale"]
    assert by_name["Wholesale"] == {
        "name": "Wholesale", "openLeads": 4, "closedLeads": 2, "leadsByState": states(2, 1, 1, 1, 1),
        "leadsBySource": [{"source": {"name": "Cold call"}, "count": 2}, {"source": {"name": "Trade show"}, "count": 2},
                          {"source": None, "count": 2}]}
    assert by_name["Retail"]["leadsBySource"] == [{"source": {"name": "Cold call"}, "count": 1}]
    assert (by_name["Retail"]["openLeads"], by_name["Retail"]["closedLeads"]) == (1, 0)
    assert by_name["Empty"] == {"name": "Empty", "openLeads": 0, "closedLeads": 0,
                                "leadsByState": states(0, 0, 0, 0, 0), "leadsBySource": []}


async def test_lead_source_statistics(api, leads):
    # when
    data = await api.ok(SOURCES)
    # then
    by_name = {s["name"]: s for s in data["leadSources"]}
    assert by_name["Cold call"] == {
        "name": "Cold call", "openLeads": 3, "closedLeads": 0, "leadsByState": states(1, 2, 0, 0, 0),
        "leadsByProgram": [{"program": {"name": "Wholesale"}, "count": 2}, {"program": {"name": "Retail"}, "count": 1}]}
    assert by_name["Trade show"]["leadsByState"] == states(1, 0, 0, 1, 0)
    assert (by_name["Trade show"]["openLeads"], by_name["Trade show"]["closedLeads"]) == (1, 1)
    assert by_name["Ads"] == {"name": "Ads", "openLeads": 0, "closedLeads": 0,
                              "leadsByState": states(0, 0, 0, 0, 0), "leadsByProgram": []}


async def test_lead_statistics__through_a_lead(api, leads):
    # when: the program and source of one lead, reached from the lead
    data = await api.ok("{ lead(number: 7) { program { name openLeads } source { name openLeads closedLeads } } }")
    # then
    assert data["lead"] == {"program": {"name": "Retail", "openLeads": 1},
                            "source": {"name": "Cold call", "openLeads": 3, "closedLeads": 0}}


NESTED = """
{
  leadPrograms {
    openLeads closedLeads leadsByState { count }
    leadsBySource { count source { name openLeads leadsByProgram { count program { name closedLeads } } } }
  }
  leadSources { openLeads leadsByState { count } leadsByProgram { count } }
}
"""


async def test_lead_statistics__several_programs_cost_the_same_as_one(api):
    # given: one program with leads from two sources
    acme = await factories.customer(api.database, "Acme")
    await factories.lead_in(api.database, acme.id, 1, program="P0", source="S0")
    await factories.lead_in(api.database, acme.id, 2, program="P0", source="S1", state="CUSTOMER")
    one = await api.count(NESTED)
    # when: six programs and six sources with leads
    number = 3
    for p in range(1, 6):
        for s in range(6):
            await factories.lead_in(api.database, acme.id, number, program=f"P{p}", source=f"S{s}",
                                    state=STATES[number % 5])
            number += 1
    several = await api.count(NESTED)
    # then
    assert several == one <= 5  # the two lists, one family each for programs and sources
    assert len((await api.ok(NESTED))["leadPrograms"]) == 6
