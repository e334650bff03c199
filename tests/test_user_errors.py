"""Every mutation answers every problem of its input at once, each at its input path.

Each case sends an input with several independent faults (a field the rules refuse, a
reference that names nothing, a value only the database can refuse) and expects one userError
per fault, with the path from the argument name down, and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from server.ids import global_id_text
from tests import factories

NOBODY = global_id_text("Customer", 999_999)  # a User ID field given a customer's ID: NOT_FOUND
GARBAGE = "not-an-id"

STATE = """
{
  auditEvents { totalCount }
  customers(filter: {includeInactive: true}) { totalCount }
  items { totalCount }
  listViews(kind: CUSTOMERS) { id }
}"""


@dataclass(frozen=True)
class Given:
    """What the cases refer to, as global IDs."""

    customer: str
    invoice: str
    payment: str
    lead: str
    item_code: str


@dataclass(frozen=True)
class Case:
    mutation: str
    document: str
    variables: Callable[[Given], dict[str, Any]]
    expected: set[tuple[str, tuple[str, ...]]]  # (code, field path)


def payload(name: str, arguments: str, signature: str) -> str:
    return f"mutation({signature}) {{ {name}({arguments}) {{ userErrors {{ field message code }} }} }}"


CASES = [
    Case(
        "createCustomer",
        payload("createCustomer", "input: $input", "$input: CustomerInput!"),
        lambda g: {"input": {"paymentTerms": GARBAGE, "name": " ", "email": "nope", "creditLimit": "-1",
                             "salesRep": NOBODY}},
        {("NOT_FOUND", ("input", "paymentTerms")), ("REQUIRED", ("input", "name")),
         ("INVALID", ("input", "email")), ("INVALID", ("input", "creditLimit")),
         ("NOT_FOUND", ("input", "salesRep"))},
    ),
    Case(
        "updateCustomer",
        payload("updateCustomer", "id: $id, input: $input, expectedVersion: 7",
                "$id: ID!, $input: CustomerInput!"),
        lambda g: {"id": g.customer, "input": {"insideSalesRep": GARBAGE, "email": "nope", "currency": "dollars",
                                               "name": None, "billingAddress": {"country": "USA"}}},
        {("NOT_FOUND", ("input", "insideSalesRep")), ("INVALID", ("input", "email")),
         ("INVALID", ("input", "currency")), ("REQUIRED", ("input", "name")),
         ("INVALID", ("input", "billingAddress", "country")), ("STALE_VERSION", ("expectedVersion",))},
    ),
    Case(
        "updateCustomer (no such customer)",
        payload("updateCustomer", "id: $id, input: $input", "$id: ID!, $input: CustomerInput!"),
        lambda g: {"id": GARBAGE, "input": {"email": "nope"}},
        {("NOT_FOUND", ("id",)), ("INVALID", ("input", "email"))},
    ),
    Case(
        "createLocation",
        payload("createLocation", "input: $input", "$input: LocationInput!"),
        lambda g: {"input": {"customer": GARBAGE, "code": "", "contactEmail": "nope", "salesRep": NOBODY}},
        {("NOT_FOUND", ("input", "customer")), ("REQUIRED", ("input", "code")),
         ("REQUIRED", ("input", "alias")), ("INVALID", ("input", "contactEmail")),
         ("NOT_FOUND", ("input", "salesRep"))},
    ),
    Case(
        "createContact",
        payload("createContact", "input: $input", "$input: ContactInput!"),
        lambda g: {"input": {"customer": GARBAGE, "firstName": "", "email": "nope"}},
        {("NOT_FOUND", ("input", "customer")), ("REQUIRED", ("input", "firstName")),
         ("REQUIRED", ("input", "lastName")), ("INVALID", ("input", "email"))},
    ),
    Case(
        "createItem",
        payload("createItem", "input: $input", "$input: ItemInput!"),
        lambda g: {"input": {"code": g.item_code.lower(), "description": "", "unitCost": "-1"}},
        {("DUPLICATE", ("input", "code")), ("REQUIRED", ("input", "description")),
         ("REQUIRED", ("input", "unit")), ("REQUIRED", ("input", "unitPrice")),
         ("INVALID", ("input", "unitCost"))},
    ),
    Case(
        "createOrder",
        payload("createOrder", "input: $input", "$input: OrderInput!"),
        lambda g: {"input": {
            "orderCustomer": g.customer, "location": GARBAGE, "orderDate": "2026-11-24",
            "requiredDate": "2026-11-01",
            "lines": [{"code": "A", "description": "Fine", "quantity": "1", "unitPrice": "5"},
                      {"item": GARBAGE, "quantity": "1"},
                      {"code": "C", "description": "Bad", "quantity": "0", "unitPrice": "1.000001"}]}},
        {("NOT_FOUND", ("input", "location")), ("INVALID", ("input", "requiredDate")),
         ("NOT_FOUND", ("input", "lines", "1", "item")), ("INVALID", ("input", "lines", "2", "quantity")),
         ("INVALID", ("input", "lines", "2", "unitPrice"))},
    ),
    Case(
        "createInvoice",
        payload("createInvoice", "input: $input", "$input: InvoiceInput!"),
        lambda g: {"input": {
            "billCustomer": GARBAGE, "order": GARBAGE, "altNumber": "x" * 41,
            "lines": [{"code": "", "description": "Bad", "quantity": "-1", "unitPrice": "1"}]}},
        {("NOT_FOUND", ("input", "billCustomer")), ("NOT_FOUND", ("input", "order")),
         ("INVALID", ("input", "altNumber")), ("REQUIRED", ("input", "lines", "0", "code")),
         ("INVALID", ("input", "lines", "0", "quantity"))},
    ),
    Case(
        "recordPayment",
        payload("recordPayment", "input: $input", "$input: PaymentInput!"),
        lambda g: {"input": {"customer": GARBAGE, "amount": "0", "reference": "r" * 201,
                             "applyTo": [{"invoice": GARBAGE, "amount": "1"}, {"invoice": g.invoice, "amount": "-5"}]}},
        {("NOT_FOUND", ("input", "customer")), ("INVALID", ("input", "amount")),
         ("INVALID", ("input", "reference")), ("NOT_FOUND", ("input", "applyTo", "0", "invoice")),
         ("INVALID", ("input", "applyTo", "1", "amount"))},
    ),
    Case(
        "recordPayment (over-applied)",
        payload("recordPayment", "input: $input", "$input: PaymentInput!"),
        lambda g: {"input": {"customer": g.customer, "amount": "10", "reference": "r" * 201,
                             "applyTo": [{"invoice": g.invoice, "amount": "150"}]}},
        {("INVALID", ("input", "reference")), ("OVER_APPLIED", ("input", "applyTo", "0", "amount")),
         ("OVER_APPLIED", ("input", "applyTo"))},
    ),
    Case(
        "applyPayment",
        payload("applyPayment", "payment: $payment, applications: $applications",
                "$payment: ID!, $applications: [ApplicationInput!]!"),
        lambda g: {"payment": g.payment, "applications": [{"invoice": GARBAGE, "amount": "1"},
                                                          {"invoice": g.invoice, "amount": "1.001"}]},
        {("NOT_FOUND", ("applications", "0", "invoice")), ("INVALID", ("applications", "1", "amount"))},
    ),
    Case(
        "applyPayment (no such payment)",
        payload("applyPayment", "payment: $payment, applications: $applications",
                "$payment: ID!, $applications: [ApplicationInput!]!"),
        lambda g: {"payment": GARBAGE, "applications": [{"invoice": g.invoice, "amount": "-1"}]},
        {("NOT_FOUND", ("payment",)), ("INVALID", ("applications", "0", "amount"))},
    ),
    Case(
        "addNote",
        payload("addNote", "input: $input", "$input: NoteInput!"),
        lambda g: {"input": {"customer": GARBAGE, "body": " ",
                             "reminder": {"title": "", "dueAt": "2026-12-01T09:00:00Z"}}},
        {("NOT_FOUND", ("input", "customer")), ("REQUIRED", ("input", "body")),
         ("REQUIRED", ("input", "reminder", "title"))},
    ),
    Case(
        "createLead",
        payload("createLead", "input: $input", "$input: LeadInput!"),
        lambda g: {"input": {"customer": GARBAGE, "program": NOBODY, "probability": 101, "potentialValue": "-1",
                             "assignedTo": GARBAGE}},
        {("NOT_FOUND", ("input", "customer")), ("NOT_FOUND", ("input", "program")),
         ("INVALID", ("input", "probability")), ("INVALID", ("input", "potentialValue")),
         ("NOT_FOUND", ("input", "assignedTo"))},
    ),
    Case(
        "changeLeadState",
        payload("changeLeadState", "id: $id, to: CUSTOMER, assignTo: $assignTo", "$id: ID!, $assignTo: ID"),
        lambda g: {"id": g.lead, "assignTo": GARBAGE},
        {("INVALID_TRANSITION", ("to",)), ("NOT_FOUND", ("assignTo",))},
    ),
    Case(
        "bulkUpdateCustomers",
        payload("bulkUpdateCustomers", "ids: $ids, set: $set", "$ids: [ID!], $set: CustomerBulkSet!"),
        lambda g: {"ids": [g.customer, GARBAGE], "set": {"paymentTerms": GARBAGE, "status": None}},
        {("NOT_FOUND", ("ids", "1")), ("NOT_FOUND", ("set", "paymentTerms")), ("REQUIRED", ("set", "status"))},
    ),
    Case(
        "saveListView",
        payload("saveListView", "id: $id, kind: CUSTOMERS, name: \"\", columns: $columns",
                "$id: ID, $columns: [ListColumnInput!]!"),
        lambda g: {"id": GARBAGE, "columns": [{"field": "number"}, {"field": "noSuchColumn"}]},
        {("NOT_FOUND", ("id",)), ("REQUIRED", ("name",)), ("INVALID", ("columns", "1", "field"))},
    ),
    Case(
        "createUser",
        payload("createUser", "input: $input", "$input: UserInput!"),
        lambda g: {"input": {"email": "ADMIN@example.com", "name": "", "role": "VIEWER", "password": "short"}},
        {("DUPLICATE", ("input", "email")), ("REQUIRED", ("input", "name")), ("INVALID", ("input", "password"))},
    ),
]


@pytest.fixture
async def given(api: Any) -> Given:
    database = api.database
    customer = await factories.customer(database, "Acme Supply")
    invoice = await factories.invoice(database, customer.id, "100.00")
    payment = await factories.payment(database, customer.id, "20.00")
    lead = await factories.lead(database, customer.id, 1)
    item = await factories.item(database, "W-1", "5.00")
    return Given(global_id_text("Customer", customer.id), global_id_text("Invoice", invoice.id),
                 global_id_text("Payment", payment.id), global_id_text("Lead", lead.id), item.code)


@pytest.mark.parametrize("case", CASES, ids=[case.mutation for case in CASES])
async def test_mutation__every_problem_at_once(api: Any, given: Given, case: Case) -> None:
    # given
    before = await api.ok(STATE)
    # when
    data = await api.ok(case.document, case.variables(given))
    # then
    (answer,) = data.values()
    found = {(error["code"], tuple(error["field"])) for error in answer["userErrors"]}
    assert found == case.expected, answer["userErrors"]
    assert len(answer["userErrors"]) == len(case.expected), answer["userErrors"]
    assert await api.ok(STATE) == before
