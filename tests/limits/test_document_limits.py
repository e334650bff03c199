"""Each static limit just under (answered) and just over (refused before anything runs), through HTTP."""

from __future__ import annotations

from typing import Any

from graphql import get_introspection_query

from tests.limits.conftest import GRAPHQL_RESPONSE


def refused(response: Any, code: str = "BAD_USER_INPUT", *words: str) -> dict[str, Any]:
    """A refusal before execution: HTTP 400, no data, one error with the code and the words."""
    assert response.status_code == 400, response.text
    answer = response.json()
    assert "data" not in answer, answer
    [error] = answer["errors"]
    assert error["extensions"]["code"] == code, error
    for word in words:
        assert word in error["message"], error["message"]
    return error


async def post(api: Any, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return await api.post(query, variables, headers={"Accept": GRAPHQL_RESPONSE}, **kwargs)


# ------------------------------------------------------------------ depth

async def test_depth__twelve_answers_thirteen_is_refused(api):
    # given
    twelve = "{ customers(first: 1) { edges { node { locations(first: 1) { edges { node { customer {" \
             " locations(first: 1) { edges { node { customer { name } } } } } } } } } } } }"
    thirteen = twelve.replace("customer { name }", "customer { salesRep { name } }")
    # when
    ok = await post(api, twelve)
    over = await post(api, thirteen)
    # then
    assert ok.status_code == 200 and "errors" not in ok.json(), ok.text
    refused(over, "BAD_USER_INPUT", "13 fields deep", "at most 12")
    # refused before validation and before the caller is known: no bucket is read or charged
    assert "extensions" not in over.json()
    after = (await post(api, "{ viewer { name } }")).json()["extensions"]["cost"]
    assert after["currentlyAvailable"] >= ok.json()["extensions"]["cost"]["currentlyAvailable"] - 1


async def test_depth__hidden_in_nested_fragments_counts(api):
    # given: the same thirteen levels spread over named and inline fragments
    query = """
      query { customers(first: 1) { ...Page } }
      fragment Page on CustomerConnection { edges { node { ...Deep } } }
      fragment Deep on Customer { locations(first: 1) { edges { node { ... on Location { ...Back } } } } }
      fragment Back on Location { customer { locations(first: 1) { edges { node { customer { ...Rep } } } } } }
      fragment Rep on Customer { salesRep { name } }
    """
    # when
    over = await post(api, query)
    under = await post(api, query.replace("salesRep { name }", "name"))
    # then
    refused(over, "BAD_USER_INPUT", "13 fields deep")
    assert "errors" not in under.json(), under.text


async def test_depth__introspection_is_exempt_but_nesting_it_is_refused(api):
    # given: GraphiQL's own introspection query is deeper than 12 (ofType in ofType…)
    full = get_introspection_query()
    nested_introspection = "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }"
    # when
    answer = await post(api, full, token=None)  # the schema is public
    over = await post(api, nested_introspection, token=None)
    # then
    assert answer.status_code == 200 and "errors" not in answer.json()
    assert answer.json()["extensions"]["cost"]["requestedQueryCost"] > 0
    refused(over, "BAD_USER_INPUT", "introspection")


# ------------------------------------------------------------------ aliases

def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(count)) + " }"


async def test_aliases__thirty_answer_thirty_one_are_refused(api):
    # when
    ok = await post(api, aliased(30))
    over = await post(api, aliased(31))
    # then
    assert "errors" not in ok.json(), ok.text
    refused(over, "BAD_USER_INPUT", "31 aliases", "at most 30")


async def test_aliases__in_a_fragment_count_each_time_it_is_spread(api):
    # given: 16 aliases written once, spread twice (and once more through a nested fragment)
    fragment = "fragment Names on Query { " + " ".join(f"a{i}: viewer {{ name }}" for i in range(16)) + " }"
    twice = f"query {{ ...Names ... on Query {{ ...Again }} }} fragment Again on Query {{ ...Names }} {fragment}"
    once = f"query {{ ...Names }} {fragment}"
    # when
    over = await post(api, twice)
    ok = await post(api, once)
    # then
    refused(over, "BAD_USER_INPUT", "32 aliases")
    assert "errors" not in ok.json(), ok.text


async def test_aliases__a_batch_counts_the_whole_document(api):
    # given: two operations of 16 aliases each; only one runs
    one = " ".join(f"a{i}: viewer {{ name }}" for i in range(16))
    batch = f"query First {{ {one} }} query Second {{ {one} }}"
    # when
    over = await api.client.post("/graphql", json={"query": batch, "operationName": "First"},
                                 headers={"Authorization": f"Bearer {api.token}", "Accept": GRAPHQL_RESPONSE})
    alone = await api.client.post("/graphql", json={"query": f"query First {{ {one} }}", "operationName": "First"},
                                  headers={"Authorization": f"Bearer {api.token}", "Accept": GRAPHQL_RESPONSE})
    # then
    refused(over, "BAD_USER_INPUT", "32 aliases")
    assert "errors" not in alone.json(), alone.text


# ------------------------------------------------------------------ first / last

async def test_page_size__literal_and_variable_over_250_are_refused_unexecuted(api):
    # given
    query = "query($n: Int) { customers(first: $n) { totalCount } }"
    # when
    ok = await post(api, query, {"n": 250})
    over_variable = await post(api, query, {"n": 251})
    over_literal = await post(api, "{ customers(last: 251) { totalCount } }")
    nested_over = await post(api, "{ customers(first: 1) { edges { node { invoices(first: 251) { totalCount } } } } }")
    # then
    assert "errors" not in ok.json(), ok.text
    refused(over_variable, "BAD_USER_INPUT", "`first` is 251", "between 0 and 250")
    refused(over_literal, "BAD_USER_INPUT", "`last` is 251")
    refused(nested_over, "BAD_USER_INPUT", "`first` is 251")
    assert "sql" not in over_variable.json().get("extensions", {})  # nothing ran


async def test_page_size__a_variable_default_counts_too(api):
    # when
    over = await post(api, "query($n: Int = 251) { customers(first: $n) { totalCount } }")
    ok = await post(api, "query($n: Int = 251) { customers(first: $n) { totalCount } }", {"n": 3})
    # then
    refused(over, "BAD_USER_INPUT", "`first` is 251")
    assert "errors" not in ok.json(), ok.text


async def test_page_size__refused_mutation_writes_nothing(api):
    # given: a mutation whose answer asks for a page over the limit
    mutation = """mutation { createCustomer(input: {name: "Never"}) {
        customer { invoices(first: 251) { totalCount } } } }"""
    # when
    response = await post(api, mutation)
    after = await api.ok("{ customers { totalCount } }")
    # then
    refused(response, "BAD_USER_INPUT", "`first` is 251")
    assert after == {"customers": {"totalCount": 0}}


# ------------------------------------------------------------------ tokens and size

def tokens(count: int) -> str:
    """A query of exactly `count` lexical tokens: a list of enum values pads it."""
    fixed = "{ customers ( first : 1 , filter : { engagement : [ ] } ) { totalCount } }"
    padding = count - len(fixed.replace(",", "").split())
    assert padding >= 0
    return fixed.replace("[ ]", "[ " + " ".join(["ENGAGED"] * padding) + " ]")


async def test_tokens__ten_thousand_answer_one_more_is_refused(api):
    # when
    ok = await post(api, tokens(10_000))
    over = await post(api, tokens(10_001))
    # then
    assert ok.status_code == 200 and "errors" not in ok.json(), ok.text[:300]
    refused(over, "BAD_USER_INPUT", "more than 10000 tokens")


async def test_tokens__comments_do_not_count_but_the_size_limit_holds(limited):
    # given: a tiny query padded with comments; the body limit raised so that the document limit decides
    setup = await limited(max_body_bytes=300_000)
    query = "{ viewer { name } }\n"
    line = "# " + "x" * 97 + "\n"  # 100 bytes, no tokens
    under = query + line * ((100_000 - len(query)) // 100)
    over = under + "#" * (100_001 - len(under))
    # when
    ok = await post(setup.api, under)
    refusal = await post(setup.api, over)
    # then
    assert len(under) <= 100_000 < len(over.encode())
    assert "errors" not in ok.json(), ok.text[:300]
    refused(refusal, "BAD_USER_INPUT", "100001 bytes", "at most 100000")


# ------------------------------------------------------------------ fragments validation refuses

async def test_fragments__cyclic_and_unknown_are_clear_validation_errors(api):
    # given
    cyclic = """query { customers(first: 1) { edges { node { ...A } } } }
                fragment A on Customer { salesRep { name } ...B }
                fragment B on Customer { name ...A }"""
    unknown = "query { customers(first: 1) { edges { node { ...Nowhere } } } }"
    self_spread = "query { ...Q } fragment Q on Query { viewer { name } ...Q }"
    # when
    answers = [await post(api, q) for q in (cyclic, unknown, self_spread)]
    # then
    for response, word in zip(answers, ("Cannot spread fragment", "Unknown fragment", "Cannot spread fragment")):
        assert response.status_code == 400
        assert "data" not in response.json()
        assert any(word in e["message"] for e in response.json()["errors"]), response.text
        assert {e["extensions"]["code"] for e in response.json()["errors"]} == {"BAD_USER_INPUT"}


async def test_refusals__application_json_answers_200_like_validation_errors(api):
    # when
    response = await api.post(aliased(31))
    # then
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
