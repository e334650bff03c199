"""One validator per list: a filter, a sort and columns get the same verdict from the list
query, `saveListView` and the export, against a plain reference of what each list takes; a
view that was accepted exports and lists with exactly its sort, and a refused one stores
nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server.exports.columns import CUSTOMER_COLUMNS, LEAD_COLUMNS, LOCATION_COLUMNS
from server.lists.models import ListKind, ListView

from schema.base import global_id
from tests import factories
from tests.conftest import Api

# ------------------------------------------------------------------ the plain reference

TEXT, FLAG, TIME = "text", "flag", "time"
USER, CUSTOMER, ANY_ID = ("id", "User"), ("id", "Customer"), ("any id",)  # ANY_ID: another kind matches nothing
CREDIT = ("enum", ("CURRENT_ACCOUNT", "NEW_ACCOUNT", "PAST_DUE", "CREDIT_HOLD"))
BILLING = ("enum", ("ON_ACCOUNT", "PREPAY", "CASH_ON_DELIVERY"))
ENGAGEMENT = ("enum", ("ENGAGED", "LAPSED", "NEVER_ORDERED"))
STATE = ("enum", ("PENDING_QUALIFICATION", "DEVELOPMENT", "QUOTING", "CUSTOMER", "INACTIVE"))
USERS, RANGES = ("ids", "User"), ("ranges",)

FILTERS: dict[str, dict[str, Any]] = {
    "CUSTOMERS": {"search": TEXT, "includeInactive": FLAG, "salesRep": USER, "insideSalesRep": USER,
                  "region": TEXT, "creditCode": CREDIT, "billingStatus": BILLING, "engagement": ENGAGEMENT,
                  "newestNoteFrom": TIME, "newestNoteTo": TIME, "salesReps": USERS, "ranges": RANGES},
    "LEADS": {"search": TEXT, "state": STATE, "open": FLAG, "program": ANY_ID, "source": ANY_ID,
              "insideSalesRep": ANY_ID, "outsideSalesRep": ANY_ID, "assignedTo": ANY_ID, "region": TEXT,
              "noteFrom": TIME, "noteTo": TIME},
    "LOCATIONS": {"search": TEXT, "customer": CUSTOMER},
}
# Sortable fields by field name, with the enum name the list query's orderBy takes.
SORTS: dict[str, dict[str, str]] = {
    "CUSTOMERS": {"number": "NUMBER", "name": "NAME", "lifetimeValue": "LIFETIME_VALUE", "orderCount": "ORDER_COUNT",
                  "orderTotal": "ORDER_TOTAL", "averageOrderValue": "AVERAGE_ORDER_VALUE",
                  "lastOrderDate": "LAST_ORDER_DATE", "newestNoteAt": "NEWEST_NOTE_AT", "createdAt": "CREATED_AT",
                  "billingAddress.region": "REGION", "creditLimit": "CREDIT_LIMIT", "priorSales": "PRIOR_SALES",
                  "lastPaymentDate": "LAST_PAYMENT_DATE", "lastInvoiceDate": "LAST_INVOICE_DATE", "alias": "ALIAS",
                  "email": "EMAIL", "billingAddress.city": "CITY", "balances.openOrders": "OPEN_ORDERS",
                  "balances.currentInvoices": "CURRENT_INVOICES", "balances.unappliedPayments": "UNAPPLIED_PAYMENTS",
                  "balances.availableCredit": "AVAILABLE_CREDIT", "aging.overdue": "OVERDUE",
                  "invoiceStats.ytdThisYear": "YTD_SALES"},
    "LEADS": {"number": "NUMBER", "customer.name": "CUSTOMER_NAME", "state": "STATE", "probability": "PROBABILITY",
              "potentialValue": "POTENTIAL_VALUE", "estimatedConversionDate": "ESTIMATED_CONVERSION_DATE",
              "newestNoteAt": "NEWEST_NOTE_AT"},
    "LOCATIONS": {},
}
COLUMNS = {"CUSTOMERS": list(CUSTOMER_COLUMNS), "LEADS": list(LEAD_COLUMNS), "LOCATIONS": list(LOCATION_COLUMNS)}
KEY_COLUMN = {"CUSTOMERS": "number", "LEADS": "number", "LOCATIONS": "code"}


def _values(kind: Any) -> list[tuple[Any, bool]]:
    """Values of a filter field of that type, each with whether the list takes it."""
    if kind == TEXT:
        return [("an", True), ("", True), ("x" * 201, False), (5, False)]
    if kind == FLAG:
        return [(True, True), (False, True), ("yes", False)]
    if kind == TIME:
        return [("2024-05-01T10:00:00", True), ("2024-05-01T10:00:00+02:00", True), ("yesterday", False),
                ("1800-01-01T00:00:00", False)]
    if kind == ANY_ID:
        return [(global_id("User", 1), True), (global_id("Customer", 1), True), ("garbage", True), (True, False)]
    if kind == USERS:
        return [([global_id("User", 1), global_id("User", 2)], True), ([], True), ([global_id("Note", 1)], False),
                (global_id("User", 1), False)]
    if kind == RANGES:
        return [([{"field": "lifetimeValue", "from": "10.00"}], True),
                ([{"field": "orderCount", "from": "1", "to": "3"}, {"field": "aging.overdue", "to": "5"}], True),
                ([{"field": "lastOrderDate", "from": "2026-01-01", "to": "2026-01-01"}], True),
                ([{"field": "createdAt", "to": "2026-01-01T10:00:00+02:00"}], True),
                ([{"field": "name", "from": "a"}], False), ([{"field": "lifetimeValue"}], False),
                ([{"field": "orderCount", "from": "1.5"}], False), ([{"field": "creditLimit", "to": "1.005"}], False),
                ([{"field": "orderCount", "from": "5", "to": "1"}], False),
                ([{"field": "lastPaymentDate", "from": "1800-01-01"}], False),
                ([{"field": "priorSales", "from": "1"}, {"field": "priorSales", "to": "2"}], False)]
    if kind[0] == "id":
        return [(global_id(kind[1], 1), True), (global_id("Note", 1), False), ("garbage", False)]
    names = kind[1]
    return [([names[0]], True), (names[-1], True), ([], True), (["SOMETIMES"], False), ([names[0], "OFTEN"], False)]


def filters(kind: str) -> st.SearchStrategy[tuple[dict[str, Any] | None, bool]]:
    known = FILTERS[kind]
    field_values = st.sampled_from([*known, "regionz", "colour"]).flatmap(
        lambda name: st.sampled_from(_values(known[name]) + [(None, True)] if name in known else [("OH", False)])
        .map(lambda value: (name, value)))
    as_dict = st.lists(field_values, max_size=3, unique_by=lambda item: item[0]).map(
        lambda items: ({name: value for name, (value, _ok) in items}, all(ok for _n, (_v, ok) in items)))
    return st.one_of(st.just((None, True)), as_dict)


def sorts(kind: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    names = [*SORTS[kind], *SORTS[kind].values(), "fax", "SHOE_SIZE", "lifetime_value"]
    item = st.fixed_dictionaries({"field": st.sampled_from(names),
                                  "direction": st.sampled_from(["ASC", "DESC", None])})
    return st.lists(item, max_size=3)


def sort_ok(kind: str, sort: list[dict[str, Any]]) -> bool:
    by_enum = {e: f for f, e in SORTS[kind].items()}
    fields = [by_enum.get(s["field"], s["field"]) for s in sort]
    return all(f in SORTS[kind] for f in fields)


def columns(kind: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    item = st.fixed_dictionaries({"field": st.sampled_from([*COLUMNS[kind], "shoeSize", "lifetimeValue"]),
                                  "label": st.sampled_from([None, "Shown as", "x" * 201]),
                                  "visible": st.booleans(),
                                  "width": st.sampled_from([None, 24, 160, 2000, 23, 2001])})
    return st.lists(item, max_size=3)


def columns_ok(kind: str, given_columns: list[dict[str, Any]]) -> bool:
    fields = [c["field"] for c in given_columns]
    return (bool(given_columns) and all(f in COLUMNS[kind] for f in fields) and len(set(fields)) == len(fields)
            and all(len(c["label"] or "") <= 200 for c in given_columns) and any(c["visible"] for c in given_columns)
            and all(c.get("width") is None or 24 <= c["width"] <= 2000 for c in given_columns))


# ------------------------------------------------------------------ the three entry points

VIEW = "id sort { field direction } filter"
SAVE = f"""
mutation($kind: ListKind!, $name: String!, $columns: [ListColumnInput!]!, $sort: [ListSortInput!], $filter: JSON) {{
  saveListView(kind: $kind, name: $name, columns: $columns, sort: $sort, filter: $filter) {{
    listView {{ {VIEW} }} userErrors {{ field message code }} }} }}"""
LISTS = {
    "CUSTOMERS": "query($filter: CustomerFilter, $orderBy: [CustomerOrder!]) { list: customers(first: 100, "
                 "filter: $filter, orderBy: $orderBy) { edges { node { key: number } } } }",
    "LEADS": "query($filter: LeadFilter, $orderBy: [LeadOrder!]) { list: leads(first: 100, filter: $filter, "
             "orderBy: $orderBy) { edges { node { key: number } } } }",
    "LOCATIONS": "query($customer: ID, $search: String) { list: locations(first: 100, customer: $customer, "
                 "search: $search) { edges { node { key: code } } } }",
}
BY_VIEW = {kind: f"query($view: ID) {{ list: {kind.lower()}(first: 100, view: $view) {{ edges {{ node {{ key: "
               f"{KEY_COLUMN[kind]} }} }} }} }}" for kind in LISTS}
PATH = {"CUSTOMERS": "customers.xlsx", "LEADS": "leads.xlsx", "LOCATIONS": "locations.xlsx"}


async def listed(api: Api, kind: str, flt: dict[str, Any] | None, sort: list[dict[str, Any]]) -> Any:
    """The list query's keys in order, or None when it refuses; `False` when the query has no
    way to say it (a locations sort, or a locations filter field it has no argument for)."""
    if kind == "LOCATIONS":
        if sort or any(name not in FILTERS[kind] for name in flt or {}):
            return False
        variables = dict(flt or {})
    else:
        order = [{"field": SORTS[kind].get(s["field"], s["field"]), "direction": s["direction"]} for s in sort]
        variables = {"filter": flt, "orderBy": order}
    answer = await api.gql(LISTS[kind], variables)
    if "errors" in answer:
        assert answer.get("data") is None and all(e["extensions"]["code"] in ("BAD_USER_INPUT",)
                                                   for e in answer["errors"]), answer
        return None
    return [e["node"]["key"] for e in answer["data"]["list"]["edges"]]


async def exported(api: Api, kind: str, **params: Any) -> Any:
    """The export's first column below its header, or None when it answers 400."""
    query = {name: value if name == "view" else json.dumps(value) for name, value in params.items()}
    response = await api.client.get(f"/export/{PATH[kind]}", params=query,
                                    headers={"Authorization": f"Bearer {api.token}"})
    if response.status_code == 400:
        body = response.json()
        assert body["problems"] and body["parameter"] == body["problems"][0]["parameter"], body
        return None
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [row[0] for row in list(book.worksheets[0].iter_rows(values_only=True))[1:]]


async def views_count(api: Api) -> int:
    async with api.database.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(ListView)))


async def seed(api: Api) -> None:
    """Three customers, a location and a lead each, once per database."""
    if await api.ok('{ customers(first: 1) { totalCount } }') != {"customers": {"totalCount": 0}}:
        return
    db = api.database
    for number, name, region in (("C-2", "Beta", "OH"), ("C-1", "Alpha", "CA"), ("C-3", "Gamma", "AZ")):
        made = await factories.customer(db, name, number=number, billingAddress={"region": region})
        await factories.location(db, made.id, f"L-{number}")
        await factories.lead_in(db, made.id, int(number[-1]), program="Wholesale", state="QUOTING")


# ------------------------------------------------------------------ the properties

cases = st.sampled_from(["CUSTOMERS", "LEADS", "LOCATIONS"]).flatmap(
    lambda kind: st.tuples(st.just(kind), filters(kind), sorts(kind), columns(kind)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases)
@example(case=("CUSTOMERS", ({"regionz": "OH"}, False), [], [{"field": "name", "label": None, "visible": True}]))
@example(case=("CUSTOMERS", ({"engagement": ["SOMETIMES"]}, False), [],
               [{"field": "name", "label": None, "visible": True}]))
@example(case=("LOCATIONS", (None, True), [{"field": "alias", "direction": None}],
               [{"field": "code", "label": None, "visible": True}]))
@example(case=("CUSTOMERS", (None, True), [{"field": "billingAddress.region", "direction": "DESC"},
                                           {"field": "NAME", "direction": None}],
               [{"field": "number", "label": "No.", "visible": True}]))
async def test_list_inputs__one_verdict_from_query_save_and_export(api: Api, case: Any) -> None:
    # given
    kind, (flt, filter_ok), sort, given_columns = case
    await seed(api)
    expected = filter_ok and sort_ok(kind, sort) and columns_ok(kind, given_columns)
    before = await views_count(api)
    # when
    saved = (await api.ok(SAVE, {"kind": kind, "name": f"View {before}", "columns": given_columns, "sort": sort,
                                 "filter": flt}))["saveListView"]
    export = await exported(api, kind, orderBy=sort, columns=given_columns, **({} if flt is None else {"filter": flt}))
    listing = await listed(api, kind, flt, sort)
    # then: one verdict, and a refusal stores nothing and says where
    assert (saved["userErrors"] == []) is expected, saved["userErrors"]
    assert (export is not None) is expected
    if listing is not False:
        assert (listing is not None) is (filter_ok and sort_ok(kind, sort))
    if not expected:
        assert saved["listView"] is None and await views_count(api) == before
        assert all(e["field"][0] in ("filter", "sort", "columns") for e in saved["userErrors"])
        return
    # and a view accepted is stored in field names, and exports and lists with exactly its sort
    by_enum = {e: f for f, e in SORTS[kind].items()}
    assert saved["listView"]["sort"] == [{"field": by_enum.get(s["field"], s["field"]),
                                          "direction": s["direction"] or "ASC"} for s in sort]
    by_view = await exported(api, kind, view=saved["listView"]["id"], columns=[KEY_COLUMN[kind]])
    listed_by_view = [e["node"]["key"] for e in (await api.ok(BY_VIEW[kind], {"view": saved["listView"]["id"]}))
                      ["list"]["edges"]]
    assert by_view == listed_by_view
    if listing is not False:
        assert by_view == listing


async def test_views_saved_before__read_and_export_in_field_names(api: Api) -> None:
    # given: a view stored as views were before sorts took field names
    await seed(api)
    async with api.database.read_session() as session:
        from server.access.models import User
        admin = await session.scalar(select(User.id).where(User.email == "admin@example.com"))
    async with api.database.write_session() as session, session.begin():
        view = ListView(user_id=admin, kind=ListKind.CUSTOMERS, name="Old", columns=[{"field": "number"}],
                        sort=[{"field": "REGION", "direction": "DESC"}], filter=None, is_default=False)
        session.add(view)
        session.add(ListView(user_id=admin, kind=ListKind.LOCATIONS, name="Sites", columns=[{"field": "code"}],
                             sort=[{"field": "alias", "direction": "ASC"}], filter=None, is_default=False))
    # when
    views = (await api.ok('{ listViews(kind: CUSTOMERS) { id sort { field direction } } }'))["listViews"]
    rows = await exported(api, "CUSTOMERS", view=views[0]["id"])
    sites = (await api.ok('{ listViews(kind: LOCATIONS) { id sort { field direction } } }'))["listViews"]
    # then: the enum name is read as its field; the locations sort the list always ignored is left out
    assert views[0]["sort"] == [{"field": "billingAddress.region", "direction": "DESC"}]
    assert rows == ["C-2", "C-1", "C-3"]  # OH, CA, AZ
    assert sites[0]["sort"] == []
    assert await exported(api, "LOCATIONS", view=sites[0]["id"]) == ["L-C-1", "L-C-2", "L-C-3"]  # Alpha, Beta, Gamma


async def test_export_and_query__every_problem_at_once(api: Api) -> None:
    # when
    export = await api.client.get("/export/customers.xlsx", headers={"Authorization": f"Bearer {api.token}"},
                                  params={"filter": json.dumps({"regionz": "OH", "engagement": ["SOMETIMES"]}),
                                          "orderBy": json.dumps([{"field": "fax"}]),
                                          "columns": json.dumps(["shoeSize"])})
    saved = (await api.ok(SAVE, {"kind": "CUSTOMERS", "name": "Bad", "columns": [{"field": "shoeSize"}],
                                 "sort": [{"field": "fax"}], "filter": {"regionz": "OH",
                                                                           "engagement": ["SOMETIMES"]}}))
    # then
    assert export.status_code == 400
    assert [p["parameter"] for p in export.json()["problems"]] == ["orderBy", "filter", "filter", "columns"]
    assert sorted(e["field"] for e in saved["saveListView"]["userErrors"]) == [
        ["columns", "0", "field"], ["filter", "engagement", "0"], ["filter", "regionz"], ["sort", "0", "field"]]


async def test_list_query_with_a_view__its_owner_and_its_list_only(api: Api) -> None:
    # given: the admin's customers view, and a viewer of their own
    await seed(api)
    from server.access.models import Role
    from tests.conftest import make_token
    other = await make_token(api.database, Role.VIEWER, email="viewer@example.com")
    mine = (await api.ok(SAVE, {"kind": "CUSTOMERS", "name": "Mine", "columns": [{"field": "number"}],
                                "sort": [{"field": "number", "direction": "DESC"}],
                                "filter": {"search": "a"}}))["saveListView"]["listView"]
    # when
    own = await api.ok(BY_VIEW["CUSTOMERS"], {"view": mine["id"]})
    explicit = await api.ok(LISTS["CUSTOMERS"].replace("first: 100,", "first: 100, view: $view,").replace(
        "query(", "query($view: ID, "), {"view": mine["id"], "orderBy": [{"field": "NAME"}]})
    theirs = await api.gql(BY_VIEW["CUSTOMERS"], {"view": mine["id"]}, token=other)
    other_list = await api.gql(BY_VIEW["LEADS"], {"view": mine["id"]})
    # then: its filter and sort; orderBy given wins; anyone else's, or another list's, is refused
    assert [e["node"]["key"] for e in own["list"]["edges"]] == ["C-3", "C-2", "C-1"]
    assert [e["node"]["key"] for e in explicit["list"]["edges"]] == ["C-1", "C-2", "C-3"]
    assert [e["extensions"]["code"] for e in theirs["errors"]] == ["BAD_USER_INPUT"]
    assert "no list view of yours" in theirs["errors"][0]["message"]
    assert [e["extensions"]["code"] for e in other_list["errors"]] == ["BAD_USER_INPUT"]
    assert "belongs to the customers list" in other_list["errors"][0]["message"]
