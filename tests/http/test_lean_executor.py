"""Plain queries run on the lean executor; anything else, and any error, on graphql-core.

Every query of the suite is also checked against graphql-core (`lean_check` in conftest); these
tests pin which executor answers."""

import logging
from collections import Counter

import pytest

from schema.fields import money_field, row_field
from server.access.models import Role
from server.http.graphql import FALLBACKS
from tests import factories
from tests.conftest import make_token


async def test_customer_list__runs_lean(api):
    await factories.customer(api.database, "Lean Supply", creditLimit="10.00")
    answer = await api.gql("{ customers(first: 5) { edges { node { name balances { availableCredit { amount } } "
                           "locations { totalCount } } } } }")
    assert "errors" not in answer
    assert answer["extensions"]["executor"] == "lean"


async def test_node_interface_and_fragments__run_lean(api):
    customer = await factories.customer(api.database, "Fragment Foods")
    from schema.base import global_id
    query = """
    query One($id: ID!) { node(id: $id) { __typename id ...C } }
    fragment C on Customer { name ... on Customer { number } }
    """
    answer = await api.gql(query, {"id": global_id("Customer", customer.id)})
    assert answer["data"]["node"] == {"__typename": "Customer", "id": global_id("Customer", customer.id),
                                      "name": "Fragment Foods", "number": customer.number}
    assert answer["extensions"]["executor"] == "lean"


def _executor(answer):
    return answer["extensions"]["executor"], answer["extensions"].get("fallback")


async def test_introspection_and_directives__run_standard(api, caplog):
    # given
    before = FALLBACKS.copy()
    # when
    with caplog.at_level(logging.DEBUG, logger="clientele.graphql"):
        introspection = await api.gql("{ __schema { queryType { name } } }")
        skipped = await api.gql("query($no: Boolean!) { serverInfo { baseCurrency @skip(if: $no) } }", {"no": True})
        mutation = await api.gql('mutation { createLeadSource(name: "Fair") { userErrors { code } } }')
    # then: each fallback counted and logged with its reason; a mutation is no fallback
    assert _executor(introspection) == ("standard", "introspection")
    assert skipped["data"] == {"serverInfo": {}}
    assert _executor(skipped) == ("standard", "directives")
    assert mutation["extensions"]["executor"] == "standard" and "fallback" not in mutation["extensions"]
    assert FALLBACKS - before == Counter({"introspection": 1, "directives": 1})
    assert [r.getMessage().split(":")[0] for r in caplog.records if "fell back" in r.getMessage()] == [
        "lean executor fell back to graphql-core (introspection)", "lean executor fell back to graphql-core (directives)"]


async def test_a_field_error__is_answered_by_the_standard_executor(api):
    # given: a viewer may not see costs
    await factories.customer(api.database)
    viewer = await make_token(api.database, Role.VIEWER, email="viewer@example.com")
    # when
    answer = await api.gql("{ items(first: 5) { totalCount } customers(first: 1) { edges { node { name "
                           "margins { last30Days } } } } }", token=viewer)
    # then: the standard error, the rest of the answer intact
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert answer["data"]["customers"]["edges"][0]["node"]["margins"] is None
    assert answer["extensions"]["executor"] == "standard"
    assert answer["extensions"]["fallback"] == "a field raised FORBIDDEN"


async def test_row_fields_and_inline_money__answer_as_graphql_core(api):
    # given: lines whose amounts break floats, a price of four places, an alias and __typename
    # inside Money (lean_check compares this answer with graphql-core's)
    customer = await factories.customer(api.database, "Row Field Supply")
    await factories.order_of(api.database, customer.id, [factories.line("0.1", "3"), factories.line("0.0125", "7"),
                                                         factories.line("1234567.89", "0.333")])
    query = """{ customer(number: "%s") { orders(first: 5) { edges { node {
        totalValue { amount currency }
        lines { code quantity unitPrice { __typename amount } net: netAmount { value: amount currency } } } } } } }"""
    # when
    answer = await api.gql(query % customer.number)
    # then
    assert answer["extensions"]["executor"] == "lean"
    order = answer["data"]["customer"]["orders"]["edges"][0]["node"]
    assert [(line["quantity"], line["unitPrice"], line["net"]["value"]) for line in order["lines"]] == [
        ("3.000", {"__typename": "Money", "amount": "0.10"}, "0.30"),
        ("7.000", {"__typename": "Money", "amount": "0.0125"}, "0.09"),
        ("0.333", {"__typename": "Money", "amount": "1234567.89"}, "411111.11"),
    ]
    assert order["totalValue"]["amount"] == "411111.50"


def test_a_row_field_reading_an_unknown_name__fails_at_declaration():
    with pytest.raises(NameError, match="nope"):
        row_field("nope(row.code)")
    with pytest.raises(NameError, match="currency"):
        money_field("row.net_minor", "currency")  # not obj.currency: a bare name


async def test_references_to_one_row__answered_once_and_alike(api):
    # given: three leads of two customers in one program, two with the same sales rep, one without
    from server.leads.models import Lead
    first = await factories.customer(api.database, "Shared Refs One")
    second = await factories.customer(api.database, "Shared Refs Two")
    rep = await factories.user(api.database, "rep@example.com")
    leads = [await factories.lead(api.database, c.id, n) for c, n in ((first, 1), (second, 2), (first, 3))]
    for lead in leads[:2]:
        await factories.set_row(api.database, Lead, lead.id, inside_sales_rep_id=rep.id)
    # when (lean_check: graphql-core answers too, and the two must be equal)
    answer = await api.gql("{ leads(first: 5) { edges { node { number program { name } customer { name }"
                           " insideSalesRep { name email } allowedTransitions } } } }")
    # then
    assert answer["extensions"]["executor"] == "lean"
    nodes = [e["node"] for e in answer["data"]["leads"]["edges"]]
    assert [n["customer"]["name"] for n in nodes] == ["Shared Refs One", "Shared Refs Two", "Shared Refs One"]
    assert [n["insideSalesRep"] for n in nodes] == [{"name": "Rep", "email": "rep@example.com"}] * 2 + [None]
    assert {n["program"]["name"] for n in nodes} == {"Wholesale"}
    assert nodes[0]["allowedTransitions"] == ["DEVELOPMENT", "INACTIVE"]


async def test_small_tables_of_a_root_page__read_before_the_page(database):
    # given: the app with statement texts; a lead with a program, a customer without leads
    import httpx

    from server.app import create_app
    from tests.conftest import make_token, settings_for
    app = create_app(settings_for(database, bench_capture=True), database)
    token = await make_token(database)
    lonely = await factories.customer(database, "No Leads")
    await factories.lead(database, (await factories.customer(database, "Leads")).id, 1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        async def tables(query: str) -> list[str]:
            answer = (await client.post("/graphql", json={"query": query},
                                        headers={"Authorization": f"Bearer {token}"})).json()
            assert "errors" not in answer and answer["extensions"]["executor"] == "lean", answer
            texts = [sql for sql, _params in answer["extensions"]["sql"]["captured"]]
            return [next(t for t in ("lead_programs", "lead_sources", "users", "leads", "customers")
                         if f"FROM {t}" in sql or f"JOIN {t}" in sql) for sql in texts]
        # when: a root page of leads naming programs, sources and users
        page = await tables("{ leads(first: 5) { edges { node { number program { name } source { name } "
                            "assignedTo { name } } } } }")
        # then: the small tables are read whole first, then the page
        assert sorted(page[:3]) == ["lead_programs", "lead_sources", "users"] and page[3] == "leads", page
        # when: one customer's screen whose leads tab is empty
        screen = await tables('{ customer(number: "%s") { leads(first: 5) { edges { node { program { name } '
                              '} } } } }' % lonely.number)
        # then: nothing is read for references that never come
        assert "lead_programs" not in screen and "lead_sources" not in screen, screen
