"""Customers, locations, contacts and items through `/graphql`: bad input, writes and versions.

Every refusal also checks that nothing was written: the list, the record or the audit log is
read again through the API.
"""

from __future__ import annotations

import base64
from typing import Any


CUSTOMER_FIELDS = """
    id number name alias status currency creditCode billingStatus termsBasis email phone version
    creditLimit { amount currency }
    priorSales { amount currency }
    paymentTerms { code dueDays }
    billingAddress { line1 line2 city region postalCode country }
    shippingAddress { line1 line2 city region postalCode country }
"""
CREATE_CUSTOMER = f"""
mutation($input: CustomerInput!) {{
  createCustomer(input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} userErrors {{ field message code }} }}
}}"""
UPDATE_CUSTOMER = f"""
mutation($id: ID!, $input: CustomerInput!, $expectedVersion: Int) {{
  updateCustomer(id: $id, input: $input, expectedVersion: $expectedVersion) {{
    customer {{ {CUSTOMER_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""
CUSTOMER = f"query($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}"
TOTALS = "{ customers(filter: {includeInactive: true}) { totalCount } auditEvents { totalCount } }"

LOCATION_FIELDS = "id code alias contactName contactEmail version shippingAddress { city country } customer { id }"
CREATE_LOCATION = f"""
mutation($input: LocationInput!) {{
  createLocation(input: $input) {{ location {{ {LOCATION_FIELDS} }} userErrors {{ field message code }} }}
}}"""
UPDATE_LOCATION = f"""
mutation($id: ID!, $input: LocationInput!, $expectedVersion: Int) {{
  updateLocation(id: $id, input: $input, expectedVersion: $expectedVersion) {{
    location {{ {LOCATION_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""
LOCATIONS = f"""
query($id: ID!) {{
  customer(id: $id) {{ locations {{ totalCount edges {{ node {{ {LOCATION_FIELDS} }} }} }} }}
}}"""

CONTACT_FIELDS = "id firstName lastName email isPrimary version"
CREATE_CONTACT = f"""
mutation($input: ContactInput!) {{
  createContact(input: $input) {{ contact {{ {CONTACT_FIELDS} }} userErrors {{ field message code }} }}
}}"""
UPDATE_CONTACT = f"""
mutation($id: ID!, $input: ContactInput!, $expectedVersion: Int) {{
  updateContact(id: $id, input: $input, expectedVersion: $expectedVersion) {{
    contact {{ {CONTACT_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""
DELETE_CONTACT = """
mutation($id: ID!) { deleteContact(id: $id) { deletedId userErrors { field message code } } }"""
CONTACTS = f"""
query($id: ID!) {{
  customer(id: $id) {{
    version primaryContact {{ id }}
    contacts {{ totalCount edges {{ node {{ {CONTACT_FIELDS} }} }} }}
  }}
}}"""

ITEM_FIELDS = "id code description unit active version unitPrice { amount currency } unitCost { amount }"
CREATE_ITEM = f"""
mutation($input: ItemInput!) {{
  createItem(input: $input) {{ item {{ {ITEM_FIELDS} }} userErrors {{ field message code }} }}
}}"""
UPDATE_ITEM = f"""
mutation($id: ID!, $input: ItemInput!, $expectedVersion: Int) {{
  updateItem(id: $id, input: $input, expectedVersion: $expectedVersion) {{
    item {{ {ITEM_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""
ITEM = f"query($id: ID!) {{ node(id: $id) {{ ... on Item {{ {ITEM_FIELDS} }} }} }}"


def fake_id(type_name: str, pk: int) -> str:
    """A global ID as the server makes them (base64 of `Type:pk`), for ids that name nothing."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def only_error(payload: dict[str, Any], field: str) -> dict[str, Any]:
    """The one userError of a refused mutation whose object is null."""
    assert payload[field] is None, payload
    assert len(payload["userErrors"]) == 1, payload["userErrors"]
    return payload["userErrors"][0]


async def create_customer(api: Any, **fields: Any) -> dict[str, Any]:
    data = await api.ok(CREATE_CUSTOMER, {"input": {"name": "Acme Wholesale", **fields}})
    assert data["createCustomer"]["userErrors"] == []
    return data["createCustomer"]["customer"]


async def totals(api: Any) -> dict[str, Any]:
    return await api.ok(TOTALS)


# ------------------------------------------------------------------ bad input

async def test_create_customer__name_missing(api):
    # given
    before = await totals(api)
    for given in ({"email": "buyer@example.com"}, {"name": "   "}, {"name": None}):
        # when
        data = await api.ok(CREATE_CUSTOMER, {"input": given})
        # then
        error = only_error(data["createCustomer"], "customer")
        assert (error["code"], error["field"]) == ("REQUIRED", ["input", "name"])
        assert "name" in error["message"]
    assert await totals(api) == before


async def test_create_customer__name_too_long(api):
    # given
    before = await totals(api)
    # when
    data = await api.ok(CREATE_CUSTOMER, {"input": {"name": "x" * 201}})
    # then
    error = only_error(data["createCustomer"], "customer")
    assert (error["code"], error["field"]) == ("INVALID", ["input", "name"])
    assert "200" in error["message"]
    assert await totals(api) == before


async def test_create_customer__unknown_credit_code(api):
    # given
    before = await totals(api)
    query = 'mutation { createCustomer(input: {name: "Acme", creditCode: BOGUS}) { customer { id } } }'
    # when
    response = await api.post(query)
    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert "data" not in answer
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "BOGUS" in error["message"] and "CreditCode" in error["message"]
    assert await totals(api) == before


async def test_create_customer__unknown_credit_code__graphql_response_media_type(api):
    # given
    before = await totals(api)
    query = 'mutation { createCustomer(input: {name: "Acme", creditCode: BOGUS}) { customer { id } } }'
    # when
    response = await api.post(query, headers={"Accept": "application/graphql-response+json"})
    # then
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "BOGUS" in error["message"]
    assert await totals(api) == before


async def test_create_customer__credit_limit_as_json_number(api):
    # given
    before = await totals(api)
    # when
    answer = await api.gql(CREATE_CUSTOMER, {"input": {"name": "Acme", "creditLimit": 0.1}})
    # then
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "creditLimit" in error["message"] and "string" in error["message"]
    assert answer.get("data") is None
    # when: a float literal in the document
    answer = await api.gql('mutation { createCustomer(input: {name: "Acme", creditLimit: 0.1}) { customer { id } } }')
    # then
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Decimal" in error["message"]
    assert await totals(api) == before


async def test_create_customer__credit_limit_with_three_places(api):
    # given
    before = await totals(api)
    # when
    data = await api.ok(CREATE_CUSTOMER, {"input": {"name": "Acme", "creditLimit": "1.005"}})
    # then
    error = only_error(data["createCustomer"], "customer")
    assert (error["code"], error["field"]) == ("INVALID", ["input", "creditLimit"])
    assert "decimal places" in error["message"]
    assert await totals(api) == before


async def test_create_customer__every_problem_reported_together(api):
    # given
    before = await totals(api)
    # when
    data = await api.ok(CREATE_CUSTOMER, {"input": {"name": "Acme", "email": "nobody", "currency": "dollars",
                                                    "creditLimit": "-1.00", "billingAddress": {"country": "USA"}}})
    # then
    errors = data["createCustomer"]["userErrors"]
    assert data["createCustomer"]["customer"] is None
    assert {(e["code"], tuple(e["field"])) for e in errors} == {
        ("INVALID", ("input", "email")), ("INVALID", ("input", "currency")), ("INVALID", ("input", "creditLimit")),
        ("INVALID", ("input", "billingAddress", "country"))}
    assert all(e["message"] for e in errors)
    assert await totals(api) == before


async def test_create_customer__duplicate_number(api):
    # given
    await create_customer(api, number="ACME-1")
    before = await totals(api)
    # when
    data = await api.ok(CREATE_CUSTOMER, {"input": {"name": "Another", "number": "ACME-1"}})
    # then
    error = only_error(data["createCustomer"], "customer")
    assert (error["code"], error["field"]) == ("DUPLICATE", ["input", "number"])
    assert "ACME-1" in error["message"]
    assert await totals(api) == before


async def test_create_customer__unknown_payment_terms(api):
    # given
    before = await totals(api)
    # when
    data = await api.ok(CREATE_CUSTOMER, {"input": {"name": "Acme", "paymentTerms": fake_id("PaymentTerms", 999)}})
    # then
    error = only_error(data["createCustomer"], "customer")
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "paymentTerms"])
    assert await totals(api) == before


async def test_update_customer__duplicate_number(api):
    # given
    await create_customer(api, number="ACME-1")
    other = await create_customer(api, name="Other")
    before = await totals(api)
    # when
    data = await api.ok(UPDATE_CUSTOMER, {"id": other["id"], "input": {"name": "Other", "number": "ACME-1"}})
    # then
    error = only_error(data["updateCustomer"], "customer")
    assert (error["code"], error["field"]) == ("DUPLICATE", ["input", "number"])
    assert (await api.ok(CUSTOMER, {"id": other["id"]}))["customer"] == other
    assert await totals(api) == before


async def test_update_customer__name_cannot_be_cleared(api):
    # given
    customer = await create_customer(api)
    before = await totals(api)
    # when
    data = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {"name": None}})
    # then
    error = only_error(data["updateCustomer"], "customer")
    assert (error["code"], error["field"]) == ("REQUIRED", ["input", "name"])
    assert (await api.ok(CUSTOMER, {"id": customer["id"]}))["customer"] == customer
    assert await totals(api) == before


async def test_update_customer__unknown_id(api):
    # given
    customer = await create_customer(api)
    before = await totals(api)
    # when
    data = await api.ok(UPDATE_CUSTOMER, {"id": fake_id("Customer", 999), "input": {"name": "Ghost"}})
    # then
    error = only_error(data["updateCustomer"], "customer")
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])
    assert (await api.ok(CUSTOMER, {"id": customer["id"]}))["customer"] == customer
    assert await totals(api) == before


async def test_create_location__customer_id_of_another_type(api):
    # given
    customer = await create_customer(api)
    item = (await api.ok(CREATE_ITEM, {"input": {"code": "W1", "description": "Widget", "unit": "ea",
                                                 "unitPrice": "1.00"}}))["createItem"]["item"]
    before = await totals(api)
    # when
    data = await api.ok(CREATE_LOCATION, {"input": {"customer": item["id"], "code": "MAIN", "alias": "Main"}})
    # then
    error = only_error(data["createLocation"], "location")
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "customer"])
    assert (await api.ok(LOCATIONS, {"id": customer["id"]}))["customer"]["locations"]["totalCount"] == 0
    assert await totals(api) == before


async def test_create_location__unknown_or_missing_customer(api):
    # given
    before = await totals(api)
    for customer, code in ((fake_id("Customer", 999), "NOT_FOUND"), (None, "REQUIRED")):
        # when
        data = await api.ok(CREATE_LOCATION, {"input": {"customer": customer, "code": "MAIN", "alias": "Main"}})
        # then
        error = only_error(data["createLocation"], "location")
        assert (error["code"], error["field"]) == (code, ["input", "customer"])
    assert await totals(api) == before


# ---------------------------------------------------------------- customers

async def test_create_customer__round_trip(api):
    # given
    terms = {t["code"]: t["id"] for t in (await api.ok("{ paymentTerms { id code } }"))["paymentTerms"]}
    address = {"line1": "1 Main St", "line2": "Suite 2", "city": "Springfield", "region": "IL",
               "postalCode": "62701", "country": "us"}
    # when
    data = await api.ok(CREATE_CUSTOMER, {"input": {
        "name": "  Acme Wholesale  ", "alias": "Acme", "email": "ap@acme.example", "phone": "555-0100",
        "creditCode": "PAST_DUE", "billingStatus": "PREPAY", "termsBasis": "END_OF_MONTH", "status": "ACTIVE",
        "creditLimit": "1234.50", "priorSales": "10000.1", "paymentTerms": terms["NET30"],
        "billingAddress": address, "shippingAddress": {"city": "Peoria", "country": "US"}}})
    # then
    assert data["createCustomer"]["userErrors"] == []
    created = data["createCustomer"]["customer"]
    assert created == {
        "id": created["id"], "number": "C-000001", "name": "Acme Wholesale", "alias": "Acme", "status": "ACTIVE",
        "currency": "USD", "creditCode": "PAST_DUE", "billingStatus": "PREPAY", "termsBasis": "END_OF_MONTH",
        "email": "ap@acme.example", "phone": "555-0100", "version": 1,
        "creditLimit": {"amount": "1234.50", "currency": "USD"},
        "priorSales": {"amount": "10000.10", "currency": "USD"},
        "paymentTerms": {"code": "NET30", "dueDays": 30},
        "billingAddress": {**address, "country": "US"},
        "shippingAddress": {"line1": None, "line2": None, "city": "Peoria", "region": None, "postalCode": None,
                            "country": "US"},
    }
    assert (await api.ok(CUSTOMER, {"id": created["id"]}))["customer"] == created


async def test_create_customer__defaults_and_numbers_in_sequence(api):
    # when
    customers = [await create_customer(api, name=f"Customer {i}") for i in range(3)]
    # then
    assert [c["number"] for c in customers] == ["C-000001", "C-000002", "C-000003"]
    customer = customers[0]
    assert customer["version"] == 1
    assert customer["currency"] == "USD"
    assert (customer["status"], customer["creditCode"]) == ("ACTIVE", "CURRENT_ACCOUNT")
    assert customer["creditLimit"] is None
    assert customer["priorSales"] == {"amount": "0.00", "currency": "USD"}
    assert customer["billingAddress"] is None and customer["paymentTerms"] is None


async def test_create_customer__given_number_is_kept_and_skipped_by_the_sequence(api):
    # given
    given = await create_customer(api, name="Given", number="C-000002")
    # when
    numbers = [(await create_customer(api, name=f"Customer {i}"))["number"] for i in range(2)]
    # then
    assert given["number"] == "C-000002"
    assert numbers == ["C-000001", "C-000003"]


async def test_create_customer__refusal_does_not_use_up_a_number(api):
    # given
    await create_customer(api, number="TAKEN")
    await api.ok(CREATE_CUSTOMER, {"input": {"name": "Dup", "number": "TAKEN"}})
    await api.ok(CREATE_CUSTOMER, {"input": {"name": "Bad", "creditLimit": "1.005"}})
    # when
    customer = await create_customer(api)
    # then
    assert customer["number"] == "C-000001"


async def test_update_customer__round_trip(api):
    # given
    customer = await create_customer(api, email="old@acme.example", creditLimit="100.00", phone="555-0100")
    # when
    data = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {
        "name": "Acme Holdings", "creditLimit": "2500.75", "creditCode": "CREDIT_HOLD", "priorSales": "0.30",
        "termsBasis": "DELIVERY_DATE", "email": None}})
    # then
    assert data["updateCustomer"]["userErrors"] == []
    updated = data["updateCustomer"]["customer"]
    assert updated == {**customer, "name": "Acme Holdings", "creditCode": "CREDIT_HOLD",
                       "termsBasis": "DELIVERY_DATE", "email": None,
                       "creditLimit": {"amount": "2500.75", "currency": "USD"},
                       "priorSales": {"amount": "0.30", "currency": "USD"}, "version": 2}
    assert (await api.ok(CUSTOMER, {"id": customer["id"]}))["customer"] == updated
    events = await api.ok("query($id: ID!) { auditEvents(entityId: $id) { edges { node { action changes } } } }",
                          {"id": customer["id"]})
    actions = [e["node"] for e in events["auditEvents"]["edges"]]
    assert [a["action"] for a in actions] == ["updateCustomer", "createCustomer"]
    assert actions[0]["changes"]["name"] == ["Acme Wholesale", "Acme Holdings"]
    assert actions[0]["changes"]["email"] == ["old@acme.example", None]
    assert "phone" not in actions[0]["changes"]


async def test_update_customer__leaves_out_name(api):
    # given
    customer = await create_customer(api, creditLimit="100.00")
    # when
    data = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {"alias": "Acme", "creditLimit": None}})
    # then
    assert data["updateCustomer"]["userErrors"] == []
    updated = data["updateCustomer"]["customer"]
    assert updated == {**customer, "alias": "Acme", "creditLimit": None, "version": 2}
    assert (await api.ok(CUSTOMER, {"id": customer["id"]}))["customer"] == updated


async def test_update_customer__prior_sales_cannot_be_cleared(api):
    # given
    customer = await create_customer(api, priorSales="10.00")
    before = await totals(api)
    # when
    data = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {"name": "Acme", "priorSales": None}})
    # then
    error = only_error(data["updateCustomer"], "customer")
    assert (error["code"], error["field"]) == ("REQUIRED", ["input", "priorSales"])
    assert (await api.ok(CUSTOMER, {"id": customer["id"]}))["customer"] == customer
    assert await totals(api) == before


async def test_update_customer__address_replaced_as_a_whole(api):
    # given
    customer = await create_customer(api, billingAddress={"line1": "1 Main St", "city": "Springfield",
                                                          "country": "US"})
    # when
    data = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {
        "name": "Acme", "billingAddress": {"city": "Peoria"}}})
    # then
    assert data["updateCustomer"]["customer"]["billingAddress"] == {
        "line1": None, "line2": None, "city": "Peoria", "region": None, "postalCode": None, "country": None}
    assert data["updateCustomer"]["customer"]["version"] == 2


async def test_update_customer__address_cleared_by_null(api):
    # given
    customer = await create_customer(api, billingAddress={"line1": "1 Main St", "city": "Springfield",
                                                          "country": "US"})
    # when
    data = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {"name": "Acme", "billingAddress": None}})
    # then
    assert data["updateCustomer"]["userErrors"] == []
    assert data["updateCustomer"]["customer"]["billingAddress"] is None
    assert data["updateCustomer"]["customer"]["version"] == 2
    assert (await api.ok(CUSTOMER, {"id": customer["id"]}))["customer"]["billingAddress"] is None


async def test_update_customer__versions(api):
    # given
    customer = await create_customer(api, alias="Zero")
    # when
    same = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {"name": "Acme Wholesale", "alias": "Zero"},
                                          "expectedVersion": 1})
    first = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {"name": "Acme", "alias": "One"},
                                           "expectedVersion": 1})
    second = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {"name": "Acme", "alias": "Two"},
                                            "expectedVersion": 2})
    # then
    assert same["updateCustomer"]["customer"]["version"] == 1  # nothing changed
    assert first["updateCustomer"]["customer"]["version"] == 2
    assert second["updateCustomer"]["customer"]["version"] == 3
    assert (await api.ok(CUSTOMER, {"id": customer["id"]}))["customer"]["alias"] == "Two"


async def test_update_customer__stale_version(api):
    # given
    customer = await create_customer(api)
    moved = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {"name": "Acme", "alias": "Fresh"}})
    current = moved["updateCustomer"]["customer"]
    before = await totals(api)
    # when
    data = await api.ok(UPDATE_CUSTOMER, {"id": customer["id"], "input": {"name": "Stale", "alias": "Stale"},
                                          "expectedVersion": 1})
    # then
    error = only_error(data["updateCustomer"], "customer")
    assert (error["code"], error["field"]) == ("STALE_VERSION", ["expectedVersion"])
    assert "version 2" in error["message"]
    assert current["version"] == 2
    assert (await api.ok(CUSTOMER, {"id": customer["id"]}))["customer"] == current
    assert await totals(api) == before


# ---------------------------------------------------------------- locations

async def test_create_location__round_trip(api):
    # given
    customer = await create_customer(api)
    # when
    data = await api.ok(CREATE_LOCATION, {"input": {
        "customer": customer["id"], "code": "MAIN", "alias": "Main warehouse", "contactName": "Dock",
        "contactEmail": "dock@acme.example", "shippingAddress": {"city": "Peoria", "country": "us"}}})
    # then
    assert data["createLocation"]["userErrors"] == []
    location = data["createLocation"]["location"]
    assert location == {"id": location["id"], "code": "MAIN", "alias": "Main warehouse", "contactName": "Dock",
                        "contactEmail": "dock@acme.example", "version": 1,
                        "shippingAddress": {"city": "Peoria", "country": "US"}, "customer": {"id": customer["id"]}}
    listed = (await api.ok(LOCATIONS, {"id": customer["id"]}))["customer"]["locations"]
    assert [e["node"] for e in listed["edges"]] == [location]
    assert (await api.ok(CUSTOMER, {"id": customer["id"]}))["customer"]["version"] == 1


async def test_create_location__code_unique_per_customer(api):
    # given
    acme = await create_customer(api)
    other = await create_customer(api, name="Other")
    await api.ok(CREATE_LOCATION, {"input": {"customer": acme["id"], "code": "MAIN", "alias": "Main"}})
    before = await totals(api)
    # when
    refused = await api.ok(CREATE_LOCATION, {"input": {"customer": acme["id"], "code": "MAIN", "alias": "Again"}})
    elsewhere = await api.ok(CREATE_LOCATION, {"input": {"customer": other["id"], "code": "MAIN", "alias": "Main"}})
    # then
    error = only_error(refused["createLocation"], "location")
    assert (error["code"], error["field"]) == ("DUPLICATE", ["input", "code"])
    assert "MAIN" in error["message"]
    assert elsewhere["createLocation"]["userErrors"] == []
    assert (await api.ok(LOCATIONS, {"id": acme["id"]}))["customer"]["locations"]["totalCount"] == 1
    after = await totals(api)
    assert after["auditEvents"]["totalCount"] == before["auditEvents"]["totalCount"] + 1  # the other's location


async def test_update_location(api):
    # given
    customer = await create_customer(api)
    created = (await api.ok(CREATE_LOCATION, {"input": {"customer": customer["id"], "code": "MAIN",
                                                        "alias": "Main", "contactName": "Dock"}}))
    location = created["createLocation"]["location"]
    # when
    data = await api.ok(UPDATE_LOCATION, {"id": location["id"], "input": {"alias": "North dock",
                                                                         "contactName": None},
                                          "expectedVersion": 1})
    # then
    assert data["updateLocation"]["userErrors"] == []
    updated = data["updateLocation"]["location"]
    assert updated == {**location, "alias": "North dock", "contactName": None, "version": 2}
    listed = (await api.ok(LOCATIONS, {"id": customer["id"]}))["customer"]["locations"]
    assert [e["node"] for e in listed["edges"]] == [updated]


async def test_update_location__duplicate_code(api):
    # given
    customer = await create_customer(api)
    await api.ok(CREATE_LOCATION, {"input": {"customer": customer["id"], "code": "MAIN", "alias": "Main"}})
    second = (await api.ok(CREATE_LOCATION, {"input": {"customer": customer["id"], "code": "EAST",
                                                       "alias": "East"}}))["createLocation"]["location"]
    before = await api.ok(LOCATIONS, {"id": customer["id"]})
    # when
    data = await api.ok(UPDATE_LOCATION, {"id": second["id"], "input": {"code": "MAIN"}})
    # then
    error = only_error(data["updateLocation"], "location")
    assert (error["code"], error["field"]) == ("DUPLICATE", ["input", "code"])
    assert await api.ok(LOCATIONS, {"id": customer["id"]}) == before


async def test_update_location__cannot_move_to_another_customer(api):
    # given
    customer = await create_customer(api)
    other = await create_customer(api, name="Other")
    location = (await api.ok(CREATE_LOCATION, {"input": {"customer": customer["id"], "code": "MAIN",
                                                         "alias": "Main"}}))["createLocation"]["location"]
    before = await api.ok(LOCATIONS, {"id": customer["id"]})
    # when
    data = await api.ok(UPDATE_LOCATION, {"id": location["id"], "input": {"customer": other["id"]}})
    # then
    error = only_error(data["updateLocation"], "location")
    assert (error["code"], error["field"]) == ("INVALID", ["input", "customer"])
    assert await api.ok(LOCATIONS, {"id": customer["id"]}) == before


async def test_update_location__stale_version(api):
    # given
    customer = await create_customer(api)
    location = (await api.ok(CREATE_LOCATION, {"input": {"customer": customer["id"], "code": "MAIN",
                                                         "alias": "Main"}}))["createLocation"]["location"]
    await api.ok(UPDATE_LOCATION, {"id": location["id"], "input": {"alias": "Moved on"}})
    before = await api.ok(LOCATIONS, {"id": customer["id"]})
    # when
    data = await api.ok(UPDATE_LOCATION, {"id": location["id"], "input": {"alias": "Stale"}, "expectedVersion": 1})
    # then
    error = only_error(data["updateLocation"], "location")
    assert (error["code"], error["field"]) == ("STALE_VERSION", ["expectedVersion"])
    assert await api.ok(LOCATIONS, {"id": customer["id"]}) == before
    assert before["customer"]["locations"]["edges"][0]["node"]["version"] == 2


# ----------------------------------------------------------------- contacts

async def create_contact(api: Any, customer_id: str, **fields: Any) -> dict[str, Any]:
    data = await api.ok(CREATE_CONTACT, {"input": {"customer": customer_id, "firstName": "Ada",
                                                   "lastName": "Lovelace", **fields}})
    assert data["createContact"]["userErrors"] == []
    return data["createContact"]["contact"]


async def test_create_contact__round_trip(api):
    # given
    customer = await create_customer(api)
    # when
    contact = await create_contact(api, customer["id"], email="ada@acme.example", isPrimary=True)
    # then
    assert contact == {"id": contact["id"], "firstName": "Ada", "lastName": "Lovelace",
                       "email": "ada@acme.example", "isPrimary": True, "version": 1}
    found = (await api.ok(CONTACTS, {"id": customer["id"]}))["customer"]
    assert found["primaryContact"] == {"id": contact["id"]}
    assert [e["node"] for e in found["contacts"]["edges"]] == [contact]


async def test_create_contact__does_not_change_the_customer_version(api):
    # given
    customer = await create_customer(api)
    # when
    await create_contact(api, customer["id"], isPrimary=True)
    await create_contact(api, customer["id"], firstName="Grace", lastName="Hopper")
    # then
    assert (await api.ok(CONTACTS, {"id": customer["id"]}))["customer"]["version"] == 1


async def test_create_contact__last_name_missing(api):
    # given
    customer = await create_customer(api)
    before = await api.ok(CONTACTS, {"id": customer["id"]})
    # when
    data = await api.ok(CREATE_CONTACT, {"input": {"customer": customer["id"], "firstName": "Ada"}})
    # then
    error = only_error(data["createContact"], "contact")
    assert (error["code"], error["field"]) == ("REQUIRED", ["input", "lastName"])
    assert await api.ok(CONTACTS, {"id": customer["id"]}) == before


async def test_create_contact__a_second_primary_demotes_the_first(api):
    # given
    customer = await create_customer(api)
    first = await create_contact(api, customer["id"], isPrimary=True)
    # when
    second = await create_contact(api, customer["id"], firstName="Grace", lastName="Hopper", isPrimary=True)
    # then
    found = (await api.ok(CONTACTS, {"id": customer["id"]}))["customer"]
    assert found["primaryContact"] == {"id": second["id"]}
    by_id = {e["node"]["id"]: e["node"] for e in found["contacts"]["edges"]}
    assert by_id[first["id"]]["isPrimary"] is False
    assert by_id[first["id"]]["version"] == 2
    assert by_id[second["id"]]["isPrimary"] is True
    assert sum(c["isPrimary"] for c in by_id.values()) == 1


async def test_update_contact__making_one_primary_demotes_the_other(api):
    # given
    customer = await create_customer(api)
    first = await create_contact(api, customer["id"], isPrimary=True)
    second = await create_contact(api, customer["id"], firstName="Grace", lastName="Hopper")
    # when
    data = await api.ok(UPDATE_CONTACT, {"id": second["id"], "input": {"isPrimary": True}, "expectedVersion": 1})
    # then
    assert data["updateContact"]["userErrors"] == []
    assert data["updateContact"]["contact"] == {**second, "isPrimary": True, "version": 2}
    found = (await api.ok(CONTACTS, {"id": customer["id"]}))["customer"]
    assert found["primaryContact"] == {"id": second["id"]}
    assert {e["node"]["id"]: e["node"]["isPrimary"] for e in found["contacts"]["edges"]} == {
        first["id"]: False, second["id"]: True}
    assert found["version"] == 1
    # when
    data = await api.ok(UPDATE_CONTACT, {"id": second["id"], "input": {"lastName": "King", "email": None}})
    # then
    assert data["updateContact"]["contact"] == {**second, "lastName": "King", "isPrimary": True, "version": 3}


async def test_update_contact__stale_version(api):
    # given
    customer = await create_customer(api)
    contact = await create_contact(api, customer["id"])
    await api.ok(UPDATE_CONTACT, {"id": contact["id"], "input": {"lastName": "King"}})
    before = await api.ok(CONTACTS, {"id": customer["id"]})
    # when
    data = await api.ok(UPDATE_CONTACT, {"id": contact["id"], "input": {"lastName": "Byron"},
                                         "expectedVersion": 1})
    # then
    error = only_error(data["updateContact"], "contact")
    assert (error["code"], error["field"]) == ("STALE_VERSION", ["expectedVersion"])
    assert await api.ok(CONTACTS, {"id": customer["id"]}) == before


async def test_update_contact__cannot_move_to_another_customer(api):
    # given
    customer = await create_customer(api)
    other = await create_customer(api, name="Other")
    contact = await create_contact(api, customer["id"])
    before = await api.ok(CONTACTS, {"id": customer["id"]})
    # when
    data = await api.ok(UPDATE_CONTACT, {"id": contact["id"], "input": {"customer": other["id"]}})
    # then
    error = only_error(data["updateContact"], "contact")
    assert (error["code"], error["field"]) == ("INVALID", ["input", "customer"])
    assert await api.ok(CONTACTS, {"id": customer["id"]}) == before


async def test_delete_contact(api):
    # given
    customer = await create_customer(api)
    kept = await create_contact(api, customer["id"])
    gone = await create_contact(api, customer["id"], firstName="Grace", lastName="Hopper", isPrimary=True)
    # when
    data = await api.ok(DELETE_CONTACT, {"id": gone["id"]})
    # then
    assert data["deleteContact"] == {"deletedId": gone["id"], "userErrors": []}
    found = (await api.ok(CONTACTS, {"id": customer["id"]}))["customer"]
    assert [e["node"] for e in found["contacts"]["edges"]] == [kept]
    assert found["primaryContact"] is None
    assert found["version"] == 1
    assert (await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": gone["id"]}))["node"] is None


async def test_delete_contact__unknown_id(api):
    # given
    customer = await create_customer(api)
    await create_contact(api, customer["id"])
    before = await api.ok(CONTACTS, {"id": customer["id"]})
    before_totals = await totals(api)
    # when
    data = await api.ok(DELETE_CONTACT, {"id": fake_id("Contact", 999)})
    # then
    assert data["deleteContact"]["deletedId"] is None
    [error] = data["deleteContact"]["userErrors"]
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])
    assert await api.ok(CONTACTS, {"id": customer["id"]}) == before
    assert await totals(api) == before_totals


# -------------------------------------------------------------------- items

async def create_item(api: Any, **fields: Any) -> dict[str, Any]:
    data = await api.ok(CREATE_ITEM, {"input": {"code": "W-1", "description": "Widget", "unit": "ea",
                                                "unitPrice": "12.50", **fields}})
    assert data["createItem"]["userErrors"] == []
    return data["createItem"]["item"]


async def test_create_item__round_trip(api):
    # when
    item = await create_item(api, unitPrice="0.3333", unitCost="0.1")
    # then
    assert item == {"id": item["id"], "code": "W-1", "description": "Widget", "unit": "ea", "active": True,
                    "version": 1, "unitPrice": {"amount": "0.3333", "currency": "USD"},
                    "unitCost": {"amount": "0.10"}}
    assert (await api.ok(ITEM, {"id": item["id"]}))["node"] == item


async def test_create_item__duplicate_code(api):
    # given
    item = await create_item(api)
    before = await api.ok("{ items { totalCount } auditEvents { totalCount } }")
    # when
    data = await api.ok(CREATE_ITEM, {"input": {"code": "W-1", "description": "Other", "unit": "ea",
                                                "unitPrice": "1.00"}})
    # then
    error = only_error(data["createItem"], "item")
    assert (error["code"], error["field"]) == ("DUPLICATE", ["input", "code"])
    assert await api.ok("{ items { totalCount } auditEvents { totalCount } }") == before
    assert (await api.ok(ITEM, {"id": item["id"]}))["node"] == item


async def test_create_item__price_missing_and_too_precise_cost(api):
    # given
    before = await api.ok("{ items { totalCount } auditEvents { totalCount } }")
    # when
    data = await api.ok(CREATE_ITEM, {"input": {"code": "W-1", "description": "Widget", "unit": "ea",
                                                "unitCost": "0.00001"}})
    # then
    assert data["createItem"]["item"] is None
    assert {(e["code"], tuple(e["field"])) for e in data["createItem"]["userErrors"]} == {
        ("REQUIRED", ("input", "unitPrice")), ("INVALID", ("input", "unitCost"))}
    assert await api.ok("{ items { totalCount } auditEvents { totalCount } }") == before


async def test_update_item(api):
    # given
    item = await create_item(api)
    # when
    data = await api.ok(UPDATE_ITEM, {"id": item["id"], "input": {"unitPrice": "13.00", "active": False},
                                      "expectedVersion": 1})
    # then
    assert data["updateItem"]["userErrors"] == []
    updated = data["updateItem"]["item"]
    assert updated == {**item, "unitPrice": {"amount": "13.00", "currency": "USD"}, "active": False, "version": 2}
    assert (await api.ok(ITEM, {"id": item["id"]}))["node"] == updated


async def test_update_item__stale_version(api):
    # given
    item = await create_item(api)
    current = (await api.ok(UPDATE_ITEM, {"id": item["id"], "input": {"description": "Blue widget"}}))
    current = current["updateItem"]["item"]
    # when
    data = await api.ok(UPDATE_ITEM, {"id": item["id"], "input": {"unitPrice": "99.00"}, "expectedVersion": 1})
    # then
    error = only_error(data["updateItem"], "item")
    assert (error["code"], error["field"]) == ("STALE_VERSION", ["expectedVersion"])
    assert (await api.ok(ITEM, {"id": item["id"]}))["node"] == current
    assert current["version"] == 2


async def test_update_item__price_cannot_be_cleared(api):
    # given
    item = await create_item(api)
    # when
    data = await api.ok(UPDATE_ITEM, {"id": item["id"], "input": {"unitPrice": None}})
    # then
    error = only_error(data["updateItem"], "item")
    assert (error["code"], error["field"]) == ("REQUIRED", ["input", "unitPrice"])
    assert (await api.ok(ITEM, {"id": item["id"]}))["node"] == item
