"""Cost (SPEC §9), computed by hand for known documents (the worked examples of docs/api.md), and
for generated documents by the documented formula over the fields graphql-core collects to run."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from graphql import (DocumentNode, FragmentDefinitionNode, GraphQLList, GraphQLObjectType, get_named_type,
                     get_nullable_type, get_operation_ast, is_abstract_type, is_composite_type, parse, validate)
from graphql.execution.collect_fields import FragmentDetails, collect_fields, collect_subfields
from graphql.execution.values import get_argument_values, get_variable_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema import build_schema
from schema.base import global_id
from schema.types import DERIVED_FIGURES
from server.config import Settings
from server.limits.document import Analyser, check_document
from tests import factories
from tests.conftest import Api
from tests.limits.conftest import GRAPHQL_RESPONSE, Limited

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


# ------------------------------------------------------------------ what really runs

async def test_merged_fields__one_response_name_costs_once(limited):
    # given: one customer with a sales rep; `customers` asked twice under one name, each time with
    # another part of the same selection, as graphql-core merges and runs them: once
    setup = await limited()
    rep = await factories.user(setup.api.database, "rep@example.com")
    await factories.customer(setup.api.database, "Acme Supply", salesRep=rep.id)
    query = """{ customers(first: 10) { edges { node { salesRep { name } } } }
                 customers(first: 10) { totalCount edges { node { salesRep { email } ...Figure } } } }
               fragment Figure on Customer { orderCount salesRep { name } }"""
    # when
    answer = await setup.api.gql(query)
    # then: 2 + 10 x (node 1 + salesRep 1 + orderCount 1) = 32, not (2 + 10 x 2) + (2 + 10 x 4) = 64;
    # answered: 2 + 1 x 3 = 5
    assert "errors" not in answer, answer
    assert cost(answer)["requestedQueryCost"] == 32
    assert cost(answer)["actualQueryCost"] == 5


async def test_merged_fields__aliased_nodes_of_one_edge_count_their_own_selection(limited):
    # given: one customer without a sales rep
    setup = await limited()
    await factories.customer(setup.api.database, "Acme Supply")
    query = "{ customers(first: 10) { edges { a: node { name } b: node { salesRep { name } } } } }"
    # when
    answer = await setup.api.gql(query)
    # then: 2 + 10 x (a 1 + b (1 + salesRep 1)) = 32; answered 2 + 1 + 2 = 5 (`a` has no salesRep to count)
    assert "errors" not in answer, answer
    assert cost(answer)["requestedQueryCost"] == 32
    assert cost(answer)["actualQueryCost"] == 5


async def test_abstract_types__each_type_merges_its_own_fields(api):
    # given: the Customer branch asks for `salesRep` in two inline fragments, Invoice for a fragment twice
    query = """query($id: ID!) { node(id: $id) { ... on Customer { salesRep { name } }
                   ... on Customer { salesRep { email } lifetimeValue { amount } } ...I ...I } }
               fragment I on Invoice { billCustomer { name } }"""
    # when
    answer = await api.gql(query, {"id": "nope"})
    # then: node 1 + max(Customer: salesRep 1 + lifetimeValue 1, Invoice: billCustomer 1) = 3
    assert "errors" not in answer, answer
    assert cost(answer)["requestedQueryCost"] == 3


SCHEMA = build_schema()._schema
ANALYSER = Analyser(SCHEMA, Settings(), DERIVED_FIGURES)

# A slice of the schema for generated documents: per type, its leaves as written, its objects, plain lists
# and connections (field, type). No two types of one selection answer one name with different shapes.
LEAVES = {"Query": [], "Customer": ["id", "name", "number", "orderCount", "lifetimeValue { amount }"],
          "Location": ["id", "code"], "Invoice": ["id", "number"], "InvoiceLine": ["quantity", "code"],
          "User": ["id", "name"]}
OBJECTS = {"Query": [("node(id: $id)", "Node")], "Customer": [("salesRep", "User")],
           "Location": [("salesRep", "User"), ("customer", "Customer")], "Invoice": [("billCustomer", "Customer")]}
LISTS = {"Invoice": [("lines", "InvoiceLine")]}
CONNECTIONS = {"Query": [("customers", "Customer")],
               "Customer": [("locations", "Location"), ("invoices", "Invoice")]}
CONCRETE = ("Customer", "Location", "Invoice")


class Documents:
    """Draws one document: fields asked again under one name, aliases (each alias names one field
    with one set of arguments, so that the document validates), named fragments spread again,
    inline fragments with and without a type, `node` branches, nested connections with `first`."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.fragments: dict[str, list[str]] = {}  # names by type
        self.definitions: list[str] = []

    def selection(self, type_name: str, depth: int) -> str:
        items = [self.item(type_name, depth) for _ in range(self.draw(st.integers(1, 3 if depth > 5 else 2)))]
        return "{ " + " ".join(items) + " }"

    def item(self, type_name: str, depth: int) -> str:
        if type_name == "Node":
            return self.draw(st.sampled_from(["id", "... on Node { id }", *CONCRETE]).map(
                lambda t: t if t[0] in "i." else f"... on {t} {self.selection(t, depth - 1)}"))
        kinds = ["leaf"] * bool(LEAVES[type_name]) + ["inline", "fragment"] * (type_name != "Query" and depth > 1)
        kinds += [k for k, found in [("object", OBJECTS), ("list", LISTS), ("connection", CONNECTIONS)]
                  if depth > 2 and type_name in found]
        kind = self.draw(st.sampled_from(kinds))
        if kind == "leaf":
            return self.aliased(self.draw(st.sampled_from(LEAVES[type_name])))
        if kind == "inline":
            condition = self.draw(st.sampled_from(["", f" on {type_name}"]))
            return f"...{condition} {self.selection(type_name, depth - 1)}"
        if kind == "fragment":
            return f"...{self.fragment(type_name, depth)}"
        if kind == "connection":
            field, item = self.draw(st.sampled_from(CONNECTIONS[type_name]))
            return self.connection(field, item, depth - 3)
        field, item = self.draw(st.sampled_from((OBJECTS if kind == "object" else LISTS)[type_name]))
        return f"{self.aliased(field)} {self.selection(item, depth - 1)}"

    def aliased(self, field: str) -> str:
        return f"a_{field.split('(')[0].split(' ')[0]}: {field}" if self.draw(st.booleans()) else field

    def fragment(self, type_name: str, depth: int) -> str:
        """An earlier fragment on the type again, or a new one (which may spread earlier ones)."""
        known = self.fragments.setdefault(type_name, [])
        if known and self.draw(st.booleans()):
            return self.draw(st.sampled_from(known))
        body = self.selection(type_name, depth - 1)
        name = f"{type_name}{len(known)}"
        known.append(name)
        self.definitions.append(f"fragment {name} on {type_name} {body}")
        return name

    def connection(self, field: str, item: str, depth: int) -> str:
        first = self.draw(st.sampled_from(["", "2", "$n"] if field == "customers" else ["", "2", "3"]))
        head = f"{field}(first: 2)" if not first else f"{field}_{first.strip('$')}: {field}(first: {first})"
        parts = [self.connection_part(item, depth) for _ in range(self.draw(st.integers(1, 2)))]
        return f"{head} {{ {' '.join(parts)} }}"

    def connection_part(self, item: str, depth: int) -> str:
        kind = self.draw(st.sampled_from(["totalCount", "edges", "inline"]))
        if kind == "totalCount":
            return kind
        nodes = " ".join(f"{self.draw(st.sampled_from(['', 'b_node: ']))}node {self.selection(item, depth)}"
                         for _ in range(self.draw(st.integers(1, 2))))
        edges = f"{self.draw(st.sampled_from(['', 'b_edges: ']))}edges {{ cursor {nodes} }}"
        return edges if kind == "edges" else f"... on {item}Connection {{ {edges} }}"


@st.composite
def documents(draw: Any) -> str:
    generated = Documents(draw)
    body = generated.selection("Query", 8)
    variables = [f"${name}: {type_}" for name, type_ in [("id", "ID!"), ("n", "Int")] if f"${name}" in body]
    head = f"query({', '.join(variables)})" if variables else "query"
    return " ".join([f"{head} {body}", *generated.definitions])


ASKED = object()  # count every list as asked for (the requested cost), not as answered


class Reference:
    """The documented formula (docs/api.md, "How cost is computed") over the fields graphql-core
    collects to run them: `collect_fields` at the root, `collect_subfields` beneath, per concrete
    type, the dearest type of an interface. With `data`, each list counts the items it answered."""

    def __init__(self, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.operation = get_operation_ast(document)
        self.fragments = {d.name.value: FragmentDetails(d) for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.variables = get_variable_values(SCHEMA, self.operation.variable_definitions or (), variables)

    def cost(self, data: Any = ASKED) -> int:
        root = SCHEMA.query_type
        grouped = collect_fields(SCHEMA, self.fragments, self.variables, root, self.operation).grouped_field_set
        return max(1, self.selection(root, grouped, data))

    def selection(self, parent: GraphQLObjectType, grouped: dict[str, list[Any]], data: Any) -> int:
        values = data if isinstance(data, dict) else {}
        return sum(self.field(parent, fields, data if data is ASKED else values.get(key))
                   for key, fields in grouped.items())

    def merged(self, type_: Any, fields: list[Any], data: Any) -> int:
        """What a merged object field selects of its type, the dearest possible type of an interface."""
        if is_abstract_type(type_):
            return max(self.merged(t, fields, data) for t in SCHEMA.get_possible_types(type_))
        return self.selection(type_, self.subfields(type_, fields), data)

    def subfields(self, type_: GraphQLObjectType, fields: list[Any]) -> dict[str, list[Any]]:
        return collect_subfields(SCHEMA, self.fragments, self.variables, self.operation, type_,
                                 fields).grouped_field_set

    def field(self, parent: GraphQLObjectType, fields: list[Any], data: Any) -> int:
        node = fields[0].node
        definition = parent.fields[node.name.value]
        type_ = get_named_type(definition.type)
        own = int(f"{parent.name}.{node.name.value}" in DERIVED_FIGURES)
        if not is_composite_type(type_) or type_.name in ("Money", "PageInfo"):  # the slice's values
            return own
        if type_.name.endswith("Connection"):
            first = get_argument_values(definition, node, self.variables).get("first")
            return own + 2 + self.items(type_, fields, data, 50 if first is None else first)
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            if data is ASKED:
                return own + 10 * (1 + self.merged(type_, fields, ASKED))
            return own + sum(1 + self.merged(type_, fields, item) for item in data or [] if item is not None)
        return own + 1 + self.merged(type_, fields, data)

    def items(self, connection: GraphQLObjectType, fields: list[Any], data: Any, first: int) -> int:
        """Each `node` of each `edges` of a connection: 1 and its selection, per item."""
        edge_type = get_named_type(connection.fields["edges"].type)
        node_type = get_named_type(edge_type.fields["node"].type)
        total = 0
        for edges_key, edges in self.subfields(connection, fields).items():
            if edges[0].node.name.value == "edges":
                for node_key, nodes in self.subfields(edge_type, edges).items():
                    if nodes[0].node.name.value != "node":
                        continue
                    if data is ASKED:
                        total += first * (1 + self.merged(node_type, nodes, ASKED))
                    else:
                        total += sum(1 + self.merged(node_type, nodes, edge[node_key])
                                     for edge in (data or {}).get(edges_key) or [])
        return total


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.sampled_from([{}, {"n": None}, {"n": 0}, {"n": 7}]))
def test_requested_cost__equals_the_formula_over_what_graphql_core_collects(text, pages):
    # given: a valid document
    document = parse(text)
    assert validate(SCHEMA, document) == []
    variables = {"id": "Q3VzdG9tZXI6MQ==", **pages}
    # when
    requested = ANALYSER.analyse(document, get_operation_ast(document)).requested(variables)
    # then
    assert requested == Reference(document, variables).cost()


@pytest.fixture
async def seeded(limited: Callable[..., Awaitable[Limited]]) -> tuple[Api, str]:
    """The app with the document limits out of the way, and a customer with a sales rep, three
    locations and two invoices (one and two lines) beside one with nothing; the customer's id."""
    setup = await limited(max_aliases=10_000, max_depth=100, max_fields=100_000, max_merged_fields=10_000,
                          max_cost=10**9, bucket_size=10.0**12)
    database = setup.api.database
    rep = await factories.user(database, "rep@example.com")
    acme = await factories.customer(database, "Acme Supply", salesRep=rep.id)
    await factories.customer(database, "Bare Goods")
    for code in ("MAIN", "EAST", "WEST"):
        await factories.location(database, acme.id, code)
    await factories.invoice(database, acme.id, "10.00")
    await factories.invoice(database, acme.id, "10.00", "5.00")
    return setup.api, global_id("Customer", acme.id)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=documents(), pages=st.sampled_from([{}, {"n": 1}]))
async def test_actual_cost__equals_the_formula_over_the_answer(seeded, text, pages):
    # given: the data never changes between examples
    api, customer = seeded
    variables = {"id": customer, **pages}
    # when: both executors answer (lean_check)
    answer = await api.gql(text, variables)
    # then
    assert "errors" not in answer, answer
    reference = Reference(parse(text), variables)
    assert cost(answer)["requestedQueryCost"] == reference.cost()
    assert cost(answer)["actualQueryCost"] == reference.cost(answer["data"])


def test_walks__a_document_nested_as_deep_as_allowed_needs_no_recursion():
    # given: a valid document within every limit, introspection nested as deep as the parser allows
    levels = 190
    text = '{ __type(name: "Customer") { fields { type { ' + "ofType { " * levels + "fields { name } " \
        + "} " * (levels + 3) + "}"
    document = parse(text)
    assert validate(SCHEMA, document) == []
    check_document(document, None, Settings())
    limit = sys.getrecursionlimit()
    # when: with 100 frames of stack left
    sys.setrecursionlimit(len(inspect.stack()) + 100)
    try:
        analysis = ANALYSER.analyse(document, get_operation_ast(document))
        requested, actual = analysis.requested({}), analysis.actual({"__type": {"fields": [{"type": None}]}})
    finally:
        sys.setrecursionlimit(limit)
    # then: __type 1 + fields (lists once) 1 x (1 + type 1 + 190 ofType + fields 1 x 1); the answer's
    # `fields` under a null type has no items
    assert requested == 1 + 1 * (1 + 1 + levels + 1 * 1)
    assert actual == requested - 1
