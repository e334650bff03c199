"""The document life cycle through `/graphql` (SPEC §2, §3): order status moves, approval,
invoicing an order, issuing drafts and voiding invoices.

Every refusal checks that nothing changed: the record's status and version, and the audit log.
"""

from __future__ import annotations

from typing import Any

import pytest

from schema.base import pk_of
from server.access.models import Role
from server.documents.models import Order, OrderStatus
from server.documents.rules import ONLY_BY_APPROVAL, ORDER_MOVES
from tests.conftest import make_token
from tests.documents.test_document_mutations import (INVOICE_DAY, create_customer, create_invoice,
                                                     create_order, line, only_error, terms_id)
from tests.factories import set_row

ORDER_FIELDS = """
    id number status version currency fxRate
    lines { lineType code description unit quantity unitPrice { amount } netAmount { amount } }
"""
ORDER = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"
SET_STATUS = f"""
mutation($id: ID!, $status: OrderStatus!, $version: Int) {{
  setOrderStatus(id: $id, status: $status, expectedVersion: $version) {{
    order {{ {ORDER_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""
APPROVE = f"""
mutation($id: ID!) {{
  approveOrder(id: $id) {{ order {{ {ORDER_FIELDS} }} userErrors {{ field message code }} }}
}}"""

INVOICE_FIELDS = """
    id number status classification currency fxRate invoiceDate dueDate version
    taxAmount { amount } totalAmount { amount } balanceDue { amount currency } amountPaid { amount }
    billCustomer { id } orderCustomer { id } order { id status version }
    lines { lineType code description unit quantity unitPrice { amount } netAmount { amount } }
"""
INVOICE = f"query($id: ID!) {{ invoice(id: $id) {{ {INVOICE_FIELDS} }} }}"
INVOICE_ORDER = f"""
mutation($order: ID!, $date: Date) {{
  invoiceOrder(order: $order, invoiceDate: $date) {{
    invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""
ISSUE = f"""
mutation($id: ID!) {{
  issueInvoice(id: $id) {{ invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }} }}
}}"""
VOID = f"""
mutation($id: ID!) {{
  voidInvoice(id: $id) {{ invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }} }}
}}"""
RECORD_PAYMENT = """
mutation($input: PaymentInput!) { recordPayment(input: $input) { payment { id } userErrors { field message code } } }"""

FIGURES = """
query($id: ID!) {
  customer(id: $id) {
    orderTotal { amount } lifetimeValue { amount }
    balances { openOrders { amount } currentInvoices { amount } }
    invoices { totalCount }
  }
  auditEvents { totalCount }
}"""

ALLOWED = [(current, to) for current, moves in ORDER_MOVES.items() for to in sorted(moves, key=lambda s: s.name)
           if (current, to) not in ONLY_BY_APPROVAL]


async def order_in(api: Any, status: OrderStatus, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A customer and an order of it put straight into `status` (version 1)."""
    customer = await create_customer(api, **fields)
    order = await create_order(api, customer["id"])
    await set_row(api.database, Order, pk_of(order["id"], "Order"), status=status)
    return customer, (await api.ok(ORDER, {"id": order["id"]}))["order"]


async def audit_count(api: Any) -> int:
    return (await api.ok("{ auditEvents { totalCount } }"))["auditEvents"]["totalCount"]


async def figures(api: Any, customer_id: str) -> dict[str, Any]:
    return await api.ok(FIGURES, {"id": customer_id})


# ------------------------------------------------------------ setOrderStatus

def test_the_table_is_spec_2():
    assert {(c.name, t.name) for c, t in ALLOWED} == {
        ("PENDING_APPROVAL", "CANCELLED"), ("PLANNED", "OPEN"), ("PLANNED", "CANCELLED"),
        ("OPEN", "PLANNED"), ("OPEN", "IN_PROGRESS"), ("OPEN", "ON_HOLD"), ("OPEN", "FINISHED"),
        ("OPEN", "CANCELLED"), ("IN_PROGRESS", "ON_HOLD"), ("IN_PROGRESS", "FINISHED"),
        ("IN_PROGRESS", "CANCELLED"), ("ON_HOLD", "OPEN"), ("ON_HOLD", "IN_PROGRESS"),
        ("ON_HOLD", "CANCELLED"), ("FINISHED", "IN_PROGRESS")}


@pytest.mark.parametrize(("current", "to"), ALLOWED, ids=[f"{c.name}->{t.name}" for c, t in ALLOWED])
async def test_set_order_status__allowed(api, current, to):
    # given
    _customer, order = await order_in(api, current)
    events = await audit_count(api)
    # when
    data = await api.ok(SET_STATUS, {"id": order["id"], "status": to.name, "version": 1})
    # then
    payload = data["setOrderStatus"]
    assert payload["userErrors"] == []
    assert (payload["order"]["status"], payload["order"]["version"]) == (to.name, 2)
    assert (await api.ok(ORDER, {"id": order["id"]}))["order"] == payload["order"]
    assert await audit_count(api) == events + 1


@pytest.mark.parametrize("current", list(OrderStatus), ids=[s.name for s in OrderStatus])
async def test_set_order_status__every_other_move_refused(api, current):
    # given
    _customer, order = await order_in(api, current)
    events = await audit_count(api)
    refused = [to for to in OrderStatus if to not in ORDER_MOVES[current] or (current, to) in ONLY_BY_APPROVAL]
    for to in refused:
        # when
        data = await api.ok(SET_STATUS, {"id": order["id"], "status": to.name})
        # then
        error = only_error(data["setOrderStatus"], "order")
        assert (error["code"], error["field"]) == ("INVALID_TRANSITION", ["status"])
        assert current.name in error["message"] and to.name in error["message"]
    assert (await api.ok(ORDER, {"id": order["id"]}))["order"] == order
    assert await audit_count(api) == events


async def test_set_order_status__pending_approval_needs_approve_order(api):
    # given
    _customer, order = await order_in(api, OrderStatus.PENDING_APPROVAL)
    # when
    data = await api.ok(SET_STATUS, {"id": order["id"], "status": "OPEN"})
    # then
    error = only_error(data["setOrderStatus"], "order")
    assert error["code"] == "INVALID_TRANSITION"
    assert "approveOrder" in error["message"]
    assert (await api.ok(ORDER, {"id": order["id"]}))["order"] == order


async def test_set_order_status__stale_version(api):
    # given
    _customer, order = await order_in(api, OrderStatus.OPEN)
    await api.ok(SET_STATUS, {"id": order["id"], "status": "IN_PROGRESS", "version": 1})
    moved = (await api.ok(ORDER, {"id": order["id"]}))["order"]
    events = await audit_count(api)
    # when
    data = await api.ok(SET_STATUS, {"id": order["id"], "status": "FINISHED", "version": 1})
    # then
    error = only_error(data["setOrderStatus"], "order")
    assert (error["code"], error["field"]) == ("STALE_VERSION", ["expectedVersion"])
    assert (await api.ok(ORDER, {"id": order["id"]}))["order"] == moved
    assert (moved["status"], moved["version"]) == ("IN_PROGRESS", 2)
    assert await audit_count(api) == events


async def test_set_order_status__unknown_order(api):
    # when
    data = await api.ok(SET_STATUS, {"id": "T3JkZXI6OTk5", "status": "OPEN"})
    # then
    error = only_error(data["setOrderStatus"], "order")
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])


# ------------------------------------------------------------ approveOrder

async def test_approve_order__as_admin(api):
    # given
    customer = await create_customer(api, creditCode="NEW_ACCOUNT")
    order = await create_order(api, customer["id"])
    assert order["status"] == "PENDING_APPROVAL"
    # when
    data = await api.ok(APPROVE, {"id": order["id"]})
    # then
    payload = data["approveOrder"]
    assert payload["userErrors"] == []
    assert (payload["order"]["status"], payload["order"]["version"]) == ("OPEN", 2)
    audit = await api.ok("query($id: ID!) { auditEvents(entityId: $id) { edges { node { action } } } }",
                         {"id": order["id"]})
    assert "approveOrder" in [e["node"]["action"] for e in audit["auditEvents"]["edges"]]


async def test_approve_order__as_viewer_forbidden(api):
    # given
    customer = await create_customer(api, creditCode="NEW_ACCOUNT")
    order = await create_order(api, customer["id"])
    viewer = await make_token(api.database, Role.VIEWER, email="viewer@example.com")
    events = await audit_count(api)
    # when
    data = await api.ok(APPROVE, {"id": order["id"]}, token=viewer)
    # then
    error = only_error(data["approveOrder"], "order")
    assert error["code"] == "FORBIDDEN"
    found = (await api.ok(ORDER, {"id": order["id"]}))["order"]
    assert (found["status"], found["version"]) == ("PENDING_APPROVAL", 1)
    assert await audit_count(api) == events


async def test_approve_order__as_manager(api):
    # given
    customer = await create_customer(api, creditCode="NEW_ACCOUNT")
    order = await create_order(api, customer["id"])
    manager = await make_token(api.database, Role.MANAGER, email="manager@example.com")
    # when
    data = await api.ok(APPROVE, {"id": order["id"]}, token=manager)
    # then
    assert data["approveOrder"]["userErrors"] == []
    assert data["approveOrder"]["order"]["status"] == "OPEN"


async def test_approve_order__not_waiting(api):
    # given
    customer = await create_customer(api)
    order = await create_order(api, customer["id"])
    events = await audit_count(api)
    # when
    data = await api.ok(APPROVE, {"id": order["id"]})
    # then
    error = only_error(data["approveOrder"], "order")
    assert (error["code"], error["field"]) == ("INVALID_TRANSITION", ["id"])
    assert "OPEN" in error["message"]
    found = (await api.ok(ORDER, {"id": order["id"]}))["order"]
    assert (found["status"], found["version"]) == ("OPEN", 1)
    assert await audit_count(api) == events


# ------------------------------------------------------------ invoiceOrder

async def test_invoice_order__carries_everything_over(api):
    # given
    payer = await create_customer(api, currency="EUR", paymentTerms=await terms_id(api, "NET30"),
                                  termsBasis="DELIVERY_DATE")
    customer = await create_customer(api, currency="EUR")
    lines = [line("0.3333", "3", taxRate="8.25"), line("10.01", "2.5", code="W-2", unit="EA"),
             line("0.00", "1", code="NOTE", lineType="DESCRIPTOR")]
    order = await create_order(api, customer["id"], lines, billingCustomer=payer["id"], fxRate="1.1",
                               orderDate="2026-01-20", requiredDate="2026-03-01")
    before = await figures(api, customer["id"]), await figures(api, payer["id"])
    # when
    data = await api.ok(INVOICE_ORDER, {"order": order["id"], "date": INVOICE_DAY})
    # then
    payload = data["invoiceOrder"]
    assert payload["userErrors"] == []
    invoice = payload["invoice"]
    ordered = (await api.ok(ORDER, {"id": order["id"]}))["order"]
    assert (ordered["status"], ordered["version"]) == ("INVOICED", 2)
    assert invoice == {
        "id": invoice["id"], "number": "IN-000001", "status": "PRINTED", "classification": "INVOICE",
        "currency": "EUR", "fxRate": "1.1", "invoiceDate": INVOICE_DAY, "dueDate": "2026-03-31", "version": 1,
        "taxAmount": {"amount": "0.08"}, "totalAmount": {"amount": "26.10"},
        "balanceDue": {"amount": "26.10", "currency": "EUR"},
        "amountPaid": {"amount": "0.00"},
        "billCustomer": {"id": payer["id"]}, "orderCustomer": {"id": customer["id"]},
        "order": {"id": order["id"], "status": "INVOICED", "version": 2},
        "lines": ordered["lines"],
    }
    assert (await api.ok(INVOICE, {"id": invoice["id"]}))["invoice"] == invoice
    # the figures move: the order still counts as ordered, no longer as open; the invoice is a sale
    after = await figures(api, customer["id"]), await figures(api, payer["id"])
    assert after[0]["customer"]["orderTotal"] == before[0]["customer"]["orderTotal"] == {"amount": "28.62"}
    assert before[1]["customer"]["balances"]["openOrders"] == {"amount": "28.62"}  # 26.02 EUR net at 1.1
    assert after[1]["customer"]["balances"]["openOrders"] == {"amount": "0.00"}
    assert before[1]["customer"]["balances"]["currentInvoices"] == {"amount": "0.00"}
    assert after[1]["customer"]["balances"]["currentInvoices"] == {"amount": "28.71"}  # 26.10 EUR at 1.1
    assert before[1]["customer"]["lifetimeValue"] == {"amount": "0.00"}
    assert after[1]["customer"]["lifetimeValue"] == {"amount": "28.62"}
    assert after[0]["customer"]["lifetimeValue"] == {"amount": "28.62"}


async def test_invoice_order__today_and_terms(api):
    # given
    customer = await create_customer(api)
    order = await create_order(api, customer["id"])
    today = (await api.ok("{ serverInfo { today } }"))["serverInfo"]["today"]
    # when
    invoice = (await api.ok(INVOICE_ORDER, {"order": order["id"]}))["invoiceOrder"]["invoice"]
    # then: no terms, due on the invoice date
    assert (invoice["invoiceDate"], invoice["dueDate"]) == (today, today)


@pytest.mark.parametrize("status", [OrderStatus.IN_PROGRESS, OrderStatus.FINISHED])
async def test_invoice_order__in_progress_or_finished(api, status):
    # given
    _customer, order = await order_in(api, status)
    # when
    data = await api.ok(INVOICE_ORDER, {"order": order["id"], "date": INVOICE_DAY})
    # then
    assert data["invoiceOrder"]["userErrors"] == []
    assert data["invoiceOrder"]["invoice"]["order"]["status"] == "INVOICED"


@pytest.mark.parametrize("status", [s for s in OrderStatus if s not in (
    OrderStatus.OPEN, OrderStatus.IN_PROGRESS, OrderStatus.FINISHED)], ids=lambda s: s.name)
async def test_invoice_order__refused(api, status):
    # given
    customer, order = await order_in(api, status)
    before = await figures(api, customer["id"])
    # when
    data = await api.ok(INVOICE_ORDER, {"order": order["id"], "date": INVOICE_DAY})
    # then
    error = only_error(data["invoiceOrder"], "invoice")
    assert (error["code"], error["field"]) == ("INVALID_TRANSITION", ["order"])
    assert status.name in error["message"]
    assert (await api.ok(ORDER, {"id": order["id"]}))["order"] == order
    assert await figures(api, customer["id"]) == before


async def test_invoice_order__twice(api):
    # given
    customer = await create_customer(api)
    order = await create_order(api, customer["id"])
    await api.ok(INVOICE_ORDER, {"order": order["id"]})
    before = await figures(api, customer["id"])
    # when
    data = await api.ok(INVOICE_ORDER, {"order": order["id"]})
    # then
    assert only_error(data["invoiceOrder"], "invoice")["code"] == "INVALID_TRANSITION"
    assert await figures(api, customer["id"]) == before


# ------------------------------------------------------------ issueInvoice

async def test_issue_invoice__numbers_in_sequence(api):
    # given: drafts take DRAFT- numbers only
    customer = await create_customer(api, paymentTerms=await terms_id(api, "NET30"))
    draft = await create_invoice(api, customer["id"], [line("40.00")], issue=False)
    first = await create_invoice(api, customer["id"], [line("10.00")])
    credit_draft = await create_invoice(api, customer["id"], [line("5.00")], issue=False, classification="CREDIT")
    before = await figures(api, customer["id"])
    # when
    issued = (await api.ok(ISSUE, {"id": draft["id"]}))["issueInvoice"]
    credit = (await api.ok(ISSUE, {"id": credit_draft["id"]}))["issueInvoice"]
    second = await create_invoice(api, customer["id"], [line("1.00")])
    # then
    assert issued["userErrors"] == [] and credit["userErrors"] == []
    assert (draft["number"], first["number"], credit_draft["number"]) == ("DRAFT-000001", "IN-000001",
                                                                           "DRAFT-000002")
    assert [issued["invoice"]["number"], second["number"], credit["invoice"]["number"]] == [
        "IN-000002", "IN-000003", "CR-000001"]
    invoice = issued["invoice"]
    assert (invoice["status"], invoice["version"], invoice["invoiceDate"], invoice["dueDate"]) == (
        "PRINTED", 2, INVOICE_DAY, "2026-03-12")
    assert invoice["balanceDue"] == {"amount": "40.00", "currency": "USD"}
    assert before["customer"]["lifetimeValue"] == {"amount": "10.00"}
    after = await figures(api, customer["id"])
    assert after["customer"]["lifetimeValue"] == {"amount": "46.00"}  # 10 + 40 - 5 + 1
    assert after["customer"]["balances"]["currentInvoices"] == {"amount": "46.00"}


async def test_issue_invoice__due_date_from_the_current_terms(api):
    # given: a draft made without terms, then the customer gets NET30 at end of month
    customer = await create_customer(api)
    draft = await create_invoice(api, customer["id"], issue=False)
    assert draft["dueDate"] == INVOICE_DAY
    await api.ok("""mutation($id: ID!, $input: CustomerInput!) { updateCustomer(id: $id, input: $input) {
                        userErrors { code } } }""",
                 {"id": customer["id"], "input": {"paymentTerms": await terms_id(api, "NET30"),
                                                  "termsBasis": "END_OF_MONTH"}})
    # when
    invoice = (await api.ok(ISSUE, {"id": draft["id"]}))["issueInvoice"]["invoice"]
    # then: the date stays, the due date is fixed from it and the terms of now
    assert (invoice["invoiceDate"], invoice["dueDate"]) == (INVOICE_DAY, "2026-03-30")


async def test_issue_invoice__only_drafts(api):
    # given
    customer = await create_customer(api)
    issued = await create_invoice(api, customer["id"])
    events = await audit_count(api)
    # when
    data = await api.ok(ISSUE, {"id": issued["id"]})
    # then
    error = only_error(data["issueInvoice"], "invoice")
    assert (error["code"], error["field"]) == ("INVALID_TRANSITION", ["id"])
    found = (await api.ok(INVOICE, {"id": issued["id"]}))["invoice"]
    assert (found["number"], found["status"], found["version"]) == ("IN-000001", "PRINTED", 1)
    assert await audit_count(api) == events
    # and an IN- number was not used up by the refusal
    assert (await create_invoice(api, customer["id"]))["number"] == "IN-000002"


# ------------------------------------------------------------ voidInvoice

async def test_void_invoice__issued_and_draft(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"], [line("30.00")])
    draft = await create_invoice(api, customer["id"], [line("7.00")], issue=False)
    before = await figures(api, customer["id"])
    # when
    voided = (await api.ok(VOID, {"id": invoice["id"]}))["voidInvoice"]
    voided_draft = (await api.ok(VOID, {"id": draft["id"]}))["voidInvoice"]
    # then
    assert voided["userErrors"] == [] and voided_draft["userErrors"] == []
    assert (voided["invoice"]["status"], voided["invoice"]["version"], voided["invoice"]["number"]) == (
        "VOID", 2, "IN-000001")
    assert voided_draft["invoice"]["status"] == "VOID"
    assert before["customer"]["lifetimeValue"] == {"amount": "30.00"}
    after = await figures(api, customer["id"])
    assert after["customer"]["lifetimeValue"] == {"amount": "0.00"}
    assert after["customer"]["balances"]["currentInvoices"] == {"amount": "0.00"}
    # a void number is never reused
    assert (await create_invoice(api, customer["id"]))["number"] == "IN-000002"
    # and a void draft cannot be issued
    assert only_error((await api.ok(ISSUE, {"id": draft["id"]}))["issueInvoice"], "invoice")["code"] == (
        "INVALID_TRANSITION")


async def test_void_invoice__refused_with_payments(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"], [line("30.00")])
    paid = await api.ok(RECORD_PAYMENT, {"input": {"customer": customer["id"], "amount": "10.00",
                                                   "applyTo": [{"invoice": invoice["id"], "amount": "10.00"}]}})
    assert paid["recordPayment"]["userErrors"] == []
    before = (await api.ok(INVOICE, {"id": invoice["id"]}))["invoice"]
    events = await audit_count(api)
    # when
    data = await api.ok(VOID, {"id": invoice["id"]})
    # then
    error = only_error(data["voidInvoice"], "invoice")
    assert (error["code"], error["field"]) == ("INVALID", ["id"])
    assert "payments applied" in error["message"]
    assert (await api.ok(INVOICE, {"id": invoice["id"]}))["invoice"] == before
    assert (before["status"], before["version"]) == ("PARTIALLY_PAID", 2)
    assert await audit_count(api) == events


async def test_void_invoice__already_void(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"])
    await api.ok(VOID, {"id": invoice["id"]})
    events = await audit_count(api)
    # when
    data = await api.ok(VOID, {"id": invoice["id"]})
    # then
    error = only_error(data["voidInvoice"], "invoice")
    assert (error["code"], error["field"]) == ("INVALID_TRANSITION", ["id"])
    found = (await api.ok(INVOICE, {"id": invoice["id"]}))["invoice"]
    assert (found["status"], found["version"]) == ("VOID", 2)
    assert await audit_count(api) == events


async def test_void_invoice__of_an_invoiced_order(api):
    # given
    customer = await create_customer(api)
    order = await create_order(api, customer["id"], [line("12.00")])
    invoice = (await api.ok(INVOICE_ORDER, {"order": order["id"]}))["invoiceOrder"]["invoice"]
    # when
    voided = (await api.ok(VOID, {"id": invoice["id"]}))["voidInvoice"]["invoice"]
    # then: the voided invoice counts in nothing; the order stays INVOICED (a final status)
    assert voided["order"] == {"id": order["id"], "status": "INVOICED", "version": 2}
    found = (await figures(api, customer["id"]))["customer"]
    assert found["lifetimeValue"] == {"amount": "0.00"}
    assert found["balances"] == {"openOrders": {"amount": "0.00"}, "currentInvoices": {"amount": "0.00"}}
    assert found["orderTotal"] == {"amount": "12.00"}



async def test_invoice_order__an_id_of_another_kind(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"])
    before = await figures(api, customer["id"])
    # when
    data = await api.ok(INVOICE_ORDER, {"order": invoice["id"]})
    # then
    error = only_error(data["invoiceOrder"], "invoice")
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["order"])
    assert await figures(api, customer["id"]) == before
