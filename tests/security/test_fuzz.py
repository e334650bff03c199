"""Generated queries and mutations against a real server: no answer is a failure (issue 7).

One `clientele serve` on demo data (a new SQLite file; and the test PostgreSQL database when
CLIENTELE_TEST_POSTGRES_URL is set), signed in with an ADMIN's READ+WRITE token, buckets made
bottomless. hypothesis-graphql writes documents from the served schema (`/schema.graphql`): valid
ones for every query and mutation field, with plausible and malformed values for the scalars
(global ids of every type and size, decimals, dates, JSON, strings with NUL and SQL
metacharacters), some that break the schema on purpose, and cursors crafted to decode. Half
of the valid ones are dressed with directives (@skip/@include, literal and variable conditions)
and fragments (named, spread once or twice; inline, with and without a type condition), which
the generator never writes (issue 15). Every answer must be a GraphQL answer: never a 5xx,
always JSON with `data` or `errors`, every error carrying one of SPEC §8's client codes
(`INTERNAL_SERVER_ERROR` is a bug), no value that its field's type cannot hold, and no Python
traceback or exception name anywhere. Problems are collected rather than raised, so that one
run reports them all, each with its document and the traceback the log shows beside its
`errorId`; no shrinking, so the run stays short. Afterwards the database is intact.

`CLIENTELE_FUZZ_SCALE=10` multiplies the examples for a longer hunt.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import itertools
import json
import os
import re
import sqlite3
import string
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, mutations, nodes, queries

from tests.bench.processes import Server
from tests.conftest import run_async
from tests.security.serving import BOTTOMLESS, clientele, emptied, opened, served
from tests.seed.ledger_checks import check_invoice_payments, fetch

SCALE = float(os.environ.get("CLIENTELE_FUZZ_SCALE", "1"))  # e.g. 10 for a longer hunt; 1 fits CI
QUERY_EXAMPLES = round(130 * SCALE)
MUTATION_EXAMPLES = round(130 * SCALE)  # 150 before directives and fragments made each one dearer
NEGATIVE_EXAMPLES = round(30 * SCALE)
CURSOR_EXAMPLES = round(60 * SCALE)
MAX_REMINTS = 10  # new credentials after the fuzz revoked its own token or deactivated its user

CLIENT_CODES = {"BAD_USER_INPUT", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "QUERY_TOO_COMPLEX", "THROTTLED"}
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d |INFO:|WARNING:|ERROR:")
TRACEBACK = re.compile(r'Traceback \(most recent call last\)|File "/|\bline \d+, in \w+')
EXCEPTION_NAME = re.compile(r"\b(?:[a-z_][a-z0-9_]*\.)*[A-Z][A-Za-z0-9]*(?:Error|Exception)\b"
                            r"|\b(?:sqlalchemy|aiosqlite|asyncpg|sqlite3|strawberry|starlette)\.\w+")
# What graphql-core says when a resolver answers what its type cannot be: always the server's bug,
# though the error carries the code of a client's mistake.
COMPLETION_ERROR = re.compile(r"Expected value of type '\w+' but got|Cannot return null for non-nullable")
NODE_TYPES = ("Customer", "Location", "Contact", "Item", "Order", "Invoice", "Payment", "Note", "Lead",
              "LeadProgram", "LeadSource", "User", "PaymentTerms", "AuditEvent", "ListView", "ApiToken")


# Values for the custom scalars, as AST nodes: mostly plausible, often malformed.

def _json_value(value: Any) -> graphql.ValueNode:
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(_json_value(v) for v in value))
    return graphql.ObjectValueNode(fields=tuple(
        graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=_json_value(v)) for k, v in value.items()))


def _global_id(type_name: str, number: Any) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{number}".encode()).decode().rstrip("=")


NUMBERS = st.one_of(st.integers(1, 200), st.sampled_from([0, -1, 2**31, 2**63, 10**30]))
IDS = st.one_of(
    st.builds(_global_id, st.sampled_from(NODE_TYPES), NUMBERS).map(nodes.String),
    st.builds(_global_id, st.sampled_from(NODE_TYPES + ("Nope", "")), st.text(max_size=8)).map(nodes.String),
    st.text(max_size=20).map(nodes.String),
    st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
)
DECIMALS = st.one_of(
    st.decimals(min_value=-(10**6), max_value=10**7, places=2, allow_nan=False).map(nodes.String),
    st.decimals(allow_nan=True, allow_infinity=True).map(nodes.String),
    st.sampled_from(["0", "-0", "1e3", "1E-7", "NaN", "Infinity", "-inf", "", " 1", "1,5", "0x10", "½", "1" * 40,
                     "9" * 20 + ".99", "0.0000001", "12.345"]).map(nodes.String),
    st.integers(-(2**40), 2**40).map(nodes.Int),
    st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
    st.text(max_size=12).map(nodes.String),
)
DATES = st.one_of(
    st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)).map(lambda d: nodes.String(d.isoformat())),
    st.dates().map(lambda d: nodes.String(d.isoformat())),
    st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "10000-01-01", "2026-1-1", "2026/01/01", "today",
                     "2026-01-01T00:00:00", ""]).map(nodes.String),
    st.text(max_size=12).map(nodes.String),
    st.integers().map(nodes.Int),
)
DATETIMES = st.one_of(
    st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: nodes.String(d.isoformat())),
    st.sampled_from(["2026-11-24T25:00:00", "2026-11-24T10:00:00+25:00", "2026-11-24 10:00", "9999-12-31T23:59:59Z",
                     "0001-01-01T00:00:00+14:00", "nope", ""]).map(nodes.String),
    st.text(max_size=12).map(nodes.String),
    st.integers().map(nodes.Int),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.text(string.ascii_letters, min_size=1, max_size=8), children, max_size=3),
    max_leaves=8,
).map(_json_value)
# Small numbers mostly, so that pages fit the limits and documents run; the extremes sometimes.
INTS = st.one_of(st.integers(0, 5), st.integers(-3, 300),
                 st.sampled_from([-(2**31), 2**31 - 1, 249, 250, 251])).map(nodes.Int)
# Any text, and the strings that break things: NUL (PostgreSQL refuses it in text), SQL and
# LIKE metacharacters, long, right-to-left and astral text, emails and numbers as text.
STRINGS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "\x00", "a\x00b", "' OR 1=1 --", "%", "_", "\\", "%_%", "\u202e\u0645", "\U0001F600" * 3,
                     "x" * 300, "admin@example.com", "ADMIN@EXAMPLE.COM", "12.30", "2026-11-24", "null",
                     "Q3VzdG9tZXI6MQ", "USD", "EUR", "C-000001", "IN-000001", "SO-000001"]),
    st.emails(),
    st.text(max_size=8).map(lambda text: f"{text}\x00"),
).map(nodes.String)
SCALARS = {"ID": IDS, "String": STRINGS, "Decimal": DECIMALS, "Date": DATES, "DateTime": DATETIMES, "JSON": JSON_VALUES, "Int": INTS}


# The server, its credentials, and what counts as a problem.

@dataclass
class Fuzzed:
    server: Server
    database_url: str
    database_path: Path | None  # None on PostgreSQL
    token: str
    sdl: str
    remints: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    problems: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)


def _new_admin_token(database_url: str, number: int) -> str:
    email = f"fuzz{number}@example.com"
    clientele("create-user", "--email", email, "--name", f"Fuzz {number}", "--role", "admin", database_url=database_url)
    return clientele("create-token", "--email", email, "--name", "fuzz", "--scope", "read", "--scope", "write",
                     database_url=database_url).strip()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """A server on a new SQLite file, or on the test PostgreSQL database (emptied), with demo data."""
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "clientele.sqlite3"
    url = f"sqlite+aiosqlite:///{path}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    if request.param == "postgresql":
        run_async(emptied(url))
    clientele("seed", "--scale", "demo", "--seed", "3", database_url=url)
    token = _new_admin_token(url, 0)
    try:
        # the lean executor is checked against graphql-core on every query, as everywhere in the suite
        with served(url, folder / "server.log", **BOTTOMLESS, CLIENTELE_LOG_LEVEL="WARNING",
                    CLIENTELE_LEAN_CHECK="1") as server:
            sdl = httpx.get(f"{server.base_url}/schema.graphql", timeout=10).text
            yield Fuzzed(server, url, path if request.param == "sqlite" else None, token, sdl)
    finally:
        if request.param == "postgresql":
            run_async(emptied(url))


def answer_problems(response: httpx.Response, document: str) -> list[str]:
    """What is wrong with an answer: empty when it is a proper GraphQL answer or refusal."""
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}: {response.text[:2000]}"]
    problems = []
    text = response.text
    if TRACEBACK.search(text):
        problems.append(f"a traceback in the answer: {text[:2000]}")
    try:
        body = response.json()
    except json.JSONDecodeError:
        return [*problems, f"HTTP {response.status_code}, not JSON: {text[:500]}"]
    if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
        return [*problems, f"HTTP {response.status_code}, neither data nor errors: {text[:500]}"]
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code not in CLIENT_CODES:
            problems.append(f"HTTP {response.status_code}, error code {code!r}: {json.dumps(error)[:1000]}")
        if COMPLETION_ERROR.search(str(error.get("message"))):
            problems.append(f"a value its field's type cannot hold: {json.dumps(error)[:1000]}")
        names = {m.group(0) for m in EXCEPTION_NAME.finditer(json.dumps(error))} - set(EXCEPTION_NAME.findall(document))
        if names:
            problems.append(f"exception names {sorted(names)} in an error: {json.dumps(error)[:1000]}")
    return problems


def send(fuzzed: Fuzzed, document: str, kind: str, variables: dict[str, Any] | None = None) -> None:
    fuzzed.sent[kind] = fuzzed.sent.get(kind, 0) + 1
    url = f"{fuzzed.server.base_url}/graphql"
    try:
        response = httpx.post(url, json={"query": document, "variables": variables or {}}, timeout=30,
                              headers={"Authorization": f"Bearer {fuzzed.token}"})
        if response.status_code == 401 and (number := next(fuzzed.remints)) <= MAX_REMINTS:
            # The fuzz revoked its own token or deactivated its user (both legitimate): sign in anew.
            fuzzed.token = _new_admin_token(fuzzed.database_url, number)
    except httpx.HTTPError as error:
        alive = fuzzed.server.process is not None and fuzzed.server.process.poll() is None
        response = None
        found = [f"no answer ({error!r}); server {'running' if alive else 'exited'}"]
    else:
        found = answer_problems(response, document)
        fuzzed.outcomes[kind, _outcome(response)] += 1
    if found:
        if response is None or response.status_code >= 500:
            time.sleep(0.5)  # uvicorn logs an unhandled exception after the answer has gone
        logged = [logged_traceback(fuzzed.server, error_id) for error_id in _error_ids(response)]
        fuzzed.problems.append("\n".join([f"--- {kind} document:", document, *found, "--- server log:",
                                          *(logged if any(logged) else [fuzzed.server.log_tail(40)])]))


def _outcome(response: httpx.Response) -> str:
    """`ran` when the operation executed (data, perhaps with errors), else the refusal's status and code."""
    try:
        body = response.json()
        if body.get("data") is not None:
            return "ran"
        return f"{response.status_code} {body['errors'][0]['extensions']['code']}"
    except (json.JSONDecodeError, AttributeError, LookupError, TypeError):
        return f"{response.status_code} ?"


def _error_ids(response: httpx.Response | None) -> list[str]:
    try:
        errors = response.json().get("errors") or [] if response is not None else []
    except (json.JSONDecodeError, AttributeError):
        return []
    return [e["extensions"]["errorId"] for e in errors if "errorId" in (e.get("extensions") or {})]


def logged_traceback(server: Server, error_id: str) -> str:
    """The log's line for a masked error and the traceback after it, up to the next log line."""
    lines = server.log_path.read_text(errors="replace").splitlines() if server.log_path else []
    start = next((i for i, line in enumerate(lines) if error_id in line), None)
    if start is None:
        return ""
    end = next((i for i in range(start + 1, len(lines)) if LOG_LINE.match(lines[i])), len(lines))
    return "\n".join(lines[start:end])


FUZZ = settings(deadline=None, database=None, phases=[Phase.explicit, Phase.generate], print_blob=False,
                suppress_health_check=list(HealthCheck))


def documents(sdl: str, make: Any, root: str) -> st.SearchStrategy[str]:
    """Documents of one root field half the time (so that one bad value does not refuse them all,
    and every field gets its turn), of several the other half."""
    schema = graphql.build_schema(sdl)
    names = sorted(getattr(schema, f"{root}_type").fields)
    one = st.sampled_from(names).flatmap(lambda name: make(schema, fields=[name], custom_scalars=SCALARS))
    return st.one_of(one, make(schema, custom_scalars=SCALARS))


def run_examples(fuzzed: Fuzzed, strategy: st.SearchStrategy[Any], kind: str, examples: int) -> None:
    """Sends what the strategy makes: a document, or a document with its variables (`dressed`)."""
    @settings(FUZZ, max_examples=examples)
    @given(made=strategy)
    def run(made: str | tuple[str, dict[str, Any]]) -> None:
        document, variables = (made, None) if isinstance(made, str) else made
        send(fuzzed, document, kind, variables)

    run()


# Directives and fragments, which the generated documents lack: a share of them is rewritten with
# @skip/@include (literal and variable conditions) on fields, inline fragments and spreads, and
# with selection sets moved into named fragments, spread once or twice, and inline fragments with
# and without a type condition. The lean executor answers fragments (and `lean_check` compares it
# with graphql-core); any directive sends the document to graphql-core.

@dataclass
class Dresser:
    draw: Callable[[st.SearchStrategy[Any]], Any]
    schema: graphql.GraphQLSchema
    fragments: list[graphql.FragmentDefinitionNode] = field(default_factory=list)
    conditions: dict[str, bool] = field(default_factory=dict)  # the variables of the conditions

    def selection_set(self, node: graphql.SelectionSetNode, parent: Any) -> graphql.SelectionSetNode:
        selections = tuple(self.selection(s, parent) for s in node.selections)
        how = self.draw(st.sampled_from(["keep", "keep", "fragment", "twice", "inline", "typed"]))
        if how in ("fragment", "twice"):
            name = f"F{len(self.fragments)}"
            self.fragments.append(graphql.FragmentDefinitionNode(
                name=_name(name), type_condition=_named(parent.name), selection_set=_set(selections)))
            spread = graphql.FragmentSpreadNode(name=_name(name), directives=self.directives())
            selections = (spread, spread) if how == "twice" else (spread,)
        elif how in ("inline", "typed"):
            selections = (graphql.InlineFragmentNode(type_condition=_named(parent.name) if how == "typed" else None,
                                                     directives=self.directives(), selection_set=_set(selections)),)
        return _set(selections)

    def selection(self, node: graphql.SelectionNode, parent: Any) -> graphql.SelectionNode:
        if isinstance(node, graphql.InlineFragmentNode):
            inner = self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
            return dataclasses.replace(node, selection_set=self.selection_set(node.selection_set, inner))
        assert isinstance(node, graphql.FieldNode)
        definition = parent.fields.get(node.name.value) if hasattr(parent, "fields") else None
        inner = node.selection_set
        if inner is not None and definition is not None:
            inner = self.selection_set(inner, graphql.get_named_type(definition.type))
        return dataclasses.replace(node, selection_set=inner, directives=(*(node.directives or ()), *self.directives()))

    def directives(self) -> tuple[graphql.DirectiveNode, ...]:
        kind = self.draw(st.sampled_from(["none", "none", "none", "skip", "include"]))
        if kind == "none":
            return ()
        if self.draw(st.booleans()):
            condition: graphql.ValueNode = graphql.BooleanValueNode(value=self.draw(st.booleans()))
        else:
            name = f"c{len(self.conditions)}"
            self.conditions[name] = self.draw(st.booleans())
            condition = graphql.VariableNode(name=_name(name))
        return (graphql.DirectiveNode(name=_name(kind), arguments=(
            graphql.ArgumentNode(name=_name("if"), value=condition),)),)


def _name(value: str) -> graphql.NameNode:
    return graphql.NameNode(value=value)


def _named(value: str) -> graphql.NamedTypeNode:
    return graphql.NamedTypeNode(name=_name(value))


def _set(selections: tuple[graphql.SelectionNode, ...]) -> graphql.SelectionSetNode:
    return graphql.SelectionSetNode(selections=selections)


def dressed(strategy: st.SearchStrategy[str], sdl: str) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """The strategy's documents, half of them with directives and fragments (with the variables
    of their conditions)."""
    schema = graphql.build_schema(sdl)

    @st.composite
    def dress(draw: Any) -> tuple[str, dict[str, Any]]:
        text = draw(strategy)
        if draw(st.booleans()):
            return text, {}
        document = graphql.parse(text)
        dresser = Dresser(draw, schema)
        operations = []
        for operation in document.definitions:
            assert isinstance(operation, graphql.OperationDefinitionNode)
            root = schema.get_root_type(operation.operation)
            operations.append(dataclasses.replace(operation, selection_set=dresser.selection_set(
                operation.selection_set, root)))
        variables = tuple(graphql.VariableDefinitionNode(
            variable=graphql.VariableNode(name=_name(name)),
            type=graphql.NonNullTypeNode(type=_named("Boolean"))) for name in dresser.conditions)
        operations[0] = dataclasses.replace(operations[0], variable_definitions=(
            *(operations[0].variable_definitions or ()), *variables))
        dressed = graphql.DocumentNode(definitions=(*operations, *dresser.fragments))
        return graphql.print_ast(dressed), dresser.conditions

    return dress()


def report(fuzzed: Fuzzed, kind: str) -> str:
    return f"{len(fuzzed.problems)} problem(s) in {fuzzed.sent.get(kind, 0)} {kind} documents:\n\n" + \
        "\n\n".join(fuzzed.problems)


def executed_share(fuzzed: Fuzzed, kind: str) -> float:
    """The share of the documents sent that ran (printed with the outcomes, for `pytest -s`)."""
    outcomes = {outcome: n for (k, outcome), n in fuzzed.outcomes.items() if k == kind}
    print(kind, sorted(outcomes.items()))
    return outcomes.get("ran", 0) / max(1, sum(outcomes.values()))


def test_generated_queries__answer_without_failures(fuzzed: Fuzzed) -> None:
    # given
    fuzzed.problems.clear()
    # when
    run_examples(fuzzed, dressed(documents(fuzzed.sdl, queries, "query"), fuzzed.sdl), "query", QUERY_EXAMPLES)
    # then
    assert not fuzzed.problems, report(fuzzed, "query")
    assert executed_share(fuzzed, "query") > 0.25  # a fair share ran: not only refusals were tested


def test_generated_mutations__answer_without_failures(fuzzed: Fuzzed) -> None:
    # given
    fuzzed.problems.clear()
    # when
    run_examples(fuzzed, dressed(documents(fuzzed.sdl, mutations, "mutation"), fuzzed.sdl), "mutation",
                 MUTATION_EXAMPLES)
    # then
    assert not fuzzed.problems, report(fuzzed, "mutation")
    assert executed_share(fuzzed, "mutation") > 0.25


def test_documents_that_break_the_schema__are_refused_as_bad_input(fuzzed: Fuzzed) -> None:
    # given
    fuzzed.problems.clear()
    # when
    run_examples(fuzzed, from_schema(fuzzed.sdl, custom_scalars=SCALARS, mode=Mode.NEGATIVE), "negative",
                 NEGATIVE_EXAMPLES)
    # then
    assert not fuzzed.problems, report(fuzzed, "negative")
    assert executed_share(fuzzed, "negative") < 0.2  # hardly any runs


# Cursors are opaque strings that the generated documents never get right: these are made to
# decode (base64 of a JSON list, as the server makes them) with values of every kind and size.
CURSOR_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**31), 2**31), st.sampled_from([2**63 - 1, 2**63, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=10),
    st.fixed_dictionaries({"t": st.text(max_size=25) | st.datetimes().map(dt.datetime.isoformat)}),
    st.fixed_dictionaries({"d": st.text(max_size=12) | st.dates().map(dt.date.isoformat)}),
    st.lists(st.integers(), max_size=2),
)
CURSORS = st.one_of(
    st.lists(CURSOR_VALUES, max_size=4).map(lambda values: _base64(json.dumps(values))),
    CURSOR_VALUES.map(lambda value: _base64(json.dumps(value))),
    st.text(max_size=30),
)
PAGED = [
    "customers(first: 2, after: $cursor)", "customers(last: 2, before: $cursor)",
    "customers(first: 2, after: $cursor, orderBy: [{field: LIFETIME_VALUE, direction: DESC}, {field: NAME}])",
    "customers(first: 2, after: $cursor, orderBy: [{field: LAST_ORDER_DATE}])",
    "customers(first: 2, after: $cursor, orderBy: [{field: CREATED_AT, direction: DESC}])",
    "locations(first: 2, after: $cursor)", "items(first: 2, after: $cursor)", "auditEvents(first: 2, after: $cursor)",
    "leads(first: 2, after: $cursor)", "customers(first: 1) { edges { node { id } } } c: customers(first: 1) "
    "{ edges { node { orders(first: 2, after: $cursor) { edges { node { id } } } } } } d: customers(first: 0)",
]


def _base64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_crafted_cursors__are_refused_as_bad_input(fuzzed: Fuzzed) -> None:
    # given
    fuzzed.problems.clear()

    @settings(FUZZ, max_examples=CURSOR_EXAMPLES)
    @given(field=st.sampled_from(PAGED), cursor=CURSORS)
    def run(field: str, cursor: str) -> None:
        document = f"query ($cursor: String) {{ {field} {{ edges {{ cursor node {{ id }} }} }} }}"
        send(fuzzed, document, "cursor", {"cursor": cursor})

    # when
    run()
    # then
    assert not fuzzed.problems, report(fuzzed, "cursor")
    assert executed_share(fuzzed, "cursor") < 0.2  # nearly every crafted cursor is refused


# What the fuzz found once, asked every time (a random run may not meet them again).
HUGE_CUSTOMER = _global_id("Customer", 2**63)
FOUND = [
    f'{{ node(id: "{HUGE_CUSTOMER}") {{ id }} }}',  # OverflowError on SQLite
    f'{{ nodes(ids: ["{_global_id("Customer", 2**31)}"]) {{ id }} }}',  # int32 overflow on PostgreSQL
    f'mutation {{ addNote(input: {{customer: "{HUGE_CUSTOMER}", body: "x"}}) {{ userErrors {{ code }} }} }}',
    f'{{ customers(first: 2, after: "{_base64(json.dumps(["a", 10**30]))}") {{ edges {{ cursor }} }} }}',
    f'{{ items(first: 2, after: "{_base64(json.dumps(["a", 2**31]))}") {{ edges {{ cursor }} }} }}',
    f'{{ leads(first: 2, after: "{_base64(json.dumps([2**31, 2**31]))}") {{ edges {{ cursor }} }} }}',
    # the lean executor once shared one plan between two fields of the same interface
    '{ node(id: "Q3VzdG9tZXI6MQ") { ... on Customer { alias } } nodes(ids: ["Q3VzdG9tZXI6MQ"]) { id } }',
    # a location's inherited sales rep was a `Later` on graphql-core (issue 15): under a directive,
    # in fragments spread twice, and in a mutation's payload
    '{ locations(first: 30) { edges { node { code effectiveSalesRep @skip(if: false) { email } } } } }',
    '{ locations(first: 30) { edges { node { ...L ...L } } } } fragment L on Location { effectiveSalesRep { email } }',
    'mutation { bulkUpdateLocations(ids: ["TG9jYXRpb246MQ"]) { auditEvent { id } } '
    'updateLocation(id: "TG9jYXRpb246MQ", input: {}) { location { effectiveSalesRep { email } } } }',
    # NUL: PostgreSQL refuses it in text ("invalid byte sequence for encoding UTF8: 0x00")
    '{ customer(number: "\\u0000") { id } }',
    '{ items(first: 2, search: "a\\u0000") { edges { node { id } } } }',
    'mutation { createCustomer(input: {name: "a\\u0000b"}) { customer { id } userErrors { code } } }',
    'mutation { login(email: "a\\u0000@example.com", password: "0123456789") { userErrors { code } } }',
]


@pytest.mark.parametrize("document", FOUND, ids=range(len(FOUND)))
def test_documents_that_once_failed__answer_without_failures(fuzzed: Fuzzed, document: str) -> None:
    # given
    fuzzed.problems.clear()
    # when
    send(fuzzed, document, "found")
    # then
    assert not fuzzed.problems, report(fuzzed, "found")


def test_after_the_fuzz__the_database_is_intact(fuzzed: Fuzzed) -> None:
    # given: the fuzz has run (the tests above, in this module's order); the server answers still
    assert httpx.get(f"{fuzzed.server.base_url}/readyz", timeout=10).status_code == 200
    # when
    if fuzzed.database_path is not None:  # SQLite; PostgreSQL enforces its constraints itself
        with sqlite3.connect(fuzzed.database_path) as connection:
            integrity = connection.execute("PRAGMA integrity_check").fetchall()
            foreign_keys = connection.execute("PRAGMA foreign_key_check").fetchall()
    else:
        integrity, foreign_keys = [("ok",)], []
    # then
    assert integrity == [("ok",)]
    assert foreign_keys == []
    run_async(_check_ledger(fuzzed.database_url))


async def _check_ledger(url: str) -> None:
    async with opened(url) as database:
        await check_invoice_payments(database)
        payments = await fetch(database, """
            SELECT p.number, p.received_minor, p.applied_minor, coalesce(sum(a.amount_minor), 0)
            FROM payments p LEFT JOIN payment_applications a ON a.payment_id = p.id GROUP BY p.id""")
        assert payments
        for number, received, applied, applications in payments:
            assert applied == applications, number
            assert 0 <= applied <= received, number
