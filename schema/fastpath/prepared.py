"""Statements a process runs again and again, run on SQLite without SQLAlchemy's execution.

The reads of a request are a few statements built once per shape (`schema/fastpath/reader.py` `shape`)
and executed thousands of times with new parameters. For each execution SQLAlchemy looks the
compiled form up in its cache, builds an execution context, processes and expands the
parameters, fires events, then makes a `Row` of every row through its result metadata: about
0.4 ms of the event loop's time a statement, and more for large results, against 0.2 ms for
the statement itself on SQLite (docs/performance.md).

A statement seen a second time is compiled once here, with SQLAlchemy's own compiler, into what
the driver receives: the text (its expanding `IN` lists written out for each length asked),
where each parameter comes from (the caller's value or the statement's constant) and its bind
processor, and the result processor of each column. Running it is then one call into
aiosqlite's thread and one pass over the rows to make records. A statement seen once runs
through SQLAlchemy, so a statement built for one request costs no compiling here; and one this
cannot take (literal execution, tuples, an empty `IN` list, columns without names a record can
have) always does.

`tests/test_prepared.py` checks that the text and parameters are exactly those SQLAlchemy
sends; the request log counts and times these statements as it does the others.
"""

from __future__ import annotations

import functools
import sqlite3
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import sqltypes

from schema.fastpath import selfcheck
from schema.fastpath.sqlite_driver import idle
from server.db.engine import current_log

_NOT_PREPARED: Any = object()  # seen and refused: always through SQLAlchemy
_TEXTS_PER_STATEMENT = 64  # texts kept per statement, one per combination of list lengths


class Prepared:
    """One statement as the driver receives it."""

    __slots__ = ("string", "sources", "expanding", "width", "texts", "make", "short")

    def __init__(
        self,
        string: str,
        sources: list[tuple[Any, ...]],
        expanding: tuple[str, ...],
        width: int,
        make: Callable[[list[tuple[Any, ...]]], list[Any]],
    ) -> None:
        self.string = string
        # per position: (the caller's key, its default or a _Constant, bind processor, is a list)
        self.sources = sources
        self.expanding = expanding  # the caller's lists, in the order their lengths key `texts`
        self.width = width  # the result's columns
        self.texts: dict[tuple[int, ...], str] = {}
        self.make = make
        self.short = False  # its last run took less than SHORT_SECONDS

    def text(self, params: Mapping[str, Any]) -> str | None:
        """The text for the lengths of the caller's lists (None: an empty list, for SQLAlchemy)."""
        lengths = tuple(len(params[key]) for key in self.expanding)
        found = self.texts.get(lengths)
        if found is None:
            if 0 in lengths:
                return None
            found = self.string
            for key, length in zip(self.expanding, lengths, strict=True):
                found = found.replace(f"__[POSTCOMPILE_{key}]", ", ".join("?" * length))
            if len(self.texts) < _TEXTS_PER_STATEMENT:
                self.texts[lengths] = found
        return found

    def parameters(self, params: Mapping[str, Any]) -> list[Any]:
        values: list[Any] = []
        for key, default, processor, expanding in self.sources:
            if type(default) is _Constant:
                value = default.value
            else:
                value = params.get(key, default)
                if processor is not None:
                    value = [processor(v) for v in value] if expanding else processor(value)
            if expanding:
                values.extend(value)
            else:
                values.append(value)
        return values


VERIFY = False  # tests/conftest.py: every prepared read is run through SQLAlchemy too and compared

_seen: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def prepared(
    statement: Any, dialect: Dialect, record: Callable[[tuple[str, ...]], Any]
) -> Prepared | None:
    """The statement's prepared form from its second execution on; None: run it through SQLAlchemy.

    `record(keys)` gives the record maker for the result's column names (None when they cannot
    be a record's)."""
    try:
        found = _seen.get(statement)
    except TypeError:  # not weakly referenceable
        return None
    if found is None:
        _seen[statement] = False
        return None
    if found is False:
        found = _seen[statement] = _prepare(statement, dialect, record) or _NOT_PREPARED
    return None if found is _NOT_PREPARED else found


def ready(statement: Any) -> Prepared | None:
    """The statement's prepared form if it has one already (nothing is marked or compiled)."""
    try:
        found = _seen.get(statement)
    except TypeError:
        return None
    return found if isinstance(found, Prepared) else None


def _prepare(
    statement: Any, dialect: Dialect, record: Callable[[tuple[str, ...]], Any]
) -> Prepared | None:
    if any(_is_entity(d) for d in getattr(statement, "column_descriptions", ())):
        return None  # ORM objects, not rows
    compiled = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or not compiled.positional or not compiled._result_columns:
        return None
    string = compiled.string
    sources: list[tuple[Any, ...]] = []
    expanding: list[str] = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        processor = compiled._bind_processors.get(name)
        if bind.callable is not None or (bind.expanding and bind.type._is_tuple_type):
            return None
        if name == bind.key:  # the caller's (or, when the caller leaves it out, its default)
            sources.append((name, bind.value, processor, bind.expanding))
            if bind.expanding and name not in expanding:
                expanding.append(name)
            continue
        # the statement's own constant, processed once
        if not bind.expanding:
            sources.append(
                (
                    name,
                    _Constant(bind.value if processor is None else processor(bind.value)),
                    None,
                    False,
                )
            )
            continue
        if not bind.value:
            return None
        values = [v if processor is None else processor(v) for v in bind.value]
        string = string.replace(f"__[POSTCOMPILE_{name}]", ", ".join("?" * len(values)))
        sources.append((name, _Constant(values), None, True))
    columns = compiled._result_columns
    make_record = record(tuple(column.keyname for column in columns))
    if make_record is None:
        return None
    processors = [
        _lookup_or(column.type, column.type._cached_result_processor(dialect, None))
        for column in columns
    ]
    return Prepared(
        string, sources, tuple(expanding), len(columns), _maker(make_record, processors)
    )


def _lookup_or(type_: Any, processor: Any) -> Any:
    """An enum column's processor as the dict it looks values up in (a subscript instead of two
    calls a value), when the dict gives what the processor does; else the processor."""
    lookup = getattr(type_, "_object_lookup", None)
    if processor is None or not isinstance(type_, sqltypes.Enum) or not isinstance(lookup, dict):
        return processor
    lookup = dict(lookup)
    if lookup.get(None, 0) is not None or any(
        processor(key) is not value for key, value in lookup.items()
    ):
        return processor
    return lookup


def _is_entity(description: Mapping[str, Any]) -> bool:
    kind = description.get("type")
    return isinstance(kind, type) and hasattr(kind, "__mapper__")


class _Constant:
    """A value the statement itself holds (a literal it was built with)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _maker(
    make_record: Callable[[Any], Any], processors: list[Any]
) -> Callable[[list[tuple[Any, ...]]], list[Any]]:
    """Rows to records, each column through its result processor: one generated comprehension."""
    if not any(processors):
        return functools.partial(_plain, make_record)
    names: dict[str, Any] = {"make": make_record}
    parts = []
    for i, processor in enumerate(processors):
        if processor is None:
            parts.append(f"r[{i}]")
        elif isinstance(processor, dict):  # an enum's values (`_lookup_or`)
            names[f"p{i}"] = processor
            parts.append(f"p{i}[r[{i}]]")
        else:
            names[f"p{i}"] = processor
            parts.append(f"p{i}(r[{i}])")
    source = f"def make_all(rows):\n    return [make(({', '.join(parts)},)) for r in rows]\n"
    exec(compile(source, "<prepared records>", "exec"), names)
    return names["make_all"]


def _plain(make_record: Callable[[Any], Any], rows: list[tuple[Any, ...]]) -> list[Any]:
    return [make_record(row) for row in rows]


def sqlite_driver(connection: Any) -> Any:
    """aiosqlite's connection when it has what `run` uses (else None: SQLAlchemy runs everything)."""
    return connection if selfcheck.check() else None


# A statement that took less than this last time runs on the event loop's thread when the
# connection's thread is idle (schema/fastpath/sqlite_driver.py): a hand-off to the thread and back
# costs 0.1 to 0.2 ms, more than such a statement; a longer one is worth running beside the
# loop's own work. Learned per statement from each run, so one that grows goes back to the thread.
SHORT_SECONDS = 0.0005


async def run(
    driver: Any, statement: Prepared, params: Mapping[str, Any], dialect: Dialect
) -> list[Any] | None:
    """The records of a prepared statement, read with one call into aiosqlite's thread (or on
    this thread, when it is short and the connection's thread idle); None when SQLAlchemy has
    to run it (an empty list parameter)."""
    job = _Job.of(driver, statement, params, dialect)
    if job is None:
        return None
    return job.records(job.run() if statement.short and idle(driver) else await job.run_in_thread())


def run_now(
    driver: Any, statement: Prepared, params: Mapping[str, Any], dialect: Dialect
) -> list[Any] | None:
    """The records of a short prepared statement, read on this thread at once when the
    connection's thread is idle; None when it cannot be (then `run` it)."""
    if not statement.short or not idle(driver):
        return None
    job = _Job.of(driver, statement, params, dialect)
    return None if job is None else job.records(job.run())


class _Job:
    """One execution of a prepared statement: logged as it is sent, timed until its rows are fetched."""

    __slots__ = ("driver", "statement", "text", "values", "dialect", "log")

    def __init__(
        self, driver: Any, statement: Prepared, text: str, values: list[Any], dialect: Dialect
    ) -> None:
        self.driver, self.statement, self.text, self.values, self.dialect = (
            driver,
            statement,
            text,
            values,
            dialect,
        )
        self.log = current_log.get()
        if self.log is not None:
            self.log.statements += 1
            if self.log.keep_texts:
                self.log.texts.append(text)
                self.log.params.append(tuple(values))

    @classmethod
    def of(
        cls, driver: Any, statement: Prepared, params: Mapping[str, Any], dialect: Dialect
    ) -> _Job | None:
        text = statement.text(params)
        return (
            None
            if text is None
            else cls(driver, statement, text, statement.parameters(params), dialect)
        )

    def fetch(self) -> list[tuple[Any, ...]]:  # in aiosqlite's thread, or this one
        began = time.perf_counter()
        cursor = self.driver._conn.cursor()
        try:
            cursor.execute(self.text, self.values)
            return cursor.fetchall()
        finally:
            cursor.close()
            self.statement.short = time.perf_counter() - began < SHORT_SECONDS

    def run(self) -> list[tuple[Any, ...]]:
        started = time.perf_counter()
        try:
            return self.fetch()
        except sqlite3.Error as error:
            raise self._error(error) from error
        finally:
            self._timed(started)

    async def run_in_thread(self) -> list[tuple[Any, ...]]:
        started = time.perf_counter()
        try:
            return await self.driver._execute(self.fetch)
        except sqlite3.Error as error:
            raise self._error(error) from error
        finally:
            self._timed(started)

    def _timed(self, started: float) -> None:
        if self.log is not None:
            self.log.seconds += time.perf_counter() - started

    def _error(self, error: sqlite3.Error) -> exc.StatementError:
        return exc.DBAPIError.instance(
            self.text, self.values, error, sqlite3.Error, dialect=self.dialect
        )

    def records(self, rows: list[tuple[Any, ...]]) -> list[Any]:
        statement = self.statement
        if (
            rows and len(rows[0]) != statement.width
        ):  # the compiled columns are not the rows' columns
            raise exc.InvalidRequestError(
                f"a prepared statement returned {len(rows[0])} columns, "
                f"not {statement.width}: {self.text[:200]}"
            )
        return statement.make(rows)
