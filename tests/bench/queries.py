"""The GraphQL documents `scripts/bench` measures (issue 5), one per screen of the product.

Each is what a screen asks for in one request. Variables are filled in by `run.py`: the
customer of `command_center` and `partner_graph` is the one with the most invoice lines (the
heaviest page the product has to draw), and the cursor of `customer_list_by_ltv_page20` comes
from walking the first 19 pages once before timing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Every figure the customer list can show, as the list screen asks for them; one fragment so
# that the three list queries measure exactly the same row.
CUSTOMER_ROW = """
fragment CustomerRow on Customer {
  id number name status creditCode
  billingAddress { city region }
  salesRep { name }
  creditLimit { amount }
  lifetimeValue { amount currency }
  orderCount
  orderTotal { amount }
  averageOrderValue { amount }
  engagement
  lastOrderDate lastInvoiceDate lastPaymentDate newestNoteAt
  balances {
    openOrders { amount } currentInvoices { amount } unappliedPayments { amount }
    creditLimit { amount } availableCredit { amount }
  }
  locations(first: 5) {
    totalCount
    edges { node { id code alias shippingAddress { city region } } }
  }
}
"""

# customer_list: the first page of 50 in the default order (by number).
CUSTOMER_LIST = CUSTOMER_ROW + """
query CustomerList($first: Int!) {
  customers(first: $first) {
    pageInfo { hasNextPage endCursor }
    edges { node { ...CustomerRow } }
  }
}
"""

# customer_list_by_ltv and customer_list_by_ltv_page20: sorted by a figure, so the database
# has to compute lifetime value for every customer to know which 50 come first; page 20 is
# the same with a keyset cursor (`after`) from page 19.
CUSTOMER_LIST_BY_LTV = CUSTOMER_ROW + """
query CustomerListByLtv($first: Int!, $after: String) {
  customers(first: $first, after: $after, orderBy: [{field: LIFETIME_VALUE, direction: DESC}]) {
    pageInfo { hasNextPage endCursor }
    edges { node { ...CustomerRow } }
  }
}
"""

# Walking the cursors to page 20: only the cursor, not the rows (untimed).
CUSTOMER_LTV_CURSORS = """
query CustomerLtvCursors($first: Int!, $after: String) {
  customers(first: $first, after: $after, orderBy: [{field: LIFETIME_VALUE, direction: DESC}]) {
    pageInfo { hasNextPage endCursor }
  }
}
"""

# customer_list_by_<figure>: sorted by one of the figures staff ask for first (money owed,
# overdue, available credit, year-to-date sales), computed for every customer as LTV is.
CUSTOMER_LIST_BY_FIGURE = CUSTOMER_ROW + """
query CustomerListByFigure($first: Int!, $field: CustomerSortField!) {
  customers(first: $first, orderBy: [{field: $field, direction: DESC}]) {
    pageInfo { hasNextPage endCursor }
    edges { node { ...CustomerRow aging { overdue { amount } } invoiceStats { ytdThisYear { amount } } } }
  }
}
"""

# customer_list_ranged: ranges on money, a count and a date, sorted by overdue, with the totals
# footer (the count and every money column's sum over all matching customers).
CUSTOMER_LIST_RANGED = CUSTOMER_ROW + """
query CustomerListRanged($first: Int!) {
  customers(first: $first, orderBy: [{field: OVERDUE, direction: DESC}], filter: {ranges: [
      {field: "lifetimeValue", from: "1000"}, {field: "orderCount", from: "2"},
      {field: "lastOrderDate", from: "2020-01-01"}]}) {
    pageInfo { hasNextPage endCursor }
    totals { count sums { field sum { amount } } }
    edges { node { ...CustomerRow aging { overdue { amount } } } }
  }
}
"""

MONEY = "{ amount currency }"

# command_center: one customer's screen, every figure and the first page of every tab.
COMMAND_CENTER = f"""
fragment InvoiceRow on Invoice {{
  id number altNumber invoiceDate dueDate classification status currency
  netAmount {MONEY} taxAmount {MONEY} totalAmount {MONEY} amountPaid {MONEY} balanceDue {MONEY}
  lines {{ lineType code description unit quantity unitPrice {MONEY} netAmount {MONEY} }}
}}

query CommandCenter($id: ID!, $first: Int!) {{
  customer(id: $id) {{
    id number name alias status currency creditCode billingStatus termsBasis email phone
    billingAddress {{ line1 city region postalCode country }}
    shippingAddress {{ line1 city region postalCode country }}
    createdAt version creditLimit {MONEY} priorSales {MONEY}
    paymentTerms {{ code description dueDays }}
    salesRep {{ name }} insideSalesRep {{ name }}
    primaryContact {{ firstName lastName email officePhone }}
    lifetimeValue {MONEY}
    lifetimeValueDetail {{
      priorSales {MONEY} invoiced {MONEY} credited {MONEY} total {MONEY}
      firstInvoiceDate lastInvoiceDate invoiceCount
    }}
    orderCount orderTotal {MONEY} averageOrderValue {MONEY} engagement
    lastOrderDate lastInvoiceDate lastPaymentDate newestNoteAt
    balances {{
      openOrders {MONEY} currentInvoices {MONEY} unappliedPayments {MONEY}
      creditLimit {MONEY} availableCredit {MONEY}
    }}
    invoiceStats {{
      asOf last30Days {MONEY} previous30Days {MONEY} variance30Pct
      mtdThisYear {MONEY} mtdLastYear {MONEY} varianceMtdPct
      ytdThisYear {MONEY} ytdLastYear {MONEY} varianceYtdPct
    }}
    margins {{ asOf last30Days last12Months previous12Months }}
    aging {{
      asOf current {MONEY} days1To30 {MONEY} days31To60 {MONEY} days61To90 {MONEY}
      over90 {MONEY} total {MONEY} daysSalesOutstanding
    }}
    outstanding: invoices(first: $first, outstandingOnly: true) {{
      totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ ...InvoiceRow }} }}
    }}
    invoices(first: $first) {{
      totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ ...InvoiceRow }} }}
    }}
    openOrders: orders(first: $first, openOnly: true) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{
        id number orderDate requiredDate status classification description currency
        netValue {MONEY} taxValue {MONEY} totalValue {MONEY}
        location {{ code alias }}
      }} }}
    }}
    payments(first: $first) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{
        id number paymentDate style status currency reference
        receivedAmount {MONEY} appliedAmount {MONEY} outstandingBalance {MONEY}
      }} }}
    }}
    itemSalesHistory(first: $first) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{
        invoiceDate lineType code description unit quantity unitPrice {MONEY}
        invoice {{ number }}
      }} }}
    }}
    orderedItems(first: $first) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{ totalQuantity totalNet {MONEY} orderCount lastOrderDate item {{ code description }} }} }}
    }}
    notes(first: $first) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{ id type body createdAt author {{ name }} }} }}
    }}
    leads(first: $first) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{
        id number state open probability potentialValue {MONEY} newestNoteAt
        program {{ name }} source {{ name }}
      }} }}
    }}
    locations(first: $first) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{ id code alias contactName shippingAddress {{ city region }} effectiveSalesRep {{ name }} }} }}
    }}
    contacts(first: $first) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{ id firstName lastName email officePhone mobilePhone isPrimary }} }}
    }}
  }}
}}
"""

# partner_graph: everything about one customer in one request (an integration pulling a
# partner), 50 of each list, documents with their lines and payment applications.
PARTNER_GRAPH = f"""
query PartnerGraph($id: ID!, $first: Int!) {{
  customer(id: $id) {{
    id number name status currency
    locations(first: $first) {{
      totalCount edges {{ node {{ id code alias contactName contactEmail shippingAddress {{ line1 city region }} }} }}
    }}
    contacts(first: $first) {{
      totalCount edges {{ node {{ id firstName lastName email officePhone isPrimary }} }}
    }}
    orders(first: $first) {{
      totalCount
      edges {{ node {{
        id number orderDate status currency totalValue {MONEY}
        lines {{ lineType code description quantity unitPrice {MONEY} netAmount {MONEY} }}
      }} }}
    }}
    invoices(first: $first) {{
      totalCount
      edges {{ node {{
        id number invoiceDate dueDate status classification totalAmount {MONEY} balanceDue {MONEY}
        lines {{ lineType code description quantity unitPrice {MONEY} netAmount {MONEY} }}
        payments {{ amount {MONEY} appliedAt payment {{ number paymentDate }} }}
      }} }}
    }}
    payments(first: $first) {{
      totalCount
      edges {{ node {{
        id number paymentDate style status receivedAmount {MONEY} appliedAmount {MONEY}
        applications {{ amount {MONEY} appliedAt invoice {{ number }} }}
      }} }}
    }}
    notes(first: $first) {{
      totalCount edges {{ node {{ id type body createdAt author {{ name }} }} }}
    }}
    leads(first: $first) {{
      totalCount edges {{ node {{ id number state probability potentialValue {MONEY} program {{ name }} }} }}
    }}
  }}
}}
"""

# lead_list: the open leads, the most recently noted first.
LEAD_LIST = f"""
query LeadList($first: Int!) {{
  leads(first: $first, filter: {{open: true}}, orderBy: [{{field: NEWEST_NOTE_AT, direction: DESC}}]) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{
      id number state open probability estimatedConversionDate createdAt newestNoteAt
      potentialValue {MONEY}
      customer {{ id number name }}
      program {{ name }} source {{ name }}
      insideSalesRep {{ name }} outsideSalesRep {{ name }} assignedTo {{ name }}
      allowedTransitions
    }} }}
  }}
}}
"""


@dataclass(frozen=True)
class BenchQuery:
    """One measured request: its document and variables (`needs` names what run.py fills in)."""

    name: str
    document: str
    variables: dict[str, Any] = field(default_factory=dict)
    needs: str | None = None  # "customer": variables["id"] is the large customer; "page20": the cursor


QUERIES = (
    BenchQuery("customer_list", CUSTOMER_LIST, {"first": 50}),
    BenchQuery("customer_list_by_ltv", CUSTOMER_LIST_BY_LTV, {"first": 50}),
    BenchQuery("customer_list_by_ltv_page20", CUSTOMER_LIST_BY_LTV, {"first": 50}, needs="page20"),
    BenchQuery("customer_list_by_owed", CUSTOMER_LIST_BY_FIGURE, {"first": 50, "field": "CURRENT_INVOICES"}),
    BenchQuery("customer_list_by_overdue", CUSTOMER_LIST_BY_FIGURE, {"first": 50, "field": "OVERDUE"}),
    BenchQuery("customer_list_by_credit", CUSTOMER_LIST_BY_FIGURE, {"first": 50, "field": "AVAILABLE_CREDIT"}),
    BenchQuery("customer_list_by_ytd", CUSTOMER_LIST_BY_FIGURE, {"first": 50, "field": "YTD_SALES"}),
    BenchQuery("customer_list_ranged", CUSTOMER_LIST_RANGED, {"first": 50}),
    BenchQuery("command_center", COMMAND_CENTER, {"first": 25}, needs="customer"),
    BenchQuery("partner_graph", PARTNER_GRAPH, {"first": 50}, needs="customer"),
    BenchQuery("lead_list", LEAD_LIST, {"first": 50}),
)
