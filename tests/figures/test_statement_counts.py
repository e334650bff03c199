"""A page of customers costs the same few statements whatever its size (no N+1, ever)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.access.models import User
from tests import factories

LIST = """
query Page($first: Int!) {
  customers(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id number name creditLimit { amount } paymentTerms { code } salesRep { name } insideSalesRep { name }
      primaryContact { firstName }
      lifetimeValue { amount } lifetimeValueDetail { invoiced { amount } credited { amount } invoiceCount }
      orderCount orderTotal { amount } averageOrderValue { amount } engagement
      lastOrderDate lastInvoiceDate lastPaymentDate newestNoteAt
      invoiceStats { last30Days { amount } variance30Pct ytdLastYear { amount } varianceYtdPct }
      margins { last30Days last12Months previous12Months }
      aging { current { amount } over90 { amount } total { amount } daysSalesOutstanding }
      balances { openOrders { amount } currentInvoices { amount } unappliedPayments { amount }
                 availableCredit { amount } }
      locations(first: 5) { totalCount edges { node { code effectiveSalesRep { name } } } }
      contacts(first: 5) { totalCount edges { node { firstName lastName } } }
      invoices(first: 3) { totalCount edges { node { number balanceDue { amount } lines { code } } } }
    } }
  }
}
"""

CUSTOMERS = 50


@pytest.fixture
async def fifty_customers(api):
    """50 customers, each with locations, contacts, orders, invoices, a payment and a note."""
    async with api.database.read_session() as session:
        admin_id = await session.scalar(select(User.id))
    for n in range(CUSTOMERS):
        customer = await factories.customer(api.database, f"Customer {n:02d}", creditLimit="1000.00",
                                            salesRep=admin_id)
        for code in ("A", "B"):
            await factories.location(api.database, customer.id, code)
        await factories.contact(api.database, customer.id, "Ann", f"Lee{n}", isPrimary=True)
        await factories.order(api.database, customer.id, "10.00", "5.25")
        await factories.invoice(api.database, customer.id, "100.00")
        await factories.payment(api.database, customer.id, "20.00")
        await factories.note(api.database, customer.id, admin_id)


@pytest.mark.parametrize("page", [1, 5, 50])
async def test_customer_page__same_statements_for_every_size(api, fifty_customers, page):
    # when
    counts = {size: await api.count(LIST, {"first": size}) for size in (1, page)}
    # then
    assert counts[page] == counts[1]
    assert counts[page] <= 15


async def test_customer_page__every_row_has_its_figures(api, fifty_customers):
    data = await api.ok(LIST, {"first": 50})
    nodes = [edge["node"] for edge in data["customers"]["edges"]]
    assert len(nodes) == CUSTOMERS
    for node in nodes:
        assert node["orderTotal"]["amount"] == "15.25"
        assert node["lifetimeValue"]["amount"] == "100.00"
        assert node["balances"]["currentInvoices"]["amount"] == "100.00"
        assert node["balances"]["unappliedPayments"]["amount"] == "20.00"
        # 1000 - (100.00 + 15.25 - 20.00)
        assert node["balances"]["availableCredit"]["amount"] == "904.75"
        assert node["locations"]["totalCount"] == 2
        assert node["primaryContact"]["firstName"] == "Ann"
        assert node["engagement"] == "ENGAGED"
        assert node["newestNoteAt"] is not None


FIGURE_SORT = """
query Page($first: Int!, $field: CustomerSortField!, $filter: CustomerFilter) {
  customers(first: $first, orderBy: [{field: $field, direction: DESC}], filter: $filter) {
    pageInfo { hasNextPage endCursor }
    totals { count sums { field sum { amount } } }
    edges { node {
      id name creditLimit { amount } priorSales { amount } lastPaymentDate
      aging { overdue { amount } } invoiceStats { ytdThisYear { amount } }
      balances { openOrders { amount } currentInvoices { amount } unappliedPayments { amount }
                 availableCredit { amount } }
    } }
  }
}
"""
NEW_SORTS = ("CREDIT_LIMIT", "PRIOR_SALES", "OPEN_ORDERS", "CURRENT_INVOICES", "UNAPPLIED_PAYMENTS",
             "AVAILABLE_CREDIT", "OVERDUE", "YTD_SALES", "LAST_PAYMENT_DATE")
PINNED = 3  # the page, the totals, the figures of its rows (families.py)
RANGES = {"ranges": [{"field": "aging.overdue", "from": "0.00"}, {"field": "invoiceStats.ytdThisYear", "to": "500"},
                     {"field": "balances.availableCredit", "from": "-1000", "to": "1000"},
                     {"field": "orderCount", "from": "1"}, {"field": "lastOrderDate", "to": "2999-12-31"}]}


async def test_customer_page__new_sorts_ranges_and_totals_cost_the_same_for_every_size(api, fifty_customers):
    for field in NEW_SORTS:
        # when
        counts = {size: await api.count(FIGURE_SORT, {"first": size, "field": field, "filter": RANGES})
                  for size in (1, 5, 50)}
        # then: the page, its figures, and one statement for the totals
        assert counts[1] == counts[5] == counts[50] == PINNED, (field, counts)
        page = (await api.ok(FIGURE_SORT, {"first": 50, "field": field, "filter": RANGES}))["customers"]
        assert len(page["edges"]) == page["totals"]["count"] == CUSTOMERS, field
