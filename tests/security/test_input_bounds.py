"""Input past its documented bounds is a clear refusal, never a crash (issue 15, items 5 and 6).

First against a real `clientele serve` (SQLite, log to a file): JSON nested deeper than
`CLIENTELE_MAX_JSON_DEPTH` (64) anywhere in a request (a POST body's `variables`, `extensions`
or another member, GET's `variables`, the export parameters), anonymous and signed in, and ids
of thousands of digits in URLs, are answered at once with a JSON 400 while `/healthz` keeps
answering, and the log holds no traceback. Then in process, on both databases, with generated
values: the `Decimal` scalar's one canonical form, money's maximum through every computation
that could pass it, ids of any size, dates of any year, search strings of any length, and the
catch-all that masks a bug escaping an endpoint. Every refusal also shows nothing was written.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server import bounds, money
from server.app import create_app
from server.config import Settings
from server.customers.models import Customer
from server.documents.models import Item, Order
from server.payments.models import Payment
from tests import factories
from tests.conftest import Api, make_token, run_async
from tests.security.serving import BOTTOMLESS, opened, served

DEPTH = 64  # the default of CLIENTELE_MAX_JSON_DEPTH
PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|RecursionError|File \"/")
SERVER_INFO = "{ serverInfo { today } }"


def nested(depth: int, leaf: Any = 1) -> Any:
    """`depth` levels of arrays and objects, alternating, around `leaf`: nested(2) == [{"a": 1}]."""
    value = leaf
    for level in range(depth):
        value = {"a": value} if level % 2 == 0 else [value]
    return value


def nested_text(depth: int) -> str:
    """nested(depth) as JSON text, written without recursion (json.dumps recurses)."""
    opened = ['{"a": ' if level % 2 == 0 else "[" for level in reversed(range(depth))]
    return "".join(opened) + "1" + "".join("}" if o.startswith("{") else "]" for o in reversed(opened))


def depth_of(value: Any) -> int:
    """The reference: how deep arrays and objects nest (a plain recursive walk, for small values)."""
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
    if children is None:
        return 0
    return 1 + max((depth_of(c) for c in children), default=0)


def global_id(type_name: str, pk: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


CREATE_ORDER = """mutation ($input: OrderInput!) {
  createOrder(input: $input) { order { totalValue { amount } } userErrors { field message code } } }"""


async def count(api: Api, model: Any) -> int:
    async with api.database.read_session() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def customer_id(api: Api, currency: str = "USD") -> str:
    """One customer per test (in `currency`), made on first use."""
    async with api.database.read_session() as session:
        pk = await session.scalar(select(Customer.id).where(Customer.currency == currency))
    if pk is None:
        pk = (await factories.customer(api.database, f"Acme {currency}", currency=currency)).id
    return global_id("Customer", str(pk))


# ------------------------------------------------------------- a real server

@dataclass
class Served:
    base_url: str
    token: str
    log: Path  # written while the server runs


async def admin_token(url: str) -> str:
    async with opened(url) as database:
        return await make_token(database)


@pytest.fixture(scope="module")
def served_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Served]:
    """A server on a new SQLite file (the request-level bounds are the same on PostgreSQL)."""
    folder = tmp_path_factory.mktemp("bounds")
    shutil.copy(sqlite_template, folder / "clientele.sqlite3")
    url = f"sqlite+aiosqlite:///{folder / 'clientele.sqlite3'}"
    token = run_async(admin_token(url))
    with served(url, folder / "server.log", **BOTTOMLESS, CLIENTELE_LOG_LEVEL="INFO") as server:
        assert server.log_path is not None
        yield Served(server.base_url, token, server.log_path)


def hostile_requests(base: str, token: str) -> list[tuple[str, httpx.Request]]:
    """Requests with JSON nested too deep, or ids too long, in every place a request carries them."""
    deep, deeper = nested_text(450), nested_text(5000)
    signed = {"Authorization": f"Bearer {token}"}
    body = '{"query": "{ serverInfo { today } }", %s}'
    requests = []
    for who, headers in (("anonymous", {}), ("signed in", signed)):
        for what, content in (("variables", body % f'"variables": {{"x": {deep}}}'),
                              ("variables, past the parser's own limit", body % f'"variables": {{"x": {deeper}}}'),
                              ("extensions", body % f'"extensions": {{"x": {deep}}}'),
                              ("another member", body % f'"x": {deep}')):
            requests.append((f"{who}: POST {what}", httpx.Request(
                "POST", f"{base}/graphql", content=content, headers={**headers, "Content-Type": "application/json"})))
        for what in ("variables", "extensions"):
            requests.append((f"{who}: GET {what}", httpx.Request(
                "GET", f"{base}/graphql", params={"query": SERVER_INFO, what: deep}, headers=headers)))
    for parameter in ("filter", "columns", "orderBy"):
        requests.append((f"export {parameter}", httpx.Request(
            "GET", f"{base}/export/customers.csv", params={parameter: deep}, headers=signed)))
    return requests


def test_deep_json__refused_at_once_anywhere_in_a_request(served_app):
    # given
    requests = hostile_requests(served_app.base_url, served_app.token)
    # when
    with httpx.Client(timeout=10) as client, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda r: (r[0], client.send(r[1])), requests))
    # then
    for what, response in answers:
        assert response.status_code == 400, (what, response.text[:500])
        assert response.headers["content-type"].startswith("application/json"), what
        body = response.json()
        message = body["error"] if "error" in body else body["errors"][0]["message"]
        assert f"more than {DEPTH} levels deep" in message, (what, message)
        if "errors" in body:
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", what


def test_healthz__answers_while_hostile_requests_run(served_app):
    # given
    requests = hostile_requests(served_app.base_url, served_app.token) * 5
    with httpx.Client(timeout=10) as client, ThreadPoolExecutor(4) as pool:
        # when
        running = [pool.submit(client.send, r) for _, r in requests]
        started = time.monotonic()
        health = client.get(f"{served_app.base_url}/healthz", timeout=2)
        waited = time.monotonic() - started
        statuses = {f.result().status_code for f in running}
    # then
    assert health.status_code == 200 and waited < 2
    assert statuses == {400}


def test_ids_of_thousands_of_digits_in_urls__not_found(served_app):
    signed = {"Authorization": f"Bearer {served_app.token}"}
    with httpx.Client(base_url=served_app.base_url, headers=signed, timeout=10) as client:
        for pk in ("9" * 5000, global_id("Customer", "9" * 5000)):
            invoices = client.get(f"/export/customers/{pk}/invoices.xlsx")
            assert invoices.status_code == 404 and invoices.json()["parameter"] == "id"
            assert client.get(f"/reminders/{pk.replace('Customer', 'Note')}.ics").status_code == 404
        view = client.get("/export/customers.csv", params={"view": global_id("ListView", "9" * 5000)})
        assert view.status_code == 400 and view.json()["parameter"] == "view"


def test_log__holds_no_traceback(served_app):
    # given: the requests of the tests above, answered
    log = served_app.log.read_text()
    # then
    assert " 400 " in log and not TRACEBACK.search(log), log[-5000:]


# ------------------------------------------------------------- in process: JSON nesting

json_values = st.recursive(st.integers(0, 9) | st.text(max_size=3),
                           lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner,
                                                                                       max_size=2),
                           max_leaves=8)


@PROPERTY
@given(depth=st.integers(1, 3 * DEPTH), leaf=json_values)
@example(depth=DEPTH - 2, leaf=[]).via("the deepest accepted")
@example(depth=DEPTH - 1, leaf=[]).via("the shallowest refused")
async def test_variables_nesting__refused_exactly_past_the_depth(api, depth, leaf):
    # given: variables nesting depth_of(...) deep in all
    variables = {"x": nested(depth, leaf)}
    # when
    post = await api.post(SERVER_INFO, variables)
    get = await api.client.get("/graphql", params={"query": SERVER_INFO, "variables": json.dumps(variables)},
                               headers={"Authorization": f"Bearer {api.token}"})
    # then
    for response in (post, get):
        if depth_of(variables) > DEPTH:
            assert response.status_code == 400
            assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
            assert f"more than {DEPTH} levels deep" in response.json()["errors"][0]["message"]
        else:
            assert response.status_code == 200 and "errors" not in response.json(), response.text[:300]


@PROPERTY
@given(depth=st.integers(1, 3 * DEPTH), parameter=st.sampled_from(["filter", "columns", "orderBy"]))
async def test_export_parameters__nesting_refused_exactly_past_the_depth(api, depth, parameter):
    # when
    response = await api.client.get("/export/customers.csv", params={parameter: json.dumps(nested(depth))},
                                    headers={"Authorization": f"Bearer {api.token}"})
    # then: deep enough, the depth is the refusal; else another rule of the parameter (a list of nothing known)
    assert response.status_code == 400 and response.json()["parameter"] == parameter
    assert (f"more than {DEPTH} levels deep" in response.json()["error"]) == (depth > DEPTH)


@given(json_values, st.integers(0, 6))
def test_nesting_over__matches_the_recursive_reference(value, limit):
    assert bounds.nesting_over(value, limit) == (depth_of(value) > limit)


# ------------------------------------------------------------- in process: the safety net

async def test_a_bug_in_any_endpoint__masked_json_500_with_its_id_in_the_log(database, monkeypatch, caplog):
    # given: an endpoint that fails as a deep recursion would
    async def broken(_request):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr("server.app.reminder", broken)
    app = create_app(Settings(database_url=database.url), database)  # as served: errors are not raised on
    # when
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        with caplog.at_level(logging.ERROR, "clientele.http"):
            response = await client.get("/reminders/x.ics")
    # then
    assert response.status_code == 500 and response.headers["content-type"] == "application/json"
    error = response.json()["errors"][0]
    assert error["message"] == "Internal server error" and error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    logged = [r for r in caplog.records if error["extensions"]["errorId"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None


# ------------------------------------------------------------- in process: ids, dates, text

@PROPERTY
@given(digits=st.integers(1, 6000), type_name=st.sampled_from(["Customer", "Note", "X" * 5000]))
@example(digits=4301, type_name="Customer").via("past int()'s limit")
async def test_ids_of_any_size__name_nothing(api, digits, type_name):
    # given
    pk = "9" * digits
    big = global_id(type_name, pk)
    # when
    read = await api.gql("query ($id: ID!) { node(id: $id) { id } customer(id: $id) { id } nodes(ids: [$id]) { id } }",
                         {"id": big})
    write = await api.gql("""mutation ($id: ID!) { updateCustomer(id: $id, input: {name: "N"}) {
        customer { id } userErrors { field code } } }""", {"id": big})
    export = await api.client.get(f"/export/customers/{big}/invoices.xlsx",
                                  headers={"Authorization": f"Bearer {api.token}"})
    # then
    assert read == {"data": {"node": None, "customer": None, "nodes": [None]}, **_extensions(read)}
    assert write["data"]["updateCustomer"]["userErrors"] == [{"field": ["id"], "code": "NOT_FOUND"}]
    assert export.status_code == 404


def _extensions(answer: dict[str, Any]) -> dict[str, Any]:
    return {"extensions": answer["extensions"]} if "extensions" in answer else {}


STATS = """query ($asOf: Date) { customers(first: 1) { edges { node {
  invoiceStats(asOf: $asOf) { last30Days { amount } } margins(asOf: $asOf) { last30Days }
  aging(asOf: $asOf) { current { amount } } engagement(asOf: $asOf) } } } }"""


@PROPERTY
@given(day=st.dates())
@example(day=dt.date(1, 1, 1)).via("the issue's asOf")
@example(day=bounds.FIRST_DAY).via("the first day allowed")
@example(day=bounds.LAST_DAY).via("the last day allowed")
async def test_dates_of_any_year__within_bounds_or_refused_naming_them(api, day):
    # given
    customer = await customer_id(api)
    before = await count(api, Order)
    within = bounds.FIRST_DAY <= day <= bounds.LAST_DAY
    line = {"code": "X", "description": "Goods", "quantity": "1", "unitPrice": "1"}
    # when
    stats = await api.gql(STATS, {"asOf": day.isoformat()})
    order = await api.gql(CREATE_ORDER, {"input": {"orderCustomer": customer, "orderDate": day.isoformat(),
                                                   "lines": [line]}})
    moment = dt.datetime.combine(day, dt.time(23, 59), dt.timezone(dt.timedelta(hours=-14))).isoformat()
    notes = await api.gql("query ($t: DateTime) { customers(filter: {newestNoteFrom: $t}) { totalCount } }",
                          {"t": moment})
    # then
    for answer, variable in ((stats, "$asOf"), (order, "$input"), (notes, "$t")):
        if within:
            assert "errors" not in answer, answer["errors"]
        else:
            assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "data" not in answer
            assert variable in answer["errors"][0]["message"] and str(bounds.LAST_DAY) in answer["errors"][0]["message"]
    assert await count(api, Order) == before + within


SEARCHES = [
    ("query ($s: String) { customers(filter: {search: $s}) { totalCount } }", "filter.search"),
    ("query ($s: String) { customers(filter: {region: $s}) { totalCount } }", "filter.region"),
    ("query ($s: String) { leads(filter: {search: $s}) { totalCount } }", "filter.search"),
    ("query ($s: String) { locations(search: $s) { totalCount } }", "search"),
    ("query ($s: String) { items(search: $s) { totalCount } }", "search"),
    ("query ($s: String) { customer(number: $s) { id } order(number: $s) { id } }", "number"),
    ("query ($s: String) { customers(first: 1) { edges { node { findInvoice(altNumber: $s) { id } } } } }",
     "altNumber"),
]


@settings(PROPERTY, max_examples=15)
@given(text=st.text(st.sampled_from("ab%_\\'\"٣ 9"), max_size=400)
       | st.builds(lambda n: "%_" * n, st.integers(100, 45_000)))
@example(text="%" * 90_000).via("the issue's 90 kB search")
async def test_search_strings_of_any_length__bounded_with_a_message_naming_them(api, text):
    # given
    await customer_id(api)
    for document, name in SEARCHES:
        # when
        answer = await api.gql(document, {"s": text})
        # then
        if len(text) <= bounds.MAX_TEXT:
            assert "errors" not in answer, (document, answer["errors"])
        else:
            assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_USER_INPUT"] * len(answer["errors"])
            assert answer["errors"][0]["message"].startswith(f"{name} is {len(text)} characters long"), document


# ------------------------------------------------------------- in process: Decimal

CREATE_ITEM = """mutation ($code: String!, $price: Decimal) {
  createItem(input: {code: $code, description: "Priced", unit: "ea", unitPrice: $price}) {
    item { unitPrice { amount } } userErrors { field message code } } }"""
decimal_texts = st.one_of(
    st.from_regex(money.CANONICAL, fullmatch=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.text(st.sampled_from("0123456789.-+eE_ \t\n,\u0661\u0662\u06f3\uff11"), max_size=12),
    st.builds(lambda d: "9" * d, st.integers(25, 32)))


async def create_item(api: Api, price: Any) -> dict[str, Any]:
    return await api.gql(CREATE_ITEM, {"code": f"P{uuid.uuid4().hex[:12]}", "price": price})


@PROPERTY
@given(text=decimal_texts)
@example(text="1_000").via("an underscore")
@example(text=" 12 ").via("blanks")
@example(text="\u0661\u0662").via("Arabic-Indic digits")
@example(text="1e999999").via("an exponent")
async def test_decimal__accepted_exactly_in_its_canonical_form(api, text):
    # given
    before = await count(api, Item)
    canonical = money.CANONICAL.fullmatch(text) is not None
    digits = sum(c in "0123456789" for c in text)
    # when
    answer = await create_item(api, text)
    # then
    if not canonical or digits > money.MAX_DIGITS:
        assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "$price" in answer["errors"][0]["message"]
        assert "data" not in answer
    else:
        assert "errors" not in answer, answer["errors"]
        payload, value = answer["data"]["createItem"], Decimal(text)
        places = len(text.partition(".")[2].rstrip("0"))
        if value >= 0 and places <= money.PRICE and value < Decimal(money.limit(money.PRICE)).scaleb(-money.PRICE):
            assert Decimal(payload["item"]["unitPrice"]["amount"]) == value and payload["userErrors"] == []
            assert await count(api, Item) == before + 1
            return
        assert payload["item"] is None
        assert payload["userErrors"][0]["field"] == ["input", "unitPrice"]
        assert payload["userErrors"][0]["code"] == "INVALID"
    assert await count(api, Item) == before


@PROPERTY
@given(value=st.integers(-10**30, 10**30) | st.floats(allow_nan=False, allow_infinity=False))
@example(value=10**28).via("29 digits")
@example(value=12.0).via("a float that is whole")
async def test_decimal__a_json_integer_is_bounded_and_a_float_never_passes(api, value):
    # when
    before = await count(api, Item)
    answer = await create_item(api, value)
    # then
    if isinstance(value, int) and -(2**63) <= value < 2**64:  # JSON's integers: past 64 bits they are read as floats
        assert "errors" not in answer, answer["errors"]
        created = 0 <= value <= money.MAXIMUM
        assert (answer["data"]["createItem"]["item"] is not None) == created
    else:
        assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "data" not in answer
        created = False
    assert await count(api, Item) == before + created


# ------------------------------------------------------------- in process: money's maximum

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999999999.999"), places=3)
prices = st.decimals(min_value=Decimal(0), max_value=Decimal("99999999999.9999"), places=4)
tax_rates = st.sampled_from([Decimal(0), Decimal("8.25"), Decimal(100)])
CENT = Decimal("0.01")


def net_of(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(CENT, ROUND_HALF_EVEN)


@PROPERTY
@given(lines=st.lists(st.tuples(quantities, prices, tax_rates), min_size=1, max_size=3))
@example(lines=[(Decimal("1000000000"), Decimal("99999999"), Decimal(0))]).via("the issue's line")
@example(lines=[(Decimal(1), Decimal("99999999999.99"), Decimal(0))]).via("the maximum itself")
@example(lines=[(Decimal(1), Decimal("60000000000"), Decimal(0))] * 2).via("lines within, their sum not")
@example(lines=[(Decimal(2), Decimal("60000000000"), Decimal(0))] + [(Decimal(1), Decimal("60000000000"), Decimal(0))] * 2
         ).via("a line over it, and the sum of the others too")
async def test_money_maximum__a_line_or_document_past_it_is_a_user_error(api, lines):
    # given
    customer = await customer_id(api)
    before = await count(api, Order)
    inputs = [{"code": "X", "description": "Goods", "quantity": str(q), "unitPrice": str(p), "taxRate": str(t)}
              for q, p, t in lines]
    # when
    answer = await api.gql(CREATE_ORDER, {"input": {"orderCustomer": customer, "lines": inputs}})
    # then
    assert "errors" not in answer, answer["errors"]
    payload = answer["data"]["createOrder"]
    nets = [net_of(q, p) for q, p, _ in lines]
    totals = [n + (n * t / 100).quantize(CENT, ROUND_HALF_EVEN) for n, (_, _, t) in zip(nets, lines)]
    total = sum(totals)
    over = [str(i) for i, n in enumerate(nets) if n > money.MAXIMUM]
    if over:  # every problem at once: the lines over it, and the sum of the others if it is over too
        within = sum(t for n, t in zip(nets, totals) if n <= money.MAXIMUM)
        assert [e["field"] for e in payload["userErrors"]] == [["input", "lines", i, "unitPrice"] for i in over] + (
            [["input", "lines"]] if within > money.MAXIMUM else [])
    elif total > money.MAXIMUM:
        assert [e["field"] for e in payload["userErrors"]] == [["input", "lines"]]
    else:
        assert payload["userErrors"] == [] and Decimal(payload["order"]["totalValue"]["amount"]) == total
        return
    assert payload["order"] is None and {e["code"] for e in payload["userErrors"]} == {"INVALID"}
    assert await count(api, Order) == before


@pytest.mark.parametrize(("field", "value", "accepted"), [
    ("creditLimit", "99999999999.99", True), ("creditLimit", "100000000000.00", False),
    ("priorSales", "99999999999.99", True), ("creditLimit", "1e999999", None), ("priorSales", 10**13, False)])
async def test_money_maximum__customer_amounts(api, field, value, accepted):
    # when
    answer = await api.gql("""mutation ($input: CustomerInput!) { createCustomer(input: $input) {
        customer { id } userErrors { field message code } } }""", {"input": {"name": "Big", field: value}})
    # then
    if accepted is None:  # not a canonical decimal: refused before anything runs, naming the field
        assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert field in answer["errors"][0]["message"]
    elif accepted:
        assert answer["data"]["createCustomer"]["userErrors"] == []
    else:
        assert answer["data"]["createCustomer"]["userErrors"][0]["field"] == ["input", field]
    assert await count(api, Customer) == (1 if accepted else 0)


async def test_money_maximum__base_amounts_at_a_rate(api):
    # given: a customer in EUR, and amounts within the maximum that a rate of 2 takes past it
    customer = await customer_id(api, "EUR")
    line = {"code": "X", "description": "Goods", "quantity": "1", "unitPrice": "60000000000"}
    # when
    order = await api.gql(CREATE_ORDER, {"input": {"orderCustomer": customer, "fxRate": "2", "lines": [line]}})
    payment = await api.gql("""mutation ($input: PaymentInput!) { recordPayment(input: $input) {
        payment { id } userErrors { field message code } } }""",
                            {"input": {"customer": customer, "amount": "60000000000", "fxRate": "2"}})
    rate = await api.gql(CREATE_ORDER, {"input": {"orderCustomer": customer, "fxRate": "1000000000", "lines": [line]}})
    # then
    assert order["data"]["createOrder"]["userErrors"][0]["field"] == ["input", "fxRate"]
    assert payment["data"]["recordPayment"]["userErrors"][0]["field"] == ["input", "fxRate"]
    assert rate["data"]["createOrder"]["userErrors"][0]["field"] == ["input", "fxRate"]
    assert "out of range" in rate["data"]["createOrder"]["userErrors"][0]["message"]
    assert await count(api, Order) == 0 and await count(api, Payment) == 0
