"""Cost (SPEC §9), computed by hand for known documents; the worked examples of docs/api.md."""

from __future__ import annotations

from tests import factories
from tests.limits.conftest import GRAPHQL_RESPONSE

EXAMPLE_ONE = "{ customers(first: 10) { totalCount edges { node { name lifetimeValue { amount } salesRep { name } } } } }"
EXAMPLE_TWO = """query Recent($n: Int) { customers(first: 1) { edges { node {
    name invoiceStats { last30Days { amount } }
    invoices(first: $n) { edges { node { number lines { quantity } } } } } } } }"""
# 21 a customer: the node 1, fourteen figures 14, six objects 6 (Money and the figures' values cost nothing)
TWENTY_ONE = """query Heavy($n: Int) { customers(first: $n) { edges { node {
    lifetimeValue { amount } orderCount orderTotal { amount } averageOrderValue { amount } engagement
    lastOrderDate lastInvoiceDate lastPaymentDate newestNoteAt balances { openOrders { amount } }
    invoiceStats { last30Days { amount } } aging { total { amount } } lifetimeValueDetail { total { amount } }
    margins { last30Days } salesRep { name } insideSalesRep { name } paymentTerms { id }
    primaryContact { customer { salesRep { name } } } } } } }"""


def cost(answer: dict) -> dict:
    return answer["extensions"]["cost"]


async def test_example_one__a_page_of_customers(limited):
    # given: one customer, no sales rep
    setup = await limited()
    await factories.customer(setup.api.database, "Acme Supply")
    # when
    answer = await setup.api.gql(EXAMPLE_ONE)
    # then: connection 2 + 10 x (node 1 + lifetimeValue 1 + salesRep 1) = 32 requested;
    # answered: 2 + 1 x 3 = 5 (a null salesRep still costs its 1), 27 given back
    assert "errors" not in answer, answer
    assert cost(answer) == {"requestedQueryCost": 32, "actualQueryCost": 5, "maximumAvailable": 10000,
                            "currentlyAvailable": 9995, "restoreRate": 500}


async def test_example_two__nested_page_from_a_variable_with_plain_lists(limited):
    # given: one customer with two invoices of one and two lines
    setup = await limited()
    row = await factories.customer(setup.api.database, "Acme Supply")
    await factories.invoice(setup.api.database, row.id, "10.00")
    await factories.invoice(setup.api.database, row.id, "10.00", "5.00")
    # when
    answer = await setup.api.gql(EXAMPLE_TWO, {"n": 5})
    # then: 2 + 1 x (node 1 + invoiceStats 1 + invoices (2 + 5 x (node 1 + lines 10 x 1))) = 61;
    # answered: 2 + 1 + 1 + (2 + (1 + 1) + (1 + 2)) = 11
    assert "errors" not in answer, answer
    assert cost(answer)["requestedQueryCost"] == 61
    assert cost(answer)["actualQueryCost"] == 11
    assert cost(answer)["currentlyAvailable"] == 10_000 - 11


async def test_connection_without_first__counts_the_default_page_of_50(api):
    # when
    answer = await api.gql("{ customers { edges { node { name } } } }")
    # then: 2 + 50 x 1
    assert cost(answer)["requestedQueryCost"] == 52


async def test_abstract_types__the_dearest_branch_counts(api):
    # given
    query = """query($id: ID!, $ids: [ID!]!) {
        node(id: $id) { ... on Customer { lifetimeValue { amount } orderCount } ... on Invoice { number lines { quantity } } }
        nodes(ids: $ids) { id ... on Customer { salesRep { name } } } }"""
    # when
    answer = await api.gql(query, {"id": "nope", "ids": ["a", "b", "c"]})
    # then: node 1 + max(Customer 2, Invoice 10 x 1) = 11; nodes 3 ids x (1 + salesRep 1) = 6
    assert cost(answer)["requestedQueryCost"] == 17


async def test_max_cost__5000_answers_5021_is_refused_unexecuted(api):
    # when: 2 + 238 x 21 = 5000; 2 + 239 x 21 = 5021
    ok = await api.gql(TWENTY_ONE, {"n": 238})
    over = await api.post(TWENTY_ONE, {"n": 239}, headers={"Accept": GRAPHQL_RESPONSE})
    # then
    assert "errors" not in ok, ok
    assert cost(ok)["requestedQueryCost"] == 5000
    assert over.status_code == 400
    body = over.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 5021, "maximumCost": 5000}
    assert "5021" in error["message"] and "5000" in error["message"]
    assert body["extensions"]["cost"]["requestedQueryCost"] == 5021
    assert body["extensions"]["cost"]["actualQueryCost"] == 0


async def test_fragments__cost_the_same_as_written_out(api):
    # given
    spread = """{ customers(first: 10) { ...Page } }
                fragment Page on CustomerConnection { totalCount edges { ... on CustomerEdge { node { ...C } } } }
                fragment C on Customer { name lifetimeValue { amount } salesRep { name } }"""
    # when
    answer = await api.gql(spread)
    # then
    assert cost(answer)["requestedQueryCost"] == 32


async def test_introspection__lists_count_once_so_graphiql_can_load_the_schema(api):
    # when
    answer = await api.gql("{ __schema { types { name fields { name type { name ofType { name } } } } } }",
                           token=None)
    # then: __schema 1 + types 1 + fields 1 + type 1 + ofType 1
    assert cost(answer)["requestedQueryCost"] == 5
