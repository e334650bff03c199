"""Every request `scripts/bench` measures runs at most 15 SQL statements, whatever its page size
(issue 5): the bench documents themselves, on the tiny bench dataset, on SQLite and PostgreSQL.

Statement counts, not times: the times are the benchmark's business (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt

import pytest

from server.http.graphql import FALLBACKS
from server.seed.bench import seed_bench
from tests.bench.queries import CUSTOMER_LTV_CURSORS, QUERIES, BenchQuery

STATEMENT_BOUND = 15
BY_NAME = {query.name: query for query in QUERIES}


async def _statements(api, query: BenchQuery, **variables) -> int:
    answer = await api.gql(query.document, {**query.variables, **variables})
    assert "errors" not in answer, answer["errors"]
    return answer["extensions"]["sql"]["statements"]


@pytest.fixture
async def bench_api(api):
    await seed_bench(api.database, seed=3, scale="tiny", today=dt.date.today(), batch_customers=10)
    return api


async def _largest_customer(api) -> str:
    """The customer with the most invoices: the command center's and the partner graph's subject."""
    page = await api.ok("{ customers(first: 50, orderBy: [{field: LIFETIME_VALUE, direction: DESC}]) "
                        "{ edges { node { id } } } }")
    return page["customers"]["edges"][0]["node"]["id"]


@pytest.mark.parametrize("name", ["customer_list", "customer_list_by_ltv", "customer_list_by_owed",
                                  "customer_list_by_overdue", "customer_list_by_credit", "customer_list_by_ytd",
                                  "customer_list_ranged", "lead_list"])
async def test_list_statements__bounded_and_independent_of_page_size(bench_api, name):
    # given: the tiny bench dataset (10 customers, their leads)
    query = BY_NAME[name]
    # when: the same document for a page of 1 and a page of 50
    one = await _statements(bench_api, query, first=1)
    fifty = await _statements(bench_api, query, first=50)
    # then
    assert one == fifty
    assert fifty <= STATEMENT_BOUND


async def test_list_page_after_a_cursor__costs_what_the_first_page_costs(bench_api):
    # given: the cursor after the first page of 3 by lifetime value (what page 20 is at bench scale)
    cursors = await bench_api.ok(CUSTOMER_LTV_CURSORS, {"first": 3})
    after = cursors["customers"]["pageInfo"]["endCursor"]
    query = BY_NAME["customer_list_by_ltv_page20"]
    # when
    first_page = await _statements(bench_api, query, first=3)
    next_page = await _statements(bench_api, query, first=3, after=after)
    # then
    assert next_page == first_page <= STATEMENT_BOUND


@pytest.mark.parametrize("name", ["command_center", "partner_graph"])
async def test_customer_screens__bounded_and_independent_of_page_size(bench_api, name):
    # given: the customer with the most invoices
    query = BY_NAME[name]
    customer = await _largest_customer(bench_api)
    # when: every tab with pages of 1 and of the bench's size
    small = await _statements(bench_api, query, id=customer, first=1)
    full = await _statements(bench_api, query, id=customer)
    # then
    assert small == full
    assert full <= STATEMENT_BOUND


@pytest.mark.parametrize("query", QUERIES, ids=[query.name for query in QUERIES])
async def test_bench_documents__run_on_the_lean_executor(bench_api, query):
    # given: the variables the bench fills in
    variables = dict(query.variables)
    if query.needs == "customer":
        variables["id"] = await _largest_customer(bench_api)
    elif query.needs == "page20":
        cursors = await bench_api.ok(CUSTOMER_LTV_CURSORS, {"first": 3})
        variables.update(first=3, after=cursors["customers"]["pageInfo"]["endCursor"])
    fallbacks = sum(FALLBACKS.values())
    # when
    answer = await bench_api.gql(query.document, variables)
    # then: answered by the lean executor, without falling back to graphql-core
    assert "errors" not in answer, answer["errors"]
    assert answer["extensions"]["executor"] == "lean", answer["extensions"]
    assert sum(FALLBACKS.values()) == fallbacks
