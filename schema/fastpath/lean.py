"""A lean executor for validated queries made of plain fields.

graphql-core spends 10-25 µs on every resolved field, whatever the field does; a page of 50
customers has thousands of them. This executor compiles a document's selection sets once into
plans that know, for each field, whether it is an attribute or a resolver, how to convert its
arguments and how to serialize its value, then walks the data level by level. Loads started on
one level are awaited together before the next level starts, so DataLoader batching works as in
the standard executor.

It runs only queries; a document it does not handle (directives, introspection beyond
`__typename`) compiles to an `Unsupported` and runs on graphql-core. Whenever a field raises
or returns what the standard executor would reject, `Unsupported` is raised and the caller runs
the request again on graphql-core, which answers with the standard errors; the loaders keep what
the first attempt loaded, so the second attempt costs little SQL. `tests/conftest.py` runs every
query of the test suite through both executors and compares the answers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import enum
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy.exc import DBAPIError

try:
    from strawberry.types.arguments import convert_arguments
except ImportError:  # pragma: no cover - selfcheck finds it missing: the app makes no LeanExecutor
    convert_arguments = None  # type: ignore[assignment]  # absent: no lean executor

from schema.base import Later, then
from schema.fastpath.renderable import Rendered
from schema.fastpath.renderable import statement as rendered_statement
from schema.fields import NAMES as EXPRESSION_NAMES
from schema.fields import Expression
from server.batching import GATE, Gate
from server.loaders import ready


class Unsupported(Exception):
    """The lean executor cannot answer this request; the standard executor will."""

    @property
    def reason(self) -> str:
        """Why, in a few words from a small set (the fallbacks are counted by it): what the
        walk cannot do ("directives", "null for non-null Customer.name"), or the kind of error a
        field raised ("a field raised FORBIDDEN"), never the error's own message."""
        cause = self.__cause__
        if cause is None:
            return str(self)
        code = (getattr(cause, "extensions", None) or {}).get("code")
        return f"a field raised {code or type(cause).__name__}"

    @property
    def database_failed(self) -> bool:
        """A statement failed: on PostgreSQL the read transaction is aborted, to begin again."""
        return isinstance(self.__cause__, DBAPIError)


@dataclass
class Info:
    """What our resolvers read from `info`: the request context."""

    context: Any


@dataclass
class FieldPlan:
    key: str
    name: str
    attribute: str | None  # read this attribute, or call `resolver`
    resolver: Callable[..., Any] | None
    wants_info: bool
    node: FieldNode
    definition: Any
    strawberry_field: Any
    complete: Callable[[Any, Run, list[Any]], Any] = field(repr=False, default=None)  # type: ignore[assignment]  # set when the plan is made
    has_arguments: bool = False
    expression: Expression | None = None  # a field of schema/fields.py: written into the walk


@dataclass
class Plan:
    """How to answer one selection set on one object type."""

    type_name: str
    fields: list[FieldPlan]
    _walk: Callable[[Any, Run, list[Any]], dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def walk(self) -> Callable[[Any, Run, list[Any]], dict[str, Any]]:
        """The selection set as one generated function of (source, run, queue): no loop over
        fields, plain scalars checked inline, nested objects by their own walk."""
        if self._walk is None:
            self._walk = _generate(self)
        return self._walk


class LeanExecutor:
    def __init__(self, strawberry_schema: Any) -> None:
        self.strawberry_schema = strawberry_schema
        self.schema: GraphQLSchema = strawberry_schema._schema

    def compile(
        self, document: DocumentNode, operation: OperationDefinitionNode
    ) -> Compiled | Unsupported | None:
        """The document's plans; None for a mutation (never lean's), or why a query cannot be lean."""
        if operation.operation is not OperationType.QUERY:
            return None
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        query = self.schema.query_type
        if query is None:
            return Unsupported("no query type")
        try:
            compiled = Compiled(self, fragments, operation.variable_definitions or ())
            compiled.root = root = compiled.plan(query, [operation.selection_set])
        except Unsupported as unsupported:
            return unsupported
        compiled.references = _page_references(root)
        return compiled


class Compiled:
    """A document's plans; abstract types get a plan per concrete type, made when first met."""

    def __init__(
        self,
        executor: LeanExecutor,
        fragments: dict[str, FragmentDefinitionNode],
        variable_definitions: Any,
    ) -> None:
        self.executor = executor
        self.variable_definitions = variable_definitions
        self.schema = executor.schema
        self.fragments = fragments
        self.root: Plan | None = None
        self._abstract: dict[tuple[int, str], Plan] = {}
        self.references: frozenset[str] = frozenset()  # see `_page_references`

    # ---------------------------------------------------------------- compile

    def plan(self, object_type: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> Plan:
        grouped: dict[str, list[FieldNode]] = {}
        seen: set[str] = (
            set()
        )  # one for the field group's sub-selections, as graphql-core's collect_subfields
        for selection_set in selection_sets:
            self._collect(object_type, selection_set, grouped, seen)
        fields = [self._field(object_type, key, nodes) for key, nodes in grouped.items()]
        return Plan(object_type.name, fields)

    def _collect(
        self,
        object_type: GraphQLObjectType,
        selection_set: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
        seen: set[str],
    ) -> None:
        """The fields of a selection set by response key, in graphql-core's order. Each fragment is
        collected once per field group (`seen`), as graphql-core's `collect_fields` does: spread
        again, it adds nothing, so that fragments that spread a fragment twice do not double the
        work at each level. Without recursion: a chain of spreads is as deep as validation allows."""
        stack = [iter(selection_set.selections)]
        while stack:
            selection = next(stack[-1], None)
            if selection is None:
                stack.pop()
                continue
            if selection.directives:
                raise Unsupported("directives")
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, object_type):
                    stack.append(iter(selection.selection_set.selections))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen:
                    continue
                seen.add(name)
                fragment = self.fragments.get(name)
                if fragment is None:
                    raise Unsupported("fragment")
                if self._applies(fragment.type_condition, object_type):
                    stack.append(iter(fragment.selection_set.selections))

    def _applies(self, condition: Any, object_type: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        named = self.schema.get_type(condition.name.value)
        return named is object_type or (
            isinstance(named, GraphQLInterfaceType | GraphQLUnionType)
            and self.schema.is_sub_type(named, object_type)
        )

    def _field(self, object_type: GraphQLObjectType, key: str, nodes: list[FieldNode]) -> FieldPlan:
        name = nodes[0].name.value
        if name == "__typename":
            return FieldPlan(
                key,
                name,
                None,
                None,
                False,
                nodes[0],
                None,
                None,
                complete=lambda value, _run, _queue: value,
            )
        if name.startswith("__"):
            raise Unsupported("introspection")
        definition = object_type.fields[name]
        strawberry_field = definition.extensions.get("strawberry-definition")
        if strawberry_field is None:
            raise Unsupported("not a Strawberry field")
        spec = (strawberry_field.metadata or {}).get("rendered")
        if spec is not None and not definition.args:
            found = self._rendered(key, nodes, definition, strawberry_field, spec)
            if found is not None:
                return found
        resolver = strawberry_field.base_resolver
        function = resolver.wrapped_func if resolver is not None else None
        wants_info = function is not None and "info" in inspect.signature(function).parameters
        plan = FieldPlan(
            key,
            name,
            None if function else strawberry_field.python_name,
            function,
            wants_info,
            nodes[0],
            definition,
            strawberry_field,
            has_arguments=bool(definition.args),
            expression=(strawberry_field.metadata or {}).get("lean"),
        )
        sub_sets = [n.selection_set for n in nodes if n.selection_set is not None]
        plan.complete = self._completer(definition.type, sub_sets, f"{object_type.name}.{name}")
        return plan

    def _rendered(
        self,
        key: str,
        nodes: list[FieldNode],
        definition: Any,
        strawberry_field: Any,
        spec: Rendered,
    ) -> FieldPlan | None:
        """A list of child rows that the database writes as JSON, when every field selected of
        its items can be written so (`renderable`); the value is a `RenderedList`."""
        item = (
            definition.type.of_type
            if isinstance(definition.type, GraphQLNonNull)
            else definition.type
        )
        item = item.of_type if isinstance(item, GraphQLList) else None
        item = item.of_type if isinstance(item, GraphQLNonNull) else item
        if not isinstance(item, GraphQLObjectType):
            return None
        statement = rendered_statement(
            spec, self.plan(item, [n.selection_set for n in nodes if n.selection_set])
        )
        if statement is None:
            return None

        def resolve(source: Any, info: Info) -> Any:
            return then(ready(info.context.loaders.rendered(statement), source.row.id), _same)

        return FieldPlan(
            key,
            nodes[0].name.value,
            None,
            resolve,
            True,
            nodes[0],
            definition,
            strawberry_field,
            complete=lambda value, _run, _queue: value,
        )

    def _completer(
        self, graphql_type: Any, sub_sets: list[SelectionSetNode], where: str, nullable: bool = True
    ) -> Callable:
        if isinstance(graphql_type, GraphQLNonNull):
            return self._completer(graphql_type.of_type, sub_sets, where, nullable=False)
        inner = self._value_completer(graphql_type, sub_sets, where)
        if nullable:
            return inner

        def non_null(value: Any, run: Run, queue: list[Any]) -> Any:
            if value is None:
                raise Unsupported(f"null for non-null {where}")
            return inner(value, run, queue)

        # what the generated walk inlines (see `_generate`)
        non_null.plain, non_null.plan = getattr(inner, "plain", None), getattr(inner, "plan", None)  # type: ignore[attr-defined]  # a mark the walk reads
        non_null.enum = getattr(inner, "enum", None)  # type: ignore[attr-defined]  # a mark the walk reads
        non_null.text = getattr(inner, "text", None)  # type: ignore[attr-defined]  # a mark the walk reads
        non_null.int = getattr(inner, "int", None)  # type: ignore[attr-defined]  # a mark the walk reads
        non_null.items = getattr(inner, "items", None)  # type: ignore[attr-defined]  # a mark the walk reads
        return non_null

    def _value_completer(
        self, graphql_type: Any, sub_sets: list[SelectionSetNode], where: str
    ) -> Callable:
        """Completes a value that may be None (a non-null wrapper refuses None before)."""
        if isinstance(graphql_type, GraphQLList):
            item = self._completer(graphql_type.of_type, sub_sets, where)
            found: Plan | None = getattr(item, "plan", None)
            if (
                found is not None
            ):  # objects (documents' lines, a page's edges): each by its walk directly
                plan = found

                def objects(value: Any, run: Run, queue: list[Any]) -> Any:
                    if value is None:
                        return None
                    walk = plan.walk
                    return [
                        walk(v, run, queue) if v is not None else item(v, run, queue) for v in value
                    ]

                objects.items = plan  # type: ignore[attr-defined]  # a mark the walk reads
                return objects
            kind = getattr(item, "enum", None)
            if (
                kind is not None
            ):  # enums (a lead's allowed transitions): their names, without a call each
                return lambda value, run, queue: (
                    None
                    if value is None
                    else [v._name_ if type(v) is kind else item(v, run, queue) for v in value]
                )
            return lambda value, run, queue: (
                None if value is None else [item(v, run, queue) for v in value]
            )
        if isinstance(graphql_type, GraphQLScalarType):
            serialize = graphql_type.serialize
            plain = _PLAIN_SCALARS.get(graphql_type.name)
            if plain is not None:  # what graphql-core would return unchanged: no call
                kind, accepts = plain
                if accepts is None:

                    def plain_scalar(value: Any, _run: Run, _queue: list[Any]) -> Any:
                        return (
                            value
                            if type(value) is kind
                            else (None if value is None else serialize(value))
                        )

                    plain_scalar.plain = kind  # type: ignore[attr-defined]  # a mark the walk reads
                    return plain_scalar

                def checked_scalar(value: Any, _run: Run, _queue: list[Any]) -> Any:
                    return (
                        value
                        if type(value) is kind and accepts(value)
                        else (None if value is None else serialize(value))
                    )

                if kind is int:  # the walk checks the range inline
                    checked_scalar.int = True  # type: ignore[attr-defined]  # a mark the walk reads
                return checked_scalar
            text = _TEXT_SCALARS.get(graphql_type.name)

            def scalar_value(value: Any, _run: Run, _queue: list[Any]) -> Any:
                return None if value is None else serialize(value)

            if text is not None:  # the walk writes the text inline for a value of this type
                scalar_value.text = text  # type: ignore[attr-defined]  # a mark the walk reads
            return scalar_value
        if isinstance(graphql_type, GraphQLEnumType):
            serialize_enum = graphql_type.serialize

            def enum_value(value: Any, _run: Run, _queue: list[Any]) -> Any:
                return (
                    None
                    if value is None
                    else (value.name if hasattr(value, "name") else serialize_enum(value))
                )

            kind = getattr(graphql_type, "wrapped_cls", None)  # Strawberry's: the Python enum
            if isinstance(kind, type) and issubclass(
                kind, enum.Enum
            ):  # the walk writes `v._name_` inline
                enum_value.enum = kind  # type: ignore[attr-defined]  # a mark the walk reads
            return enum_value
        if isinstance(graphql_type, GraphQLObjectType):
            plan = self.plan(graphql_type, sub_sets)

            def object_value(value: Any, run: Run, queue: list[Any]) -> Any:
                return None if value is None else plan.walk(value, run, queue)

            object_value.plan = plan  # type: ignore[attr-defined]  # a mark the walk reads
            return object_value
        # an interface or union: the plan depends on the value's concrete type
        return lambda value, run, queue: (
            None
            if value is None
            else self._concrete(graphql_type, sub_sets, value).walk(value, run, queue)
        )

    def _concrete(self, abstract: Any, sub_sets: list[SelectionSetNode], value: Any) -> Plan:
        definition = getattr(type(value), "__strawberry_definition__", None)
        if definition is None:
            raise Unsupported("an abstract value without a Strawberry type")
        key = (id(sub_sets), definition.name)  # per field: two `node` fields may select differently
        plan = self._abstract.get(key)
        if plan is None:
            object_type = self.schema.get_type(definition.name)
            if not isinstance(object_type, GraphQLObjectType) or not self.schema.is_sub_type(
                abstract, object_type
            ):
                raise Unsupported("a value of a type outside the abstract type")
            plan = self._abstract[key] = self.plan(object_type, sub_sets)
        return plan

    async def execute(self, context: Any, variables: dict[str, Any]) -> dict[str, Any]:
        return await Run(self, context, variables).execute()


class Run:
    """One request's walk over a compiled document."""

    def __init__(self, compiled: Compiled, context: Any, variables: dict[str, Any]) -> None:
        self.compiled = compiled
        coerced = get_variable_values(compiled.schema, compiled.variable_definitions, variables)
        if isinstance(coerced, list):
            raise Unsupported("variables")
        self.variables = coerced
        self.info = Info(context)
        self.base_currency = context.settings.base_currency  # `base` of schema/fields.py
        self.arguments: dict[int, dict[str, Any]] = {}
        self.shared: dict[
            tuple[object, int], Any
        ] = {}  # answers of `shared` loaded fields (schema/fields.py)

    async def execute(self) -> dict[str, Any]:
        """Level by level. Each value is completed as soon as its statement has answered, while
        the level's next statements run in the driver's thread; the loads those completions
        start wait in the gate (server/batching.py) until the whole level is complete, so that
        each loader still reads the next level in one batch."""
        self.queue: list[Any] = []
        level: list[Any] = []
        loaders = self.info.context.loaders
        reads = [
            read
            for kind in self.compiled.references
            if (read := loaders.start_whole(kind)) is not None and not read.done()
        ]
        if (
            reads
        ):  # small tables read whole before the page (see `_page_references`); errors are met later
            await asyncio.wait(reads)
        root = self.compiled.root
        assert root is not None  # set by `LeanExecutor.compile`
        self.gate = gate = Gate()
        token = GATE.set(gate)
        try:
            data = root.walk(None, self, self.queue)
            gate.release()
            while self.queue:
                level, self.queue = self.queue, []
                for target, key, awaitable, plan in level:
                    value = self._done(awaitable)
                    if hasattr(value, "__await__"):
                        value = await self._settle(value)
                    if type(plan) is Fill:  # the fields that read one load (`key`: their object)
                        plan.fill(target, key, value, self, self.queue)
                    else:
                        target[key] = plan.complete(value, self, self.queue)
                gate.release()
            return data
        except Unsupported:
            for _target, _key, awaitable, _plan in [*level, *self.queue]:
                _close(awaitable)  # closing one already awaited does nothing
            raise
        finally:
            gate.release()  # what the standard executor will wait for, if it answers instead
            GATE.reset(token)

    @staticmethod
    def _done(value: Any) -> Any:
        """A `Later` whose future is done, converted without a coroutine (most of a level, once
        its first loader has answered); anything else as it is."""
        # (a Later's future is an asyncio future; schema/base.py types it as any awaitable)
        if type(value) is not Later or not value.future.done():  # type: ignore[attr-defined]  # an asyncio future (above)
            return value
        try:
            return value.convert(value.future.result())  # type: ignore[attr-defined]  # an asyncio future (above)
        except Exception as error:  # the standard executor reports it
            raise Unsupported(str(error)) from error

    async def _settle(self, value: Any) -> Any:
        """The value of what a resolver returned; a `Later` costs no coroutine of its own, and the
        fields that wait for one loader key share its future. Never waits for a load the gate
        holds: the loads of a conversion (a row that leads to another) or of a coroutine are
        dispatched first."""
        gate = self.gate
        try:
            while True:
                if type(value) is Later:
                    future: asyncio.Future[Any] = value.future  # type: ignore[assignment]  # see _done
                    if not future.done():
                        if future in gate.held:
                            gate.release()
                        await future
                    value = value.convert(future.result())
                elif hasattr(value, "__await__"):
                    gate.release()  # a coroutine loads and waits inside: without the gate
                    token = GATE.set(None)
                    try:
                        value = await value
                    finally:
                        GATE.reset(token)
                else:
                    return value
        except Unsupported:
            raise
        except Exception as error:  # the standard executor reports it
            raise Unsupported(str(error)) from error

    def object(self, plan: Plan, source: Any, queue: list[Any]) -> dict[str, Any]:
        return plan.walk(source, self, queue)

    def kwargs(self, plan: FieldPlan) -> dict[str, Any]:
        """A field's arguments converted as Strawberry would, once per request and field node."""
        found = self.arguments.get(id(plan))
        if found is None:
            raw = get_argument_values(plan.definition, plan.node, self.variables)
            schema = self.compiled.executor.strawberry_schema
            found = convert_arguments(
                raw,
                plan.strawberry_field.arguments,
                scalar_registry=schema.schema_converter.scalar_registry,
                config=schema.config,
            )
            found = {_python_name(plan, name): value for name, value in found.items()}
            self.arguments[id(plan)] = found
        return found


def _page_references(root: Plan) -> frozenset[str]:
    """The kinds of row that the items of the document's root lists and pages refer to (a lead
    page's programs, sources and users). Those of `WHOLE_TABLES` are read when the request
    starts, before the page's statement (server/loaders.py `start_whole`), so that the walk of
    the page answers them at once: the many rows of a root page name few of them. A single root
    object (a customer's screen) reads them when they are named, as its tabs may be empty."""

    def kinds(plan: Plan, seen: set[int]) -> set[str]:
        if id(plan) in seen:
            return set()
        seen.add(id(plan))
        found = {
            fp.expression.reference
            for fp in plan.fields
            if fp.expression is not None and fp.expression.reference is not None
        }
        for fp in plan.fields:
            nested = getattr(fp.complete, "plan", None) or getattr(fp.complete, "items", None)
            if nested is not None:
                found |= kinds(nested, seen)
        return found

    found: set[str] = set()
    for fp in root.fields:
        items, one = getattr(fp.complete, "items", None), getattr(fp.complete, "plan", None)
        page = (
            items
            if items is not None
            else one
            if one is not None and one.type_name.endswith("Connection")
            else None
        )
        if page is not None:
            found |= kinds(page, set())
    return frozenset(found)


def _generate(plan: Plan) -> Callable[[Any, Run, list[Any]], dict[str, Any]]:
    """Python source for answering `plan` on one object, compiled once per plan.

    Per field: an attribute is read, or the resolver called; a value that is still loading (a
    `Later`, a coroutine) leaves None and goes on the queue with where it belongs; a plain
    scalar of the expected Python type is taken as it is; anything else goes through the
    field's completer. The fields that read one load (schema/fields.py `loaded_field`) share it:
    computed at once when it is loaded, else filled in together by one queue entry (`Fill`).
    Any exception means the standard executor must answer (`Unsupported`).
    """
    names: dict[str, Any] = {
        **EXPRESSION_NAMES,
        "Later": Later,
        "Unsupported": Unsupported,
        "TYPE_NAME": plan.type_name,
        "Future": asyncio.Future,
        "same": _same,
    }
    body: list[str] = []
    entries: list[str] = []
    pending: list[str] = []
    sources: set[str] = set()
    loads: dict[str, list[tuple[int, FieldPlan]]] = {}
    for i, fp in enumerate(plan.fields):
        if fp.expression is not None and fp.expression.load is not None:
            loads.setdefault(fp.expression.load, []).append((i, fp))
    for i, fp in enumerate(plan.fields):
        names[f"f{i}"], names[f"c{i}"] = fp, fp.complete
        key = repr(fp.key)
        entries.append(f"{key}: v{i}")
        if fp.resolver is None and fp.attribute is None:  # __typename
            body.append(f"v{i} = TYPE_NAME")
            continue
        if fp.expression is not None:
            sources |= fp.expression.sources()
            load = fp.expression.load
            if load is not None:
                if (
                    loads[load][0][0] == i
                ):  # the load's first field: all of them here, in field order
                    _load_lines(plan, len(pending), load, loads[load], names, body, pending)
                continue
            body += _expression_lines(fp, i, names)
        elif fp.resolver is None:
            body.append(f"v = source.{fp.attribute}")
            body += _completion_lines(fp, i, names)
        else:
            names[f"r{i}"] = fp.resolver
            arguments = ", run.info" if fp.wants_info else ""
            arguments += f", **run.kwargs(f{i})" if fp.has_arguments else ""
            body.append(f"v = r{i}(source{arguments})")
            body.append("if type(v) is Later or hasattr(v, '__await__'):")
            body.append(f"    a{i} = v")
            body.append(f"    v{i} = None")
            body.append("else:")
            body.append(f"    a{i} = None")
            body += [f"    {line}" for line in _completion_lines(fp, i, names)]
            pending.append(
                f"if v{i} is None and a{i} is not None: queue.append((result, {key}, a{i}, f{i}))"
            )
    lines = ["def walk(source, run, queue):", "    try:"]
    shared = any(fp.expression.shared for group in loads.values() for _i, fp in group)  # type: ignore[union-attr]  # loads have an expression
    lines += [f"        {line}" for line in _bind(sources, ctx=bool(loads), shared=shared)]
    lines += [f"        {line}" for line in body]
    lines.append("        result = {" + ", ".join(entries) + "}")
    lines += [f"        {line}" for line in pending]
    lines += [
        "        return result",
        "    except Unsupported:",
        "        raise",
        "    except Exception as error:",
        "        raise Unsupported(str(error)) from error",
    ]
    exec(compile("\n".join(lines), f"<lean walk of {plan.type_name}>", "exec"), names)
    return names["walk"]


def _load_lines(
    plan: Plan,
    n: int,
    load: str,
    fields: list[tuple[int, FieldPlan]],
    names: dict[str, Any],
    body: list[str],
    pending: list[str],
) -> None:
    """One load for the fields that read it: computed now when it is loaded, else one entry of
    the next level fills them all in (its place in the queue: that of the first field)."""
    lines = [line for i, fp in fields for line in _expression_lines(fp, i, names)]
    names[f"fill{n}"] = Fill(plan, load, fields, lines, names)
    body.append(f"it = {load}")
    body.append("if isinstance(it, Future):")
    body.append(f"    p{n} = Later(it, same)")
    body += [f"    v{i} = None" for i, _fp in fields]
    body.append("else:")
    body.append(f"    p{n} = None")
    body += [f"    {line}" for line in lines]
    pending.append(f"if p{n} is not None: queue.append((result, source, p{n}, fill{n}))")


def _expression_lines(fp: FieldPlan, i: int, names: dict[str, Any]) -> list[str]:
    """Lines setting `v{i}` from the field's expression (schema/fields.py)."""
    money = _inline_money(fp, getattr(fp.complete, "plan", None), i)
    if money is not None:
        return money
    assert fp.expression is not None
    lines = [f"v = ({fp.expression.text})", *_completion_lines(fp, i, names)]
    if not (fp.expression.shared and getattr(fp.complete, "plan", None) is not None):
        return lines
    # one answer per loaded value (a referenced row) and field, shared (`Run.shared`); the rows
    # stay in the loaders' caches for the request, so their ids are not reused meanwhile
    names[f"k{i}"] = object()  # this field's own key
    return [
        f"v{i} = shared.get((k{i}, id(it)))",
        f"if v{i} is None:",
        *(f"    {line}" for line in lines),
        f"    if v{i} is not None: shared[(k{i}, id(it))] = v{i}",
    ]


def _completion_lines(fp: FieldPlan, i: int, names: dict[str, Any]) -> list[str]:
    """Lines setting `v{i}` from `v`: plain scalars as they are, objects by their walk."""
    plain = getattr(fp.complete, "plain", None)
    nested = getattr(fp.complete, "plan", None)
    kind = getattr(fp.complete, "enum", None)
    if plain is not None:
        names[f"t{i}"] = plain
        return [f"v{i} = v if type(v) is t{i} else c{i}(v, run, queue)"]
    if kind is not None:
        names[f"e{i}"] = kind
        return [
            f"v{i} = v._name_ if type(v) is e{i} else c{i}(v, run, queue)"
        ]  # `name` is a slower descriptor
    if getattr(fp.complete, "int", None):  # GraphQL's Int: 32 bits
        return [
            f"v{i} = v if type(v) is int and -2147483648 <= v <= 2147483647 else c{i}(v, run, queue)"
        ]
    text = getattr(fp.complete, "text", None)
    if text is not None:
        names[f"s{i}"] = text[0]
        return [f"v{i} = {text[1]} if type(v) is s{i} else c{i}(v, run, queue)"]
    if nested is not None:
        names[f"w{i}"] = nested.walk
        return [f"v{i} = w{i}(v, run, queue) if v is not None else c{i}(v, run, queue)"]
    return [f"v{i} = c{i}(v, run, queue)"]


class Fill:
    """The fields of one object that read the same pending load, filled into its answer when the
    load is done: one entry of the next level for all of them."""

    __slots__ = ("fill",)

    def __init__(
        self,
        plan: Plan,
        load: str,
        fields: list[tuple[int, FieldPlan]],
        lines: list[str],
        names: dict[str, Any],
    ) -> None:
        sources: set[str] = set()
        for _i, fp in fields:
            assert fp.expression is not None
            sources |= fp.expression.sources()
        source = ["def fill(result, source, it, run, queue):", "    try:"]
        shared = any(fp.expression.shared for _i, fp in fields)  # type: ignore[union-attr]  # asserted above
        source += [f"        {line}" for line in _bind(sources, ctx=False, shared=shared)]
        source += [f"        {line}" for line in lines]
        source += [f"        result[{fp.key!r}] = v{i}" for i, fp in fields]
        source += [
            "    except Unsupported:",
            "        raise",
            "    except Exception as error:",
            "        raise Unsupported(str(error)) from error",
        ]
        exec(compile("\n".join(source), f"<lean fill of {plan.type_name}: {load}>", "exec"), names)
        self.fill = names["fill"]


def _same(value: Any) -> Any:
    return value


def _bind(sources: set[str], *, ctx: bool, shared: bool) -> list[str]:
    """Binds the names the fields' expressions read (schema/fields.py) at the top of a walk;
    `ctx` (the request context) for the loads of `loaded_field`s, `shared` for their answers."""
    found = {"row": "row = source.row", "obj": "obj = source", "base": "base = run.base_currency"}
    return (
        [line for name, line in found.items() if name in sources]
        + (["ctx = run.info.context"] if ctx else [])
        + (["shared = run.shared"] if shared else [])
    )


def _inline_money(fp: FieldPlan, nested: Plan | None, i: int) -> list[str] | None:
    """A Money field of an expression selected as plain fields of Money: the dict at once, without
    a Money object and its walk."""
    expression = fp.expression
    if (
        expression is None
        or expression.units is None
        or nested is None
        or nested.type_name != "Money"
    ):
        return None
    amount = "from_price" if expression.price else "from_minor"
    parts = {
        "amount": f"str({amount}(u))",
        "currency": f"({expression.currency})",
        "__typename": "'Money'",
    }
    if any(f.name not in parts for f in nested.fields):
        return None
    entries = ", ".join(f"{f.key!r}: {parts[f.name]}" for f in nested.fields)
    if isinstance(fp.definition.type, GraphQLNonNull):
        none = f"raise Unsupported('null for non-null {fp.name}')"
    else:
        none = f"v{i} = None"
    return [
        f"u = ({expression.units})",
        "if u is None:",
        f"    {none}",
        "else:",
        f"    v{i} = {{{entries}}}",
    ]


_INT_RANGE = range(-(2**31), 2**31)
# Scalars whose serialize returns a value of this type unchanged when it passes the check.
_PLAIN_SCALARS: dict[str, tuple[type, Callable[[Any], bool] | None]] = {
    "String": (str, None),
    "ID": (str, None),
    "Boolean": (bool, None),
    "Int": (int, lambda v: v in _INT_RANGE),
    "Float": (float, math.isfinite),
}


# Scalars whose serialize makes text of a value of this exact type, as written here.
_TEXT_SCALARS: dict[str, tuple[type, str]] = {
    "Decimal": (decimal.Decimal, "str(v)"),  # schema/base.py SCALARS
    "Date": (dt.date, "v.isoformat()"),  # strawberry's: isoformat
    "DateTime": (dt.datetime, "v.isoformat()"),
}


def _close(awaitable: Any) -> None:
    """A coroutine the abandoned walk will never await: close it so it is not reported."""
    close = getattr(awaitable, "close", None)
    if close is not None and inspect.iscoroutine(awaitable):
        close()


def _python_name(plan: FieldPlan, name: str) -> str:
    for argument in plan.strawberry_field.arguments:
        if argument.python_name == name or argument.graphql_name == name:
            return argument.python_name
    return name
