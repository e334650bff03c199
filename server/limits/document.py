"""The static limits of a GraphQL document and its cost (SPEC §9), worked out before it runs.

`parse_document` bounds the size and tokens while parsing; `check_document` measures the parsed
document before it is validated (nesting, aliases, depth, fields, fields under one name), so that
a document over a limit costs about what reading it costs. Its walks survive documents that do not
validate: unknown fragments count nothing, cycles are refused, and every fragment is measured once,
without recursion across fragments, so that no document grows their work exponentially.

`analyse` works out everything that does not depend on variables once per document (the endpoint
caches it); `Analysis.requested` then plugs in the variables of one request, and
`Analysis.actual` counts the same way over the answer that came back.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (DocumentNode, FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLError, GraphQLInt,
                     GraphQLInterfaceType, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema,
                     GraphQLUnionType, InlineFragmentNode, IntValueNode, ListValueNode,
                     OperationDefinitionNode, SelectionSetNode, VariableNode, parse, value_from_ast_untyped)
from graphql.language.parser import MAX_NESTING_DEPTH

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
        compiler = _Compiler(self.schema, fragments, self.figures, self.settings)
        root = self.schema.get_root_type(operation.operation)
        assert root is not None  # validation: KnownOperationTypesRule
        selection = compiler.selection(root, operation.selection_set, frozenset(), meta=False)
        for argument, value in compiler.literal_pages:
            self.check_page(argument, value)
        constant = None if compiler.variables else max(1, _requested(selection, {}, DEFAULT_PAGE))
        defaults = {d.variable.name.value: value_from_ast_untyped(d.default_value)
                    for d in operation.variable_definitions or () if d.default_value is not None}
        return Analysis(tuple(compiler.page_variables), selection, constant, defaults)

    def check_page(self, argument: str, value: Any) -> None:
        """`value` as graphql-core will read it: a variable's `1000.0` is the Int 1000; what it cannot read
        as an Int (null, text) is left to it."""
        try:
            value = GraphQLInt.parse_value(value) if value is not None else None
        except GraphQLError:
            return
        if value is not None and not 0 <= value <= self.settings.max_page_size:
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


@dataclass(frozen=True, slots=True)
class Extent:
    """An operation as it would run, each fragment counted again wherever it is spread."""

    depth: int = 0  # fields nested on the deepest path (introspection's own exempt)
    aliases: int = 0
    fields: int = 0
    nesting: int = 0  # selections nested on the deepest path, each fragment spread one more


NOTHING = Extent()


class _Extents:
    """Extents of a document's definitions, without validation: an unknown fragment, or a spread
    that closes a cycle, counts nothing (validation refuses the one, `check_document` the other).
    Each fragment is measured once, its spreads first, without recursion, so that the work is
    linear in the document however its fragments spread each other; within one definition the
    parser bounds the nesting (200)."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.known: dict[str, Extent] = {}
        self.cycle: str | None = None  # a fragment met again while its spreads were measured

    def of(self, selection_set: SelectionSetNode) -> Extent:
        self._fragments(_spreads(selection_set))
        return self._measure(selection_set)

    def _fragments(self, names: list[str]) -> None:
        stack: list[tuple[str, bool]] = [(name, False) for name in names]
        active: set[str] = set()
        while stack:
            name, spreads_done = stack.pop()
            if spreads_done:  # everything it spreads is measured (or closes a cycle)
                active.discard(name)
                self.known[name] = self._measure(self.fragments[name].selection_set)
            elif name in active:  # on the path that led here
                self.cycle = self.cycle or name
            elif name not in self.known and name in self.fragments:
                active.add(name)
                stack.append((name, True))
                stack.extend((spread, False) for spread in _spreads(self.fragments[name].selection_set))

    def _measure(self, selection_set: SelectionSetNode | None) -> Extent:
        depth = aliases = fields = nesting = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FragmentSpreadNode):
                inner = self.known.get(selection.name.value, NOTHING)
            else:
                inner = self._measure(selection.selection_set)
            if isinstance(selection, FieldNode):
                fields += 1
                aliases += selection.alias is not None
                if selection.name.value not in INTROSPECTION:  # graphql-core's introspection-depth rule
                    depth = max(depth, 1 + inner.depth)
            else:
                depth = max(depth, inner.depth)
            aliases += inner.aliases
            fields += inner.fields
            nesting = max(nesting, 1 + inner.nesting)
        return Extent(depth, aliases, fields, nesting)


def _spreads(selection_set: SelectionSetNode) -> list[str]:
    """The names of the fragments a selection spreads, at any depth, not through other fragments."""
    found, stack = [], [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                found.append(selection.name.value)
            elif selection.selection_set is not None:
                stack.append(selection.selection_set)
    return found


def _merged_repeats(fragments: Mapping[str, FragmentDefinitionNode],
                    operations: list[OperationDefinitionNode], enough: int) -> int:
    """The most fields merged under one response key in one selection set, as graphql-core collects
    them (each fragment once per field group, whatever its type condition), or `enough` once
    reached. Validation compares such fields in pairs (OverlappingFieldsCanBeMergedRule), so this
    bounds its cost. Breadth first; it visits each field of the operations once per merged selection
    set, no more often than the operations' fields counted through every spread (bounded before)."""
    worst = 0
    groups: deque[list[SelectionSetNode]] = deque([o.selection_set] for o in operations)
    while groups:
        merged: dict[str, list[FieldNode]] = {}
        seen: set[str] = set()
        stack = [iter(s.selections) for s in reversed(groups.popleft())]
        while stack:
            selection = next(stack[-1], None)
            if selection is None:
                stack.pop()
            elif isinstance(selection, FieldNode):
                merged.setdefault(selection.alias.value if selection.alias else selection.name.value,
                                  []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                stack.append(iter(selection.selection_set.selections))
            elif selection.name.value not in seen and selection.name.value in fragments:
                seen.add(selection.name.value)
                stack.append(iter(fragments[selection.name.value].selection_set.selections))
        for nodes in merged.values():
            worst = max(worst, len(nodes))
            if worst >= enough:
                return enough
            inner = [node.selection_set for node in nodes if node.selection_set is not None]
            if inner:
                groups.append(inner)
    return worst


def check_document(document: DocumentNode, operation_name: str | None, settings: Settings) -> None:
    """Refuses (LimitError) a parsed document over a limit that bounds what validating, planning
    and running it costs: unused fragments and cycles (validation errors, found here first),
    aliases, depth, fields and fields merged under one name. Works before validation, in time linear
    in the document; depth and expanded aliases are those of the operation that runs (all of them
    when none is chosen); fields count every operation of the document, as validation reads them all."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    running = [o for o in operations if operation_name is None and len(operations) == 1
               or o.name is not None and o.name.value == operation_name] or operations
    extents = _Extents(document)
    measured = {id(o): extents.of(o.selection_set) for o in operations}
    unused = [name for name in extents.fragments if name not in extents.known]
    if unused:
        raise LimitError(f"Fragment '{unused[0]}' is never used.")
    if extents.cycle is not None:
        raise LimitError(f"Cannot spread fragment '{extents.cycle}' within itself.")
    nesting = max([m.nesting for m in measured.values()], default=0)
    if nesting > MAX_NESTING_DEPTH:  # graphql-core's validation would stop there with "Validation aborted."
        raise LimitError(f"The document is nested too deeply: {nesting} selections on one path, at most "
                         f"{MAX_NESTING_DEPTH} are allowed (counting each fragment spread).")
    aliases = max([_written_aliases(document), *(measured[id(o)].aliases for o in running)])
    if aliases > settings.max_aliases:
        raise LimitError(f"The document has {_shown(aliases)} aliases: at most {settings.max_aliases} are allowed "
                         "(counting each use of a fragment).")
    depth = max(measured[id(o)].depth for o in running) if running else 0
    if depth > settings.max_depth:
        raise LimitError(f"The operation is {depth} fields deep: at most {settings.max_depth} are allowed.")
    fields = sum(m.fields for m in measured.values())
    if fields > settings.max_fields:
        raise LimitError(f"The document has {_shown(fields)} fields: at most {settings.max_fields} are allowed "
                         "(counting each use of a fragment, and every operation of the document).")
    repeats = _merged_repeats(extents.fragments, operations, settings.max_merged_fields + 1)
    if repeats > settings.max_merged_fields:
        raise LimitError(f"A selection asks for one name more than {settings.max_merged_fields} times: at most "
                         f"{settings.max_merged_fields} fields may share a response name in one selection "
                         "(counting those fragments bring).")


def _shown(count: int) -> str:
    """A count as a message shows it: those of fragments that double can have hundreds of digits."""
    return str(count) if count < 10**9 else "more than 999999999"


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
        collect_fields has it), which also stops any cycle. Spreads are followed with a stack."""
        stack = [(iter(selection_set.selections if selection_set else ()), condition)]
        while stack:
            selection, narrowed = next(stack[-1][0], None), stack[-1][1]
            if selection is None:
                stack.pop()
                continue
            if isinstance(selection, FieldNode):
                out.append((selection, narrowed))
                continue
            if isinstance(selection, InlineFragmentNode):
                fragment: Any = selection
            else:
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visited:
                    continue
                visited.add(name)
            if fragment.type_condition is not None:
                target = self.schema.get_type(fragment.type_condition.name.value)
                if isinstance(target, GraphQLObjectType) and target is not parent:
                    narrowed = target.name
            stack.append((iter(fragment.selection_set.selections), narrowed))

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
