"""Input past its documented bounds is a clear refusal, never a crash (issue 15, items 5 and 6).

First against a real `clientele serve` (SQLite, log to a file): JSON nested deeper than
`CLIENTELE_MAX_JSON_DEPTH` (64) anywhere in a request (a POST body's `variables`, `extensions`
or another member, GET's `variables`, the export parameters), anonymous and signed in, and ids
of thousands of digits in URLs, are answered at once with a JSON 400 while `/healthz` keeps
answering, and the log holds no traceback. Then in process, on both databases, with generated
values: ids of any size, dates of any year, search strings of any length, and the catch-all
that masks a bug escaping an endpoint. Every refusal also shows nothing was written.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
import re
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server import bounds
from server.app import create_app
from server.config import Settings
from server.customers.models import Customer
from server.db.engine import Database
from server.documents.models import Order
from tests import factories
from tests.conftest import Api, make_token, run_async
from tests.security.serving import BOTTOMLESS, served

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
    database = Database(url)
    try:
        return await make_token(database)
    finally:
        await database.dispose()


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
