"""Plain queries run on the lean executor; anything else, and any error, on graphql-core.

Every query of the suite is also checked against graphql-core (`lean_check` in conftest); these
tests pin which executor answers."""

from server.access.models import Role
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


async def test_introspection_and_directives__run_standard(api):
    introspection = await api.gql("{ __schema { queryType { name } } }")
    skipped = await api.gql("query($no: Boolean!) { serverInfo { baseCurrency @skip(if: $no) } }", {"no": True})
    assert introspection["extensions"]["executor"] == "standard"
    assert skipped["data"] == {"serverInfo": {}}
    assert skipped["extensions"]["executor"] == "standard"


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
