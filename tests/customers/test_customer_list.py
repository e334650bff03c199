"""The customer list sorted and filtered by figures, through `/graphql` (SPEC §4, §7).

Every sort walks its pages with cursors, forwards (`first`/`after`) and backwards
(`last`/`before`), and checks that the pages are disjoint, complete and in order, and that each
row shows the figure it was sorted by.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from schema.base import global_id
from server.access.models import User
from server.documents.models import Invoice, InvoiceClassification, InvoiceStatus, Order, OrderStatus
from tests import factories

LIST = """
query List($first: Int, $after: String, $last: Int, $before: String, $orderBy: [CustomerOrder!],
           $filter: CustomerFilter) {
  customers(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, filter: $filter) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node {
      id name lifetimeValue { amount } orderCount orderTotal { amount } averageOrderValue { amount }
      lastOrderDate newestNoteAt engagement lastPaymentDate aging { overdue { amount } }
      invoiceStats { ytdThisYear { amount } } balances { currentInvoices { amount } availableCredit { amount } }
    } }
  }
}"""

FIGURES = ("LIFETIME_VALUE", "ORDER_COUNT", "ORDER_TOTAL", "AVERAGE_ORDER_VALUE", "LAST_ORDER_DATE",
           "NEWEST_NOTE_AT", "LAST_PAYMENT_DATE", "OVERDUE", "YTD_SALES", "CURRENT_INVOICES", "AVAILABLE_CREDIT")
NESTED_MONEY = {"OVERDUE": ("aging", "overdue"), "YTD_SALES": ("invoiceStats", "ytdThisYear"),
                "CURRENT_INVOICES": ("balances", "currentInvoices"),
                "AVAILABLE_CREDIT": ("balances", "availableCredit")}

N0 = dt.datetime(2025, 12, 30, 16, 45, tzinfo=dt.UTC)
N1 = dt.datetime(2026, 1, 5, 10, 0, 0, 250000, tzinfo=dt.UTC)
N2 = dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.UTC)


def value(node: dict[str, Any], field: str) -> Any:
    """The figure a sort field sorts by, as the row serves it (None when null)."""
    if field == "NAME":
        return node["name"]
    if field == "ORDER_COUNT":
        return node["orderCount"]
    if field in ("LAST_ORDER_DATE", "NEWEST_NOTE_AT", "LAST_PAYMENT_DATE"):
        raw = node[{"LAST_ORDER_DATE": "lastOrderDate", "NEWEST_NOTE_AT": "newestNoteAt",
                    "LAST_PAYMENT_DATE": "lastPaymentDate"}[field]]
        return None if raw is None else (dt.datetime.fromisoformat(raw) if field == "NEWEST_NOTE_AT"
                                         else dt.date.fromisoformat(raw))
    if field in NESTED_MONEY:
        outer, inner = NESTED_MONEY[field]
        money = node[outer][inner]
        return None if money is None else Decimal(money["amount"])
    money = node[{"LIFETIME_VALUE": "lifetimeValue", "ORDER_TOTAL": "orderTotal",
                  "AVERAGE_ORDER_VALUE": "averageOrderValue"}[field]]
    return None if money is None else Decimal(money["amount"])


def order_by(*keys: str) -> list[dict[str, str]]:
    """("LIFETIME_VALUE DESC", "NAME") -> the orderBy argument."""
    return [{"field": k.split()[0], "direction": (k.split()[1:] or ["ASC"])[0]} for k in keys]


async def walk(api: Any, orderby: list[dict[str, str]], size: int, flt: dict[str, Any] | None = None
               ) -> list[dict[str, Any]]:
    """Every row, page by page with `first`/`after`; checks each page's shape on the way."""
    rows: list[dict[str, Any]] = []
    after = None
    for _ in range(100):
        data = await api.ok(LIST, {"first": size, "after": after, "orderBy": orderby, "filter": flt})
        page = data["customers"]
        nodes = [edge["node"] for edge in page["edges"]]
        assert len(nodes) <= size
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert not {n["id"] for n in nodes} & {r["id"] for r in rows}, "pages overlap"
        rows += nodes
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        assert len(nodes) == size
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("the pages never end")


async def walk_back(api: Any, orderby: list[dict[str, str]], size: int, flt: dict[str, Any] | None = None
                    ) -> list[dict[str, Any]]:
    """Every row, from the last page to the first with `last`/`before`, in the list's order."""
    rows: list[dict[str, Any]] = []
    before = None
    for _ in range(100):
        data = await api.ok(LIST, {"last": size, "before": before, "orderBy": orderby, "filter": flt})
        page = data["customers"]
        nodes = [edge["node"] for edge in page["edges"]]
        assert len(nodes) <= size
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        assert not {n["id"] for n in nodes} & {r["id"] for r in rows}, "pages overlap"
        rows = nodes + rows
        if not page["pageInfo"]["hasPreviousPage"]:
            return rows
        before = page["pageInfo"]["startCursor"]
    raise AssertionError("the pages never end")


def python_sorted(nodes: list[dict[str, Any]], keys: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The rows in the list's order, computed from the served figures: nulls last either way,
    ties by id (global ids of one type order like their numbers only by creation, so by `_pk`)."""
    ordered = sorted(nodes, key=lambda n: n["_pk"])
    for key in reversed(keys):
        descending = key["direction"] == "DESC"
        present = [n for n in ordered if value(n, key["field"]) is not None]
        missing = [n for n in ordered if value(n, key["field"]) is None]
        ordered = sorted(present, key=lambda n: value(n, key["field"]), reverse=descending) + missing
    return ordered


async def today(api: Any) -> dt.date:
    return dt.date.fromisoformat((await api.ok("{ serverInfo { today } }"))["serverInfo"]["today"])


async def admin_id(api: Any) -> int:
    async with api.database.read_session() as session:
        return await session.scalar(select(User.id))


# ---------------------------------------------------------------- six customers, ties and nulls

async def grove(api: Any) -> dict[str, int]:
    """Alder .. Fir, with ties and nulls in every figure:

    | name    | lifetime | orders | total | average | last order | newest note | engagement    |
    |---------|----------|--------|-------|---------|------------|-------------|---------------|
    | Alder   | 150.00   | 2      | 30.01 | 15.00   | T-10       | N1          | ENGAGED       |
    | Birch   | 150.00   | 1      | 15.00 | 15.00   | T-400      | N1          | LAPSED        |
    | Cedar   | 200.00   | 2      | 20.01 | 10.00   | T-5        | null        | ENGAGED       |
    | Dogwood | 0.00     | 0      | 0.00  | null    | null       | null        | NEVER_ORDERED |
    | Elm     | 70.00    | 2      | 20.03 | 10.02   | T-5        | N2          | ENGAGED       |
    | Fir     | 0.00     | 1      | 20.01 | 20.01   | T+5        | N0          | NEVER_ORDERED |
    """
    db, t, author = api.database, await today(api), await admin_id(api)
    ids = {}
    for name in ("Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir"):
        ids[name] = (await factories.customer(db, name, priorSales="100.00" if name == "Alder" else "0")).id
    day = dt.timedelta(days=1)
    # Alder: prior 100 + 50 invoiced; 30.01 / 2 = 15.005 -> 15.00 (half-even)
    await factories.invoice(db, ids["Alder"], "50.00")
    await factories.order(db, ids["Alder"], "10.00", on=t - 10 * day)
    await factories.order(db, ids["Alder"], "20.01", on=t - 400 * day)
    await factories.note(db, ids["Alder"], author, at=N1)
    # Birch: order customer of an invoice billed to Cedar (200) less a credit note of its own (50)
    await factories.invoice(db, ids["Cedar"], "200.00", orderCustomer=ids["Birch"])
    await factories.invoice(db, ids["Birch"], "50.00", classification=InvoiceClassification.CREDIT)
    await factories.order(db, ids["Birch"], "15.00", on=t - 400 * day)
    await factories.note(db, ids["Birch"], author, at=N0)
    await factories.note(db, ids["Birch"], author, at=N1)
    # Cedar: a draft and a void invoice count in nothing, nor does a cancelled order; an order
    # billed to Alder is still Cedar's order. 20.01 / 2 = 10.005 -> 10.00
    await factories.invoice(db, ids["Cedar"], "999.00", issue=False)
    void = await factories.invoice(db, ids["Cedar"], "500.00")
    await factories.set_row(db, Invoice, void.id, status=InvoiceStatus.VOID)
    await factories.order(db, ids["Cedar"], "10.00", on=t - 5 * day)
    await factories.order(db, ids["Cedar"], "10.01", on=t - 5 * day, billingCustomer=ids["Alder"])
    cancelled = await factories.order(db, ids["Cedar"], "100.00", on=t - day)
    await factories.set_row(db, Order, cancelled.id, status=OrderStatus.CANCELLED)
    # Elm: order and bill customer of one invoice, counted once; 20.03 / 2 = 10.015 -> 10.02
    await factories.invoice(db, ids["Elm"], "70.00", orderCustomer=ids["Elm"])
    await factories.order(db, ids["Elm"], "10.00", on=t - 5 * day)
    await factories.order(db, ids["Elm"], "10.03", on=t - 5 * day)
    await factories.note(db, ids["Elm"], author, at=N2)
    # Fir: only an order dated after today
    await factories.order(db, ids["Fir"], "20.01", on=t + 5 * day)
    await factories.note(db, ids["Fir"], author, at=N0)
    return ids


GROVE_SORTS = [
    (["LIFETIME_VALUE DESC", "NAME"], ["Cedar", "Alder", "Birch", "Elm", "Dogwood", "Fir"]),
    (["LIFETIME_VALUE"], ["Dogwood", "Fir", "Elm", "Alder", "Birch", "Cedar"]),
    (["ORDER_COUNT DESC", "NAME DESC"], ["Elm", "Cedar", "Alder", "Fir", "Birch", "Dogwood"]),
    (["ORDER_TOTAL", "NAME"], ["Dogwood", "Birch", "Cedar", "Fir", "Elm", "Alder"]),
    (["AVERAGE_ORDER_VALUE"], ["Cedar", "Elm", "Alder", "Birch", "Fir", "Dogwood"]),
    (["AVERAGE_ORDER_VALUE DESC"], ["Fir", "Alder", "Birch", "Elm", "Cedar", "Dogwood"]),
    (["LAST_ORDER_DATE DESC", "NAME"], ["Fir", "Cedar", "Elm", "Alder", "Birch", "Dogwood"]),
    (["LAST_ORDER_DATE"], ["Birch", "Alder", "Cedar", "Elm", "Fir", "Dogwood"]),
    (["NEWEST_NOTE_AT DESC", "NAME"], ["Elm", "Alder", "Birch", "Fir", "Cedar", "Dogwood"]),
    (["NEWEST_NOTE_AT", "NAME DESC"], ["Fir", "Birch", "Alder", "Elm", "Dogwood", "Cedar"]),
    (["ORDER_COUNT DESC", "LIFETIME_VALUE"], ["Elm", "Alder", "Cedar", "Fir", "Birch", "Dogwood"]),
    (["AVERAGE_ORDER_VALUE DESC", "NEWEST_NOTE_AT", "NAME DESC"],
     ["Fir", "Birch", "Alder", "Elm", "Cedar", "Dogwood"]),
]

GROVE_FIGURES = {
    "Alder": ("150.00", 2, "30.01", "15.00", -10, N1, "ENGAGED"),
    "Birch": ("150.00", 1, "15.00", "15.00", -400, N1, "LAPSED"),
    "Cedar": ("200.00", 2, "20.01", "10.00", -5, None, "ENGAGED"),
    "Dogwood": ("0.00", 0, "0.00", None, None, None, "NEVER_ORDERED"),
    "Elm": ("70.00", 2, "20.03", "10.02", -5, N2, "ENGAGED"),
    "Fir": ("0.00", 1, "20.01", "20.01", 5, N0, "NEVER_ORDERED"),
}


async def test_customer_list__figures_of_the_grove(api):
    # given
    await grove(api)
    t = await today(api)
    # when
    rows = (await api.ok(LIST, {"first": 10}))["customers"]["edges"]
    # then
    served = {r["node"]["name"]: r["node"] for r in rows}
    for name, (lifetime, count, total, average, last, note, engagement) in GROVE_FIGURES.items():
        node = served[name]
        assert node["lifetimeValue"]["amount"] == lifetime, name
        assert node["orderCount"] == count, name
        assert node["orderTotal"]["amount"] == total, name
        assert (node["averageOrderValue"] or {}).get("amount") == average, name
        assert value(node, "LAST_ORDER_DATE") == (None if last is None else t + dt.timedelta(days=last)), name
        assert value(node, "NEWEST_NOTE_AT") == note, name
        assert node["engagement"] == engagement, name


async def test_customer_list__sorted_by_figures(api):
    # given
    await grove(api)
    for keys, names in GROVE_SORTS:
        orderby = order_by(*keys)
        # when
        pages = {size: await walk(api, orderby, size) for size in (2, 3)}
        backwards = await walk_back(api, orderby, 4)
        # then
        for rows in (*pages.values(), backwards):
            assert [r["name"] for r in rows] == names, keys
        for position, name in enumerate(names):
            expected = GROVE_FIGURES[name]
            row = pages[2][position]
            for field, served in (("LIFETIME_VALUE", expected[0]), ("AVERAGE_ORDER_VALUE", expected[3])):
                assert value(row, field) == (None if served is None else Decimal(served)), keys
            assert value(row, "NEWEST_NOTE_AT") == expected[5], keys


async def test_customer_list__page_after_and_before_a_cursor(api):
    # given
    await grove(api)
    orderby = order_by("LIFETIME_VALUE DESC", "NAME")
    first = (await api.ok(LIST, {"first": 3, "orderBy": orderby}))["customers"]
    # when
    second = (await api.ok(LIST, {"first": 3, "after": first["pageInfo"]["endCursor"], "orderBy": orderby}))
    back = (await api.ok(LIST, {"last": 2, "before": first["edges"][2]["cursor"], "orderBy": orderby}))
    # then
    assert [e["node"]["name"] for e in first["edges"]] == ["Cedar", "Alder", "Birch"]
    assert first["pageInfo"] == {**first["pageInfo"], "hasNextPage": True, "hasPreviousPage": False}
    second = second["customers"]
    assert [e["node"]["name"] for e in second["edges"]] == ["Elm", "Dogwood", "Fir"]
    assert second["pageInfo"]["hasNextPage"] is False and second["pageInfo"]["hasPreviousPage"] is True
    back = back["customers"]
    assert [e["node"]["name"] for e in back["edges"]] == ["Cedar", "Alder"]
    assert back["pageInfo"]["hasNextPage"] is True and back["pageInfo"]["hasPreviousPage"] is False


@pytest.mark.parametrize(("given_by", "asked_by", "cursor"), [
    (["LIFETIME_VALUE DESC"], ["LIFETIME_VALUE DESC", "NAME"], "after"),  # more keys
    (["NAME"], ["LIFETIME_VALUE"], "after"),  # a name where an amount belongs
    (["LAST_ORDER_DATE"], ["NEWEST_NOTE_AT"], "before"),  # a date where a time belongs
    (["NEWEST_NOTE_AT"], ["AVERAGE_ORDER_VALUE"], "after"),
])
async def test_customer_list__cursor_of_another_sort_is_refused(api, given_by, asked_by, cursor):
    # given
    await grove(api)
    page = (await api.ok(LIST, {"first": 2, "orderBy": order_by(*given_by)}))["customers"]
    size = "first" if cursor == "after" else "last"
    # when
    answer = await api.gql(LIST, {size: 2, cursor: page["pageInfo"]["endCursor"], "orderBy": order_by(*asked_by)})
    # then
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "another sort order" in answer["errors"][0]["message"]



@pytest.mark.parametrize("list_name", ["customers", "locations", "items", "leads", "auditEvents"])
async def test_list__long_cursor_is_refused_without_echoing_it(api, list_name):
    # given: a cursor of 50,000 characters, near the body limit
    cursor = "A" * 50_000
    # when
    answer = await api.gql(f"query($c: String) {{ {list_name}(first: 1, after: $c) {{ totalCount }} }}", {"c": cursor})
    # then: refused, and the message quotes the cursor cut short
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cursor" in error["message"] and len(error["message"]) < 200


# -------------------------------------------------------------------------------- filters

@pytest.mark.parametrize(("engagement", "names"), [
    (["ENGAGED"], ["Today", "Boundary in"]),
    (["LAPSED"], ["Boundary out"]),
    (["NEVER_ORDERED"], ["Future only", "Cancelled only", "Nothing"]),
    (["LAPSED", "NEVER_ORDERED"], ["Boundary out", "Future only", "Cancelled only", "Nothing"]),
])
async def test_customer_list__filtered_by_engagement(api, engagement, names):
    # given: the window is the 365 days up to today, both ends included
    db, t = api.database, await today(api)
    made = {}
    for name, days in (("Today", 0), ("Boundary in", -364), ("Boundary out", -365), ("Future only", 1),
                       ("Cancelled only", 0), ("Nothing", None)):
        made[name] = (await factories.customer(db, name)).id
        if days is not None:
            order = await factories.order(db, made[name], "10.00", on=t + dt.timedelta(days=days))
            if name == "Cancelled only":
                await factories.set_row(db, Order, order.id, status=OrderStatus.CANCELLED)
    await factories.order(db, made["Boundary out"], "10.00", on=t - dt.timedelta(days=800))
    # when
    rows = await walk(api, order_by("CREATED_AT"), 2, {"engagement": engagement})
    everyone = (await api.ok(LIST, {"first": 10}))["customers"]["edges"]
    # then
    assert [r["name"] for r in rows] == names
    assert all(r["engagement"] in engagement for r in rows)
    assert sorted(e["node"]["name"] for e in everyone if e["node"]["engagement"] in engagement) == sorted(names)


NOTE_RANGES = [
    ({"newestNoteFrom": N1.isoformat(), "newestNoteTo": N2.isoformat()}, ["Alder", "Birch", "Elm"]),
    ({"newestNoteFrom": N1.isoformat()}, ["Alder", "Birch", "Elm"]),
    ({"newestNoteTo": N1.isoformat()}, ["Alder", "Birch", "Fir"]),
    ({"newestNoteFrom": N0.isoformat(), "newestNoteTo": N0.isoformat()}, ["Fir"]),
    ({"newestNoteFrom": (N1 + dt.timedelta(microseconds=1)).isoformat(),
      "newestNoteTo": (N2 - dt.timedelta(microseconds=1)).isoformat()}, []),
    # Birch's older note (N0) does not count: only the newest
    ({"newestNoteTo": (N1 - dt.timedelta(seconds=1)).isoformat()}, ["Fir"]),
    # without an offset: the server's time zone (UTC here)
    ({"newestNoteFrom": "2026-02-01T09:30:00"}, ["Elm"]),
    ({"newestNoteFrom": "2026-02-01T10:30:00+01:00"}, ["Elm"]),
]


async def test_customer_list__filtered_by_newest_note(api):
    # given
    await grove(api)
    for bounds, names in NOTE_RANGES:
        # when
        rows = await walk(api, order_by("NAME"), 2, bounds)
        data = await api.ok("query($f: CustomerFilter) { customers(filter: $f) { totalCount } }", {"f": bounds})
        # then
        assert [r["name"] for r in rows] == names, bounds
        assert data["customers"]["totalCount"] == len(names), bounds


async def test_customer_list__figure_filter_and_figure_sort_together(api):
    # given
    await grove(api)
    # when
    rows = await walk(api, order_by("LIFETIME_VALUE DESC", "NAME DESC"), 1, {"engagement": ["ENGAGED"]})
    back = await walk_back(api, order_by("LIFETIME_VALUE DESC", "NAME DESC"), 2, {"engagement": ["ENGAGED"]})
    # then
    assert [r["name"] for r in rows] == [r["name"] for r in back] == ["Cedar", "Alder", "Elm"]


# ----------------------------------------------------------------------- statement counts

PAGE = """
query($first: Int!) {
  customers(first: $first, orderBy: [{field: LIFETIME_VALUE, direction: DESC}, {field: AVERAGE_ORDER_VALUE}]) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name lifetimeValue { amount } orderCount averageOrderValue { amount } newestNoteAt } }
  }
}"""


async def test_customer_list__figure_sort_costs_the_same_for_every_page_size(api):
    # given
    author = await admin_id(api)
    for n in range(50):
        customer = await factories.customer(api.database, f"Customer {n:02d}")
        if n % 3:
            await factories.invoice(api.database, customer.id, f"{n}.00")
            await factories.order(api.database, customer.id, "10.00")
        if n % 4 == 0:
            await factories.note(api.database, customer.id, author)
    # when
    counts = {size: await api.count(PAGE, {"first": size}) for size in (1, 5, 50)}
    # then
    assert counts[50] == counts[5] == counts[1]
    rows = (await api.ok(PAGE, {"first": 50}))["customers"]["edges"]
    values = [Decimal(r["node"]["lifetimeValue"]["amount"]) for r in rows]
    assert len(rows) == 50 and values == sorted(values, reverse=True)


# ------------------------------------------------------------- property: any ledger, any sort

RESET = ("payment_applications", "invoice_lines", "order_lines", "invoices", "orders", "payments", "notes",
         "lead_state_changes", "leads", "locations", "contacts", "audit_events", "customers")

amounts = st.sampled_from(["0.01", "1.00", "1.01", "2.50", "3.33", "10.00", "10.05", "0.03"])
invoices = st.lists(st.tuples(amounts, st.sampled_from(["INVOICE", "CREDIT", "DRAFT", "VOID"]),
                              st.sampled_from(["own", "order", "bill"])), max_size=3)
orders = st.lists(st.tuples(amounts, st.integers(-500, 3), st.booleans()), max_size=3)
notes = st.lists(st.sampled_from([N0, N1, N2]), max_size=2)
customers = st.lists(st.tuples(st.sampled_from(["0", "1.00", "5.01"]), invoices, orders, notes), min_size=1,
                     max_size=5)
sorts = st.lists(st.tuples(st.sampled_from([*FIGURES, "NAME"]), st.sampled_from(["ASC", "DESC"])), min_size=1,
                 max_size=3)


async def reset(api: Any) -> None:
    async with api.database.engine.begin() as connection:
        for table in RESET:
            await connection.execute(text(f"DELETE FROM {table}"))


async def build(api: Any, ledger: list[Any], t: dt.date, author: int) -> None:
    """Customers with prior sales, invoices (their own, or with the next customer as bill or
    order customer), orders (some cancelled, some in the future) and notes."""
    db = api.database
    ids = [(await factories.customer(db, f"Customer {n % 2}", priorSales=prior)).id
           for n, (prior, *_rest) in enumerate(ledger)]
    for n, (_prior, docs, placed, noted) in enumerate(ledger):
        me, other = ids[n], ids[(n + 1) % len(ids)]
        for amount, kind, role in docs:
            parties = {"own": (me, me), "order": (other, me), "bill": (me, other)}[role]
            made = await factories.invoice(db, parties[0], amount, orderCustomer=parties[1], issue=kind != "DRAFT",
                                           classification=InvoiceClassification.CREDIT if kind == "CREDIT" else None)
            if kind == "VOID":
                await factories.set_row(db, Invoice, made.id, status=InvoiceStatus.VOID)
        for amount, days, cancelled in placed:
            made = await factories.order(db, me, amount, on=t + dt.timedelta(days=days))
            if cancelled:
                await factories.set_row(db, Order, made.id, status=OrderStatus.CANCELLED)
        for at in noted:
            await factories.note(db, me, author, at=at)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=customers, keys=sorts, size=st.integers(1, 3))
# 1.00 and 1.01 average 1.005, served as 1.00 (half-even): before the second customer's 1.01
@example(ledger=[("0", [], [("1.01", 0, False)], []), ("0", [], [("1.00", 0, False), ("1.01", -1, False)], [])],
         keys=[("AVERAGE_ORDER_VALUE", "ASC")], size=1)
async def test_customer_list__pages_follow_the_served_figures(api, ledger, keys, size):
    # given
    await reset(api)
    await build(api, ledger, await today(api), await admin_id(api))
    orderby = [{"field": f, "direction": d} for f, d in keys]
    everyone = [e["node"] for e in (await api.ok(LIST, {"first": 250, "orderBy": order_by("CREATED_AT")}))
                ["customers"]["edges"]]
    for pk, node in enumerate(everyone):
        node["_pk"] = pk
    # when
    forwards = await walk(api, orderby, size)
    backwards = await walk_back(api, orderby, size)
    # then
    expected = [n["id"] for n in python_sorted(everyone, orderby)]
    assert [r["id"] for r in forwards] == expected
    assert [r["id"] for r in backwards] == expected


# ----------------------------------------------------------------- several reps, ranges refused

REPS = """query($filter: CustomerFilter) { customers(first: 50, filter: $filter) {
  totalCount edges { node { name } } } }"""


async def test_customer_list__filtered_by_several_sales_reps(api):
    # given: three reps with a customer each, and a customer without a rep
    reps = [await factories.user(api.database, f"rep{n}@example.com") for n in range(3)]
    for n, rep in enumerate(reps):
        await factories.customer(api.database, f"Of rep {n}", salesRep=rep.id)
    await factories.customer(api.database, "Nobody's")
    ids = [global_id("User", rep.id) for rep in reps]
    # when
    two = await api.ok(REPS, {"filter": {"salesReps": ids[:2]}})
    with_one = await api.ok(REPS, {"filter": {"salesReps": ids[:2], "salesRep": ids[1]}})
    none = await api.ok(REPS, {"filter": {"salesReps": []}})
    # then: any of them; with salesRep too, both must hold; an empty list filters nothing
    assert [e["node"]["name"] for e in two["customers"]["edges"]] == ["Of rep 0", "Of rep 1"]
    assert [e["node"]["name"] for e in with_one["customers"]["edges"]] == ["Of rep 1"]
    assert none["customers"]["totalCount"] == 4


@pytest.mark.parametrize(("ranges", "message"), [
    ([{"field": "name", "from": "A"}], "filter.ranges.0.field: 'name' has no range"),
    ([{"field": "lifetimeValue"}], "filter.ranges.0.from: give from, to or both"),
    ([{"field": "orderCount", "from": "2", "to": "1"}], "filter.ranges.0.from: from is after to"),
    ([{"field": "creditLimit", "from": "1.005"}], "filter.ranges.0.from: 1.005 has more than 2 decimal places"),
    ([{"field": "lastOrderDate", "to": "soon"}], "filter.ranges.0.to: not an ISO 8601 date: 'soon'"),
])
async def test_customer_list__bad_range_is_refused_and_nothing_saved(api, ranges, message):
    # given
    views = '{ listViews(kind: CUSTOMERS) { id } }'
    before = await api.ok(views)
    # when
    answer = await api.gql(REPS, {"filter": {"ranges": ranges}})
    saved = await api.ok("""mutation($filter: JSON) { saveListView(kind: CUSTOMERS, name: "R", columns: [{field: "name"}],
        filter: $filter) { listView { id } userErrors { field message code } } }""", {"filter": {"ranges": ranges}})
    # then: the query and saveListView give the same message; no view was stored
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_USER_INPUT"]
    assert message in answer["errors"][0]["message"]
    assert [e["message"] for e in saved["saveListView"]["userErrors"]] == [answer["errors"][0]["message"]]
    assert saved["saveListView"]["listView"] is None and await api.ok(views) == before


TOTALS = """query($fields: [String!], $filter: CustomerFilter) { customers(first: 1, filter: $filter) {
  totals(fields: $fields) { count sums { field sum { amount currency } } } } }"""


async def test_customer_totals__the_fields_asked_over_every_matching_customer(api):
    # given: three customers, two with a credit limit
    for name, limit in (("Alder", "100.00"), ("Birch", "250.50"), ("Cedar", None)):
        await factories.customer(api.database, name, creditLimit=limit, priorSales="1.00")
    # when: a page of one, the sums of all three
    answer = await api.ok(TOTALS, {"fields": ["priorSales", "creditLimit", "balances.availableCredit"]})
    none_match = await api.ok(TOTALS, {"fields": ["creditLimit"], "filter": {"search": "Zeta"}})
    # then
    assert answer["customers"]["totals"] == {"count": 3, "sums": [
        {"field": "priorSales", "sum": {"amount": "3.00", "currency": "USD"}},
        {"field": "creditLimit", "sum": {"amount": "350.50", "currency": "USD"}},
        {"field": "balances.availableCredit", "sum": {"amount": "350.50", "currency": "USD"}}]}
    assert none_match["customers"]["totals"] == {"count": 0, "sums": [{"field": "creditLimit", "sum": None}]}


@pytest.mark.parametrize("field", ["name", "averageOrderValue", "orderCount", "lifetime_value"])
async def test_customer_totals__a_field_without_a_sum_is_refused(api, field):
    # when
    answer = await api.gql(TOTALS, {"fields": ["lifetimeValue", field]})
    # then
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_USER_INPUT"]
    assert f"fields: '{field}' is not a money column of the customer list" in answer["errors"][0]["message"]
