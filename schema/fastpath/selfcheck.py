"""At start-up: are the private names the fast path uses still there in the installed libraries?

The fast path leans on names that aiosqlite, SQLAlchemy, Strawberry and aiodataloader do not
promise to keep (pyproject.toml pins their versions exactly; `scripts/lock` moves them). An
upgrade that drops or renames one would break it in ways a test may not show on the day, so
`check()` touches every one of them once a process: the names each module here reads, and a
statement compiled as `prepared` compiles it. When one is missing it logs one warning naming
them all, and `ON` turns False: the app serves every request on the standard path (graphql-core
and SQLAlchemy's own aiosqlite adapter, loaders as aiodataloader has them), correct and slower.

Strawberry's `Schema._schema` is checked too, but the standard executor needs it as much: without
it the app cannot start (decision 59).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from typing import Any

log = logging.getLogger("clientele.fastpath")

# False once `check` found a name missing: the loaders (`server/loaders.py` `ready`) then read
# nothing of aiodataloader's insides; the engine and the app choose the standard path themselves.
ON = True
_checked: list[str] | None = None


def check() -> bool:
    """Whether the fast path may run; the first call of a process probes and, on a mismatch,
    warns once (`forget()` makes the next call probe again)."""
    global ON, _checked
    if _checked is None:
        _checked = missing()
        ON = not _checked
        if _checked:
            log.warning(
                "fast path off, every request takes the standard path (correct, slower): "
                "the installed libraries lack %s; pyproject.toml pins the versions it was "
                "written for",
                ", ".join(_checked),
            )
    return ON


def forget() -> None:
    """Probe again at the next `check()` (the tests)."""
    global ON, _checked
    ON, _checked = True, None


def missing() -> list[str]:
    """Each private name the fast path uses that the installed libraries lack, by where it lives."""
    gone: list[str] = []
    for where, probe in PROBES:
        try:
            gone += probe()
        except Exception:  # noqa: BLE001 - whatever a changed library raises, the names are not there
            gone.append(where)
    return gone


def _lacks(owner: Any, where: str, *names: str) -> list[str]:
    return [f"{where}.{name}" for name in names if not hasattr(owner, name)]


# --------------------------------------------------------------------------- aiosqlite
# sqlite_driver.py and prepared.py run statements in aiosqlite's thread through `_execute`, on
# its sqlite3 connection `_conn`; the job count reads `_running` and `_connection`.


def _aiosqlite() -> list[str]:
    import aiosqlite

    never_started = aiosqlite.Connection(lambda: sqlite3.connect(":memory:"), 64)
    return _lacks(aiosqlite.Connection, "aiosqlite.Connection", "_execute", "_conn") + _lacks(
        never_started, "aiosqlite.Connection()", "_running", "_connection"
    )


# --------------------------------------------------------------------------- SQLAlchemy
# sqlite_driver.py subclasses the aiosqlite adapter's cursor and connection and overrides or
# reads these; prepared.py compiles statements and reads the compiled form's insides.


def _adapter() -> list[str]:
    from sqlalchemy.dialects.sqlite import aiosqlite as adapter

    cursor, connection = (
        adapter.AsyncAdapt_aiosqlite_cursor,
        adapter.AsyncAdapt_aiosqlite_connection,
    )
    return _lacks(
        cursor,
        "sqlalchemy AsyncAdapt_aiosqlite_cursor",
        "_make_new_cursor",
        "_aenter_cursor",
        "_execute_async",
        "_executemany_async",
        "_cursor",
        "_connection",
        "_rows",
    ) + _lacks(
        connection,
        "sqlalchemy AsyncAdapt_aiosqlite_connection",
        "_cursor_cls",
        "_connection",
        "_handle_exception",
    )


def _compiled() -> list[str]:
    from sqlalchemy import Column, Enum, Integer, MetaData, Table, bindparam, select
    from sqlalchemy.dialects import sqlite

    table = Table("probe", MetaData(), Column("id", Integer), Column("kind", Enum("A", "B")))
    statement = select(table.c.id, table.c.kind).where(
        table.c.id.in_(bindparam("ids", expanding=True)), table.c.kind == "A"
    )
    compiled = statement.compile(dialect=sqlite.dialect())
    where = "sqlalchemy SQLCompiler"
    gone = _lacks(
        compiled,
        where,
        "positional",
        "positiontup",
        "binds",
        "literal_execute_params",
        "_bind_processors",
        "_result_columns",
    )
    if gone:
        return gone
    if "__[POSTCOMPILE_ids]" not in compiled.string:
        gone.append(f"{where}.string's __[POSTCOMPILE_<name>] for an expanding IN")
    gone += _lacks(compiled.binds["ids"], "sqlalchemy BindParameter", "callable", "expanding")
    for column in compiled._result_columns:
        gone += _lacks(column, "sqlalchemy SQLCompiler._result_columns[]", "keyname", "type")
        gone += _lacks(
            column.type, "sqlalchemy TypeEngine", "_cached_result_processor", "_is_tuple_type"
        )
    return sorted(set(gone))


# --------------------------------------------------------------------------- Strawberry
# lean.py reads the graphql-core schema a Strawberry schema built, each field's Strawberry
# definition from its extensions (its resolver's function, its arguments' names), a value's
# type definition, and converts arguments as Strawberry's executor does.


def _strawberry() -> list[str]:
    import strawberry
    from strawberry.types import arguments

    @strawberry.type
    class Query:
        @strawberry.field
        def echo(self, text: str) -> str:
            return text

    schema = strawberry.Schema(query=Query)
    gone = _lacks(arguments, "strawberry.types.arguments", "convert_arguments")
    gone += _lacks(schema, "strawberry Schema", "_schema", "schema_converter", "config")
    gone += _lacks(Query, "a strawberry type", "__strawberry_definition__")
    if gone:
        return gone
    query = schema._schema.query_type
    field = None if query is None else query.fields["echo"].extensions.get("strawberry-definition")
    if field is None:
        return ["strawberry's GraphQL field extensions['strawberry-definition']"]
    where = "strawberry StrawberryField"
    gone = _lacks(field, where, "base_resolver", "metadata", "python_name", "arguments")
    gone += _lacks(field.base_resolver, f"{where}.base_resolver", "wrapped_func")
    gone += _lacks(
        field.arguments[0], "strawberry StrawberryArgument", "python_name", "graphql_name"
    )
    if gone:
        return gone
    converted = arguments.convert_arguments(  # as lean.py `Run.kwargs` calls it
        {"text": "x"},
        field.arguments,
        scalar_registry=schema.schema_converter.scalar_registry,
        config=schema.config,
    )
    return (
        []
        if converted == {"text": "x"}
        else ["strawberry convert_arguments(…) as lean.py calls it"]
    )


def _graphql() -> list[str]:
    from graphql.execution import values

    return _lacks(values, "graphql.execution.values", "get_argument_values", "get_variable_values")


# --------------------------------------------------------------------------- aiodataloader
# server/batching.py holds a loader's queue in the request's gate and dispatches it itself;
# server/loaders.py reads a loader's cache (`ready`) and cancels its queue (`cancel`).


def _aiodataloader() -> list[str]:
    import aiodataloader

    async def batch(keys: list[Any]) -> list[Any]:
        return keys

    loop = asyncio.new_event_loop()  # else it asks for the current one, and may make one
    try:
        loader = aiodataloader.DataLoader(batch_load_fn=batch, loop=loop)
    finally:
        loop.close()
    gone = _lacks(loader, "aiodataloader DataLoader()", "_cache", "_queue", "do_resolve_reject")
    gone += _lacks(aiodataloader, "aiodataloader", "dispatch_queue", "Loader")
    if not gone and getattr(aiodataloader.Loader, "_fields", None) != ("key", "future"):
        gone.append("aiodataloader.Loader(key, future)")
    return gone


PROBES: list[tuple[str, Callable[[], list[str]]]] = [
    ("aiosqlite.Connection", _aiosqlite),
    ("sqlalchemy's aiosqlite adapter", _adapter),
    ("sqlalchemy's compiled statement", _compiled),
    ("strawberry's Schema", _strawberry),
    ("graphql.execution.values", _graphql),
    ("aiodataloader.DataLoader", _aiodataloader),
]
