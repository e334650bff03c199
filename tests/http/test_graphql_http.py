"""`/graphql` over HTTP (GraphQL over HTTP, SPEC §8-§10): bodies, media types, methods, who may
ask what, public endpoints, top-level error codes and `--debug-sql`.

Every refusal of a write also checks that nothing was written.
"""

from __future__ import annotations

import asyncio
import gc
import json
import weakref
from typing import Any

import pytest

from server.access.models import TokenScope
from server.loaders import Loaders
from tests.conftest import make_token

GRAPHQL_RESPONSE = "application/graphql-response+json"
CREATE_CUSTOMER = """
mutation($input: CustomerInput!) {
  createCustomer(input: $input) { customer { id number } userErrors { field message code } }
}"""
COUNT = "{ customers { totalCount } auditEvents { totalCount } }"


async def counts(api: Any) -> dict[str, Any]:
    return await api.ok(COUNT)


async def create_customer(api: Any, name: str = "Acme Wholesale") -> dict[str, Any]:
    data = await api.ok(CREATE_CUSTOMER, {"input": {"name": name}})
    assert data["createCustomer"]["userErrors"] == []
    return data["createCustomer"]["customer"]


def auth(api: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token}"}


def the_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The single top-level error of a refused request, answered as JSON with `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert "data" not in answer, answer
    [error] = answer["errors"]
    assert error["extensions"]["code"] == code
    return error


# --------------------------------------------------------------- the request

async def test_post__malformed_json(api):
    # given
    before = await counts(api)
    # when
    response = await api.client.post("/graphql", content=b'{"query": "{ customers { totalCount } }"',
                                     headers={**auth(api), "Content-Type": "application/json"})
    # then
    error = the_error(response, 400, "BAD_USER_INPUT")
    assert "JSON" in error["message"]
    assert await counts(api) == before


async def test_post__not_a_graphql_request(api):
    for body in (b"[]", b'{"query": 42}', b'{"query": "  "}', b'{"query": "{ __typename }", "variables": []}',
                 b'{"query": "{ __typename }", "operationName": 1}'):
        # when
        response = await api.client.post("/graphql", content=body,
                                         headers={**auth(api), "Content-Type": "application/json"})
        # then
        the_error(response, 400, "BAD_USER_INPUT")


async def test_post__wrong_content_type(api):
    # given
    before = await counts(api)
    body = json.dumps({"query": CREATE_CUSTOMER, "variables": {"input": {"name": "Acme"}}})
    # when
    response = await api.client.post("/graphql", content=body,
                                     headers={**auth(api), "Content-Type": "text/plain"})
    # then
    error = the_error(response, 415, "BAD_USER_INPUT")
    assert "application/json" in error["message"]
    assert await counts(api) == before


async def test_post__body_over_the_limit(api):
    # given
    before = await counts(api)
    query = CREATE_CUSTOMER + "\n#" + "x" * 100_000
    # when
    response = await api.post(query, {"input": {"name": "Acme"}})
    # then
    error = the_error(response, 413, "BAD_USER_INPUT")
    assert "100000" in error["message"]
    assert await counts(api) == before


async def test_post__streamed_body_over_the_limit(api):
    # given
    before = await counts(api)
    body = json.dumps({"query": CREATE_CUSTOMER + "\n#" + "x" * 100_000,
                       "variables": {"input": {"name": "Acme"}}}).encode()

    async def chunks():
        for start in range(0, len(body), 8192):
            yield body[start:start + 8192]
    # when
    response = await api.client.post("/graphql", content=chunks(),
                                     headers={**auth(api), "Content-Type": "application/json"})
    # then
    the_error(response, 413, "BAD_USER_INPUT")
    assert await counts(api) == before


async def test_post__body_just_under_the_limit(api):
    # given
    padding = 100_000 - len(json.dumps({"query": COUNT + "\n#", "variables": {}})) - 10
    # when
    response = await api.post(COUNT + "\n#" + "x" * padding)
    # then
    assert response.status_code == 200
    assert "errors" not in response.json()


async def test_get__query(api):
    # given
    await create_customer(api)
    # when
    response = await api.client.get("/graphql", params={"query": "{ customers { totalCount } }"}, headers=auth(api))
    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert "errors" not in answer
    assert answer["data"] == {"customers": {"totalCount": 1}}


async def test_get__mutation_refused(api):
    # given
    before = await counts(api)
    # when
    response = await api.client.get("/graphql", headers=auth(api),
                                     params={"query": 'mutation { createCustomer(input: {name: "Acme"}) '
                                                      '{ customer { id } } }'})
    # then
    the_error(response, 405, "BAD_USER_INPUT")
    assert response.headers["allow"] == "POST"
    assert await counts(api) == before


async def test_get__graphiql_for_a_browser(api):
    # when
    response = await api.client.get("/graphql", headers={"Accept": "text/html,application/xhtml+xml"})
    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "GraphiQL" in response.text


async def test_operation_name__picks_the_operation(api):
    # given
    document = "query A { serverInfo { baseCurrency } } query B { customers { totalCount } }"
    # when
    response = await api.client.post("/graphql", json={"query": document, "operationName": "B"}, headers=auth(api))
    # then
    assert response.json()["data"] == {"customers": {"totalCount": 0}}


async def test_operation_name__missing_or_unknown(api):
    # given
    document = "query A { serverInfo { baseCurrency } } query B { customers { totalCount } }"
    for operation_name in (None, "C"):
        # when
        response = await api.client.post("/graphql", json={"query": document, "operationName": operation_name},
                                         headers=auth(api))
        # then
        the_error(response, 400, "BAD_USER_INPUT")


# -------------------------------------------------------- the media types

async def test_parse_and_validation_errors__graphql_response_is_400(api):
    for query in ("{ customers { totalCount nonsense } }", "{ customers { "):
        # when
        response = await api.post(query, headers={"Accept": GRAPHQL_RESPONSE})
        # then
        assert response.status_code == 400
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        answer = response.json()
        assert "data" not in answer
        assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        # and with application/json, the same errors answer 200
        response = await api.post(query)
        error = the_error(response, 200, "BAD_USER_INPUT")
        assert error["message"]


@pytest.mark.parametrize("literal", ["9" * 5000, '"' + "x" * 50_000 + '"', "1." + "5" * 5000,
                                     "[" + "1, " * 10_000 + "1]", "{" + "a: 1, " * 5000 + "}"])
async def test_validation_errors__quote_a_long_literal_cut_short(api, literal):
    # given: a literal that validation refuses, tens of kilobytes long
    query = f"{{ customers(first: {literal}) {{ totalCount }} }}"
    # when
    response = await api.post(query)
    # then: refused, in a message of a few hundred characters that names no Python internals
    error = the_error(response, 200, "BAD_USER_INPUT")
    assert len(error["message"]) <= 300
    assert "sys." not in error["message"]


async def test_success__graphql_response_media_type(api):
    # when
    response = await api.post(COUNT, headers={"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"})
    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "errors" not in response.json()


async def test_variables__coercion_failure_graphql_response_is_400(api):
    # given
    before = await counts(api)
    # when
    response = await api.post(CREATE_CUSTOMER, {"input": {"name": "Acme", "creditLimit": 0.1}},
                              headers={"Accept": GRAPHQL_RESPONSE})
    # then
    assert response.status_code == 400
    answer = response.json()
    assert "data" not in answer
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await counts(api) == before


# ------------------------------------------------------------ who may ask

async def test_no_user__customers_refused(api):
    # given
    await create_customer(api)
    # when
    response = await api.post("{ customers { totalCount edges { node { name } } } }", token=None)
    # then
    error = the_error(response, 401, "UNAUTHENTICATED")
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Acme" not in response.text
    assert error["message"]


async def test_no_user__private_field_beside_or_inside_public_ones_refused(api):
    for query in ("{ serverInfo { baseCurrency } customers { totalCount } }",
                  "query { ...F } fragment F on Query { serverInfo { today } customers { totalCount } }",
                  "{ ... on Query { __typename viewer { email } apiTokens { name } } }"):
        # when
        response = await api.post(query, token=None)
        # then
        the_error(response, 401, "UNAUTHENTICATED")


async def test_no_user__mutation_refused(api):
    # given
    before = await counts(api)
    # when
    response = await api.post(CREATE_CUSTOMER, {"input": {"name": "Acme"}}, token=None)
    # then
    the_error(response, 401, "UNAUTHENTICATED")
    assert await counts(api) == before


async def test_no_user__server_info_and_introspection(api):
    # when
    info = await api.post("{ serverInfo { baseCurrency timeZone } }", token=None)
    schema = await api.post("{ __schema { queryType { name } } __typename }", token=None)
    # then
    assert (info.status_code, schema.status_code) == (200, 200)
    assert "errors" not in info.json() and "errors" not in schema.json()
    assert info.json()["data"] == {"serverInfo": {"baseCurrency": "USD", "timeZone": "UTC"}}
    assert schema.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}, "__typename": "Query"}


async def test_bad_credentials(api):
    # given
    await create_customer(api)
    for header in ("Bearer not-a-token", "Basic YWRtaW46YWRtaW4=", "Bearer "):
        # when
        response = await api.client.post("/graphql", json={"query": "{ customers { totalCount } }"},
                                         headers={"Authorization": header})
        # then
        the_error(response, 401, "UNAUTHENTICATED")
        assert response.headers["www-authenticate"] == "Bearer"


async def test_read_token__reads(api):
    # given
    await create_customer(api)
    reader = await make_token(api.database, scopes=(TokenScope.READ,), email="reader@example.com")
    # when
    answer = await api.gql("{ customers { totalCount } viewer { email } }", token=reader)
    # then
    assert "errors" not in answer
    assert answer["data"] == {"customers": {"totalCount": 1}, "viewer": {"email": "reader@example.com"}}


async def test_read_token__mutation_forbidden(api):
    # given
    reader = await make_token(api.database, scopes=(TokenScope.READ,), email="reader@example.com")
    before = await counts(api)
    # when
    response = await api.post(CREATE_CUSTOMER, {"input": {"name": "Acme"}}, token=reader)
    # then
    error = the_error(response, 403, "FORBIDDEN")
    assert "WRITE" in error["message"]
    assert await counts(api) == before


# ---------------------------------------------------------- other endpoints

async def test_public_endpoints(api):
    # when
    sdl = await api.client.get("/schema.graphql")
    health = await api.client.get("/healthz")
    ready = await api.client.get("/readyz")
    # then
    assert sdl.status_code == 200
    assert "type Query" in sdl.text and "type Mutation" in sdl.text
    assert (health.status_code, health.text) == (200, "ok")
    assert (ready.status_code, ready.text) == (200, "ok")


# ----------------------------------------------------------- answers

# Fields whose rules come in a later release (docs/api.md); they are being implemented one by one
# (aging, margins, itemSalesHistory already are), so the test takes the first that still answers
# NOT_IMPLEMENTED. All are non-null at the root, so GraphQL nulls `data` as a whole.
NOT_YET = ["apiTokens { id }", "listViews(kind: CUSTOMERS) { id }"]


async def test_not_implemented__a_top_level_error(api):
    # given
    await create_customer(api)
    for selection in NOT_YET:
        field = selection.split("(")[0].split(" ")[0]
        # when
        response = await api.post(f"{{ {selection} customers {{ totalCount }} }}")
        answer = response.json()
        if "errors" not in answer:
            continue
        # then
        assert response.status_code == 200
        [error] = answer["errors"]
        assert error["extensions"]["code"] == "NOT_IMPLEMENTED"
        assert field in error["message"]
        assert error["path"] == [field]
        assert answer["data"] is None  # a non-null root field failed: null propagates to data
        break
    else:
        pytest.skip("every field of NOT_YET is implemented now")


async def test_page_size__out_of_range(api):
    # given
    await create_customer(api)
    for first in (251, -1):
        # when
        answer = await api.gql("query($first: Int) { customers(first: $first) { totalCount } }", {"first": first})
        # then
        [error] = answer["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "first" in error["message"] and str(first) in error["message"]
        assert answer.get("data") is None  # refused before it runs (server/limits): no data at all
    # the limit itself is allowed
    assert await api.ok("{ customers(first: 250) { totalCount } }") == {"customers": {"totalCount": 1}}


async def test_page_size__out_of_range_on_a_nested_list(api):
    # given
    customer = await create_customer(api)
    # when
    answer = await api.gql("query($id: ID!) { customer(id: $id) { contacts(first: 251) { totalCount } } }",
                           {"id": customer["id"]})
    # then
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "first" in error["message"]


async def test_debug_sql__statements_counted(api):
    # given
    await create_customer(api)
    # when
    answer = await api.gql("{ customers { totalCount edges { node { number } } } }")
    statements = await api.count(CREATE_CUSTOMER, {"input": {"name": "Another"}})
    # then
    assert "errors" not in answer
    sql = answer["extensions"]["sql"]
    assert isinstance(sql["statements"], int) and sql["statements"] >= 1
    assert sql["durationMs"] >= 0
    assert statements >= 3  # at least: the sequence, the insert, the audit event


async def test_request__what_it_loaded_freed_at_its_end_without_the_cycle_collector(api, monkeypatch):
    # given: a nested page, whose loaders and their batch functions refer back to the request's
    # `Loaders`: a cycle, unless the end of the request breaks it
    await create_customer(api)
    loaders: list[Any] = []
    close = Loaders.close

    def remember(self):
        loaders.extend(weakref.ref(loader) for loader in self._made.values())
        close(self)
    monkeypatch.setattr(Loaders, "close", remember)
    gc.collect()
    gc.disable()
    try:
        # when
        data = await api.ok("{ customers(first: 5) { edges { node { name lifetimeValue { amount } "
                            "locations(first: 2) { totalCount } notes(first: 2) { totalCount } } } } }")
        # then: reference counting freed them, with the rows and futures they hold
        assert data["customers"]["edges"]
        assert len(loaders) >= 3
        assert [ref for ref in loaders if ref() is not None] == []
    finally:
        gc.enable()


async def test_a_failed_root_field__beside_fields_reading__answers(api):
    # given: `locations` fails (a cursor it never gave out) while its siblings read; graphql-core
    # then cancels them mid-statement, which once left the request without an answer
    await create_customer(api)
    document = ('{ locations(first: 1, after: "") { totalCount } leadPrograms { closedLeads } '
                'apiTokens { revoked } }')
    # when
    answer = await asyncio.wait_for(api.gql(document), 30)
    # then
    assert answer["data"] is None
    [error] = answer["errors"]
    assert error["path"] == ["locations"] and "cursor" in error["message"]
    assert await asyncio.wait_for(api.ok("{ customers { totalCount } }"), 30) == {"customers": {"totalCount": 1}}


@pytest.mark.parametrize("where", ["literal", "variable"])
async def test_nul_character__refused_before_anything_runs(api, where):
    # given: U+0000, which PostgreSQL cannot store in text, in a search
    if where == "literal":
        body = {"query": '{ items(search: "a\\u0000b") { totalCount } }'}
    else:
        body = {"query": "query($s: String) { items(search: $s) { totalCount } }", "variables": {"s": "a\u0000b"}}
    # when
    response = await api.client.post("/graphql", json=body, headers={"Authorization": f"Bearer {api.token}",
                                                                      "Accept": "application/graphql-response+json"})
    # then
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "U+0000" in error["message"]
    assert "data" not in response.json()
