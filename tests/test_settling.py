"""A resolver's awaitable that settles to another awaitable (a `Later` whose conversion leads to
another load, a coroutine that answers `then(...)`) is settled fully, by `then`, by awaiting a
`Later`, and by both executors (issue 15: "Expected value of type 'User' but got: <Later
instance>")."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import strawberry
from graphql import ExecutionResult, execute, parse
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.base import Later, SettlingExecutionContext, settle, then
from schema.fastpath.lean import LeanExecutor

# How a value may be wrapped: a done or pending loader future, a Later, a coroutine.
WRAPS = st.lists(st.sampled_from(["future", "pending", "later", "coroutine"]), max_size=5)


def wrapped(value: Any, wraps: list[str]) -> Any:
    """`value` behind the given awaitables, outermost last; every one of them settles to the next.
    A future holds a plain value, as a loader's does (a row): over an awaitable it is a Later's."""
    loop = asyncio.get_running_loop()
    for wrap in wraps:
        if wrap == "later" or wrap in ("future", "pending") and hasattr(value, "__await__"):
            future = loop.create_future()
            future.set_result(None)
            value = Later(future, lambda _none, inner=value: inner)
        elif wrap in ("future", "pending"):
            future = loop.create_future()
            if wrap == "future":
                future.set_result(value)
            else:
                loop.call_soon(future.set_result, value)
            value = future
        else:
            async def coroutine(inner: Any = value) -> Any:
                return inner
            value = coroutine()
    return value


@settings(max_examples=60, deadline=None)
@given(wraps=WRAPS, more=WRAPS)
async def test_then__converts_the_settled_value_however_deeply_wrapped(wraps, more):
    # given: a value behind awaitables, converted, and converted again behind more awaitables
    value = wrapped(7, wraps)
    # when
    converted = then(value, lambda v: wrapped(v * 2, more))
    found = await settle(then(converted, lambda v: v + 1))
    # then
    assert found == 15


@settings(max_examples=30, deadline=None)
@given(wraps=WRAPS)
async def test_awaiting_a_later__settles_what_its_conversion_answers(wraps):
    # given: a Later whose conversion answers an awaitable
    future = asyncio.get_running_loop().create_future()
    future.set_result("row")
    later = Later(future, lambda row: wrapped(f"{row} of a row", wraps))
    # when
    found = await later
    # then
    assert found == "row of a row"


@strawberry.type
class Rep:
    email: str


def _rep_later() -> Any:
    """A row that leads to another: what `Location.effectiveSalesRep` answers."""
    future = asyncio.get_running_loop().create_future()
    future.set_result("customer row")
    return then(future, lambda _customer: wrapped(Rep(email="rep@example.com"), ["pending", "later"]))


@strawberry.type
class Query:
    @strawberry.field
    def rep(self) -> Rep | None:
        return _rep_later()

    @strawberry.field
    async def async_rep(self) -> Rep | None:
        return _rep_later()  # an async resolver answering an awaitable: Strawberry awaits only once

    @strawberry.field
    def reps(self) -> list[Rep]:
        return [_rep_later(), Rep(email="plain@example.com")]


SCHEMA = strawberry.Schema(query=Query, execution_context_class=SettlingExecutionContext)
EXPECTED = {"rep": {"email": "rep@example.com"}, "asyncRep": {"email": "rep@example.com"},
            "reps": [{"email": "rep@example.com"}, {"email": "plain@example.com"}]}


async def test_graphql_core__settles_awaitables_that_answer_awaitables():
    # given
    document = parse("{ rep { email } asyncRep { email } reps { email } }")
    # when
    result = await execute(SCHEMA._schema, document, executor_class=SettlingExecutionContext)
    # then
    assert not result.errors, result.errors
    assert result.data == EXPECTED


async def test_lean_executor__settles_awaitables_that_answer_awaitables():
    # given: the lean executor on the same schema (its context: what a walk reads); a list of
    # awaitables is not lean's to answer (graphql-core does), none of the schema's lists is one
    document = parse("{ rep { email } asyncRep { email } }")
    compiled = LeanExecutor(SCHEMA).compile(document, document.definitions[0])
    context = SimpleNamespace(settings=SimpleNamespace(base_currency="USD"), loaders=SimpleNamespace())
    # when
    data = await compiled.execute(context, {})
    # then
    assert data == {"rep": EXPECTED["rep"], "asyncRep": EXPECTED["asyncRep"]}


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Person(Named):
    pass


@strawberry.type
class Wrong:
    @strawberry.field
    def person(self) -> Person:
        return Rep(email="rep@example.com")  # type: ignore[return-value]


async def test_graphql_core__a_value_its_type_cannot_hold_is_a_bug_not_bad_input():
    # given: a resolver answering an object of another type (as a `Later` once was)
    schema = strawberry.Schema(query=Wrong, execution_context_class=SettlingExecutionContext)
    # when
    result = execute(schema._schema, parse("{ person { name } }"), executor_class=SettlingExecutionContext)
    result = await result if not isinstance(result, ExecutionResult) else result
    # then: an error with a cause, which the server masks as INTERNAL_SERVER_ERROR and logs
    assert result.data is None
    assert isinstance(result.errors[0].original_error, TypeError)
    assert "Expected value of type 'Person'" in result.errors[0].message
