"""Hostile documents cost about what reading them costs (issue 15, items 1, 4 and 8).

Fragments that double, documents that make validation quadratic and documents nested deeper
than anything recurses are refused on the parsed document, before validation, with a clear
BAD_USER_INPUT naming the limit; a real server process keeps answering `/healthz` meanwhile and
logs no traceback. What is under the limits is answered, identically by both executors (the
`api` fixture checks every answer against graphql-core), and the lean plan and the cost analysis
grow with the document, never with the number of ways its fragments spread each other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import FieldNode, Visitor, get_operation_ast, parse, visit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema import build_schema
from schema.fastpath.lean import Compiled, LeanExecutor
from schema.types import DERIVED_FIGURES
from server.config import Settings
from server.limits.document import Analyser, Selection
from tests import factories
from tests.bench.processes import Server
from tests.security.serving import BOTTOMLESS, clientele, served

GRAPHQL_RESPONSE = "application/graphql-response+json"
LIVENESS = 2.0  # seconds: a liveness bound, not a speed test


def doubling(levels: int, type_name: str, leaf: str, spread: str = "...G{i} ...G{i}") -> str:
    """`G0` selects `leaf`; each next fragment spreads the one before it twice (`spread`)."""
    fragments = [f"fragment G0 on {type_name} {{ {leaf} }}"]
    fragments += [f"fragment G{i + 1} on {type_name} {{ {spread.format(i=i)} }}" for i in range(levels - 1)]
    return " ".join(fragments)


# The same attack in other shapes than the customers page.
DOUBLING = {
    "a list of leads": "{ leads(first: 5) { edges { node { ...G39 } } } } " + doubling(40, "Lead", "state"),
    "nested connections": "{ customers(first: 2) { edges { node { locations(first: 2) { edges { node { ...G39 } } }"
                          " } } } } " + doubling(40, "Location", "code"),
    "node with inline fragments": '{ node(id: "Q3VzdG9tZXI6MQ==") { ... on Customer { ...G39 } } } '
                                  + doubling(40, "Customer", "name", "... on Customer {{ ...G{i} }} ...G{i}"),
    "mixed with aliases": "{ customers(first: 1) { edges { node { ...G39 } } } } "
                          + doubling(40, "Customer", "a: name b: email", "...G{i} ...G{i}"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, Path]]:
    """One real server on an empty SQLite database, with an admin's token and its log file."""
    folder = tmp_path_factory.mktemp("documents")
    url = f"sqlite+aiosqlite:///{folder / 'clientele.sqlite3'}"
    clientele("migrate", database_url=url)
    clientele("create-user", "--email", "admin@example.com", "--name", "Admin", "--role", "admin", database_url=url)
    token = clientele("create-token", "--email", "admin@example.com", "--name", "documents", "--scope", "read",
                      database_url=url).strip()
    log = folder / "server.log"
    with served(url, log, **BOTTOMLESS, CLIENTELE_LOG_LEVEL="INFO") as running:
        yield running, token, log


def post_while_alive(server: Server, document: str, token: str | None) -> tuple[httpx.Response, float]:
    """Posts the document while another thread asks `/healthz` every few milliseconds; each of those
    must answer within LIVENESS seconds. The answer and how long `/healthz` took at worst."""
    worst, done = [0.0], threading.Event()

    def probe() -> None:
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            while not done.is_set():
                started = time.monotonic()
                assert client.get("/healthz").status_code == 200
                worst[0] = max(worst[0], time.monotonic() - started)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        headers = {"Accept": GRAPHQL_RESPONSE, **({"Authorization": f"Bearer {token}"} if token else {})}
        response = httpx.post(f"{server.base_url}/graphql", json={"query": document}, headers=headers, timeout=60)
    finally:
        done.set()
        prober.join()
    return response, worst[0]


def assert_refused(response: httpx.Response, *words: str) -> None:
    assert response.status_code == 400, response.text[:500]
    answer = response.json()
    assert "data" not in answer, answer
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    for word in words:
        assert word in error["message"], error["message"]


@pytest.mark.parametrize("shape", DOUBLING)
def test_doubling_fragments__refused_by_the_field_budget_while_healthz_answers(server, shape):
    # given: 2^39 fields once every spread is expanded, in about 1 kB
    running, token, _log = server
    # when
    started = time.monotonic()
    response, healthz = post_while_alive(running, DOUBLING[shape], token)
    # then
    assert_refused(response, "aliases: at most 30" if "aliases" in shape else "fields: at most 2000 are allowed")
    assert time.monotonic() - started < LIVENESS and healthz < LIVENESS


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
@pytest.mark.parametrize("document, words", [
    # the 1,400 aliased serverInfo selections with conflicting shapes
    ("{ " + " ".join(f"a{i % 2}: serverInfo {{ {'version' if i % 2 else 'name'} }}" for i in range(1400)) + " }",
     ("1400 aliases",)),
    # the same without aliases: one name, conflicting selections, within the field budget
    ("{ " + " ".join(f"serverInfo {{ {'version' if i % 2 else 'name'} }}" for i in range(600)) + " }",
     ("more than 20 times",)),
    # many identical fields: nothing conflicts, but validation would compare every pair
    ("{ " + " ".join("__typename" for _ in range(1900)) + " }", ("more than 20 times",)),
    # the same, brought by fragments
    ("{ ...A ...B } fragment A on Query { " + "serverInfo { version } " * 15 + "} fragment B on Query { "
     + "serverInfo { name } " * 15 + "}", ("more than 20 times",)),
    # many fragments spread in one selection, each with a field of its own: validation compares
    # every pair of fragments, whatever their fields
    ("{ " + " ".join(f"...F{i}" for i in range(1050)) + " } "
     + " ".join(f"fragment F{i} on Query {{ f{i} }}" for i in range(1050)), ("1050 fragments",)),
], ids=["aliases", "one-name", "typename", "fragments", "fragment-pairs"])
def test_validation_cost__refused_before_validation(server, document, words, signed_in):
    # given
    running, token, _log = server
    # when
    started = time.monotonic()
    response, healthz = post_while_alive(running, document, token if signed_in else None)
    # then
    assert_refused(response, *words)
    assert time.monotonic() - started < LIVENESS and healthz < LIVENESS


@pytest.mark.parametrize("document, words", [
    ("{ " + "customers { " * 4000 + "totalCount" + " }" * 4001, ("nested too deeply",)),
    ("{ customers(filter: {engagement: " + "[" * 4000 + "]" * 4000 + "}) { totalCount } }", ("nested too deeply",)),
    ("{ customers(filter: " + "{search: " * 2000 + '"x"' + "}" * 2000 + ") { totalCount } }", ("nested too deeply",)),
    # a chain of 1,100 fragments: each definition is shallow, the operation is not (the fragment
    # count refuses it first; with CLIENTELE_MAX_FRAGMENTS raised, the nesting through spreads would)
    ("query { ...F0 } " + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(1100))
     + " fragment F1100 on Query { serverInfo { name } }", ("1101 fragments",)),
    ("query { ...F0 } " + " ".join(f"fragment F{i} on Query {{ viewer {{ ...F{i + 1} }} }}" for i in range(800))
     + " fragment F800 on Query { serverInfo { name } }", ("801 fragments",)),
], ids=["selections", "lists", "objects", "fragment-chain", "fragment-chain-fields"])
def test_deep_nesting__refused_without_recursion_error(server, document, words):
    # given
    running, token, log = server
    # when
    response, healthz = post_while_alive(running, document, token)
    # then
    assert response.status_code == 400, response.text[:500]
    errors = response.json()["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    assert all(word in errors[0]["message"] for word in words), errors
    assert healthz < LIVENESS
    text = log.read_text() if log.exists() else ""
    assert "Traceback" not in text and "RecursionError" not in text


def test_server_log__no_traceback_after_every_hostile_document(server):
    # then: the log the tests above wrote to holds no traceback (the server is stopped last)
    _running, _token, log = server
    text = log.read_text() if log.exists() else ""
    assert "Traceback" not in text and "RecursionError" not in text


# ------------------------------------------------------------------ answered, and identical

async def test_doubling_fragments__under_the_budget_answer_like_graphql_core(api, database):
    # given: a lead and a customer; fragments doubling up to 8 times (128 fields expanded), in several shapes
    customer = await factories.customer(database, "Doubled Supply", email="d@example.com")
    await factories.location(database, customer.id, "MAIN")
    await factories.lead(database, customer.id, 1)
    levels = {shape: 4 if "aliases" in shape else 8 for shape in DOUBLING}  # within 30 aliases
    documents = {shape: document.replace("G39", f"G{levels[shape] - 1}").split(f" fragment G{levels[shape]} ")[0]
                 for shape, document in DOUBLING.items()}
    # when: every answer is also computed by graphql-core and compared (lean_check)
    answers = {shape: await api.gql(document) for shape, document in documents.items()}
    # then
    for shape, answer in answers.items():
        assert "errors" not in answer, (shape, answer)
    assert answers["a list of leads"]["data"]["leads"]["edges"][0]["node"] == {"state": "PENDING_QUALIFICATION"}
    assert answers["mixed with aliases"]["data"]["customers"]["edges"][0]["node"] == \
        {"a": "Doubled Supply", "b": "d@example.com"}
    assert answers["nested connections"]["data"]["customers"]["edges"][0]["node"]["locations"]["edges"] == \
        [{"node": {"code": "MAIN"}}]


@pytest.mark.parametrize("first", [1000.0, 251.0, 2.5e2 + 1, 1e3])
async def test_page_size__a_float_variable_is_checked_as_the_int_it_becomes(api, first):
    # given: graphql-core reads an integral float as an Int
    query = "query($n: Int) { customers(first: $n) { totalCount } }"
    # when
    response = await api.post(query, {"n": first}, headers={"Accept": GRAPHQL_RESPONSE})
    ok = await api.post(query, {"n": 250.0}, headers={"Accept": GRAPHQL_RESPONSE})
    # then
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"`first` is {int(first)}" in error["message"]
    assert "errors" not in ok.json(), ok.text


# ------------------------------------------------------------------ linear in the document

SCHEMA = build_schema()
LEAN = LeanExecutor(SCHEMA)
ANALYSER = Analyser(SCHEMA._schema, Settings(), DERIVED_FIGURES)
CUSTOMER_FIELDS = ("name", "email", "number", "id")
USER_FIELDS = ("name", "email")


@st.composite
def fragment_graphs(draw: Any) -> str:
    """Fragments on Customer and on User, each spreading earlier ones of its type any number of
    times (the doubling attack and its relatives), some inside `salesRep { … }`, some inline."""
    users = []
    for i in range(draw(st.integers(1, 6))):
        spreads = draw(st.lists(st.integers(0, i - 1), max_size=4)) if i else []
        fields = draw(st.lists(st.sampled_from(USER_FIELDS), min_size=0 if spreads else 1, max_size=2))
        users.append(f"fragment U{i} on User {{ {' '.join(fields)} {' '.join(f'...U{j}' for j in spreads)} }}")
    customers = []
    for i in range(draw(st.integers(1, 10))):
        spreads = draw(st.lists(st.integers(0, i - 1), max_size=4)) if i else []
        fields = draw(st.lists(st.sampled_from(CUSTOMER_FIELDS), min_size=0 if spreads else 1, max_size=3))
        extra = draw(st.sampled_from(["", f"salesRep {{ ...U{draw(st.integers(0, len(users) - 1))} }}",
                                      f"... on Customer {{ ...C{i - 1} }}" if i else ""]))
        body = " ".join([*fields, *(f"...C{j}" for j in spreads), extra])
        customers.append(f"fragment C{i} on Customer {{ {body} }}")
    top = len(customers) - 1
    used_users = " ".join(f"...U{i}" for i in range(len(users)))
    return (f"{{ customers(first: 2) {{ edges {{ node {{ ...C{top} salesRep {{ {used_users} }} }} }} }} }} "
            + " ".join(customers + users))


def written_fields(document: Any) -> int:
    class Count(Visitor):
        found = 0

        def enter_field(self, *_args: Any) -> None:
            Count.found += 1
    visit(document, Count())
    return Count.found


def cost_entries(selection: Selection | None, seen: set[int]) -> int:
    if selection is None or id(selection) in seen:
        return 0
    seen.add(id(selection))
    beneath = [*selection.branches, *(c.inner for c in selection.fields),
               *(inner for c in selection.fields for _, nodes in c.edges for _, inner in nodes)]
    return len(selection.fields) + sum(cost_entries(inner, seen) for inner in beneath)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment_graphs())
def test_plan_and_cost__linear_in_the_document_for_any_fragment_graph(text):
    # given
    document = parse(text)
    operation = get_operation_ast(document)
    collected = [0]
    field = Compiled._field

    def counting(self: Compiled, object_type: Any, key: str, nodes: list[FieldNode]) -> Any:
        collected[0] += len(nodes)
        return field(self, object_type, key, nodes)
    # when
    Compiled._field = counting  # type: ignore[method-assign]
    try:
        compiled = LEAN.compile(document, operation)
    finally:
        Compiled._field = field  # type: ignore[method-assign]
    analysis = ANALYSER.analyse(document, operation)
    # then: each field of the document is collected at most once per selection it is merged into,
    # and the plans of a Customer and of its sales rep hold at most the fields written
    assert compiled is not None
    size = written_fields(document)
    assert collected[0] <= size
    assert cost_entries(analysis.selection, set()) <= size
