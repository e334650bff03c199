"""Each rule once (issue 16): over generated data, on both databases,

- for every sort field of every list (customers, leads, a customer's invoices), the rows come back
  in the order of the values the API shows for that field: nulls last, ties by id;
- for every export column of every list (server/exports/columns.py), the exported cell is what
  the API answers for that row and field.

A dataset is small (a few customers, documents, notes, leads and locations) and written through
the services; values are drawn from short lists with ties, blanks, letters of both cases and
cells a spreadsheet would read as formulas.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openpyxl
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from server.access.models import User
from server.access.policy import SYSTEM
from server.db.base import Base
from server.db.engine import Database
from server.documents import service as documents
from server.documents.models import InvoiceClassification, Order, OrderStatus
from server.exports.columns import (BOOL, CUSTOMER_COLUMNS, DATE, DATETIME, INT, INVOICE_COLUMNS, LEAD_COLUMNS,
                                    LOCATION_COLUMNS, MONEY, escape_text)
from server.customers.listing import RANGE_KINDS
from server.leads.models import Lead, LeadState
from server.lists.validator import CUSTOMER_RANGES, CUSTOMER_SUMS
from server.payments import service as payments
from server.payments.commands import PaymentFields
from server.sorting import CustomerSortField, InvoiceSortField, LeadSortField
from tests import factories
from tests.factories import TODAY

PROPERTY = settings(max_examples=5, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
WIPED = {"notes", "outbox_mails", "audit_event_entities", "audit_events", "lead_state_changes", "leads", "list_views",
         "payment_applications", "payments", "invoice_lines", "invoices", "order_lines", "orders", "contacts",
         "locations", "customers"}
NOON = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

# ------------------------------------------------------------------ datasets

NAMES = ["Acme", "acme", "Beta Tools", "Beta Tools", "=SUM(A1)", "-Minus", "Zeta", "Ölwerk"]
REGIONS = [None, "OH", "IL", "OH"]
PRICES = ["0.10", "10.00", "25.00", "40.00", "10.00", "1.005"]


@dataclass(frozen=True)
class CustomerSpec:
    name: str
    region: str | None
    currency: str
    prior_sales: str
    credit_limit: str | None
    email: str | None


@dataclass(frozen=True)
class InvoiceSpec:
    bill: int
    order: int | None
    credit: bool
    state: str  # issued, draft, void, half paid, paid
    price: str
    days_ago: int


@dataclass(frozen=True)
class OrderSpec:
    customer: int
    status: OrderStatus
    price: str
    days_ago: int


@dataclass(frozen=True)
class LeadSpec:
    customer: int
    state: LeadState
    probability: int | None
    potential: str | None
    converts_in: int | None
    note_minutes: int | None


@dataclass(frozen=True)
class Dataset:
    customers: tuple[CustomerSpec, ...]
    invoices: tuple[InvoiceSpec, ...]
    orders: tuple[OrderSpec, ...]
    notes: tuple[tuple[int, int], ...]  # (customer, minutes before NOON): equal times are ties
    leads: tuple[LeadSpec, ...]
    locations: tuple[tuple[int, str, str | None], ...]  # (customer, code, contact name)


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    people = draw(st.lists(st.builds(
        CustomerSpec, st.sampled_from(NAMES), st.sampled_from(REGIONS), st.sampled_from(["USD", "USD", "EUR"]),
        st.sampled_from(["0", "10.00", "35.00"]), st.sampled_from([None, "0", "50.00"]),
        st.sampled_from([None, "a@x.io", "+1@x.io"])), min_size=2, max_size=4))
    who = st.integers(0, len(people) - 1)
    small = st.sampled_from([0, 1, 1, 30, 400])
    invoices = draw(st.lists(st.builds(
        InvoiceSpec, who, st.one_of(st.none(), who), st.booleans(),
        st.sampled_from(["issued", "issued", "draft", "void", "half paid", "paid"]), st.sampled_from(PRICES), small),
        max_size=7))
    orders = draw(st.lists(st.builds(OrderSpec, who, st.sampled_from(list(OrderStatus)), st.sampled_from(PRICES),
                                     small), max_size=4))
    notes = draw(st.lists(st.tuples(who, st.sampled_from([0, 0, 5, 90])), max_size=4))
    leads = draw(st.lists(st.builds(
        LeadSpec, who, st.sampled_from(list(LeadState)), st.sampled_from([None, 0, 50, 50, 100]),
        st.sampled_from([None, "0.00", "99.99", "99.99"]), st.sampled_from([None, 0, 10, 10]),
        st.sampled_from([None, 0, 0, 60])), max_size=4))
    locations = draw(st.lists(st.tuples(who, st.sampled_from(["MAIN", "B2", "a1"]),
                                        st.sampled_from([None, "Ann", "@Bob"])),
                              max_size=4, unique_by=lambda t: (t[0], t[1])))
    return Dataset(tuple(people), tuple(invoices), tuple(orders), tuple(notes), tuple(leads), tuple(locations))


async def wipe(database: Database) -> None:
    """Deletes every row a dataset writes (children first); users, tokens and payment terms stay."""
    async with database.write_session() as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in WIPED:
                await session.execute(delete(table))


async def _write(database: Database, service: Any, **kwargs: Any) -> Any:
    return await factories.write(database, service, actor=SYSTEM, **kwargs)


def _rate(spec: CustomerSpec) -> str | None:
    return "1.1" if spec.currency == "EUR" else None


async def build(database: Database, data: Dataset, author_id: int) -> list[int]:
    """Writes the dataset through the services; returns the customers' ids."""
    ids = []
    for spec in data.customers:
        row = await factories.customer(database, spec.name, currency=spec.currency, priorSales=spec.prior_sales,
                                       creditLimit=spec.credit_limit, email=spec.email,
                                       billingAddress={"region": spec.region} if spec.region else None)
        ids.append(row.id)
    for i in data.invoices:
        await _invoice(database, data, ids, i)
    for o in data.orders:
        spec = data.customers[o.customer]
        row = await factories.order(database, ids[o.customer], o.price, on=TODAY - dt.timedelta(days=o.days_ago),
                                    fxRate=_rate(spec))
        await factories.set_row(database, Order, row.id, status=o.status)
    for customer, minutes in data.notes:
        await factories.note(database, ids[customer], author_id, at=NOON - dt.timedelta(minutes=minutes))
    for number, lead in enumerate(data.leads, start=1):
        await _lead(database, ids[lead.customer], number, lead, author_id)
    for customer, code, contact in data.locations:
        await factories.location(database, ids[customer], code, contactName=contact)
    return ids


async def _invoice(database: Database, data: Dataset, ids: list[int], spec: InvoiceSpec) -> None:
    payer = data.customers[spec.bill]
    row = await factories.invoice(
        database, ids[spec.bill], spec.price, on=TODAY - dt.timedelta(days=spec.days_ago), fxRate=_rate(payer),
        orderCustomer=ids[spec.order if spec.order is not None else spec.bill], issue=spec.state != "draft",
        classification=InvoiceClassification.CREDIT if spec.credit else InvoiceClassification.INVOICE)
    if spec.state == "void":
        await _write(database, documents.void_invoice, invoice_id=row.id)
    elif spec.state in ("half paid", "paid") and not spec.credit:
        amount = row.total_minor if spec.state == "paid" else max(1, row.total_minor // 2)
        await _write(database, payments.record_payment, today=TODAY, base_currency="USD", fields=PaymentFields.of({
            "customer": ids[spec.bill], "amount": str(Decimal(amount) / 100), "fxRate": _rate(payer),
            "applyTo": [{"invoice": row.id, "amount": str(Decimal(amount) / 100)}]}))


async def _lead(database: Database, customer_id: int, number: int, spec: LeadSpec, author_id: int) -> None:
    row = await factories.lead_in(database, customer_id, number, program="Wholesale", state=spec.state.name)
    converts = None if spec.converts_in is None else TODAY + dt.timedelta(days=spec.converts_in)
    potential = None if spec.potential is None else int(Decimal(spec.potential) * 100)
    await factories.set_row(database, Lead, row.id, probability=spec.probability, potential_value_minor=potential,
                            estimated_conversion_on=converts)
    if spec.note_minutes is not None:
        await factories.lead_note(database, row.id, author_id, NOON - dt.timedelta(minutes=spec.note_minutes))


async def _dataset(api: Any, data: Dataset) -> list[int]:
    await wipe(api.database)
    async with api.database.read_session() as session:
        author_id = await session.scalar(select(User.id).where(User.email == "admin@example.com"))
    return await build(api.database, data, author_id)


def _pk(global_id: str) -> int:
    padded = global_id + "=" * (-len(global_id) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().split(":")[1])


def _gid(kind: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{pk}".encode()).decode().rstrip("=")


# ------------------------------------------------------------------ what the API shows

MONEY_FIELDS = "{ amount }"
# Fields that answer an object: the part of it a list shows (and an export writes).
SHOWN_PART = {"paymentTerms": "code", "salesRep": "email", "insideSalesRep": "email", "outsideSalesRep": "email",
              "assignedTo": "email", "effectiveSalesRep": "email", "program": "name", "source": "name"}


def selection(path: str, money: bool) -> str:
    """The GraphQL selection of a dotted field path, down to the scalar a list shows."""
    head, _, rest = path.partition(".")
    if rest:
        return f"{head} {{ {selection(rest, money)} }}"
    if money:
        return f"{head} {MONEY_FIELDS}"
    return f"{head} {{ {SHOWN_PART[head]} }}" if head in SHOWN_PART else head


def shown(node: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of an answer (None under a null object), unwrapped to its scalar."""
    value: Any = node
    for part in path.split("."):
        if value is None:
            return None
        value = value[part]
    if isinstance(value, dict):
        (value,) = value.values()
    return value


# ------------------------------------------------------------------ sort order = order of the values shown

CUSTOMER_SORTS = {CustomerSortField.NUMBER: ("number", str), CustomerSortField.NAME: ("name", str),
                  CustomerSortField.LIFETIME_VALUE: ("lifetimeValue", Decimal),
                  CustomerSortField.ORDER_COUNT: ("orderCount", int),
                  CustomerSortField.ORDER_TOTAL: ("orderTotal", Decimal),
                  CustomerSortField.AVERAGE_ORDER_VALUE: ("averageOrderValue", Decimal),
                  CustomerSortField.LAST_ORDER_DATE: ("lastOrderDate", dt.date.fromisoformat),
                  CustomerSortField.NEWEST_NOTE_AT: ("newestNoteAt", dt.datetime.fromisoformat),
                  CustomerSortField.CREATED_AT: ("createdAt", dt.datetime.fromisoformat),
                  CustomerSortField.REGION: ("billingAddress.region", str),
                  CustomerSortField.CREDIT_LIMIT: ("creditLimit", Decimal),
                  CustomerSortField.PRIOR_SALES: ("priorSales", Decimal),
                  CustomerSortField.OPEN_ORDERS: ("balances.openOrders", Decimal),
                  CustomerSortField.CURRENT_INVOICES: ("balances.currentInvoices", Decimal),
                  CustomerSortField.UNAPPLIED_PAYMENTS: ("balances.unappliedPayments", Decimal),
                  CustomerSortField.AVAILABLE_CREDIT: ("balances.availableCredit", Decimal),
                  CustomerSortField.OVERDUE: ("aging.overdue", Decimal),
                  CustomerSortField.YTD_SALES: ("invoiceStats.ytdThisYear", Decimal),
                  CustomerSortField.LAST_PAYMENT_DATE: ("lastPaymentDate", dt.date.fromisoformat),
                  CustomerSortField.LAST_INVOICE_DATE: ("lastInvoiceDate", dt.date.fromisoformat),
                  CustomerSortField.ALIAS: ("alias", str), CustomerSortField.EMAIL: ("email", str),
                  CustomerSortField.CITY: ("billingAddress.city", str)}
LEAD_SORTS = {LeadSortField.NUMBER: ("number", int), LeadSortField.CUSTOMER_NAME: ("customer.name", str),
              LeadSortField.STATE: ("state", lambda name: list(LeadState).index(LeadState[name])),
              LeadSortField.PROBABILITY: ("probability", int),
              LeadSortField.POTENTIAL_VALUE: ("potentialValue", Decimal),
              LeadSortField.ESTIMATED_CONVERSION_DATE: ("estimatedConversionDate", dt.date.fromisoformat),
              LeadSortField.NEWEST_NOTE_AT: ("newestNoteAt", dt.datetime.fromisoformat)}
INVOICE_SORTS = {InvoiceSortField.INVOICE_DATE: ("invoiceDate", dt.date.fromisoformat),
                 InvoiceSortField.DUE_DATE: ("dueDate", dt.date.fromisoformat),
                 InvoiceSortField.NUMBER: ("number", str),
                 InvoiceSortField.TOTAL_AMOUNT: ("totalAmount", Decimal),
                 InvoiceSortField.BALANCE_DUE: ("balanceDue", Decimal)}
MONEY_SORTS = {"lifetimeValue", "orderTotal", "averageOrderValue", "potentialValue", "totalAmount", "balanceDue",
               "creditLimit", "priorSales", "balances.openOrders", "balances.currentInvoices",
               "balances.unappliedPayments", "balances.availableCredit", "aging.overdue", "invoiceStats.ytdThisYear"}


def in_shown_order(rows: list[tuple[int, Any]], descending: bool, ties_descending: bool) -> list[tuple[int, Any]]:
    """(id, value) pairs in the order docs/api.md promises: by value, nulls last either way, ties by id."""
    by_id = sorted(rows, key=lambda r: r[0], reverse=ties_descending)
    present = sorted((r for r in by_id if r[1] is not None), key=lambda r: r[1], reverse=descending)
    return present + [r for r in by_id if r[1] is None]


def _sorted_pairs(nodes: list[dict[str, Any]], path: str, parse: Callable[[Any], Any]) -> list[tuple[int, Any]]:
    return [(_pk(n["id"]), None if shown(n, path) is None else parse(shown(n, path))) for n in nodes]


def _check_order(nodes: list[dict[str, Any]], path: str, parse: Callable[[Any], Any], descending: bool,
                 ties_descending: bool, what: str) -> None:
    pairs = _sorted_pairs(nodes, path, parse)
    assert pairs == in_shown_order(pairs, descending, ties_descending), what


async def _top_level(api: Any, list_name: str, sorts: dict[Any, tuple[str, Any]]) -> None:
    """Every sort of a list, a dozen to a request (the alias limit); top-level lists break ties by id ascending,
    whatever the direction."""
    answer: dict[str, Any] = {}
    items = list(sorts.items())
    for start in range(0, len(items), 12):
        parts = " ".join(
            f"{field.name}_{direction}: {list_name}(first: 10, orderBy: [{{field: {field.name}, direction: "
            f"{direction}}}]) {{ edges {{ node {{ id {selection(path, path in MONEY_SORTS)} }} }} }}"
            for field, (path, _parse) in items[start:start + 12] for direction in ("ASC", "DESC"))
        answer.update(await api.ok(f"{{ {parts} }}"))
    for field, (path, parse) in sorts.items():
        for direction in ("ASC", "DESC"):
            nodes = [e["node"] for e in answer[f"{field.name}_{direction}"]["edges"]]
            _check_order(nodes, path, parse, direction == "DESC", False, f"{list_name} by {field.name} {direction}")


@PROPERTY
@given(data=datasets())
async def test_every_list_sort__follows_the_values_shown(api, data):
    # given
    ids = await _dataset(api, data)
    # when, then
    await _top_level(api, "customers", CUSTOMER_SORTS)
    await _top_level(api, "leads", LEAD_SORTS)
    # when, then: a customer's invoices break ties by id in the sort's direction (newest first when descending)
    parts = " ".join(
        f"{field.name}_{direction}: invoices(first: 10, orderBy: {{field: {field.name}, direction: {direction}}}) "
        f"{{ edges {{ node {{ id {selection(path, path in MONEY_SORTS)} }} }} }}"
        for field, (path, _parse) in INVOICE_SORTS.items() for direction in ("ASC", "DESC"))
    answer = await api.ok(f"""query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Customer {{ {parts} }} }} }}""",
                          {"ids": [_gid("Customer", pk) for pk in ids]})
    for node in answer["nodes"]:
        for field, (path, parse) in INVOICE_SORTS.items():
            for direction in ("ASC", "DESC"):
                edges = node[f"{field.name}_{direction}"]["edges"]
                _check_order([e["node"] for e in edges], path, parse, direction == "DESC", direction == "DESC",
                             f"invoices by {field.name} {direction}")


# ------------------------------------------------------------------ export cell = API value


async def _get(api: Any, path: str, **params: Any) -> Any:
    query = {k: json.dumps(v) for k, v in params.items()}
    response = await api.client.get(path, params=query, headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 200, response.text
    return response


def _xlsx(response: Any) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _csv(response: Any) -> list[list[Any]]:
    return [[cell if cell != "" else None for cell in row]
            for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))]


def same_cell(kind: str, api_value: Any, cell: Any) -> bool:
    """The exported cell (CSV text, or an XLSX number, date or string) holds the API's value."""
    if api_value is None or cell is None:
        return api_value is None and cell is None
    if kind == MONEY:  # an XLSX number is the double nearest the exact amount: its shortest repr is it
        return Decimal(api_value) == Decimal(cell if isinstance(cell, str) else repr(cell))
    if kind == INT:
        return int(api_value) == int(cell)
    if kind == BOOL:
        return api_value == (cell if isinstance(cell, bool) else cell == "true")
    if kind == DATE:
        return dt.date.fromisoformat(api_value) == (cell.date() if isinstance(cell, dt.datetime)
                                                    else dt.date.fromisoformat(cell))
    if kind == DATETIME:  # XLSX keeps a time to the millisecond, without its zone (the server's: UTC here)
        expected = dt.datetime.fromisoformat(api_value)
        if isinstance(cell, dt.datetime):
            return abs(expected.replace(tzinfo=None) - cell) < dt.timedelta(milliseconds=1)
        return expected == dt.datetime.fromisoformat(cell)
    return escape_text(str(api_value)) == cell


def _check_cells(columns: dict[str, Any], rows: list[list[Any]], answered: dict[Any, dict[str, Any]],
                 key: Callable[[list[Any]], Any], what: str) -> None:
    header, *body = rows
    assert header == list(columns), what
    assert {key(row) for row in body} == set(answered), what
    for row in body:
        node = answered[key(row)]
        for (field, column), cell in zip(columns.items(), row, strict=True):
            value = shown(node, field)
            assert same_cell(column.kind, value, cell), f"{what} {key(row)} {field}: API {value!r}, cell {cell!r}"


def _nodes_query(list_name: str, columns: dict[str, Any], extra: str = "") -> str:
    fields = " ".join(selection(f, c.kind == MONEY) for f, c in columns.items())
    return f"{{ {list_name}(first: 250) {{ edges {{ node {{ {fields} {extra} }} }} }} }}"


@PROPERTY
@given(data=datasets())
async def test_every_export_column__equals_the_api(api, data):
    # given
    ids = await _dataset(api, data)
    # when, then: customers (CSV: exact text)
    customers = await api.ok(_nodes_query("customers", CUSTOMER_COLUMNS))
    rows = _csv(await _get(api, "/export/customers.csv", columns=list(CUSTOMER_COLUMNS)))
    _check_cells(CUSTOMER_COLUMNS, rows, {n["node"]["number"]: n["node"] for n in customers["customers"]["edges"]},
                 lambda row: row[0], "customers")
    # leads and locations (XLSX)
    leads = await api.ok(_nodes_query("leads", LEAD_COLUMNS))
    rows = _xlsx(await _get(api, "/export/leads.xlsx", columns=list(LEAD_COLUMNS)))
    _check_cells(LEAD_COLUMNS, rows, {n["node"]["number"]: n["node"] for n in leads["leads"]["edges"]},
                 lambda row: row[0], "leads")
    locations = await api.ok(_nodes_query("locations", LOCATION_COLUMNS))
    rows = _xlsx(await _get(api, "/export/locations.xlsx", columns=list(LOCATION_COLUMNS)))
    _check_cells(LOCATION_COLUMNS, rows, {(shown(n["node"], "customer.number"), n["node"]["code"]): n["node"]
                                          for n in locations["locations"]["edges"]},
                 lambda row: (row[2], row[0]), "locations")
    # a customer's invoices (XLSX): the export lists those billed to the customer
    fields = " ".join(selection(f, c.kind == MONEY) for f, c in INVOICE_COLUMNS.items())
    answer = await api.ok(f"""query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Customer {{ id
        invoices(first: 20, history: BILLING_ONLY) {{ edges {{ node {{ {fields} }} }} }} }} }} }}""",
                          {"ids": [_gid("Customer", pk) for pk in ids]})
    for node in answer["nodes"]:
        rows = _xlsx(await _get(api, f"/export/customers/{node['id']}/invoices.xlsx", columns=list(INVOICE_COLUMNS)))
        _check_cells(INVOICE_COLUMNS, rows, {e["node"]["number"]: e["node"] for e in node["invoices"]["edges"]},
                     lambda row: row[0], "invoices")


# ------------------------------------------------------------------ ranges and totals = the values shown

PARSE = {"money": Decimal, "int": int, "date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat}
ANY_VALUE = {"money": "0.00", "int": "0", "date": TODAY.isoformat(), "datetime": NOON.isoformat()}
picks = st.lists(st.tuples(st.sampled_from(sorted(CUSTOMER_RANGES)), st.integers(0, 9), st.integers(0, 9),
                           st.sampled_from(["from", "to", "both"])), min_size=1, max_size=3, unique_by=lambda p: p[0])


def _range(nodes: list[dict[str, Any]], name: str, picked: tuple[int, int], ends: str) -> dict[str, Any]:
    """A range of a field whose ends are values the rows show (so that ties at either end are tried)."""
    parse = PARSE[RANGE_KINDS[CUSTOMER_RANGES[name]]]
    values = sorted({str(v) for n in nodes if (v := shown(n, name)) is not None}, key=parse) or [
        ANY_VALUE[RANGE_KINDS[CUSTOMER_RANGES[name]]]]
    low, high = sorted((values[picked[0] % len(values)], values[picked[1] % len(values)]), key=parse)
    return {"field": name, **({"from": str(low)} if ends != "to" else {}),
            **({"to": str(high)} if ends != "from" else {})}


def _within(node: dict[str, Any], rng: dict[str, Any]) -> bool:
    parse = PARSE[RANGE_KINDS[CUSTOMER_RANGES[rng["field"]]]]
    value = shown(node, rng["field"])
    return value is not None and ("from" not in rng or parse(rng["from"]) <= parse(str(value))) and (
        "to" not in rng or parse(str(value)) <= parse(rng["to"]))


@PROPERTY
@given(data=datasets(), picked=picks)
async def test_customer_ranges_and_totals__follow_the_values_shown(api, data, picked):
    # given
    await _dataset(api, data)
    fields = " ".join(selection(name, RANGE_KINDS[f] == "money") for name, f in CUSTOMER_RANGES.items())
    everyone = [e["node"] for e in (await api.ok(f"{{ customers(first: 250) {{ edges {{ node {{ id {fields} }} }} }} }}"))
                ["customers"]["edges"]]
    ranges = [_range(everyone, name, (i, j), ends) for name, i, j, ends in picked]
    # when
    answer = (await api.ok("""query($filter: CustomerFilter) { customers(first: 250, filter: $filter) {
        totalCount edges { node { id } } totals { count sums { field sum { amount } } } } }""",
                           {"filter": {"ranges": ranges}}))["customers"]
    # then: the rows whose values shown are within every range, in the list's order, and their sums
    expected = [n for n in everyone if all(_within(n, r) for r in ranges)]
    assert [e["node"]["id"] for e in answer["edges"]] == [n["id"] for n in expected], ranges
    assert answer["totalCount"] == answer["totals"]["count"] == len(expected)
    for total in answer["totals"]["sums"]:
        values = [Decimal(v) for n in expected if (v := shown(n, total["field"])) is not None]
        assert (None if total["sum"] is None else Decimal(total["sum"]["amount"])) == (
            sum(values) if values else None), total["field"]
    assert [t["field"] for t in answer["totals"]["sums"]] == list(CUSTOMER_SUMS)
