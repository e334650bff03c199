"""The audit log reads in the API's words (issue 16, item 7), through `/graphql`.

Stored by column, shown by GraphQL field: references by what people know them by, money as
decimal strings, enums by name, addresses as `billingAddress.city`.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType, build_schema

from schema import PRINTED
from sqlalchemy import select

from server.audit import readable
from server.audit.models import AuditEvent
from server.ids import global_id_text
from server.models import Base
from tests import factories

ERRORS = "userErrors { field message code }"
CREATE = f"""mutation($input: CustomerInput!) {{
  createCustomer(input: $input) {{ customer {{ id version }} {ERRORS} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: CustomerInput!) {{
  updateCustomer(id: $id, input: $input) {{ customer {{ version }} {ERRORS} }} }}"""
HISTORY = """query($id: ID, $first: Int) { auditEvents(entityId: $id, first: $first) {
  edges { node { action entityId entityLabel changes by { email } } } } }"""
REVERT = f"""mutation($event: ID!) {{
  revertChange(auditEvent: $event) {{ revertedCount auditEvent {{ id changes }} {ERRORS} }} }}"""
CUSTOMER = "query($id: ID!) { node(id: $id) { ... on Customer { version salesRep { email } creditCode } } }"
BULK = f"""mutation($ids: [ID!], $set: CustomerBulkSet!) {{
  bulkUpdateCustomers(ids: $ids, set: $set) {{ updatedCount auditEvent {{ id }} {ERRORS} }} }}"""
LOG = """query($first: Int) { auditEvents(first: $first) {
  edges { node { action entityLabel changes by { email } } } } }"""

ADDRESS_BEFORE = {"line1": "1 Main St", "line2": "Suite 2", "city": "Dayton", "region": "OH",
                  "postalCode": "45402", "country": "US"}
ADDRESS_AFTER = {"line1": "9 Elm Rd", "line2": None, "city": "Toledo", "region": "MI",
                 "postalCode": "48001", "country": "CA"}


# Every field of CustomerInput: (before, after), as typed; references by what people know them by.
EVERY_FIELD = {
    "number": ("C-100", "C-200"), "name": ("Acme Supply", "Acme Supply Co"), "alias": ("Acme", "Acme Co"),
    "status": ("ACTIVE", "INACTIVE"), "currency": ("USD", "EUR"), "creditCode": ("CURRENT_ACCOUNT", "CREDIT_HOLD"),
    "creditLimit": ("5000.00", "7500.25"), "billingStatus": ("ON_ACCOUNT", "PREPAY"),
    "termsBasis": ("INVOICE_DATE", "END_OF_MONTH"), "email": ("ap@acme.example", "billing@acme.example"),
    "phone": ("312-555-0101", "(312) 555-0199"), "priorSales": ("1234.50", "99.99"),
    "salesRep": ("ann@example.com", "cy@example.com"), "insideSalesRep": ("bob@example.com", "di@example.com"),
    "paymentTerms": (0, 1),  # the first and second payment terms
    "billingAddress": (ADDRESS_BEFORE, ADDRESS_AFTER), "shippingAddress": (ADDRESS_BEFORE, ADDRESS_AFTER),
}
REFERENCES = ("salesRep", "insideSalesRep", "paymentTerms")


async def _input(api: Any, side: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """CustomerInput of one side (0 before, 1 after), and how the log shows each reference."""
    terms = (await api.ok("{ paymentTerms { id code } }"))["paymentTerms"]
    users = {u["email"]: u["id"] for u in (await api.ok("{ users { id email } }"))["users"]}
    data = {field: values[side] for field, values in EVERY_FIELD.items()}
    shown = {"salesRep": data["salesRep"], "insideSalesRep": data["insideSalesRep"],
             "paymentTerms": terms[data["paymentTerms"]]["code"]}
    ids = {"salesRep": users[data["salesRep"]], "insideSalesRep": users[data["insideSalesRep"]],
           "paymentTerms": terms[data["paymentTerms"]]["id"]}
    return data | ids, shown


def _address(prefix: str, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}.{part}": [before[part], value] for part, value in after.items() if before[part] != value}


async def test_update_customer__every_field_reads_in_api_words(api):
    # given: a customer with every field set
    for side in range(2):
        for field in ("salesRep", "insideSalesRep"):
            await factories.user(api.database, EVERY_FIELD[field][side])
    before, shown_before = await _input(api, 0)
    made = (await api.ok(CREATE, {"input": before}))["createCustomer"]
    assert made["userErrors"] == []
    customer = made["customer"]["id"]
    after, shown_after = await _input(api, 1)
    # when: every field changes
    updated = (await api.ok(UPDATE, {"id": customer, "input": after}))["updateCustomer"]
    assert updated["userErrors"] == []
    events = (await api.ok(HISTORY, {"id": customer}))["auditEvents"]["edges"]
    # then: the whole entry, field by field, as the API names and shows them
    update, create = (edge["node"] for edge in events)
    assert update["action"] == "updateCustomer" and update["entityId"] == customer
    assert update["entityLabel"] == create["entityLabel"] == "C-200"  # the record as it is now
    assert update["by"] == {"email": "admin@example.com"}
    plain = {field: list(values) for field, values in EVERY_FIELD.items()
             if field not in REFERENCES and not field.endswith("Address")}
    assert update["changes"] == plain | {field: [shown_before[field], shown_after[field]] for field in REFERENCES} | (
        _address("billingAddress", ADDRESS_BEFORE, ADDRESS_AFTER)
        | _address("shippingAddress", ADDRESS_BEFORE, ADDRESS_AFTER))
    assert create["action"] == "createCustomer"
    assert create["changes"]["salesRep"] == [None, "ann@example.com"]
    assert create["changes"]["creditLimit"] == [None, "5000.00"]
    assert create["changes"]["billingAddress.postalCode"] == [None, "45402"]


async def _events(api: Any, count: int) -> None:
    """`count` customers, each with its own reps and terms, each changed once, then one bulk change."""
    terms = (await api.ok("{ paymentTerms { id } }"))["paymentTerms"]
    ids = []
    for i in range(count):
        rep = await factories.user(api.database, f"rep{i}@example.com")
        made = await factories.customer(api.database, f"Customer {i}", number=f"C-{i:03}")
        ids.append(global_id_text("Customer", made.id))
        answer = await api.ok(UPDATE, {"id": ids[-1], "input": {
            "salesRep": global_id_text("User", rep.id), "paymentTerms": terms[i % len(terms)]["id"],
            "creditLimit": f"{i}.50"}})
        assert answer["updateCustomer"]["userErrors"] == []
    bulk = await api.ok(BULK, {"ids": ids, "set": {"billingStatus": "PREPAY", "insideSalesRep": None}})
    assert bulk["bulkUpdateCustomers"]["userErrors"] == []


@pytest.mark.parametrize("count", [1, 5, 50])
async def test_audit_events__a_page_costs_the_same_few_statements(api, count):
    # given: events naming `count` customers, reps and terms
    await _events(api, count)
    # when: the whole log (the users' and customers' creation, the updates, the bulk change)
    statements = await api.count(LOG, {"first": 200})
    answer = await api.ok(LOG, {"first": 200})
    # then: the list, and one statement per kind of record named, however many records
    events = [edge["node"] for edge in answer["auditEvents"]["edges"]]
    assert len(events) > 3 * count
    assert [entry["number"] for entry in events[0]["changes"]] == [f"C-{i:03}" for i in range(count)]
    updates = [e["changes"] for e in events if e["action"] == "updateCustomer"][::-1]
    assert [c["salesRep"] for c in updates] == [[None, f"rep{i}@example.com"] for i in range(count)]
    assert [c["creditLimit"] for c in updates] == [[None, f"{i}.50"] for i in range(count)]
    labels = [e["entityLabel"] for e in events if e["action"] == "updateCustomer"][::-1]
    assert labels == [f"C-{i:03}" for i in range(count)] and events[0]["entityLabel"] is None
    assert statements == 4, statements  # events; users; payment terms; customers


async def test_revert_change__works_from_the_stored_form(api):
    # given: a bulk change of two customers' rep and credit code
    rep = await factories.user(api.database, "rep@example.com")
    made = [await factories.customer(api.database, f"Customer {n}", number=n) for n in ("C-1", "C-2")]
    ids = [global_id_text("Customer", c.id) for c in made]
    before = [await api.ok(CUSTOMER, {"id": pk}) for pk in ids]
    bulk = await api.ok(BULK, {"ids": ids, "set": {"salesRep": global_id_text("User", rep.id),
                                                  "creditCode": "PAST_DUE"}})
    event = bulk["bulkUpdateCustomers"]["auditEvent"]["id"]
    # when
    reverted = (await api.ok(REVERT, {"event": event}))["revertChange"]
    # then: the records are back, the log reads in field names, the database keeps columns
    assert reverted["userErrors"] == [] and reverted["revertedCount"] == 2
    assert [await api.ok(CUSTOMER, {"id": pk}) for pk in ids] == [
        {"node": {**b["node"], "version": 3}} for b in before]
    assert reverted["auditEvent"]["changes"] == [
        {"id": pk, "number": n, "version": 3,
         "fields": {"salesRep": ["rep@example.com", None], "creditCode": ["PAST_DUE", "CURRENT_ACCOUNT"]}}
        for pk, n in zip(ids, ("C-1", "C-2"), strict=True)]
    async with api.database.write_session() as session:
        stored = (await session.scalars(select(AuditEvent.changes).order_by(AuditEvent.id))).all()
    assert stored[-1] == [{"id": c.id, "version": 3, "fields": {"sales_rep_id": [rep.id, None],
                                                                "credit_code": ["PAST_DUE", "CURRENT_ACCOUNT"]}}
                          for c in made]


CREATE_LEAD = f"""mutation($input: LeadInput!) {{ createLead(input: $input) {{ lead {{ id number }} {ERRORS} }} }}"""


async def test_create_lead__references_by_number_name_and_email(api):
    # given
    customer = await factories.customer(api.database, number="C-7")
    rep = await factories.user(api.database, "rep@example.com")
    await factories.lead_program(api.database, "Wholesale")
    source = await factories.lead_source(api.database, "Trade show")
    program = (await api.ok("{ leadPrograms { id name } }"))["leadPrograms"][0]
    # when
    made = (await api.ok(CREATE_LEAD, {"input": {
        "customer": global_id_text("Customer", customer.id), "program": program["id"],
        "source": global_id_text("LeadSource", source.id), "insideSalesRep": global_id_text("User", rep.id),
        "probability": 40, "estimatedConversionDate": "2027-03-31", "potentialValue": "12000.5"}}))["createLead"]
    # then
    assert made["userErrors"] == []
    log = (await api.ok(HISTORY, {"id": made["lead"]["id"]}))["auditEvents"]["edges"]
    changes = log[0]["node"]["changes"]
    assert log[0]["node"]["entityLabel"] == str(made["lead"]["number"])
    assert {key: changes[key] for key in ("customer", "program", "source", "insideSalesRep", "probability",
                                          "estimatedConversionDate", "potentialValue", "number")} == {
        "customer": [None, "C-7"], "program": [None, "Wholesale"], "source": [None, "Trade show"],
        "insideSalesRep": [None, "rep@example.com"], "probability": [None, 40],
        "estimatedConversionDate": [None, "2027-03-31"], "potentialValue": [None, "12000.50"],
        "number": [None, made["lead"]["number"]]}


MODELS = {m.class_.__name__: m for m in Base.registry.mappers}
# Columns the API shows no field for: kept by the server (versions, times, search digits, base
# currency sums, secrets); the services do not write them to the log (a version is the event's).
UNSHOWN = {"version", "createdAt", "updatedAt", "createdBy", "phoneDigits", "passwordHash", "tokenHash",
           "revokedAt", "baseNet", "baseBalance", "baseCostAmount", "baseReceived", "baseUnapplied"}
AUDITED = sorted(set(MODELS) - {"AuditEvent", "ListView", "LeadStateChange", "OrderLine", "InvoiceLine"})
SERVED = build_schema(PRINTED.read_text()).type_map


@pytest.mark.parametrize("model", sorted(set(AUDITED) & set(SERVED)))
def test_every_column_is_shown_under_a_field_of_its_type(model):
    # given: the served type of the model
    graphql_type = SERVED[model]
    assert isinstance(graphql_type, GraphQLObjectType)
    # when
    fields = {readable.field_of(model, attribute.key).split(".")[0]
              for attribute in MODELS[model].column_attrs if attribute.key != "id"}
    # then
    assert fields - set(graphql_type.fields) <= UNSHOWN, fields - set(graphql_type.fields)


def test_field_names__the_rule_and_its_exceptions():
    assert readable.field_of("Customer", "sales_rep_id") == "salesRep"
    assert readable.field_of("Customer", "credit_limit_minor") == "creditLimit"
    assert readable.field_of("Customer", "billing_postal_code") == "billingAddress.postalCode"
    assert readable.field_of("Contact", "address_line1") == "address.line1"
    assert readable.field_of("Invoice", "invoice_on") == "invoiceDate"
    assert readable.field_of("Invoice", "total_minor") == "totalAmount"
    assert readable.field_of("Order", "net") == "netValue"
    assert readable.field_of("Item", "unit_cost_e4") == "unitCost"
    assert readable.field_of("Customer", "password") == "password"  # not a column: as written
