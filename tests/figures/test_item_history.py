"""What a customer bought: the item sales history (every line of its issued invoices and credit
notes) and the ordered items (one row per item over its orders), worked examples and costs."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import BigInteger, cast, literal, select, union_all

from schema.base import global_id
from server import money
from server.documents.models import InvoiceClassification, LineType, Order, OrderStatus
from server.figures.items import in_base
from tests import factories

NOV = {day: dt.date(2026, 11, day) for day in range(1, 31)}  # NOV[5] is 5 Nov 2026

HISTORY = """
query History($id: ID!, $first: Int, $after: String, $history: HistoryRole) {
  customer(id: $id) {
    itemSalesHistory(first: $first, after: $after, history: $history) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        invoice { number classification } invoiceDate lineType code description unit quantity
        unitPrice { amount currency }
      } }
    }
  }
}
"""

ORDERED = """
query Ordered($id: ID!, $first: Int, $after: String) {
  customer(id: $id) {
    orderedItems(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { item { code } totalQuantity totalNet { amount currency } orderCount lastOrderDate } }
    }
  }
}
"""


def sold(code: str, quantity: str, price: str, line_type: LineType = LineType.ITEM, **data: object) -> dict:
    return {"lineType": line_type, "code": code, "description": f"{code} work", "unit": "EA", "quantity": quantity,
            "unitPrice": price, **data}


async def history(api, customer_id: int, **variables) -> dict:
    data = await api.ok(HISTORY, {"id": global_id("Customer", customer_id), **variables})
    return data["customer"]["itemSalesHistory"]


def rows(connection: dict) -> list[tuple]:
    return [(n["invoiceDate"], n["invoice"]["number"], n["lineType"], n["code"], n["quantity"],
             n["unitPrice"]["amount"]) for n in (e["node"] for e in connection["edges"])]


async def test_item_sales_history__every_line_newest_first_credit_notes_negative(api):
    # given: an invoice with an item, a descriptor and a task line; a later invoice; a credit note;
    # a draft and another customer's invoice, which do not count
    acme = await factories.customer(api.database, "Acme")
    other = await factories.customer(api.database, "Other")
    bolt = await factories.item(api.database, "BOLT", "2.50")
    first = await factories.invoice_of(api.database, acme.id, [
        {"item": bolt.id, "quantity": "3"}, sold("SETUP", "1", "40.00", LineType.DESCRIPTOR),
        sold("FIT", "1.5", "60.00", LineType.TASK)], on=NOV[1])
    later = await factories.invoice_of(api.database, acme.id, [{"item": bolt.id, "quantity": "10"}], on=NOV[10])
    credit = await factories.invoice_of(api.database, acme.id, [{"item": bolt.id, "quantity": "2"}], on=NOV[12],
                                        classification=InvoiceClassification.CREDIT)
    await factories.invoice_of(api.database, acme.id, [sold("DRAFT", "1", "1.00")], on=NOV[20], issue=False)
    await factories.invoice_of(api.database, other.id, [sold("THEIRS", "1", "1.00")], on=NOV[20])
    # when
    found = await history(api, acme.id)
    # then
    assert found["totalCount"] == 5
    assert rows(found) == [
        ("2026-11-12", credit.number, "ITEM", "BOLT", "-2.000", "2.50"),
        ("2026-11-10", later.number, "ITEM", "BOLT", "10.000", "2.50"),
        ("2026-11-01", first.number, "ITEM", "BOLT", "3.000", "2.50"),
        ("2026-11-01", first.number, "DESCRIPTOR", "SETUP", "1.000", "40.00"),
        ("2026-11-01", first.number, "TASK", "FIT", "1.500", "60.00"),
    ]
    node = found["edges"][2]["node"]
    assert (node["description"], node["unit"], node["unitPrice"]["currency"]) == ("BOLT description", "EA", "USD")
    assert found["edges"][0]["node"]["invoice"]["classification"] == "CREDIT"


async def test_item_sales_history__pages_and_history_roles(api):
    # given: Acme orders, Payer pays: the invoice is Acme's as order customer, Payer's as billing
    # customer; Acme's own invoice has Acme as both and shows once
    acme = await factories.customer(api.database, "Acme")
    payer = await factories.customer(api.database, "Payer")
    own = await factories.invoice_of(api.database, acme.id, [sold("A", "1", "1.00"), sold("B", "2", "1.00")],
                                     on=NOV[3])
    billed = await factories.invoice_of(api.database, payer.id, [sold("C", "3", "1.00")], on=NOV[4],
                                        orderCustomer=acme.id)
    # when
    page1 = await history(api, acme.id, first=2)
    page2 = await history(api, acme.id, first=2, after=page1["pageInfo"]["endCursor"])
    by_role = {role: [r[3] for r in rows(await history(api, acme.id, history=role))]
               for role in ("ORDER_OR_BILLING", "ORDER_ONLY", "BILLING_ONLY")}
    # then
    assert [r[1:4] for r in rows(page1)] == [(billed.number, "ITEM", "C"), (own.number, "ITEM", "A")]
    assert page1["pageInfo"]["hasNextPage"] and page1["totalCount"] == 3
    assert [r[3] for r in rows(page2)] == ["B"] and not page2["pageInfo"]["hasNextPage"]
    assert by_role == {"ORDER_OR_BILLING": ["C", "A", "B"], "ORDER_ONLY": ["C", "A", "B"], "BILLING_ONLY": ["A", "B"]}
    assert [r[3] for r in rows(await history(api, payer.id, history="ORDER_ONLY"))] == []


async def test_item_sales_history__foreign_currency_prices_in_the_documents_currency(api):
    # given
    euro = await factories.customer(api.database, "Euro GmbH", currency="EUR")
    await factories.invoice_of(api.database, euro.id, [sold("A", "1", "12.3456")], fxRate="1.1")
    # when
    found = await history(api, euro.id)
    # then
    assert found["edges"][0]["node"]["unitPrice"] == {"amount": "12.3456", "currency": "EUR"}


async def ordered(api, customer_id: int, **variables) -> dict:
    data = await api.ok(ORDERED, {"id": global_id("Customer", customer_id), **variables})
    return data["customer"]["orderedItems"]


def items_of(connection: dict) -> list[tuple]:
    return [(n["item"]["code"], n["totalQuantity"], n["totalNet"]["amount"], n["orderCount"], n["lastOrderDate"])
            for n in (e["node"] for e in connection["edges"])]


async def test_ordered_items__one_row_per_item_latest_first(api):
    # given: two orders with BOLT (twice in the first), one with NUT; a cancelled order, lines
    # without an item, and another customer's order do not count
    acme = await factories.customer(api.database, "Acme")
    other = await factories.customer(api.database, "Other")
    bolt = await factories.item(api.database, "BOLT", "10.00")
    nut = await factories.item(api.database, "NUT", "0.10")
    washer = await factories.item(api.database, "WASHER", "1.00")
    await factories.order_of(api.database, acme.id, [
        {"item": bolt.id, "quantity": "2"}, {"item": bolt.id, "quantity": "1", "unitPrice": "9.00"},
        {"item": nut.id, "quantity": "3"}, sold("SETUP", "1", "40.00", LineType.DESCRIPTOR)], on=NOV[1])
    await factories.order_of(api.database, acme.id, [{"item": bolt.id, "quantity": "1.5"}], on=NOV[5])
    await factories.order_of(api.database, acme.id, [{"item": nut.id, "quantity": "0.2"}], on=NOV[5])
    cancelled = await factories.order_of(api.database, acme.id, [{"item": washer.id, "quantity": "100"}], on=NOV[9])
    await factories.set_row(api.database, Order, cancelled.id, status=OrderStatus.CANCELLED)
    await factories.order_of(api.database, other.id, [{"item": washer.id, "quantity": "1"}], on=NOV[9])
    # when
    found = await ordered(api, acme.id)
    # then: BOLT 2 x 10.00 + 1 x 9.00 + 1.5 x 10.00 = 44.00; NUT 3 x 0.10 + 0.2 x 0.10 = 0.32
    assert found["totalCount"] == 2
    assert items_of(found) == [("BOLT", "4.500", "44.00", 2, "2026-11-05"), ("NUT", "3.200", "0.32", 2, "2026-11-05")]
    assert found["edges"][0]["node"]["totalNet"]["currency"] == "USD"
    page2 = await ordered(api, acme.id, first=1, after=(await ordered(api, acme.id, first=1))["pageInfo"]["endCursor"])
    assert [i[0] for i in items_of(page2)] == ["NUT"] and not page2["pageInfo"]["hasNextPage"]


async def test_ordered_items__each_order_converted_at_its_rate_then_added(api):
    # given: an EUR customer; two orders of 0.05 EUR each at 1.1: each counts as 0.055 -> 0.06 USD,
    # as the orders' own base amounts do, so the item's total is 0.12 (not 0.10 x 1.1 = 0.11);
    # a third order at 1.3 of 3 x 3.3333 = 10.00 EUR counts 13.00
    euro = await factories.customer(api.database, "Euro GmbH", currency="EUR")
    pin = await factories.item(api.database, "PIN", "0.05")
    for rate in ("1.1", "1.1"):
        await factories.order_of(api.database, euro.id, [{"item": pin.id, "quantity": "1"}], on=NOV[2], fxRate=rate)
    await factories.order_of(api.database, euro.id, [{"item": pin.id, "quantity": "3", "unitPrice": "3.3333"}],
                             on=NOV[3], fxRate="1.3")
    # when
    found = await ordered(api, euro.id)
    # then
    assert items_of(found) == [("PIN", "5.000", "13.12", 3, "2026-11-03")]
    assert found["edges"][0]["node"]["totalNet"]["currency"] == "USD"
    data = await api.ok("query($id: ID!) { customer(id: $id) { orderTotal { amount } } }",
                        {"id": global_id("Customer", euro.id)})
    assert data["customer"]["orderTotal"]["amount"] == "13.12"  # the same per-document rule


def _cases() -> list[tuple[int, int]]:
    rng = random.Random(2026)
    edge = [(5, 110_000_000), (-5, 110_000_000), (15, 110_000_000), (25, 50_000_000), (1, 50_000_000),
            (3, 50_000_000), (0, 123_456_789), (899_999_999_999_999, 123_456_789), (-899_999_999_999_999, 99_999_999),
            (10**12 + 7, 1), (10**9 + 7, 10**12 + 50_000_000), (123, 10**8), (4_999_999, 1_000_000)]
    drawn = [(rng.randrange(-10**12, 10**12), rng.randrange(1, 10**10)) for _ in range(150)]
    return edge + drawn


async def test_in_base__equals_to_base_minor_on_both_databases(database):
    # given: amounts and rates, half-cents, negatives, and the largest amounts money.py accepts
    cases = _cases()
    rows_ = union_all(*(select(literal(i).label("i"), cast(literal(n), BigInteger).label("net_minor"),
                               cast(literal(r), BigInteger).label("fx_rate_e8")) for i, (n, r) in enumerate(cases)),
                      select(literal(len(cases)).label("i"), cast(literal(7), BigInteger),
                             cast(literal(None), BigInteger))).subquery("documents")
    converted = in_base(rows_)
    # when
    async with database.engine.connect() as connection:
        found = dict((await connection.execute(select(converted.c.i, converted.c.base_net_minor))).all())
    # then
    assert [found[i] for i in range(len(cases))] == [money.to_base_minor(n, r) for n, r in cases]
    assert found[len(cases)] == 7  # no rate: the base currency


LIST = """
query Page($first: Int!) {
  customers(first: $first) { edges { node {
    itemSalesHistory(first: 3) { totalCount edges { node { code quantity unitPrice { amount } invoice { number } } } }
    orderedItems(first: 3) { totalCount edges { node { item { code } totalQuantity totalNet { amount } } } }
  } } }
}
"""


@pytest.fixture
async def twenty_customers(api):
    bolt = await factories.item(api.database, "BOLT", "2.50")
    nut = await factories.item(api.database, "NUT", "0.10")
    for n in range(20):
        customer = await factories.customer(api.database, f"Customer {n:02d}")
        lines = [{"item": bolt.id, "quantity": "2"}, {"item": nut.id, "quantity": "5"}, sold("SETUP", "1", "4.00")]
        await factories.order_of(api.database, customer.id, lines)
        await factories.invoice_of(api.database, customer.id, lines)
        await factories.invoice_of(api.database, customer.id, lines[:1], classification=InvoiceClassification.CREDIT)


async def test_item_history__a_page_of_1_and_of_20_customers_cost_the_same(api, twenty_customers):
    # when
    one, twenty = await api.count(LIST, {"first": 1}), await api.count(LIST, {"first": 20})
    data = await api.ok(LIST, {"first": 20})
    # then
    assert one == twenty <= 6, (one, twenty)
    nodes = [e["node"] for e in data["customers"]["edges"]]
    assert len(nodes) == 20
    assert all(n["itemSalesHistory"]["totalCount"] == 4 and n["orderedItems"]["totalCount"] == 2 for n in nodes)
