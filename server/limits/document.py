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
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeGuard

from graphql import (
    DocumentNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    parse,
    value_from_ast_untyped,
    visit,
)
from graphql.language.parser import MAX_NESTING_DEPTH

from schema.fastpath.rendered import RenderedList
from server.config import Settings
from server.pagination import DEFAULT_PAGE

INTROSPECTION = frozenset({"__schema", "__type"})
PAGE_ARGUMENTS = ("first", "last")
MAX_NUMBER_CHARS = 100  # of a number literal: an Int has at most 11, a Decimal at most 28 digits


class LimitError(Exception):
    """A document over a limit: refused before it runs, with `code` as its `extensions.code`."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT", **extensions: Any) -> None:
        super().__init__(message)
        self.message, self.code, self.extensions = message, code, extensions


def parse_document(query: str, settings: Settings) -> DocumentNode:
    """Parses within the size and token limits; a GraphQLError names the limit that was hit."""
    size = len(query.encode())
    if size > settings.max_document_bytes:
        raise GraphQLError(
            f"The document is {size} bytes: at most {settings.max_document_bytes} are allowed."
        )
    try:
        return parse(query, max_lexical_tokens=settings.max_tokens)
    except GraphQLError as error:
        if "tokens. Parsing aborted" in error.message:
            raise GraphQLError(
                f"The document has more than {settings.max_tokens} tokens: at most "
                f"{settings.max_tokens} are allowed (comments do not count)."
            ) from None
        raise


# ---------------------------------------------------------------- the compiled cost


@dataclass(frozen=True, slots=True)
class Size:
    """How many items a list field stands for: a page argument, an `ids` list, or a fixed bound."""

    literal: int | None = (
        None  # a literal `first`/`last`, the length of a literal `ids`, or the bound
    )
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


Nodes = tuple[
    tuple[str, "Selection | None"], ...
]  # a connection's items: (node key, its selection)


@dataclass(frozen=True, slots=True)
class Cost:
    """One response key of a merged selection (every field asked under it, run once): what it costs
    itself, per item when it is a list, and what it selects."""

    key: str  # its response key (alias or name)
    own: int  # 1 for a derived figure, 0 otherwise
    shape: str  # "scalar", "object", "list" (plain list of objects) or "connection"
    size: Size | None  # for "list" and "connection"
    inner: Selection | None  # objects and lists: the item's merged selection
    edges: tuple[tuple[str, Nodes], ...] = ()  # connections: (edges key, its nodes) per edges key


@dataclass(frozen=True, slots=True)
class Selection:
    """A merged selection: of a concrete type, its fields by response key; of an interface or union,
    one branch per different selection its possible types collect (the dearest counts)."""

    fields: tuple[Cost, ...]
    branches: tuple[Selection, ...] = ()
    static: int | None = None  # the cost, when no list or connection lies beneath
    base: int = 0  # (a concrete type) the cost of the fields with nothing variable beneath…
    dynamic: tuple[Cost, ...] = ()  # …and the fields with a list or connection beneath


def _selection(fields: tuple[Cost, ...]) -> Selection:
    """A concrete type's selection with its parts that never vary worked out now, so that the
    answer's walk skips them."""
    dynamic = tuple(f for f in fields if not _is_static(f))
    base = sum(
        f.own + (0 if f.shape == "scalar" else 1 + _static(f.inner))
        for f in fields
        if _is_static(f)
    )
    return Selection(fields, (), base if not dynamic else None, base, dynamic)


def _branches(branches: tuple[Selection, ...]) -> Selection:
    statics = [b.static for b in branches if b.static is not None]
    static = max(statics, default=0) if len(statics) == len(branches) else None
    return Selection((), branches, static)


def _is_static(field: Cost) -> bool:
    return (
        field.shape == "scalar"
        or field.shape == "object"
        and (field.inner is None or field.inner.static is not None)
    )


def _static(selection: Selection | None) -> int:
    return 0 if selection is None else selection.static or 0


Walk = Generator[
    Any, int, int
]  # a step of a walk: yields the walks whose value it needs, gets it back


def _evaluate(walk: Walk) -> int:
    """The value of a walk, run on a stack of its own: a walk as deep as the document (introspection
    may nest 200 levels) never reaches Python's recursion limit."""
    stack, value = [walk], None
    while (
        stack
    ):  # a walk just started is sent None, one that waited the value of the walk it yielded
        try:
            step = stack[-1]  # sending None starts a walk: `next`
            stack.append(next(step) if value is None else step.send(value))
            value = None
        except StopIteration as done:
            stack.pop()
            value = done.value
    assert value is not None
    return value


def _requested(
    selection: Selection | None, variables: Mapping[str, Any], default_page: int
) -> Walk:
    if selection is None or selection.static is not None:
        return _static(selection)
    if selection.branches:
        best = 0
        for b in selection.branches:
            best = max(best, (yield _requested(b, variables, default_page)))
        return best
    total = selection.base
    for field in selection.dynamic:
        if field.shape == "object":
            total += field.own + 1 + (yield _requested(field.inner, variables, default_page))
            continue
        assert field.size is not None
        items = field.size.of(variables, default_page)
        each = 0
        for inner in (
            [field.inner]
            if field.shape == "list"
            else [i for _, nodes in field.edges for _, i in nodes]
        ):
            each += 1 + (yield _requested(inner, variables, default_page))
        total += field.own + (2 if field.shape == "connection" else 0) + items * each
    return total


def _actual(selection: Selection | None, data: Any) -> Walk:
    """The requested cost's formula with each list and connection counted with the items it returned
    (none under a parent that came back null)."""
    if selection is None or selection.static is not None:
        return _static(selection)
    if selection.branches:  # the answer does not say which type it is: the dearest branch over it
        best = 0
        for b in selection.branches:
            best = max(best, (yield _actual(b, data)))
        return best
    if not isinstance(data, dict):
        data = {}
    total = selection.base
    for field in selection.dynamic:
        value = data.get(field.key)
        if field.shape == "object":
            total += field.own + 1 + (yield _actual(field.inner, value))
            continue
        total += field.own + (2 if field.shape == "connection" else 0)
        for inner, items in _answered(field, value):
            if (
                isinstance(items, int) or inner is None or inner.static is not None
            ):  # nothing beneath varies
                total += (items if isinstance(items, int) else len(items)) * (1 + _static(inner))
                continue
            for item in items:
                total += 1 + (yield _actual(inner, item))
    return total


def _answered(field: Cost, value: Any) -> list[tuple[Selection | None, list[Any] | int]]:
    """The objects a list or a connection answered, with their selection: a plain list's items that
    are there (those the database wrote counted unread when nothing beneath them varies), each
    `node` of each `edges` of a connection."""
    if field.shape == "list":
        if type(value) is RenderedList:  # written by the database (schema/fastpath/rendered.py)
            if field.inner is None or field.inner.static is not None:
                return [(field.inner, value.count)]
            value = value.items()
        return [
            (
                field.inner,
                [item for item in value if item is not None] if isinstance(value, list) else [],
            )
        ]
    found: list[tuple[Selection | None, list[Any] | int]] = []
    for edges_key, nodes in field.edges if isinstance(value, dict) else ():
        edges = value.get(edges_key)
        edges = edges if isinstance(edges, list) else []
        found += [
            (inner, [e.get(key) if isinstance(e, dict) else None for e in edges])
            for key, inner in nodes
        ]
    return found


# ---------------------------------------------------------------- the analysis


@dataclass(frozen=True)
class Analysis:
    """What one operation of one document needs checked per request."""

    page_variables: tuple[
        tuple[str, str], ...
    ]  # (argument, variable) of every first/last from a variable
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
        return max(1, _evaluate(_requested(self.selection, self.values(variables), default_page)))

    def actual(self, data: Any) -> int:
        return max(1, _evaluate(_actual(self.selection, data)))


class Analyser:
    """Builds the `Analysis` of an operation; one per schema and settings."""

    def __init__(
        self, schema: GraphQLSchema, settings: Settings, figures: frozenset[str] = frozenset()
    ) -> None:
        self.schema, self.settings, self.figures = schema, settings, figures

    def analyse(self, document: DocumentNode, operation: OperationDefinitionNode) -> Analysis:
        """Refuses (LimitError) what is over a static limit; else the operation's cost structure."""
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        compiler = _Compiler(self.schema, fragments, self.figures, self.settings)
        root = self.schema.get_root_type(operation.operation)
        assert root is not None  # validation: KnownOperationTypesRule
        selection = compiler.selection(root, operation.selection_set)
        for argument, value in compiler.literal_pages:
            self.check_page(argument, value)
        constant = (
            None
            if compiler.variables
            else max(1, _evaluate(_requested(selection, {}, DEFAULT_PAGE)))
        )
        defaults = {
            d.variable.name.value: value_from_ast_untyped(d.default_value)
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        return Analysis(
            tuple(dict.fromkeys(compiler.page_variables)), selection, constant, defaults
        )

    def check_page(self, argument: str, value: Any) -> None:
        """`value` as graphql-core will read it: a variable's `1000.0` is the Int 1000; what it cannot read
        as an Int (null, text) is left to it."""
        try:
            value = GraphQLInt.parse_value(value) if value is not None else None
        except GraphQLError:
            return
        if value is not None and not 0 <= value <= self.settings.max_page_size:
            raise LimitError(
                f"`{argument}` is {value}: it must be between 0 and {self.settings.max_page_size}."
            )

    def check_variables(self, analysis: Analysis, variables: Mapping[str, Any]) -> None:
        values = analysis.values(variables)
        for argument, name in analysis.page_variables:
            self.check_page(argument, values.get(name))


def _written_aliases(document: DocumentNode) -> int:
    """Aliases as written, over every operation and fragment of the document (a batch counts whole)."""
    count = 0
    stack: list[Any] = [
        d.selection_set for d in document.definitions if hasattr(d, "selection_set")
    ]
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
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
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
                stack.extend(
                    (spread, False) for spread in _spreads(self.fragments[name].selection_set)
                )

    def _measure(self, selection_set: SelectionSetNode | None) -> Extent:
        depth = aliases = fields = nesting = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FragmentSpreadNode):
                inner = self.known.get(selection.name.value, NOTHING)
            else:
                inner = self._measure(_selection_set(selection))
            if isinstance(selection, FieldNode):
                fields += 1
                aliases += selection.alias is not None
                if (
                    selection.name.value not in INTROSPECTION
                ):  # graphql-core's introspection-depth rule
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
            elif (inner := _selection_set(selection)) is not None:
                stack.append(inner)
    return found


def _selection_set(selection: SelectionNode) -> SelectionSetNode | None:
    """The selection set of a field or an inline fragment; None for a fragment spread."""
    if isinstance(selection, (FieldNode, InlineFragmentNode)):
        return selection.selection_set
    return None


def _collect(
    selection_sets: tuple[SelectionSetNode, ...],
    fragments: Mapping[str, FragmentDefinitionNode],
    applies: Callable[[FragmentDefinitionNode | InlineFragmentNode], bool],
) -> list[list[FieldNode]]:
    """The fields of selection sets merged into one, grouped by response key, as graphql-core's
    `collect_subfields` groups them (directives aside): through the inline fragments and fragments
    whose type condition `applies`, each fragment once, unknown ones skipped. Spreads are followed
    with a stack."""
    grouped: dict[str, list[FieldNode]] = {}
    seen: set[str] = set()
    stack = [iter(s.selections) for s in reversed(selection_sets)]
    while stack:
        selection = next(stack[-1], None)
        if selection is None:
            stack.pop()
        elif isinstance(selection, FieldNode):
            grouped.setdefault(_response_key(selection), []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            if applies(selection):
                stack.append(iter(selection.selection_set.selections))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and fragment.name.value not in seen and applies(fragment):
                seen.add(fragment.name.value)
                stack.append(iter(fragment.selection_set.selections))
    return list(grouped.values())


def _merged_repeats(
    fragments: Mapping[str, FragmentDefinitionNode],
    operations: list[OperationDefinitionNode],
    enough: int,
) -> int:
    """The most fields merged under one response key in one selection set, as graphql-core collects
    them (each fragment once per field group, whatever its type condition), or `enough` once
    reached. Validation compares such fields in pairs (OverlappingFieldsCanBeMergedRule), so this
    bounds its cost. Breadth first; it visits each field of the operations once per merged selection
    set, no more often than the operations' fields counted through every spread (bounded before)."""
    worst = 0
    groups: deque[tuple[SelectionSetNode, ...]] = deque((o.selection_set,) for o in operations)
    while groups:
        for nodes in _collect(groups.popleft(), fragments, lambda _fragment: True):
            worst = max(worst, len(nodes))
            if worst >= enough:
                return enough
            inner = _selection_sets(nodes)
            if inner:
                groups.append(inner)
    return worst


def check_document(document: DocumentNode, operation_name: str | None, settings: Settings) -> None:
    """Refuses (LimitError) a parsed document over a limit that bounds what validating, planning
    and running it costs: unused fragments and cycles (validation errors, found here first),
    fragments, aliases, depth, fields and fields merged under one name. Works before validation, in time linear
    in the document; depth and expanded aliases are those of the operation that runs (all of them
    when none is chosen); fields count every operation of the document, as validation reads them all."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = sum(isinstance(d, FragmentDefinitionNode) for d in document.definitions)
    if (
        fragments > settings.max_fragments
    ):  # validation compares the fragments of a selection in pairs
        raise LimitError(
            f"The document has {fragments} fragments: at most {settings.max_fragments} are allowed."
        )
    running = [
        o
        for o in operations
        if operation_name is None
        and len(operations) == 1
        or o.name is not None
        and o.name.value == operation_name
    ] or operations
    extents = _Extents(document)
    measured = {id(o): extents.of(o.selection_set) for o in operations}
    unused = [name for name in extents.fragments if name not in extents.known]
    if unused:
        raise LimitError(f"Fragment '{unused[0]}' is never used.")
    if extents.cycle is not None:
        raise LimitError(f"Cannot spread fragment '{extents.cycle}' within itself.")
    nesting = max([m.nesting for m in measured.values()], default=0)
    if (
        nesting > MAX_NESTING_DEPTH
    ):  # graphql-core's validation would stop there with "Validation aborted."
        raise LimitError(
            f"The document is nested too deeply: {nesting} selections on one path, at most "
            f"{MAX_NESTING_DEPTH} are allowed (counting each fragment spread)."
        )
    aliases = max([_written_aliases(document), *(measured[id(o)].aliases for o in running)])
    if aliases > settings.max_aliases:
        raise LimitError(
            f"The document has {_shown(aliases)} aliases: at most {settings.max_aliases} are allowed "
            "(counting each use of a fragment)."
        )
    depth = max(measured[id(o)].depth for o in running) if running else 0
    if depth > settings.max_depth:
        raise LimitError(
            f"The operation is {depth} fields deep: at most {settings.max_depth} are allowed."
        )
    fields = sum(m.fields for m in measured.values())
    if fields > settings.max_fields:
        raise LimitError(
            f"The document has {_shown(fields)} fields: at most {settings.max_fields} are allowed "
            "(counting each use of a fragment, and every operation of the document)."
        )
    long = _longest_number(document)
    if long > MAX_NUMBER_CHARS:
        raise LimitError(
            f"The document has a number literal of {long} characters: at most {MAX_NUMBER_CHARS} "
            "are allowed."
        )
    repeats = _merged_repeats(extents.fragments, operations, settings.max_merged_fields + 1)
    if repeats > settings.max_merged_fields:
        raise LimitError(
            f"A selection asks for one name more than {settings.max_merged_fields} times: at most "
            f"{settings.max_merged_fields} fields may share a response name in one selection "
            "(counting those fragments bring)."
        )


class _Numbers(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.longest = 0

    def enter_int_value(self, node: IntValueNode, *_args: Any) -> None:
        self.longest = max(self.longest, len(node.value))

    def enter_float_value(self, node: FloatValueNode, *_args: Any) -> None:
        self.longest = max(self.longest, len(node.value))


def _longest_number(document: DocumentNode) -> int:
    """The length of the document's longest number literal (graphql-core's visit is iterative).
    Validation would convert a literal of thousands of digits with `int()`, which refuses past
    4,300 digits with a message about Python's settings, and quote it whole."""
    numbers = _Numbers()
    visit(document, numbers)
    return numbers.longest


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
            return not isinstance(
                type_, (GraphQLInterfaceType, GraphQLUnionType)
            )  # scalars and enums
        if type_.name not in verdicts:
            verdicts[type_.name] = False  # a type that reaches itself is not a value
            verdicts[type_.name] = (
                "id" not in type_.fields
                and not type_.name.startswith("__")
                and all(is_value(_named(f.type)[0]) for f in type_.fields.values())
            )
        return verdicts[type_.name]

    roots = {
        t
        for t in (schema.query_type, schema.mutation_type, schema.subscription_type)
        if t is not None
    }
    return frozenset(
        name
        for name, type_ in schema.type_map.items()
        if isinstance(type_, GraphQLObjectType) and type_ not in roots and is_value(type_)
    )


def _is_connection(type_: Any) -> TypeGuard[GraphQLObjectType]:
    return (
        isinstance(type_, GraphQLObjectType)
        and type_.name.endswith("Connection")
        and "edges" in type_.fields
    )


RequestKey = tuple[
    str, tuple[int, ...], bool
]  # a merged selection: its type, the selection sets it merges, meta


@dataclass(frozen=True, slots=True)
class _Field:
    """A response key of a merged selection, with the merged selections beneath it named, not yet
    compiled. Equal for every concrete type that collects the same fields to the same effect."""

    key: str
    own: int
    shape: str
    size: Size | None = None
    inner: RequestKey | None = None
    edges: tuple[tuple[str, tuple[tuple[str, RequestKey], ...]], ...] = ()


Plan = tuple[bool, list[list[_Field]]]  # abstract, and the fields of each branch


class _Compiler:
    """The cost structure of an operation, with the variables it depends on noted.

    Fields are collected as graphql-core collects them to run them (`collect_fields`,
    `collect_subfields`): for one concrete type at a time, the fields under one response key merged
    into one, their sub-selections merged beneath it, each fragment once per merged selection. A
    merged selection is compiled once (memoised by its type and the selection sets it merges), the
    ones beneath it first, on a stack of its own, so that neither the work nor Python's stack grows
    with the ways fragments spread each other."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        figures: frozenset[str],
        settings: Settings,
    ) -> None:
        self.schema, self.fragments, self.figures, self.settings = (
            schema,
            fragments,
            figures,
            settings,
        )
        self.values = value_types(schema)
        self.requests: dict[RequestKey, tuple[Any, tuple[SelectionSetNode, ...], bool]] = {}
        self.fields: dict[
            tuple[str, tuple[int, ...], bool], _Field | None
        ] = {}  # (type, field nodes, meta)
        self.compiled: dict[RequestKey, Selection] = {}
        self.costs: dict[_Field, Cost] = {}
        self.variables = False
        self.page_variables: list[tuple[str, str]] = []
        self.literal_pages: list[tuple[str, int]] = []

    def selection(self, root: GraphQLObjectType, selection_set: SelectionSetNode) -> Selection:
        top = self._request(root, (selection_set,), False)
        plans: dict[RequestKey, Plan] = {}
        stack = [(top, False)]
        while stack:
            key, ready = stack.pop()
            if key in self.compiled:
                continue
            if ready:
                self.compiled[key] = self._compile(plans.pop(key))
            elif (
                key not in plans
            ):  # else it is being planned beneath itself: only in a cyclic document
                plans[key] = plan = self._plan(*self.requests[key])
                stack.append((key, True))
                stack.extend(
                    (child, False)
                    for fields in plan[1]
                    for field in fields
                    for child in _beneath(field)
                )
        return self.compiled[top]

    def _request(
        self, type_: Any, selection_sets: tuple[SelectionSetNode, ...], meta: bool
    ) -> RequestKey:
        key = (type_.name, tuple(id(s) for s in selection_sets), meta)
        self.requests.setdefault(key, (type_, selection_sets, meta))
        return key

    def _plan(self, type_: Any, selection_sets: tuple[SelectionSetNode, ...], meta: bool) -> Plan:
        """The merged fields of each concrete type the selection may be of; types that collect the
        same fields share a branch (`node { id }` is one branch for every type)."""
        if not isinstance(type_, (GraphQLInterfaceType, GraphQLUnionType)):
            return False, [self._fields(type_, selection_sets, meta)]
        branches: dict[tuple[_Field, ...], list[_Field]] = {}
        for runtime in self.schema.get_possible_types(type_):
            fields = self._fields(runtime, selection_sets, meta)
            branches.setdefault(tuple(fields), fields)
        return True, list(branches.values())

    def _compile(self, plan: Plan) -> Selection:
        abstract, branches = plan
        compiled = tuple(
            _selection(tuple(self._cost(field) for field in fields)) for fields in branches
        )
        return _branches(compiled) if abstract else compiled[0]

    def _cost(self, field: _Field) -> Cost:
        """A merged field's cost, once the selections beneath it are compiled (one beneath itself, in a
        cyclic document, counts nothing)."""
        if field not in self.costs:
            edges = tuple(
                (key, tuple((node, self.compiled.get(inner)) for node, inner in nodes))
                for key, nodes in field.edges
            )
            inner = self.compiled.get(field.inner) if field.inner is not None else None
            self.costs[field] = Cost(field.key, field.own, field.shape, field.size, inner, edges)
        return self.costs[field]

    def _fields(
        self, runtime: GraphQLObjectType, selection_sets: tuple[SelectionSetNode, ...], meta: bool
    ) -> list[_Field]:
        found = []
        for nodes in self._collect(runtime, selection_sets):
            key = (runtime.name, tuple(id(node) for node in nodes), meta)
            if key not in self.fields:
                self.fields[key] = self._field(runtime, nodes, meta)
            field = self.fields[key]
            if field is not None:
                found.append(field)
        return found

    def _collect(
        self, runtime: GraphQLObjectType, selection_sets: tuple[SelectionSetNode, ...]
    ) -> list[list[FieldNode]]:
        """The fields the selection sets merged into one ask of `runtime`, grouped by response key."""

        def applies(
            fragment: FragmentDefinitionNode | InlineFragmentNode,
        ) -> bool:  # graphql-core's
            if fragment.type_condition is None:  # does_fragment_condition_match
                return True
            condition = self.schema.get_type(fragment.type_condition.name.value)
            return (
                condition is runtime
                or isinstance(condition, (GraphQLInterfaceType, GraphQLUnionType))
                and self.schema.is_sub_type(condition, runtime)
            )

        return _collect(selection_sets, self.fragments, applies)

    def _field(self, owner: GraphQLObjectType, nodes: list[FieldNode], meta: bool) -> _Field | None:
        """The fields asked of `owner` under one response key, merged (validation made them one field
        with one set of arguments); None when they cost nothing."""
        node, name = nodes[0], nodes[0].name.value
        definition = owner.fields.get(name)
        if definition is not None:
            type_, is_list = _named(definition.type)
        elif name in INTROSPECTION:
            type_ = self.schema.get_type("__Schema" if name == "__schema" else "__Type")
            is_list, meta = False, True
        else:  # __typename
            return None
        key = _response_key(node)
        own = (
            1 if f"{owner.name}.{name}" in self.figures or owner is self.schema.mutation_type else 0
        )
        if type_.name in self.values or not isinstance(
            type_, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
        ):
            self._pages(node)
            return _Field(key, own, "scalar") if own else None
        if owner is self.schema.mutation_type:
            own = 0  # a write answering an object costs that object's 1
        selection_sets = _selection_sets(nodes)
        if _is_connection(type_) and not is_list:
            edges = self._edges(type_, selection_sets, meta)
            return _Field(key, own, "connection", self._pages(node), edges=edges)
        inner = self._request(type_, selection_sets, meta)
        if not is_list:
            return _Field(key, own, "object", None, inner)
        return _Field(key, own, "list", Size(literal=1) if meta else self._list_size(node), inner)

    def _edges(
        self, type_: GraphQLObjectType, selection_sets: tuple[SelectionSetNode, ...], meta: bool
    ) -> tuple[tuple[str, tuple[tuple[str, RequestKey], ...]], ...]:
        """A connection's items: each `edges` key with its `node` keys, merged as they run."""
        edge_type = _named(type_.fields["edges"].type)[0]
        node_type = _named(edge_type.fields["node"].type)[0]
        edges = []
        for edges_nodes in self._collect(type_, selection_sets):
            if edges_nodes[0].name.value == "edges":
                items = self._collect(edge_type, _selection_sets(edges_nodes))
                nodes = [n for n in items if n[0].name.value == "node"]
                edges.append(
                    (
                        _response_key(edges_nodes[0]),
                        tuple(
                            (
                                _response_key(n[0]),
                                self._request(node_type, _selection_sets(n), meta),
                            )
                            for n in nodes
                        ),
                    )
                )
        return tuple(edges)

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


def _beneath(field: _Field) -> list[RequestKey]:
    """The merged selections a field's cost needs compiled first."""
    return [inner for _, nodes in field.edges for _, inner in nodes] + (
        [field.inner] if field.inner else []
    )


def _response_key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _selection_sets(nodes: list[FieldNode]) -> tuple[SelectionSetNode, ...]:
    return tuple(node.selection_set for node in nodes if node.selection_set is not None)
