"""GraphiQL opens on a first tab that says how to sign in, with an example that runs as is."""

from __future__ import annotations

import json
import re

from graphql import parse, validate

from schema import build_schema
from server.http.graphql import GRAPHIQL_FIRST_TAB
from server.seed.demo import seed_demo

BROWSER = {"Accept": "text/html,application/xhtml+xml"}


async def first_tab(api) -> dict:
    response = await api.client.get("/graphql", headers=BROWSER)
    assert response.status_code == 200
    found = re.search(r"const defaultTabs = (.*);\n", response.text)
    assert found is not None, "the page sets no default tabs"
    tabs = json.loads(found.group(1))
    assert len(tabs) == 1
    return tabs[0]


async def test_graphiql__opens_on_a_tab_that_says_how_to_sign_in(api):
    # when
    tab = await first_tab(api)
    # then
    assert tab == {"query": GRAPHIQL_FIRST_TAB}
    text = tab["query"]
    assert "mutation SignIn {\n  login(email:" in text
    assert "Headers tab" in text and '{"Authorization": "Bearer clt_' in text
    assert "query CustomerGraph {" in text
    assert "</script" not in json.dumps(tab)  # nothing in the tab ends the page's script


def test_graphiql__the_first_tab_validates_against_the_schema():
    # given
    document = parse(GRAPHIQL_FIRST_TAB)
    # then
    assert validate(build_schema()._schema, document) == []
    assert [d.name.value for d in document.definitions] == ["SignIn", "CustomerGraph"]


async def test_graphiql__the_example_runs_as_is_on_the_demo_data(api):
    # given
    await seed_demo(api.database, seed=1)
    # when
    response = await api.client.post(
        "/graphql",
        json={"query": GRAPHIQL_FIRST_TAB, "operationName": "CustomerGraph"},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    # then
    answer = response.json()
    assert response.status_code == 200 and "errors" not in answer, answer
    customer = answer["data"]["customer"]
    assert customer["number"] == "C-000001"
    for connection in ("locations", "contacts", "orders", "invoices", "payments", "notes"):
        assert customer[connection]["totalCount"] > 0, connection
        assert customer[connection]["edges"], connection
    order = customer["orders"]["edges"][0]["node"]
    invoice = customer["invoices"]["edges"][0]["node"]
    assert order["lines"] and invoice["lines"]

