"""Orders and invoices through `/graphql`: line arithmetic, numbers, credit control, due dates,
drafts, credit notes and foreign currencies (SPEC §1-§3).

Every refusal also checks that nothing was written: the customer's documents and the audit log
are counted again through the API.
"""

from __future__ import annotations

from typing import Any

CREATE_CUSTOMER = """
mutation($input: CustomerInput!) {
  createCustomer(input: $input) { customer { id name } userErrors { field message code } }
}"""
CREATE_ITEM = """
mutation($input: ItemInput!) { createItem(input: $input) { item { id } userErrors { field message code } } }"""
CREATE_LOCATION = """
mutation($input: LocationInput!) {
  createLocation(input: $input) { location { id } userErrors { field message code } }
}"""

ORDER_FIELDS = """
    id number status classification currency fxRate orderDate warnings version
    netValue { amount currency } taxValue { amount } totalValue { amount }
    lines { lineType code description unit quantity unitPrice { amount } netAmount { amount } item { id } }
    orderCustomer { id } billingCustomer { id } location { id }
"""
CREATE_ORDER = f"""
mutation($input: OrderInput!) {{
  createOrder(input: $input) {{ order {{ {ORDER_FIELDS} }} userErrors {{ field message code }} }}
}}"""
ORDER = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"

INVOICE_FIELDS = """
    id number status classification currency fxRate invoiceDate dueDate version
    netAmount { amount currency } taxAmount { amount } totalAmount { amount } amountPaid { amount }
    balanceDue { amount currency }
    lines { code quantity unitPrice { amount } netAmount { amount } taxAmount { amount } }
"""
CREATE_INVOICE = f"""
mutation($input: InvoiceInput!) {{
  createInvoice(input: $input) {{ invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }} }}
}}"""
INVOICE = f"query($id: ID!) {{ invoice(id: $id) {{ {INVOICE_FIELDS} }} }}"

DOCUMENTS = """
query($id: ID!) {
  customer(id: $id) {
    orders { totalCount } invoices { totalCount }
    lifetimeValue { amount currency }
    balances { openOrders { amount } currentInvoices { amount } }
  }
  auditEvents { totalCount }
}"""

INVOICE_DAY = "2026-02-10"


async def create_customer(api: Any, **fields: Any) -> dict[str, Any]:
    data = await api.ok(CREATE_CUSTOMER, {"input": {"name": "Acme Wholesale", **fields}})
    assert data["createCustomer"]["userErrors"] == []
    return data["createCustomer"]["customer"]


async def terms_id(api: Any, code: str) -> str:
    terms = (await api.ok("{ paymentTerms { id code } }"))["paymentTerms"]
    return next(t["id"] for t in terms if t["code"] == code)


async def documents(api: Any, customer_id: str) -> dict[str, Any]:
    return await api.ok(DOCUMENTS, {"id": customer_id})


def line(price: str = "10.00", quantity: str = "1", **fields: Any) -> dict[str, Any]:
    return {"code": "W-1", "description": "Widget", "quantity": quantity, "unitPrice": price, **fields}


async def create_order(api: Any, customer_id: str, lines: list[dict[str, Any]] | None = None,
                       **fields: Any) -> dict[str, Any]:
    data = await api.ok(CREATE_ORDER, {"input": {"orderCustomer": customer_id, "lines": lines or [line()],
                                                 **fields}})
    assert data["createOrder"]["userErrors"] == []
    return data["createOrder"]["order"]


async def create_invoice(api: Any, customer_id: str, lines: list[dict[str, Any]] | None = None,
                         **fields: Any) -> dict[str, Any]:
    data = await api.ok(CREATE_INVOICE, {"input": {"billCustomer": customer_id, "lines": lines or [line()],
                                                   "invoiceDate": INVOICE_DAY, **fields}})
    assert data["createInvoice"]["userErrors"] == []
    return data["createInvoice"]["invoice"]


def only_error(payload: dict[str, Any], field: str) -> dict[str, Any]:
    assert payload[field] is None, payload
    assert len(payload["userErrors"]) == 1, payload["userErrors"]
    return payload["userErrors"][0]


# ------------------------------------------------------------------- orders

async def test_create_order__line_arithmetic(api):
    # given
    customer = await create_customer(api)
    lines = [line("0.3333", "3", taxRate="8.25"),       # 0.9999 -> 1.00; tax 0.0825 -> 0.08
             line("10.01", "2.5", code="W-2", taxRate="8.25"),  # 25.025 -> 25.02 (half-even); tax 2.06415 -> 2.06
             line("0.10", "1", code="W-3"), line("0.20", "1", code="W-4")]
    # when
    order = await create_order(api, customer["id"], lines)
    # then
    assert [(l["quantity"], l["unitPrice"]["amount"], l["netAmount"]["amount"]) for l in order["lines"]] == [
        ("3.000", "0.3333", "1.00"), ("2.500", "10.01", "25.02"), ("1.000", "0.10", "0.10"),
        ("1.000", "0.20", "0.20")]
    assert order["netValue"] == {"amount": "26.32", "currency": "USD"}
    assert order["taxValue"] == {"amount": "2.14"}
    assert order["totalValue"] == {"amount": "28.46"}
    assert (await api.ok(ORDER, {"id": order["id"]}))["order"] == order


async def test_create_order__round_trip(api):
    # given
    customer = await create_customer(api)
    location = (await api.ok(CREATE_LOCATION, {"input": {"customer": customer["id"], "code": "MAIN",
                                                         "alias": "Main"}}))["createLocation"]["location"]
    # when
    order = await create_order(api, customer["id"], orderDate="2026-01-15", location=location["id"])
    # then
    assert order == {
        "id": order["id"], "number": "SO-000001", "status": "OPEN", "classification": "SALES_ORDER",
        "currency": "USD", "fxRate": None, "orderDate": "2026-01-15", "warnings": [], "version": 1,
        "netValue": {"amount": "10.00", "currency": "USD"}, "taxValue": {"amount": "0.00"},
        "totalValue": {"amount": "10.00"},
        "lines": [{"lineType": "ITEM", "code": "W-1", "description": "Widget", "unit": None, "quantity": "1.000",
                   "unitPrice": {"amount": "10.00"}, "netAmount": {"amount": "10.00"}, "item": None}],
        "orderCustomer": {"id": customer["id"]}, "billingCustomer": {"id": customer["id"]},
        "location": {"id": location["id"]},
    }
    assert (await api.ok(ORDER, {"id": order["id"]}))["order"] == order


async def test_create_order__item_line_takes_the_item(api):
    # given
    customer = await create_customer(api)
    item = (await api.ok(CREATE_ITEM, {"input": {"code": "BOLT", "description": "Hex bolt", "unit": "box",
                                                 "unitPrice": "4.10"}}))["createItem"]["item"]
    # when
    order = await create_order(api, customer["id"], [{"item": item["id"], "quantity": "2"}])
    # then
    assert order["lines"] == [{"lineType": "ITEM", "code": "BOLT", "description": "Hex bolt", "unit": "box",
                               "quantity": "2.000", "unitPrice": {"amount": "4.10"},
                               "netAmount": {"amount": "8.20"}, "item": {"id": item["id"]}}]
    assert order["netValue"]["amount"] == "8.20"


async def test_create_order__numbers_by_classification(api):
    # given
    customer = await create_customer(api)
    # when
    first = await create_order(api, customer["id"])
    job = await create_order(api, customer["id"], classification="JOB_ORDER")
    second = await create_order(api, customer["id"], classification="SALES_ORDER")
    # then
    assert (first["number"], job["number"], second["number"]) == ("SO-000001", "JO-000001", "SO-000002")
    assert job["classification"] == "JOB_ORDER"


async def test_create_order__negative_quantity(api):
    # given
    customer = await create_customer(api)
    before = await documents(api, customer["id"])
    # when
    data = await api.ok(CREATE_ORDER, {"input": {"orderCustomer": customer["id"],
                                                 "lines": [line(quantity="-1")]}})
    # then
    error = only_error(data["createOrder"], "order")
    assert (error["code"], error["field"]) == ("INVALID", ["input", "lines", "0", "quantity"])
    assert "quantity" in error["message"]
    assert await documents(api, customer["id"]) == before


async def test_create_order__problems_on_several_lines(api):
    # given
    customer = await create_customer(api)
    before = await documents(api, customer["id"])
    # when
    data = await api.ok(CREATE_ORDER, {"input": {"orderCustomer": customer["id"], "lines": [
        line(), line(quantity="0.0001"), {"code": "X", "description": "No price", "quantity": "1"},
        line(taxRate="101"), {"item": "SXRlbTo5OTk", "quantity": "1"}]}})
    # then
    assert data["createOrder"]["order"] is None
    assert {(e["code"], tuple(e["field"])) for e in data["createOrder"]["userErrors"]} == {
        ("INVALID", ("input", "lines", "1", "quantity")), ("REQUIRED", ("input", "lines", "2", "unitPrice")),
        ("INVALID", ("input", "lines", "3", "taxRate")), ("NOT_FOUND", ("input", "lines", "4", "item"))}
    assert await documents(api, customer["id"]) == before


async def test_create_order__no_lines(api):
    # given
    customer = await create_customer(api)
    before = await documents(api, customer["id"])
    # when
    data = await api.ok(CREATE_ORDER, {"input": {"orderCustomer": customer["id"], "lines": []}})
    # then
    error = only_error(data["createOrder"], "order")
    assert (error["code"], error["field"]) == ("REQUIRED", ["input", "lines"])
    assert await documents(api, customer["id"]) == before


async def test_create_order__location_of_another_customer(api):
    # given
    customer = await create_customer(api)
    other = await create_customer(api, name="Other")
    location = (await api.ok(CREATE_LOCATION, {"input": {"customer": other["id"], "code": "MAIN",
                                                         "alias": "Main"}}))["createLocation"]["location"]
    before = await documents(api, customer["id"])
    # when
    data = await api.ok(CREATE_ORDER, {"input": {"orderCustomer": customer["id"], "location": location["id"],
                                                 "lines": [line()]}})
    # then
    error = only_error(data["createOrder"], "order")
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "location"])
    assert await documents(api, customer["id"]) == before


async def test_create_order__credit_hold(api):
    # given
    customer = await create_customer(api, creditCode="CREDIT_HOLD")
    before = await documents(api, customer["id"])
    # when
    data = await api.ok(CREATE_ORDER, {"input": {"orderCustomer": customer["id"], "lines": [line()]}})
    # then
    error = only_error(data["createOrder"], "order")
    assert (error["code"], error["field"]) == ("CREDIT_HOLD", ["input", "orderCustomer"])
    assert "credit hold" in error["message"]
    assert await documents(api, customer["id"]) == before
    # and the refused order took no number
    other = await create_customer(api, name="Good")
    assert (await create_order(api, other["id"]))["number"] == "SO-000001"


async def test_create_order__billing_customer_on_credit_hold(api):
    # given
    customer = await create_customer(api)
    payer = await create_customer(api, name="Payer", creditCode="CREDIT_HOLD")
    before = await documents(api, customer["id"]), await documents(api, payer["id"])
    # when
    data = await api.ok(CREATE_ORDER, {"input": {"orderCustomer": customer["id"], "billingCustomer": payer["id"],
                                                 "lines": [line()]}})
    # then
    error = only_error(data["createOrder"], "order")
    assert error["code"] == "CREDIT_HOLD"
    assert (await documents(api, customer["id"]), await documents(api, payer["id"])) == before


async def test_create_order__new_account_waits_for_approval(api):
    # given
    customer = await create_customer(api, creditCode="NEW_ACCOUNT")
    # when
    order = await create_order(api, customer["id"])
    # then
    assert order["status"] == "PENDING_APPROVAL"
    assert order["warnings"] == []
    assert (await documents(api, customer["id"]))["customer"]["balances"]["openOrders"] == {"amount": "10.00"}


async def test_create_order__past_due_warns(api):
    # given
    customer = await create_customer(api, creditCode="PAST_DUE")
    # when
    order = await create_order(api, customer["id"])
    # then
    assert order["status"] == "OPEN"
    [warning] = order["warnings"]
    assert "past due" in warning
    assert (await api.ok(ORDER, {"id": order["id"]}))["order"]["warnings"] == [warning]


async def test_create_order__over_the_credit_limit_warns_with_the_exposure(api):
    # given
    customer = await create_customer(api, creditLimit="100.00")
    await create_invoice(api, customer["id"], [line("50.00")])
    await create_order(api, customer["id"], [line("30.00")])
    # when
    order = await create_order(api, customer["id"], [line("20.01")])
    # then
    assert order["status"] == "OPEN"
    [warning] = order["warnings"]
    assert "credit limit" in warning
    assert "100.01" in warning and "100.00" in warning


async def test_create_order__unapplied_payments_lower_the_exposure(api):
    # given
    customer = await create_customer(api, creditLimit="100.00")
    await create_invoice(api, customer["id"], [line("50.00")])
    payment = await api.ok("""mutation($input: PaymentInput!) {
      recordPayment(input: $input) { userErrors { code } } }""", {"input": {"customer": customer["id"],
                                                                            "amount": "0.01"}})
    assert payment["recordPayment"]["userErrors"] == []
    # when: 50.00 + 50.01 - 0.01 is exactly the limit
    order = await create_order(api, customer["id"], [line("50.01")])
    # then
    assert order["warnings"] == []


async def test_create_order__foreign_currency_needs_a_rate(api):
    # given
    customer = await create_customer(api, currency="EUR")
    before = await documents(api, customer["id"])
    # when
    data = await api.ok(CREATE_ORDER, {"input": {"orderCustomer": customer["id"], "lines": [line()]}})
    # then
    error = only_error(data["createOrder"], "order")
    assert (error["code"], error["field"]) == ("REQUIRED", ["input", "fxRate"])
    assert "EUR" in error["message"]
    assert await documents(api, customer["id"]) == before


async def test_create_order__foreign_currency_counts_in_base(api):
    # given
    customer = await create_customer(api, currency="EUR")
    # when
    order = await create_order(api, customer["id"], [line("100.00")], fxRate="1.1")
    # then
    assert (order["currency"], order["fxRate"], order["netValue"]) == (
        "EUR", "1.1", {"amount": "100.00", "currency": "EUR"})
    assert (await documents(api, customer["id"]))["customer"]["balances"]["openOrders"] == {"amount": "110.00"}


# ----------------------------------------------------------------- invoices

async def test_create_invoice__issued(api):
    # given
    customer = await create_customer(api, paymentTerms=await terms_id(api, "NET30"))
    # when
    invoice = await create_invoice(api, customer["id"], [line("0.3333", "3", taxRate="8.25")])
    # then
    assert invoice == {
        "id": invoice["id"], "number": "IN-000001", "status": "PRINTED", "classification": "INVOICE",
        "currency": "USD", "fxRate": None, "invoiceDate": INVOICE_DAY, "dueDate": "2026-03-12", "version": 1,
        "netAmount": {"amount": "1.00", "currency": "USD"}, "taxAmount": {"amount": "0.08"},
        "totalAmount": {"amount": "1.08"}, "amountPaid": {"amount": "0.00"},
        "balanceDue": {"amount": "1.08", "currency": "USD"},
        "lines": [{"code": "W-1", "quantity": "3.000", "unitPrice": {"amount": "0.3333"},
                   "netAmount": {"amount": "1.00"}, "taxAmount": {"amount": "0.08"}}],
    }
    assert (await api.ok(INVOICE, {"id": invoice["id"]}))["invoice"] == invoice
    found = (await documents(api, customer["id"]))["customer"]
    assert found["lifetimeValue"] == {"amount": "1.00", "currency": "USD"}
    assert found["balances"]["currentInvoices"] == {"amount": "1.08"}


async def test_create_invoice__due_at_end_of_month_plus_terms(api):
    # given
    customer = await create_customer(api, paymentTerms=await terms_id(api, "NET30"), termsBasis="END_OF_MONTH")
    # when
    invoice = await create_invoice(api, customer["id"])
    # then
    assert (invoice["invoiceDate"], invoice["dueDate"]) == ("2026-02-10", "2026-03-30")


async def test_create_invoice__due_after_the_orders_required_date(api):
    # given
    customer = await create_customer(api, paymentTerms=await terms_id(api, "NET30"), termsBasis="DELIVERY_DATE")
    order = await create_order(api, customer["id"], orderDate="2026-01-20", requiredDate="2026-03-01")
    # when
    linked = await create_invoice(api, customer["id"], order=order["id"])
    unlinked = await create_invoice(api, customer["id"])
    # then
    assert linked["dueDate"] == "2026-03-31"
    assert unlinked["dueDate"] == "2026-03-12"


async def test_create_invoice__no_terms_due_on_the_invoice_date(api):
    # given
    customer = await create_customer(api)
    today = (await api.ok("{ serverInfo { today } }"))["serverInfo"]["today"]
    # when
    invoice = await create_invoice(api, customer["id"])
    undated = await api.ok(CREATE_INVOICE, {"input": {"billCustomer": customer["id"], "lines": [line()]}})
    # then
    assert invoice["dueDate"] == INVOICE_DAY
    undated = undated["createInvoice"]["invoice"]
    assert (undated["invoiceDate"], undated["dueDate"]) == (today, today)


async def test_create_invoice__draft(api):
    # given
    customer = await create_customer(api, paymentTerms=await terms_id(api, "NET30"))
    # when
    draft = await create_invoice(api, customer["id"], [line("40.00")], issue=False)
    issued = await create_invoice(api, customer["id"], [line("10.00")])
    # then
    assert (draft["number"], draft["status"], draft["balanceDue"]) == (
        "DRAFT-000001", "PLANNED", {"amount": "0.00", "currency": "USD"})
    assert draft["totalAmount"] == {"amount": "40.00"}
    assert draft["dueDate"] == "2026-03-12"
    assert issued["number"] == "IN-000001"
    found = (await documents(api, customer["id"]))["customer"]
    assert found["invoices"]["totalCount"] == 2
    assert found["lifetimeValue"]["amount"] == "10.00"
    assert found["balances"]["currentInvoices"] == {"amount": "10.00"}


async def test_create_invoice__credit_note(api):
    # given
    customer = await create_customer(api, priorSales="100.00")
    await create_invoice(api, customer["id"], [line("50.00")])
    # when
    credit = await create_invoice(api, customer["id"], [line("20.00", taxRate="10")], classification="CREDIT")
    # then
    assert (credit["number"], credit["classification"], credit["status"]) == ("CR-000001", "CREDIT", "PRINTED")
    assert credit["totalAmount"] == {"amount": "22.00"}
    assert credit["balanceDue"] == {"amount": "-22.00", "currency": "USD"}
    found = (await documents(api, customer["id"]))["customer"]
    assert found["lifetimeValue"]["amount"] == "130.00"
    assert found["balances"]["currentInvoices"] == {"amount": "28.00"}


async def test_create_invoice__sums_exactly(api):
    # given
    customer = await create_customer(api)
    # when
    await create_invoice(api, customer["id"], [line("0.10")])
    await create_invoice(api, customer["id"], [line("0.20")])
    # then
    found = (await documents(api, customer["id"]))["customer"]
    assert found["lifetimeValue"]["amount"] == "0.30"
    assert found["balances"]["currentInvoices"]["amount"] == "0.30"


async def test_create_invoice__foreign_currency_without_a_rate(api):
    # given
    customer = await create_customer(api, currency="EUR")
    before = await documents(api, customer["id"])
    # when
    data = await api.ok(CREATE_INVOICE, {"input": {"billCustomer": customer["id"], "lines": [line("100.00")]}})
    # then
    error = only_error(data["createInvoice"], "invoice")
    assert (error["code"], error["field"]) == ("REQUIRED", ["input", "fxRate"])
    assert "EUR" in error["message"] and "USD" in error["message"]
    assert await documents(api, customer["id"]) == before


async def test_create_invoice__foreign_currency_counts_in_base(api):
    # given
    customer = await create_customer(api, currency="EUR")
    # when
    invoice = await create_invoice(api, customer["id"], [line("100.00")], fxRate="1.1")
    # then
    assert (invoice["currency"], invoice["fxRate"]) == ("EUR", "1.1")
    assert invoice["totalAmount"] == {"amount": "100.00"}
    assert invoice["balanceDue"] == {"amount": "100.00", "currency": "EUR"}
    found = (await documents(api, customer["id"]))["customer"]
    assert found["lifetimeValue"] == {"amount": "110.00", "currency": "USD"}
    assert found["balances"]["currentInvoices"] == {"amount": "110.00"}


async def test_create_invoice__base_amount_rounded_half_even(api):
    # given
    customer = await create_customer(api, currency="EUR")
    # when: 0.05 EUR at 0.5 is 0.025 USD -> 0.02; 0.01 at 1.5 is 0.015 -> 0.02 (half-up would give 0.05)
    await create_invoice(api, customer["id"], [line("0.05")], fxRate="0.5")
    await create_invoice(api, customer["id"], [line("0.01")], fxRate="1.5")
    # then
    found = (await documents(api, customer["id"]))["customer"]
    assert found["lifetimeValue"]["amount"] == "0.04"


async def test_create_invoice__bad_rate(api):
    # given
    euro = await create_customer(api, currency="EUR")
    dollar = await create_customer(api, name="Dollar")
    before = await documents(api, euro["id"]), await documents(api, dollar["id"])
    for customer, rate in ((euro, "0"), (euro, "-1.1"), (euro, "1.123456789"), (dollar, "1.2")):
        # when
        data = await api.ok(CREATE_INVOICE, {"input": {"billCustomer": customer["id"], "lines": [line()],
                                                       "fxRate": rate}})
        # then
        error = only_error(data["createInvoice"], "invoice")
        assert (error["code"], error["field"]) == ("INVALID", ["input", "fxRate"])
    assert (await documents(api, euro["id"]), await documents(api, dollar["id"])) == before


async def test_create_invoice__unknown_customer(api):
    # given
    customer = await create_customer(api)
    before = await documents(api, customer["id"])
    # when
    data = await api.ok(CREATE_INVOICE, {"input": {"billCustomer": "Q3VzdG9tZXI6OTk5", "lines": [line()]}})
    # then
    error = only_error(data["createInvoice"], "invoice")
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "billCustomer"])
    assert await documents(api, customer["id"]) == before
