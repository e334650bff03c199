"""The static limits of a GraphQL document and its cost (SPEC §9), worked out before it runs.

The document is parsed and validated first (`parse_document` bounds its size and tokens), so the
walkers here only see valid documents: known fragments, no cycles. They still remember the
fragments on their path and memoise each fragment's figures, so that no document, however
nested, makes them recurse forever or grow exponentially.

`analyse` works out everything that does not depend on variables once per document (the endpoint
caches it); `Analysis.requested` then plugs in the variables of one request, and
`Analysis.actual` counts the same way over the answer that came back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (DocumentNode, FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLError,
                     GraphQLInterfaceType, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema,
                     GraphQLUnionType, InlineFragmentNode, IntValueNode, ListValueNode,
                     OperationDefinitionNode, SelectionSetNode, VariableNode, parse, value_from_ast_untyped)

from server.config import Settings
from server.pagination import DEFAULT_PAGE
from server.rendered import RenderedList

INTROSPECTION = frozenset({"__schema", "__type"})
PAGE_ARGUMENTS = ("first", "last")


class LimitError(Exception):
    """A document over a limit: refused before it runs, with `code` as its `extensions.code`."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT", **extensions: Any) -> None:
        super().__init__(message)
        self.message, self.code, self.extensions = message, code, extensions


def parse_document(query: str, settings: Settings) -> DocumentNode:
    """Parses within the size and token limits; a GraphQLError names the limit that was hit."""
    size = len(query.encode())
    if size > settings.max_document_bytes:
        raise GraphQLError(f"The document is {size} bytes: at most {settings.max_document_bytes} are allowed.")
    try:
        return parse(query, max_lexical_tokens=settings.max_tokens)
    except GraphQLError as error:
        if "tokens. Parsing aborted" in error.message:
            raise GraphQLError(f"The document has more than {settings.max_tokens} tokens: at most "
                               f"{settings.max_tokens} are allowed (comments do not count).") from None
        raise


# ---------------------------------------------------------------- the compiled cost

@dataclass(frozen=True, slots=True)
class Size:
    """How many items a list field stands for: a page argument, an `ids` list, or a fixed bound."""

    literal: int | None = None  # a literal `first`/`last`, the length of a literal `ids`, or the bound
    variable: str | None = None  # the variable that gives it instead
    counts_list: bool = False  # the variable is a list whose length counts (`ids`)

    def of(self, variables: Mapping[str, Any], default: int) -> int:
        if self.variable is not None:
            value = variables.get(self.variable)
            if value is not None:
                if self.counts_list:  # one value for a list input is a list of one
                    return len(value) if isinstance(value, list) else 1
                return max(0, int(value))
        return default if self.literal is None else max(0, self.literal)


@dataclass(frozen=True, slots=True)
class Cost:
    """One selected field: what it costs itself, per item when it is a list, and what it selects."""

    key: str  # its response key (alias or name)
    own: int  # 1 for a derived figure, 0 otherwise
    shape: str  # "scalar", "object", "list" (plain list of objects) or "connection"
    size: Size | None  # for "list" and "connection"
    inner: Selection | None  # objects and lists: the item's selection; connections: the node's
    edges: tuple[tuple[str, tuple[str, ...]], ...] = ()  # connections: (edges key, node keys)
    condition: str | None = None  # the concrete type a fragment limits it to, under an abstract parent


@dataclass(frozen=True, slots=True)
class Selection:
    fields: tuple[Cost, ...]
    abstract: bool = False  # the parent is an interface or union: branches by concrete type
    static: int | None = None  # the cost, when no list or connection lies beneath
    base: int = 0  # (not abstract) the cost of the fields with nothing variable beneath…
    dynamic: tuple[Cost, ...] = ()  # …and the fields with a list or connection beneath


def _selection(fields: tuple[Cost, ...], abstract: bool) -> Selection:
    """A selection with its parts that never vary worked out now, so that the answer's walk skips them."""
    dynamic = tuple(f for f in fields if not _is_static(f))
    base = sum(_field_requested(f, {}, 0) for f in fields if _is_static(f))
    static = _requested(Selection(fields, abstract), {}, 0) if not dynamic else None
    return Selection(fields, abstract, static, 0 if abstract else base, dynamic)


def _is_static(field: Cost) -> bool:
    return field.shape == "scalar" or field.shape == "object" and field.inner is not None and \
        field.inner.static is not None


def _requested(selection: Selection | None, variables: Mapping[str, Any], default_page: int) -> int:
    if selection is None:
        return 0
    if selection.static is not None:
        return selection.static
    if not selection.abstract:
        return sum(_field_requested(f, variables, default_page) for f in selection.fields)
    common, branches = 0, {}
    for field in selection.fields:
        cost = _field_requested(field, variables, default_page)
        if field.condition is None:
            common += cost
        else:
            branches[field.condition] = branches.get(field.condition, 0) + cost
    return common + max(branches.values(), default=0)


def _field_requested(field: Cost, variables: Mapping[str, Any], default_page: int) -> int:
    if field.shape == "scalar":
        return field.own
    inner = _requested(field.inner, variables, default_page)
    if field.shape == "object":
        return field.own + 1 + inner
    assert field.size is not None
    items = field.size.of(variables, default_page)
    if field.shape == "connection":
        return field.own + 2 + items * (_node_count(field) + inner)
    return field.own + items * (1 + inner)


def _node_count(field: Cost) -> int:
    """Each `node` a connection's item selects is an object: 1 each (several when aliased)."""
    return sum(len(nodes) for _, nodes in field.edges)


def _actual(selection: Selection | None, data: Any) -> int:
    """The requested cost's formula with each list and connection counted with the items it returned
    (none under a parent that came back null)."""
    if selection is None:
        return 0
    if selection.static is not None:
        return selection.static
    if not isinstance(data, dict):
        data = {}
    if not selection.abstract:
        return selection.base + sum(_field_actual(f, data.get(f.key)) for f in selection.dynamic)
    common, branches = 0, {}
    for field in selection.fields:
        cost = _field_actual(field, data.get(field.key))
        if field.condition is None:
            common += cost
        else:
            branches[field.condition] = branches.get(field.condition, 0) + cost
    return common + max(branches.values(), default=0)


def _field_actual(field: Cost, value: Any) -> int:
    if field.shape == "scalar":
        return field.own
    inner = field.inner
    if field.shape == "object":
        return field.own + 1 + _actual(inner, value)
    if field.shape == "list":
        if type(value) is RenderedList:  # written by the database (server/rendered.py)
            if inner is None or inner.static is not None:
                return field.own + value.count * (1 + (inner.static if inner else 0))
            value = value.items()
        items = [item for item in value if item is not None] if isinstance(value, list) else []
        if inner is None or inner.static is not None:
            return field.own + len(items) * (1 + (inner.static if inner else 0))
        return field.own + sum(1 + _actual(inner, item) for item in items)
    total = field.own + 2
    if isinstance(value, dict):
        for edges_key, node_keys in field.edges:
            edges = value.get(edges_key) or ()
            if inner is None or inner.static is not None:
                total += len(edges) * len(node_keys) * (1 + (inner.static if inner else 0))
                continue
            for edge in edges:
                total += sum(1 + _actual(inner, edge.get(key)) for key in node_keys)
    return total


# ---------------------------------------------------------------- the analysis

@dataclass(frozen=True)
class Analysis:
    """What one operation of one document needs checked per request."""

    depth: int
    aliases: int
    page_variables: tuple[tuple[str, str], ...]  # (argument, variable) of every first/last from a variable
    selection: Selection
    constant: int | None  # the requested cost when no variable changes it
    defaults: Mapping[str, Any]  # the variables' default values, from the operation

    def values(self, variables: Mapping[str, Any]) -> Mapping[str, Any]:
        """The request's variables over the operation's defaults."""
        return {**self.defaults, **variables} if self.defaults else variables

    def requested(self, variables: Mapping[str, Any], default_page: int = DEFAULT_PAGE) -> int:
        """At least 1: no request is free."""
        if self.constant is not None:
            return self.constant
        return max(1, _requested(self.selection, self.values(variables), default_page))

    def actual(self, data: Any) -> int:
        return max(1, _actual(self.selection, data))


class Analyser:
    """Builds the `Analysis` of an operation; one per schema and settings."""

    def __init__(self, schema: GraphQLSchema, settings: Settings, figures: frozenset[str] = frozenset()) -> None:
        self.schema, self.settings, self.figures = schema, settings, figures

    def analyse(self, document: DocumentNode, operation: OperationDefinitionNode) -> Analysis:
        """Refuses (LimitError) what is over a static limit; else the operation's cost structure."""
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        walk = _Walk(fragments)
        written = _written_aliases(document)
        expanded = walk.aliases(operation.selection_set, frozenset())
        aliases = max(written, expanded)
        if aliases > self.settings.max_aliases:
            raise LimitError(f"The document has {aliases} aliases: at most {self.settings.max_aliases} are allowed "
                             "(counting each use of a fragment).")
        depth = walk.depth(operation.selection_set, frozenset())
        if depth > self.settings.max_depth:
            raise LimitError(f"The operation is {depth} fields deep: at most {self.settings.max_depth} are allowed.")
        compiler = _Compiler(self.schema, fragments, self.figures, self.settings)
        root = self.schema.get_root_type(operation.operation)
        assert root is not None  # validation: KnownOperationTypesRule
        selection = compiler.selection(root, operation.selection_set, frozenset(), meta=False)
        for argument, value in compiler.literal_pages:
            self.check_page(argument, value)
        constant = None if compiler.variables else max(1, _requested(selection, {}, DEFAULT_PAGE))
        defaults = {d.variable.name.value: value_from_ast_untyped(d.default_value)
                    for d in operation.variable_definitions or () if d.default_value is not None}
        return Analysis(depth, aliases, tuple(compiler.page_variables), selection, constant, defaults)

    def check_page(self, argument: str, value: Any) -> None:
        if isinstance(value, int) and not 0 <= value <= self.settings.max_page_size:
            raise LimitError(f"`{argument}` is {value}: it must be between 0 and {self.settings.max_page_size}.")

    def check_variables(self, analysis: Analysis, variables: Mapping[str, Any]) -> None:
        values = analysis.values(variables)
        for argument, name in analysis.page_variables:
            self.check_page(argument, values.get(name))


def _written_aliases(document: DocumentNode) -> int:
    """Aliases as written, over every operation and fragment of the document (a batch counts whole)."""
    count = 0
    stack: list[Any] = [d.selection_set for d in document.definitions if hasattr(d, "selection_set")]
    while stack:
        selection_set = stack.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.alias is not None:
                count += 1
            if not isinstance(selection, FragmentSpreadNode):
                stack.append(selection.selection_set)
    return count


class _Walk:
    """Depth and aliases of an operation as it runs: each fragment spread counts its fragment again."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[tuple[str, str], int] = {}

    def _fragment(self, what: str, name: str, path: frozenset[str]) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in path:  # unknown or cyclic: validation refused it already
            return 0
        key = (what, name)
        if key not in self.memo:
            self.memo[key] = getattr(self, what)(fragment.selection_set, path | {name})
        return self.memo[key]

    def depth(self, selection_set: SelectionSetNode | None, path: frozenset[str]) -> int:
        deepest = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value in INTROSPECTION:
                    continue  # exempt: graphql-core's MaxIntrospectionDepthRule guards it
                deepest = max(deepest, 1 + self.depth(selection.selection_set, path))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.depth(selection.selection_set, path))
            else:
                deepest = max(deepest, self._fragment("depth", selection.name.value, path))
        return deepest

    def aliases(self, selection_set: SelectionSetNode | None, path: frozenset[str]) -> int:
        count = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                count += (selection.alias is not None) + self.aliases(selection.selection_set, path)
            elif isinstance(selection, InlineFragmentNode):
                count += self.aliases(selection.selection_set, path)
            else:
                count += self._fragment("aliases", selection.name.value, path)
        return count


def _named(type_: Any) -> tuple[Any, bool]:
    """(named type, is a list) of a field's type."""
    is_list = False
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, is_list


@lru_cache(maxsize=8)
def value_types(schema: GraphQLSchema) -> frozenset[str]:
    """Object types that are values, not records: without an `id`, and every field a scalar, an enum or
    another value (Money, Address, InvoiceStats…). They cost nothing of their own."""
    verdicts: dict[str, bool] = {}

    def is_value(type_: Any) -> bool:
        if not isinstance(type_, GraphQLObjectType):
            return not isinstance(type_, (GraphQLInterfaceType, GraphQLUnionType))  # scalars and enums
        if type_.name not in verdicts:
            verdicts[type_.name] = False  # a type that reaches itself is not a value
            verdicts[type_.name] = "id" not in type_.fields and not type_.name.startswith("__") and \
                all(is_value(_named(f.type)[0]) for f in type_.fields.values())
        return verdicts[type_.name]

    roots = {t for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t is not None}
    return frozenset(name for name, type_ in schema.type_map.items()
                     if isinstance(type_, GraphQLObjectType) and type_ not in roots and is_value(type_))


def _is_connection(type_: Any) -> bool:
    return isinstance(type_, GraphQLObjectType) and type_.name.endswith("Connection") and "edges" in type_.fields


class _Compiler:
    """The cost structure of an operation, with the variables it depends on noted."""

    def __init__(self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode],
                 figures: frozenset[str], settings: Settings) -> None:
        self.schema, self.fragments, self.figures, self.settings = schema, fragments, figures, settings
        self.values = value_types(schema)
        self.memo: dict[tuple[str, int, bool], Cost | None] = {}
        self.variables = False
        self.page_variables: list[tuple[str, str]] = []
        self.literal_pages: list[tuple[str, int]] = []

    def _collect(self, parent: Any, selection_set: SelectionSetNode | None, condition: str | None,
                 visited: set[str], out: list[tuple[FieldNode, str | None]]) -> None:
        """The fields a selection asks of `parent`, through fragments, with the concrete type they are for.

        A fragment spread again in the same selection adds nothing (its fields merge, as graphql-core's
        collect_fields has it), which also stops any cycle."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                out.append((selection, condition))
                continue
            if isinstance(selection, InlineFragmentNode):
                fragment: Any = selection
            else:
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visited:
                    continue
                visited.add(name)
            narrowed = condition
            if fragment.type_condition is not None:
                target = self.schema.get_type(fragment.type_condition.name.value)
                if isinstance(target, GraphQLObjectType) and target is not parent:
                    narrowed = target.name
            self._collect(parent, fragment.selection_set, narrowed, visited, out)

    def selection(self, parent: Any, selection_set: SelectionSetNode | None, path: frozenset[int],
                  meta: bool) -> Selection:
        found: list[tuple[FieldNode, str | None]] = []
        self._collect(parent, selection_set, None, set(), found)
        abstract = isinstance(parent, (GraphQLInterfaceType, GraphQLUnionType))
        costs = []
        for node, condition in found:
            owner = self.schema.get_type(condition) if condition else parent
            cost = self.field(owner, node, path, meta)
            if cost is not None:
                costs.append(cost if not abstract else _with_condition(cost, condition))
        return _selection(tuple(costs), abstract)

    def field(self, owner: Any, node: FieldNode, path: frozenset[int], meta: bool) -> Cost | None:
        """A field's cost structure, once per field of the document (fragments spread in many places
        share it, so that no document makes this work grow faster than the document)."""
        key = (owner.name, id(node), meta)
        if key not in self.memo:
            if id(node) in path:  # a field inside itself: only a cyclic document, which validation refused
                return None
            self.memo[key] = self._field(owner, node, path | {id(node)}, meta)
        return self.memo[key]

    def _field(self, owner: Any, node: FieldNode, path: frozenset[int], meta: bool) -> Cost | None:
        name = node.name.value
        key = node.alias.value if node.alias else name
        if name == "__typename":
            return None
        definition = owner.fields.get(name) if hasattr(owner, "fields") else None
        if definition is None:
            definition = {"__schema": self.schema.get_type("__Schema"),
                          "__type": self.schema.get_type("__Type")}.get(name)
            if definition is None:
                return None
            type_, is_list, meta = definition, False, True
        else:
            type_, is_list = _named(definition.type)
        own = 1 if f"{owner.name}.{name}" in self.figures or owner is self.schema.mutation_type else 0
        if type_.name in self.values or not hasattr(type_, "fields") and not isinstance(type_, GraphQLUnionType):
            self._pages(node)
            return Cost(key, own, "scalar", None, None) if own else None
        if owner is self.schema.mutation_type:
            own = 0  # a write answering an object costs that object's 1
        if _is_connection(type_) and not is_list:
            return self._connection(key, own, type_, node, path, meta)
        inner = self.selection(type_, node.selection_set, path, meta)
        if not is_list:
            return Cost(key, own, "object", None, inner)
        return Cost(key, own, "list", Size(literal=1) if meta else self._list_size(node), inner)

    def _connection(self, key: str, own: int, type_: GraphQLObjectType, node: FieldNode, path: frozenset[int],
                    meta: bool) -> Cost:
        size = self._pages(node)
        edges_found: list[tuple[FieldNode, str | None]] = []
        self._collect(type_, node.selection_set, None, set(), edges_found)
        edges, inner_sets = [], []
        edge_type = _named(type_.fields["edges"].type)[0]
        node_type = _named(edge_type.fields["node"].type)[0]
        for edges_node, _ in edges_found:
            if edges_node.name.value != "edges":
                continue
            nodes_found: list[tuple[FieldNode, str | None]] = []
            self._collect(edge_type, edges_node.selection_set, None, set(), nodes_found)
            keys = []
            for item, _ in nodes_found:
                if item.name.value == "node":
                    keys.append(item.alias.value if item.alias else "node")
                    inner_sets.append(self.selection(node_type, item.selection_set, path, meta))
            edges.append(((edges_node.alias.value if edges_node.alias else "edges"), tuple(keys)))
        abstract = isinstance(node_type, (GraphQLInterfaceType, GraphQLUnionType))
        inner = _selection(tuple(f for s in inner_sets for f in s.fields), abstract)
        return Cost(key, own, "connection", size, inner, tuple(edges))

    def _argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return argument.value
        return None

    def _pages(self, node: FieldNode) -> Size:
        """The page size of `first`/`last`; literals are checked now, variables per request."""
        size = Size()
        for name in PAGE_ARGUMENTS:
            value = self._argument(node, name)
            if isinstance(value, IntValueNode):
                self.literal_pages.append((name, int(value.value)))
                size = Size(literal=int(value.value))
            elif isinstance(value, VariableNode):
                self.variables = True
                self.page_variables.append((name, value.name.value))
                if size.literal is None and size.variable is None:
                    size = Size(variable=value.name.value)
        return size

    def _list_size(self, node: FieldNode) -> Size:
        """`ids` lists count their ids; every other plain list the documented bound."""
        ids = self._argument(node, "ids")
        if isinstance(ids, ListValueNode):
            return Size(literal=len(ids.values))
        if isinstance(ids, VariableNode):
            self.variables = True
            return Size(literal=0, variable=ids.name.value, counts_list=True)
        return Size(literal=self.settings.cost_list_size)


def _with_condition(cost: Cost, condition: str | None) -> Cost:
    if cost.condition == condition:
        return cost
    return Cost(cost.key, cost.own, cost.shape, cost.size, cost.inner, cost.edges, condition)
