"""Phone numbers found as people type them: by their digits, whatever the punctuation
(server/customers/phones.py), in the customer, location and lead lists and their exports."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests import factories
from tests.exports.test_exports import get, sheet
from tests.imports.test_import import csv_of, post
from tests.seed.ledger_checks import check_phone_digits

CUSTOMERS = """query($search: String) { customers(first: 250, filter: {search: $search, includeInactive: true}) {
  edges { node { number } } } }"""
LOCATIONS = """query($search: String) { locations(first: 250, search: $search) { edges { node { code } } } }"""
LEADS = """query($search: String) { leads(first: 250, filter: {search: $search}) { edges { node { number } } } }"""
RESET = ("leads", "locations", "contacts", "audit_event_entities", "audit_events", "customers")
SEPARATORS = [" ", "-", ".", "(", ")", "/", "+", "  ", " - ", "\u2013", "\u00a0"]


async def found(api: Any, query: str, search: str) -> set[str]:
    data = await api.ok(query, {"search": search})
    nodes = [edge["node"] for edge in next(iter(data.values()))["edges"]]
    return {str(next(iter(node.values()))) for node in nodes}


@st.composite
def formatted(draw: Any, digits: str) -> str:
    """The digits as someone may write them: any punctuation and spaces around and between them."""
    parts = [draw(st.sampled_from(["", *SEPARATORS]))]
    for digit in digits:
        parts += [digit, draw(st.sampled_from(["", "", *SEPARATORS]))]
    return "".join(parts)


numbers = st.text("0159", min_size=4, max_size=11)  # few digits: numbers that share runs of them


@st.composite
def books(draw: Any) -> tuple[list[tuple[str, str, str]], str, str]:
    """Customers (phone, a contact's mobile, a location's phone: each as typed) and a search made
    of a run of digits of one of those numbers (or any digits), written its own way."""
    entries = draw(st.lists(st.tuples(numbers, numbers, numbers), min_size=1, max_size=4))
    typed = [tuple(draw(formatted(n)) for n in entry) for entry in entries]
    source = draw(st.sampled_from([n for entry in entries for n in entry]) | numbers)
    start = draw(st.integers(0, len(source) - 3))
    wanted = source[start:draw(st.integers(start + 3, len(source)))]
    return typed, wanted, draw(formatted(wanted))


async def reset(api: Any) -> None:
    async with api.database.engine.begin() as connection:
        for table in RESET:
            await connection.execute(text(f"DELETE FROM {table}"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(book=books())
async def test_phone_search__every_formatting_of_the_digits_finds_the_same(api, book):
    # given
    await reset(api)
    typed, wanted, search = book
    for n, (phone, mobile, site) in enumerate(typed):
        made = await factories.customer(api.database, f"Customer {'ABCD'[n]}", number=f"N-{'ABCD'[n]}", phone=phone)
        await factories.contact(api.database, made.id, "Pat", "Lee", mobilePhone=mobile)
        await factories.location(api.database, made.id, f"L{'ABCD'[n]}", contactPhone=site)

    def digits_of(text_: str) -> str:
        return "".join(c for c in text_ if c.isdigit() and c.isascii())

    # when
    customers = await found(api, CUSTOMERS, search)
    locations = await found(api, LOCATIONS, search)
    # then: the digits decide, whichever way either side was written
    assert customers == {f"N-{'ABCD'[n]}" for n, (phone, mobile, _) in enumerate(typed)
                         if wanted in digits_of(phone) or wanted in digits_of(mobile)}
    assert locations == {f"L{'ABCD'[n]}" for n, (_, _, site) in enumerate(typed) if wanted in digits_of(site)}
    assert customers == await found(api, CUSTOMERS, wanted)  # the bare digits find the same


@pytest.mark.parametrize("search", ["C-000158", "Route 31255", "5-8", "٣١٢٥٥٥٠١٠١"])
async def test_phone_search__text_that_is_not_a_phone_number_matches_as_text(api, search):
    # given: a phone number holding the search's digits, and no text field holding the search
    await factories.customer(api.database, "Grove Supply", phone="(312) 555-0101 / 000-158")
    # when
    customers = await found(api, CUSTOMERS, search)
    # then: letters or too few digits make it a text search, which matches nothing here
    assert customers == set()


async def test_phone_search__a_changed_number_is_found_by_its_new_digits(api):
    # given
    made = await factories.customer(api.database, "Grove Supply", number="G-1", phone="(312) 555-0101")
    await factories.contact(api.database, made.id, "Pat", "Lee", officePhone="773 555 0199")
    ids = (await api.ok("""{ customer(number: "G-1") { id contacts(first: 5) { edges { node { id } } } } }"""))
    contact_id = ids["customer"]["contacts"]["edges"][0]["node"]["id"]
    # when: both numbers change through the API
    changed = await api.ok("""mutation($id: ID!, $contact: ID!) {
      updateCustomer(id: $id, input: {phone: "+1 (847) 555-0142"}) { userErrors { message } }
      updateContact(id: $contact, input: {officePhone: null, mobilePhone: "630.555.0123"}) { userErrors { message } }
    }""", {"id": ids["customer"]["id"], "contact": contact_id})
    assert changed == {"updateCustomer": {"userErrors": []}, "updateContact": {"userErrors": []}}
    # then
    assert await found(api, CUSTOMERS, "847-555-0142") == {"G-1"}
    assert await found(api, CUSTOMERS, "630 555 0123") == {"G-1"}
    assert await found(api, CUSTOMERS, "312-555-0101") == set()
    assert await found(api, CUSTOMERS, "773-555-0199") == set()
    await check_phone_digits(api.database)


async def test_phone_search__imported_numbers_are_found_by_their_digits(api):
    # given: one customer there before the import, one the import creates
    await factories.customer(api.database, "Grove Supply", number="G-1", phone="(312) 555-0101")
    # when
    answer = await post(api, csv_of("number,name,phone", "G-1,Grove Supply,847.555.0142",
                                    "G-2,Hill Supply,(630) 555-0123"))
    # then
    assert answer.status_code == 200, answer.text
    assert await found(api, CUSTOMERS, "8475550142") == {"G-1"}
    assert await found(api, CUSTOMERS, "630-555-0123") == {"G-2"}
    assert await found(api, CUSTOMERS, "312 555 0101") == set()
    await check_phone_digits(api.database)


async def test_phone_search__leads_by_their_customer_s_phone(api):
    # given
    grove = await factories.customer(api.database, "Grove Supply", phone="(312) 555-0101")
    hill = await factories.customer(api.database, "Hill Supply", phone="312.555.0199")
    await factories.lead(api.database, grove.id, 7)
    await factories.lead(api.database, hill.id, 8)
    # when / then
    assert await found(api, LEADS, "312-555-0101") == {"7"}
    assert await found(api, LEADS, "(312) 555") == {"7", "8"}
    assert await found(api, LEADS, "8") == {"8"}  # a lead number still


async def test_phone_search__exports_search_as_their_lists(api):
    # given
    grove = await factories.customer(api.database, "Grove Supply", number="G-1", phone="(312) 555-0101")
    await factories.customer(api.database, "Hill Supply", number="H-1", phone="312.555.0199")
    await factories.location(api.database, grove.id, "A", contactPhone="630.555.0123")
    await factories.location(api.database, grove.id, "B", contactPhone="773.555.0123")
    # when
    customers = await get(api, "/export/customers.csv", filter={"search": "312-555-0101"}, columns=["number"])
    locations = await get(api, "/export/locations.xlsx", filter={"search": "(630) 555"}, columns=["code"])
    # then
    assert customers.status_code == 200, customers.text
    assert list(csv.reader(io.StringIO(customers.content.decode("utf-8-sig")))) == [["number"], ["G-1"]]
    assert [row[0] for row in sheet(locations)][1:] == ["A"]
