"""0.10 + 0.20 is 0.30 in every total and figure, on both databases."""


from server.documents.models import InvoiceClassification
from tests import factories

FIGURES = """
query One($id: ID!) {
  customer(id: $id) {
    lifetimeValue { amount } orderTotal { amount } averageOrderValue { amount }
    lifetimeValueDetail { invoiced { amount } credited { amount } total { amount } }
    balances { openOrders { amount } currentInvoices { amount } unappliedPayments { amount }
               availableCredit { amount } }
    orders(first: 5) { edges { node { netValue { amount } totalValue { amount } } } }
    invoices(first: 5) { edges { node { netAmount { amount } totalAmount { amount } balanceDue { amount }
                                        amountPaid { amount } } } }
    payments(first: 5) { edges { node { receivedAmount { amount } appliedAmount { amount }
                                        outstandingBalance { amount } } } }
  }
}
"""


async def test_point_one_plus_point_two__is_point_three_everywhere(api):
    # given: every document made of a 0.10 and a 0.20 line, a payment of 0.10 + 0.20 received in two
    customer = await factories.customer(api.database, creditLimit="0.70", priorSales="0.10")
    await factories.order(api.database, customer.id, "0.10", "0.20")
    first = await factories.invoice(api.database, customer.id, "0.10", "0.20")
    await factories.invoice(api.database, customer.id, "0.10", "0.20", classification=None)
    await factories.payment(api.database, customer.id, "0.10", applyTo=[{"invoice": first.id, "amount": "0.10"}])
    await factories.payment(api.database, customer.id, "0.20", applyTo=[{"invoice": first.id, "amount": "0.20"}])
    from schema.base import global_id
    # when
    data = (await api.ok(FIGURES, {"id": global_id("Customer", customer.id)}))["customer"]
    # then
    assert data["orderTotal"]["amount"] == "0.30"
    assert data["averageOrderValue"]["amount"] == "0.30"
    assert data["lifetimeValueDetail"]["invoiced"]["amount"] == "0.60"
    assert data["lifetimeValue"]["amount"] == "0.70"  # 0.10 prior + 0.30 + 0.30
    assert data["balances"]["openOrders"]["amount"] == "0.30"
    assert data["balances"]["currentInvoices"]["amount"] == "0.30"  # the first is paid
    assert data["balances"]["unappliedPayments"]["amount"] == "0.00"
    assert data["balances"]["availableCredit"]["amount"] == "0.10"  # 0.70 - (0.30 + 0.30 - 0)
    assert {e["node"]["netValue"]["amount"] for e in data["orders"]["edges"]} == {"0.30"}
    invoices = [e["node"] for e in data["invoices"]["edges"]]
    assert {i["totalAmount"]["amount"] for i in invoices} == {"0.30"}
    assert sorted(i["balanceDue"]["amount"] for i in invoices) == ["0.00", "0.30"]
    assert sorted(p["node"]["receivedAmount"]["amount"] for p in data["payments"]["edges"]) == ["0.10", "0.20"]


async def test_credit_note__counts_negatively(api):
    customer = await factories.customer(api.database)
    await factories.invoice(api.database, customer.id, "0.70")
    await factories.invoice(api.database, customer.id, "0.10", "0.20", classification=InvoiceClassification.CREDIT)
    from schema.base import global_id
    data = (await api.ok(FIGURES, {"id": global_id("Customer", customer.id)}))["customer"]
    assert data["lifetimeValueDetail"]["credited"]["amount"] == "0.30"
    assert data["lifetimeValue"]["amount"] == "0.40"
    assert data["balances"]["currentInvoices"]["amount"] == "0.40"
    assert sorted(e["node"]["balanceDue"]["amount"] for e in data["invoices"]["edges"]) == ["-0.30", "0.70"]


