"""Payments and their applications to invoices through `/graphql` (SPEC §2), concurrency included.

Every refusal also checks that nothing changed: the payment, its invoices, the customer's
balances and the audit log are read again through the API.
"""

from __future__ import annotations

import asyncio
from typing import Any


CREATE_CUSTOMER = """
mutation($input: CustomerInput!) {
  createCustomer(input: $input) { customer { id number } userErrors { field message code } }
}"""
CREATE_INVOICE = """
mutation($input: InvoiceInput!) {
  createInvoice(input: $input) { invoice { id number status } userErrors { field message code } }
}"""

PAYMENT_FIELDS = """
    id number status style currency fxRate version reference
    receivedAmount { amount currency } appliedAmount { amount } outstandingBalance { amount }
    applications { amount { amount } invoice { id } }
"""
RECORD_PAYMENT = f"""
mutation($input: PaymentInput!) {{
  recordPayment(input: $input) {{ payment {{ {PAYMENT_FIELDS} }} userErrors {{ field message code }} }}
}}"""
APPLY_PAYMENT = f"""
mutation($payment: ID!, $applications: [ApplicationInput!]!) {{
  applyPayment(payment: $payment, applications: $applications) {{
    payment {{ {PAYMENT_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""
PAYMENT = f"query($id: ID!) {{ node(id: $id) {{ ... on Payment {{ {PAYMENT_FIELDS} }} }} }}"
INVOICE = """
query($id: ID!) {
  invoice(id: $id) { number status version amountPaid { amount } balanceDue { amount } payments { amount { amount } } }
}"""
LEDGER = """
query($id: ID!) {
  customer(id: $id) {
    balances { currentInvoices { amount } unappliedPayments { amount } }
    payments { totalCount }
    invoices { edges { node { number status amountPaid { amount } balanceDue { amount } version } } }
  }
  auditEvents { totalCount }
}"""


async def create_customer(api: Any, **fields: Any) -> dict[str, Any]:
    data = await api.ok(CREATE_CUSTOMER, {"input": {"name": "Acme Wholesale", **fields}})
    assert data["createCustomer"]["userErrors"] == []
    return data["createCustomer"]["customer"]


async def create_invoice(api: Any, customer_id: str, total: str = "100.00", **fields: Any) -> dict[str, Any]:
    lines = [{"code": "W-1", "description": "Widget", "quantity": "1", "unitPrice": total}]
    data = await api.ok(CREATE_INVOICE, {"input": {"billCustomer": customer_id, "lines": lines,
                                                   "invoiceDate": "2026-02-10", **fields}})
    assert data["createInvoice"]["userErrors"] == []
    return data["createInvoice"]["invoice"]


async def record_payment(api: Any, customer_id: str, amount: str, **fields: Any) -> dict[str, Any]:
    data = await api.ok(RECORD_PAYMENT, {"input": {"customer": customer_id, "amount": amount,
                                                   "paymentDate": "2026-02-20", **fields}})
    assert data["recordPayment"]["userErrors"] == []
    return data["recordPayment"]["payment"]


async def apply(api: Any, payment_id: str, *applications: tuple[str, str]) -> dict[str, Any]:
    data = await api.ok(APPLY_PAYMENT, {"payment": payment_id, "applications": [
        {"invoice": invoice, "amount": amount} for invoice, amount in applications]})
    return data["applyPayment"]


async def ledger(api: Any, customer_id: str) -> dict[str, Any]:
    return await api.ok(LEDGER, {"id": customer_id})


async def state(api: Any, customer_id: str, payment_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return await ledger(api, customer_id), (await api.ok(PAYMENT, {"id": payment_id}))["node"]


def balances(found: dict[str, Any]) -> tuple[str, str]:
    b = found["customer"]["balances"]
    return b["currentInvoices"]["amount"], b["unappliedPayments"]["amount"]


def only_error(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["payment"] is None, payload
    assert len(payload["userErrors"]) == 1, payload["userErrors"]
    return payload["userErrors"][0]


# ------------------------------------------------------------------ recording

async def test_record_payment__unapplied(api):
    # given
    customer = await create_customer(api)
    await create_invoice(api, customer["id"])
    # when
    payment = await record_payment(api, customer["id"], "150.00", reference="cheque 1001")
    # then
    assert payment == {
        "id": payment["id"], "number": "PY-000001", "status": "RECEIVED", "style": "PAYMENT", "currency": "USD",
        "fxRate": None, "version": 1, "reference": "cheque 1001",
        "receivedAmount": {"amount": "150.00", "currency": "USD"}, "appliedAmount": {"amount": "0.00"},
        "outstandingBalance": {"amount": "150.00"}, "applications": []}
    assert (await api.ok(PAYMENT, {"id": payment["id"]}))["node"] == payment
    assert balances(await ledger(api, customer["id"])) == ("100.00", "150.00")


async def test_record_payment__deposit_in_a_foreign_currency(api):
    # given
    customer = await create_customer(api, currency="EUR")
    # when
    payment = await record_payment(api, customer["id"], "100.00", style="DEPOSIT", fxRate="1.1")
    # then
    assert (payment["style"], payment["currency"], payment["fxRate"]) == ("DEPOSIT", "EUR", "1.1")
    assert balances(await ledger(api, customer["id"])) == ("0.00", "110.00")


async def test_record_payment__bad_amount(api):
    # given
    customer = await create_customer(api)
    before = await ledger(api, customer["id"])
    for amount in ("0", "-5.00", "1.001"):
        # when
        data = await api.ok(RECORD_PAYMENT, {"input": {"customer": customer["id"], "amount": amount}})
        # then
        error = only_error(data["recordPayment"])
        assert (error["code"], error["field"]) == ("INVALID", ["input", "amount"])
    assert await ledger(api, customer["id"]) == before


async def test_record_payment__foreign_currency_without_a_rate(api):
    # given
    customer = await create_customer(api, currency="EUR")
    before = await ledger(api, customer["id"])
    # when
    data = await api.ok(RECORD_PAYMENT, {"input": {"customer": customer["id"], "amount": "10.00"}})
    # then
    error = only_error(data["recordPayment"])
    assert (error["code"], error["field"]) == ("REQUIRED", ["input", "fxRate"])
    assert await ledger(api, customer["id"]) == before


# ------------------------------------------------------------------ applying

async def test_record_payment__applied_at_once_then_later(api):
    # given
    customer = await create_customer(api)
    first = await create_invoice(api, customer["id"])
    second = await create_invoice(api, customer["id"])
    # when
    payment = await record_payment(api, customer["id"], "150.00",
                                   applyTo=[{"invoice": first["id"], "amount": "60.00"}])
    # then
    assert (payment["status"], payment["appliedAmount"], payment["outstandingBalance"]) == (
        "PARTIALLY_APPLIED", {"amount": "60.00"}, {"amount": "90.00"})
    assert payment["applications"] == [{"amount": {"amount": "60.00"}, "invoice": {"id": first["id"]}}]
    invoice = (await api.ok(INVOICE, {"id": first["id"]}))["invoice"]
    assert (invoice["status"], invoice["amountPaid"], invoice["balanceDue"]) == (
        "PARTIALLY_PAID", {"amount": "60.00"}, {"amount": "40.00"})
    assert balances(await ledger(api, customer["id"])) == ("140.00", "90.00")

    # when
    applied = await apply(api, payment["id"], (first["id"], "40.00"), (second["id"], "50.00"))
    # then
    assert applied["userErrors"] == []
    payment = applied["payment"]
    assert (payment["status"], payment["appliedAmount"], payment["outstandingBalance"], payment["version"]) == (
        "FULLY_APPLIED", {"amount": "150.00"}, {"amount": "0.00"}, 2)
    invoices = {i["number"]: i for i in [(await api.ok(INVOICE, {"id": x["id"]}))["invoice"]
                                         for x in (first, second)]}
    assert (invoices[first["number"]]["status"], invoices[first["number"]]["balanceDue"]) == (
        "PAID", {"amount": "0.00"})
    assert [p["amount"]["amount"] for p in invoices[first["number"]]["payments"]] == ["60.00", "40.00"]
    assert (invoices[second["number"]]["status"], invoices[second["number"]]["balanceDue"]) == (
        "PARTIALLY_PAID", {"amount": "50.00"})
    assert balances(await ledger(api, customer["id"])) == ("50.00", "0.00")


async def test_apply_payment__exactly_the_balance_pays_the_invoice(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"], "99.99")
    payment = await record_payment(api, customer["id"], "99.99")
    # when
    applied = await apply(api, payment["id"], (invoice["id"], "99.99"))
    # then
    assert applied["userErrors"] == []
    assert applied["payment"]["status"] == "FULLY_APPLIED"
    found = (await api.ok(INVOICE, {"id": invoice["id"]}))["invoice"]
    assert (found["status"], found["balanceDue"], found["version"]) == ("PAID", {"amount": "0.00"}, 2)
    assert balances(await ledger(api, customer["id"])) == ("0.00", "0.00")


async def test_apply_payment__more_than_the_invoice_is_open(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"])
    payment = await record_payment(api, customer["id"], "500.00",
                                   applyTo=[{"invoice": invoice["id"], "amount": "30.00"}])
    before = await state(api, customer["id"], payment["id"])
    # when
    result = await apply(api, payment["id"], (invoice["id"], "70.01"))
    # then
    error = only_error(result)
    assert (error["code"], error["field"]) == ("OVER_APPLIED", ["applications", "0", "amount"])
    assert "70.00" in error["message"]
    assert await state(api, customer["id"], payment["id"]) == before


async def test_apply_payment__two_applications_to_one_invoice_add_up(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"])
    payment = await record_payment(api, customer["id"], "500.00")
    before = await state(api, customer["id"], payment["id"])
    # when
    result = await apply(api, payment["id"], (invoice["id"], "60.00"), (invoice["id"], "60.00"))
    # then
    error = only_error(result)
    assert (error["code"], error["field"]) == ("OVER_APPLIED", ["applications", "1", "amount"])
    assert await state(api, customer["id"], payment["id"]) == before


async def test_record_payment__apply_to_more_than_the_invoice(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"])
    before = await ledger(api, customer["id"])
    # when
    data = await api.ok(RECORD_PAYMENT, {"input": {"customer": customer["id"], "amount": "500.00",
                                                   "applyTo": [{"invoice": invoice["id"], "amount": "100.01"}]}})
    # then
    error = only_error(data["recordPayment"])
    assert (error["code"], error["field"]) == ("OVER_APPLIED", ["input", "applyTo", "0", "amount"])
    assert await ledger(api, customer["id"]) == before


async def test_record_payment__apply_to_more_than_received(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"])
    before = await ledger(api, customer["id"])
    # when
    data = await api.ok(RECORD_PAYMENT, {"input": {"customer": customer["id"], "amount": "50.00",
                                                   "applyTo": [{"invoice": invoice["id"], "amount": "50.01"}]}})
    # then
    error = only_error(data["recordPayment"])
    assert (error["code"], error["field"]) == ("OVER_APPLIED", ["input", "applyTo"])
    assert await ledger(api, customer["id"]) == before


async def test_apply_payment__more_than_the_payment_has_left(api):
    # given
    customer = await create_customer(api)
    first = await create_invoice(api, customer["id"])
    second = await create_invoice(api, customer["id"])
    payment = await record_payment(api, customer["id"], "120.00",
                                   applyTo=[{"invoice": first["id"], "amount": "100.00"}])
    before = await state(api, customer["id"], payment["id"])
    # when
    result = await apply(api, payment["id"], (second["id"], "20.01"))
    # then
    error = only_error(result)
    assert (error["code"], error["field"]) == ("OVER_APPLIED", ["applications"])
    assert "20.00" in error["message"]
    assert await state(api, customer["id"], payment["id"]) == before


async def test_apply_payment__invoice_of_another_customer(api):
    # given
    customer = await create_customer(api)
    other = await create_customer(api, name="Other")
    theirs = await create_invoice(api, other["id"])
    payment = await record_payment(api, customer["id"], "100.00")
    before = await state(api, customer["id"], payment["id"]), await ledger(api, other["id"])
    # when
    result = await apply(api, payment["id"], (theirs["id"], "10.00"))
    # then
    error = only_error(result)
    assert (error["code"], error["field"]) == ("INVALID", ["applications", "0", "invoice"])
    assert (await state(api, customer["id"], payment["id"]), await ledger(api, other["id"])) == before


async def test_apply_payment__to_a_credit_note_or_a_draft(api):
    # given
    customer = await create_customer(api)
    credit = await create_invoice(api, customer["id"], classification="CREDIT")
    draft = await create_invoice(api, customer["id"], issue=False)
    payment = await record_payment(api, customer["id"], "100.00")
    before = await state(api, customer["id"], payment["id"])
    for invoice in (credit, draft):
        # when
        result = await apply(api, payment["id"], (invoice["id"], "10.00"))
        # then
        error = only_error(result)
        assert (error["code"], error["field"]) == ("INVALID", ["applications", "0", "invoice"])
    assert await state(api, customer["id"], payment["id"]) == before


async def test_apply_payment__unknown_invoice_and_payment(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"])
    payment = await record_payment(api, customer["id"], "100.00")
    before = await state(api, customer["id"], payment["id"])
    # when
    unknown_invoice = await apply(api, payment["id"], (customer["id"], "10.00"))
    unknown_payment = await apply(api, invoice["id"], (invoice["id"], "10.00"))
    # then
    error = only_error(unknown_invoice)
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["applications", "0", "invoice"])
    error = only_error(unknown_payment)
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["payment"])
    assert await state(api, customer["id"], payment["id"]) == before


async def test_apply_payment__no_applications(api):
    # given
    customer = await create_customer(api)
    await create_invoice(api, customer["id"])
    payment = await record_payment(api, customer["id"], "100.00")
    before = await state(api, customer["id"], payment["id"])
    # when
    result = await apply(api, payment["id"])
    # then
    error = only_error(result)
    assert (error["code"], error["field"]) == ("REQUIRED", ["applications"])
    assert await state(api, customer["id"], payment["id"]) == before


# ---------------------------------------------------------------- concurrency

async def test_apply_payment__concurrent_applications_never_exceed_the_payment(api):
    # given
    customer = await create_customer(api)
    invoices = [await create_invoice(api, customer["id"]) for _ in range(8)]
    payment = await record_payment(api, customer["id"], "100.00")
    # when
    results = await asyncio.gather(*(apply(api, payment["id"], (invoice["id"], "100.00")) for invoice in invoices))
    # then
    succeeded = [r for r in results if not r["userErrors"]]
    refused = [r for r in results if r["userErrors"]]
    assert len(succeeded) == 1
    assert {e["code"] for r in refused for e in r["userErrors"]} == {"OVER_APPLIED"}
    found = (await api.ok(PAYMENT, {"id": payment["id"]}))["node"]
    assert (found["appliedAmount"], found["status"]) == ({"amount": "100.00"}, "FULLY_APPLIED")
    assert len(found["applications"]) == 1
    statuses = [e["node"]["status"] for e in (await ledger(api, customer["id"]))["customer"]["invoices"]["edges"]]
    assert sorted(statuses) == ["PAID"] + ["PRINTED"] * 7
    assert balances(await ledger(api, customer["id"])) == ("700.00", "0.00")


async def test_record_payment__concurrent_payments_never_overpay_an_invoice(api):
    # given
    customer = await create_customer(api)
    invoice = await create_invoice(api, customer["id"])
    application = [{"invoice": invoice["id"], "amount": "100.00"}]
    # when
    results = await asyncio.gather(*(api.ok(RECORD_PAYMENT, {"input": {"customer": customer["id"], "amount": "100.00",
                                                                       "applyTo": application}})
                                     for _ in range(6)))
    # then
    payloads = [r["recordPayment"] for r in results]
    assert sum(1 for p in payloads if not p["userErrors"]) == 1
    # a paid invoice takes no more payments (INVALID); one still open takes no more than its balance
    assert {e["code"] for p in payloads for e in p["userErrors"]} <= {"OVER_APPLIED", "INVALID"}
    found = (await api.ok(INVOICE, {"id": invoice["id"]}))["invoice"]
    assert (found["status"], found["amountPaid"], found["balanceDue"]) == ("PAID", {"amount": "100.00"},
                                                                          {"amount": "0.00"})
    assert [p["amount"]["amount"] for p in found["payments"]] == ["100.00"]
    after = await ledger(api, customer["id"])
    assert after["customer"]["payments"]["totalCount"] == 1
    assert balances(after) == ("0.00", "0.00")
    assert [p["payment"]["number"] for p in payloads if p["payment"]] == ["PY-000001"]


async def test_create_customer__concurrent_numbers_are_distinct_and_gapless(api):
    # when
    results = await asyncio.gather(*(api.gql(CREATE_CUSTOMER, {"input": {"name": f"Customer {i}"}})
                                     for i in range(24)))
    # then
    for answer in results:
        assert "errors" not in answer, answer["errors"]
        assert answer["data"]["createCustomer"]["userErrors"] == []
    numbers = sorted(a["data"]["createCustomer"]["customer"]["number"] for a in results)
    assert numbers == [f"C-{n:06d}" for n in range(1, 25)]
    assert (await api.ok("{ customers { totalCount } }"))["customers"]["totalCount"] == 24
