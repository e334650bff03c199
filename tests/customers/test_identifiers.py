"""Customer numbers, location codes and item codes are one regardless of case and of the blanks
around them, on every way in (create, update, import) and every lookup: a spelling of a taken
identifier is refused as DUPLICATE or matched, never a second record.

Hypothesis spells identifiers with letters flipped in case and blanks around, and a plain
reference (`same`) says which two spellings are one: A-Z fold, nothing else does (Ä and ä stay
two, docs/decisions.md).
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests import factories
from tests.customers.test_customer_mutations import CREATE_CUSTOMER, UPDATE_CUSTOMER, fake_id
from tests.imports.test_import import csv_of, post

RESET = ("audit_event_entities", "audit_events", "locations", "customers", "items")
EXAMPLES = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ERRORS = "userErrors { field message code }"
FIND = "query($number: String!) { customer(number: $number) { id number name } }"
CUSTOMER = "query($id: ID!) { customer(id: $id) { number name version } }"
COUNTS = """query($id: ID!) {
  customers(filter: {includeInactive: true}) { totalCount }
  auditEvents { totalCount }
  customer(id: $id) { locations { edges { node { id code version } } } }
}"""
CREATE_LOCATION = f"""mutation($input: LocationInput!) {{
  createLocation(input: $input) {{ location {{ id code }} {ERRORS} }} }}"""
UPDATE_LOCATION = f"""mutation($id: ID!, $input: LocationInput!) {{
  updateLocation(id: $id, input: $input) {{ location {{ id code }} {ERRORS} }} }}"""
CREATE_ITEM = f"""mutation($input: ItemInput!) {{ createItem(input: $input) {{ item {{ id code }} {ERRORS} }} }}"""
UPDATE_ITEM = f"""mutation($id: ID!, $input: ItemInput!) {{ updateItem(id: $id, input: $input) {{ item {{ id code }} {ERRORS} }} }}"""
ITEMS = "{ items { edges { node { id code version } } } }"

ASCII_SWAPPED = str.maketrans(string.ascii_letters, string.ascii_uppercase + string.ascii_lowercase)
# Q appears in no generated identifier: "Q-…" never clashes with one
identifiers = st.text(alphabet="ABXabx01-Ää", min_size=1, max_size=6)
blanks = st.sampled_from(["", " ", "  ", "\t", " \t"])


@st.composite
def spelled(draw: Any, of: str) -> str:
    """`of` with any of its letters' case flipped and blanks around."""
    flips = draw(st.lists(st.booleans(), min_size=len(of), max_size=len(of)))
    return draw(blanks) + "".join(c.swapcase() if f else c for c, f in zip(of, flips)) + draw(blanks)


@st.composite
def two(draw: Any) -> tuple[str, str]:
    """A spelling of an identifier, and a second spelling: of the same one or of another."""
    first = draw(identifiers)
    return draw(spelled(first)), draw(spelled(first) | identifiers.flatmap(spelled))


def same(a: str, b: str) -> bool:
    """The reference: trimmed, with only A-Z lowered, the two are equal."""
    def key(s: str) -> str:
        return "".join(c.lower() if c in string.ascii_uppercase else c for c in s.strip())
    return key(a) == key(b)


async def reset(api: Any) -> None:
    async with api.database.engine.begin() as connection:
        for table in RESET:
            await connection.execute(text(f"DELETE FROM {table}"))


def refused(payload: dict[str, Any], field: str) -> None:
    """A DUPLICATE of the input's identifier, and no object."""
    assert payload[field] is None, payload
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("DUPLICATE", ["input", field_of[field]])]


field_of = {"customer": "number", "location": "code", "item": "code"}


def accepted(payload: dict[str, Any], field: str) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload
    return payload[field]


@EXAMPLES
@given(spellings=two())
async def test_customer_number__one_regardless_of_case(api, spellings):
    # given: X numbered with the first spelling, Y with a number no spelling can take
    first, second = spellings
    await reset(api)
    x = fake_id("Customer", (await factories.customer(api.database, "X", number=first)).id)
    y = fake_id("Customer", (await factories.customer(api.database, "Y", number="Q-1")).id)
    one = same(first, second)

    # when / then: a lookup finds X by any spelling of its number
    found = (await api.ok(FIND, {"number": second}))["customer"]
    assert (found and found["id"]) == (x if one else None)
    assert (await api.ok(CUSTOMER, {"id": x}))["customer"]["number"] == first.strip()

    # an import row updates X (its number as it was), or creates a customer numbered as typed
    answer = (await post(api, csv_of("number,name", f"{second},Imported"))).json()
    assert answer == {"created": 0 if one else 1, "updated": 1 if one else 0, "errors": []}
    if one:
        assert (await api.ok(CUSTOMER, {"id": x}))["customer"] == {"number": first.strip(), "name": "Imported",
                                                                   "version": 2}
    holder = (await api.ok(FIND, {"number": second.strip().translate(ASCII_SWAPPED)}))["customer"]
    assert holder["number"] == (first.strip() if one else second.strip())

    # now some customer holds the second spelling: creating with it, or renaming Y to it, is refused
    before = await api.ok(COUNTS, {"id": y})
    refused((await api.ok(CREATE_CUSTOMER, {"input": {"name": "Z", "number": second}}))["createCustomer"],
            "customer")
    refused((await api.ok(UPDATE_CUSTOMER, {"id": y, "input": {"number": second}}))["updateCustomer"], "customer")
    assert await api.ok(COUNTS, {"id": y}) == before
    assert (await api.ok(CUSTOMER, {"id": y}))["customer"]["number"] == "Q-1"

    # and X may take it only when it is its own number, in another case: stored as typed
    payload = (await api.ok(UPDATE_CUSTOMER, {"id": x, "input": {"number": second}}))["updateCustomer"]
    if one:
        assert accepted(payload, "customer")["number"] == second.strip()
    else:
        refused(payload, "customer")
    assert (await api.ok(COUNTS, {"id": y}))["customers"]["totalCount"] == (2 if one else 3)


@EXAMPLES
@given(spellings=two())
async def test_location_code__one_per_customer_regardless_of_case(api, spellings):
    # given: X and Y each with a location coded with the first spelling
    first, second = spellings
    await reset(api)
    x = (await factories.customer(api.database, "X")).id
    y = (await factories.customer(api.database, "Y")).id
    x_first = fake_id("Location", (await factories.location(api.database, x, first)).id)
    y_first = fake_id("Location", (await factories.location(api.database, y, first)).id)
    x_other = fake_id("Location", (await factories.location(api.database, x, "Q-1")).id)
    one = same(first, second)
    x_id = fake_id("Customer", x)

    # when / then: X takes a location with the second spelling only when it is another code
    before = await api.ok(COUNTS, {"id": x_id})
    payload = (await api.ok(CREATE_LOCATION, {"input": {"customer": x_id, "code": second, "alias": "New"}}))
    if one:
        refused(payload["createLocation"], "location")
        assert await api.ok(COUNTS, {"id": x_id}) == before
    else:
        assert accepted(payload["createLocation"], "location")["code"] == second.strip()

    # another customer's codes do not count: Y's location takes the spelling
    payload = await api.ok(UPDATE_LOCATION, {"id": y_first, "input": {"code": second}})
    assert accepted(payload["updateLocation"], "location")["code"] == second.strip()

    # X holds the spelling now: its other location may not take it, its first may when it is its own
    before = await api.ok(COUNTS, {"id": x_id})
    refused((await api.ok(UPDATE_LOCATION, {"id": x_other, "input": {"code": second}}))["updateLocation"],
            "location")
    assert await api.ok(COUNTS, {"id": x_id}) == before
    payload = (await api.ok(UPDATE_LOCATION, {"id": x_first, "input": {"code": second}}))["updateLocation"]
    if one:
        assert accepted(payload, "location")["code"] == second.strip()
    else:
        refused(payload, "location")
    codes = sorted(e["node"]["code"] for e in (await api.ok(COUNTS, {"id": x_id}))["customer"]["locations"]["edges"])
    assert codes == sorted(["Q-1", second.strip()] + ([] if one else [first.strip()]))


@EXAMPLES
@given(spellings=two())
async def test_item_code__one_regardless_of_case(api, spellings):
    # given
    first, second = spellings
    await reset(api)
    item = fake_id("Item", (await factories.item(api.database, first, "1.00")).id)
    one = same(first, second)
    new = {"code": second, "description": "New", "unit": "EA", "unitPrice": "2.00"}
    # when
    created = (await api.ok(CREATE_ITEM, {"input": new}))["createItem"]
    # then: refused when it spells the same code, else created as typed
    if one:
        refused(created, "item")
        before = await api.ok(ITEMS)
        payload = (await api.ok(UPDATE_ITEM, {"id": item, "input": {"code": second}}))["updateItem"]
        assert accepted(payload, "item")["code"] == second.strip()  # its own code in another case
    else:
        assert accepted(created, "item")["code"] == second.strip()
        before = await api.ok(ITEMS)
        refused((await api.ok(UPDATE_ITEM, {"id": item, "input": {"code": second}}))["updateItem"], "item")
        assert await api.ok(ITEMS) == before


async def test_import__a_number_twice_in_any_case_refuses_the_file(api):
    # given
    await factories.customer(api.database, "X", number="C-000151")
    before = await api.ok(COUNTS, {"id": fake_id("Customer", 1)})
    # when
    response = await post(api, csv_of("number,name", "c-000151,First", "B-7,Other", " C-000151 ,Second"))
    # then
    assert response.status_code == 400
    assert "C-000151 appears more than once in the file (rows 2 and 4)" in response.json()["error"]
    assert await api.ok(COUNTS, {"id": fake_id("Customer", 1)}) == before


async def test_numbering__skips_a_number_taken_in_another_case(api):
    # given: numbers given by hand in lower case, where the sequence will come
    for number in ("c-000001", " c-000002"):
        await factories.customer(api.database, number, number=number)
    # when: numbered by the sequence, by the API and by the importer
    made = (await api.ok(CREATE_CUSTOMER, {"input": {"name": "Numbered"}}))["createCustomer"]["customer"]
    imported = (await post(api, csv_of("name", "Imported"))).json()
    # then
    assert made["number"] == "C-000003"
    assert imported == {"created": 1, "updated": 0, "errors": []}
    assert (await api.ok(FIND, {"number": "C-000004"}))["customer"]["name"] == "Imported"
