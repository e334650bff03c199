"""What every part of the schema shares: scalars, Node and global IDs, Money, Address,
connections, user errors, and the small helpers resolvers use."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import operator
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Generic, TypeAlias, TypeVar, cast

import strawberry
from graphql import GraphQLError, IntValueNode, StringValueNode, ValueNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types import Info
from strawberry.types.scalar import ScalarDefinition

from schema.enums import described
from server import bounds, money
from server.context import RequestContext
from server.errors import DomainError, ErrorCode, NotImplementedYet
from server.ids import global_id_text, parse_global_id, pk_of  # noqa: F401 (the schema's ID helpers, in one place)
from server.pagination import BadPageArgs, encode_cursor, offset_cursor, offset_from, page_size

T = TypeVar("T")
R = TypeVar("R")


# ----------------------------------------------------------------- scalars


def _parse_decimal(value: object) -> decimal.Decimal:
    """SPEC §1: the canonical string (server/money.py `parse`) or a JSON integer, never a float."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError('Decimal takes a string such as "12.30", never a float')
    try:
        return money.to_decimal(value)
    except money.MoneyError as error:
        raise ValueError(str(error)) from None


def _decimal_literal(node: ValueNode, _variables: Any = None) -> decimal.Decimal:
    """A literal string, or an integer read from its digits (int() refuses 4,300 of them)."""
    if isinstance(node, (StringValueNode, IntValueNode)):
        return _parse_decimal(node.value)
    raise ValueError('Decimal takes a string such as "12.30", never a float')


def _bounded(definition: ScalarDefinition) -> Any:
    """Strawberry's Date or DateTime, refusing days outside server/bounds.py's FIRST_DAY..LAST_DAY."""
    parse, serialize = definition.parse_value, definition.serialize
    if parse is None or serialize is None:
        raise TypeError(f"{definition.name}: Strawberry's scalar no longer parses and serializes")

    def parse_value(value: object) -> Any:
        try:
            return bounds.day(parse(value), f"a {definition.name}")
        except bounds.OutOfBounds as error:
            raise ValueError(str(error)) from None

    return strawberry.scalar(
        name=definition.name,
        description=definition.description,
        serialize=serialize,
        parse_value=parse_value,
    )


DecimalScalar = decimal.Decimal
SCALARS: dict[object, Any] = {  # StrawberryConfig.scalar_map
    decimal.Decimal: strawberry.scalar(
        name="Decimal",
        description='An exact decimal as a string, such as "1234.50". Never a float.',
        serialize=str,
        parse_value=_parse_decimal,
        parse_literal=_decimal_literal,
    ),
    dt.date: _bounded(DateDefinition),
    dt.datetime: _bounded(DateTimeDefinition),
}

JSON = strawberry.scalars.JSON


# ------------------------------------------------------------- global ids


First = Annotated[
    int | None,
    strawberry.argument(
        description="How many rows to return, 0 to the server's maximum page size (250 unless "
        "configured); 50 when left out."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="A cursor (`endCursor` of the page before): the rows after it; from the "
        "start when left out."
    ),
]


def global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(global_id_text(type_name, pk))


NODE_ID = "The global ID: opaque, stable, unique across every type; `node(id:)` fetches it."


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description=NODE_ID)


# ------------------------------------------------------------------ shapes


@strawberry.type(description="An amount in a currency; aggregates are in the base currency.")
class Money:
    amount: DecimalScalar = strawberry.field(
        description='Exact, as a Decimal string: "1234.50"; negative for credits. Two decimal '
        "places, or four for a unit price or cost that needs them."
    )
    currency: str = strawberry.field(description='ISO 4217 code, e.g. "USD".')


def money_of(minor: int, currency: str) -> Money:
    found = Money.__new__(
        Money
    )  # the dataclass __init__ costs more than the rest: thousands a page
    found.__dict__ = {"amount": money.from_minor(minor), "currency": currency}
    return found


def money_or_none(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else money_of(minor, currency)


def price_of(units: int | None, currency: str) -> Money | None:
    """A unit price or cost (ten-thousandths) as Money: two places unless it needs four."""
    if units is None:
        return None
    found = Money.__new__(Money)
    found.__dict__ = {"amount": money.from_price(units), "currency": currency}
    return found


@strawberry.type(description="A postal address; each part is null when not given.")
class Address:
    line1: str | None = strawberry.field(description="Street and number.")
    line2: str | None = strawberry.field(description="Suite, floor, building.")
    city: str | None = strawberry.field(description="City or town.")
    region: str | None = strawberry.field(
        description="State or province; the customer list filters on it."
    )
    postal_code: str | None = strawberry.field(description="ZIP or postal code, as written.")
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2.")


ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")
_ADDRESS_PARTS = {
    prefix: operator.attrgetter(*(f"{prefix}_{p}" for p in ADDRESS_FIELDS))
    for prefix in ("billing", "shipping", "address")
}
_NO_ADDRESS = (None,) * len(ADDRESS_FIELDS)


def address_of(row: Any, prefix: str) -> Address | None:
    """The row's `<prefix>_line1` .. `<prefix>_country` as an Address; None when all are empty."""
    parts = _ADDRESS_PARTS[prefix](row)
    if parts == _NO_ADDRESS:
        return None
    address = Address.__new__(Address)  # the dataclass __init__ is the slow part of a page
    address.__dict__.update(zip(ADDRESS_FIELDS, parts, strict=True))
    return address


ADDRESS_PART = "At most 200 characters, trimmed; left out, null or blank: none."


@strawberry.input(
    description="An address, given whole: it replaces the one stored, and a part left out is "
    "cleared."
)
class AddressInput:
    line1: str | None = strawberry.field(default=strawberry.UNSET, description=ADDRESS_PART)
    line2: str | None = strawberry.field(default=strawberry.UNSET, description=ADDRESS_PART)
    city: str | None = strawberry.field(default=strawberry.UNSET, description=ADDRESS_PART)
    region: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"A state, province or county. {ADDRESS_PART}",
    )
    postal_code: str | None = strawberry.field(default=strawberry.UNSET, description=ADDRESS_PART)
    country: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A two-letter ISO 3166-1 code such as US, any case (stored upper case).",
    )


ErrorCodeEnum: TypeAlias = ErrorCode
described(
    ErrorCode,
    "ErrorCode",
    "Why a mutation refused its input (a userError's code); nothing was written.",
    INVALID="The value breaks a rule of its field (a format, a range, a length).",
    REQUIRED="A value must be given.",
    NOT_FOUND="No record with that id (or number), or none the user may see.",
    DUPLICATE="The value must be unique and is taken (numbers and codes regardless of case).",
    STALE_VERSION="`expectedVersion` is not the record's version: someone changed it since it "
    "was read. Read it again.",
    CREDIT_HOLD="The customer's credit code is CREDIT_HOLD: no new orders.",
    INVALID_TRANSITION="The record's state may not move to the one asked for.",
    OVER_APPLIED="The application would take more than the payment's unapplied amount or the "
    "invoice's balance due.",
    FORBIDDEN="The user's role may not make this write.",
)


@strawberry.type(description="A rule broken by a mutation's input. Nothing was written.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path into the input, e.g. ["input", "email"].'
    )
    message: str = strawberry.field(description="What is wrong and what to do, for a person.")
    code: ErrorCodeEnum = strawberry.field(
        description="The rule broken, stable for programs to test."
    )


def user_errors_field() -> Any:
    """A payload's `userErrors`, described once for every payload."""
    return strawberry.field(
        description="Every rule the input broke; empty when the mutation succeeded. When not "
        "empty, nothing was written."
    )


def user_errors(error: DomainError) -> list[UserError]:
    return [UserError(field=p.field, message=p.message, code=p.code) for p in error.problems]


def not_found(field: Sequence[str], what: str) -> DomainError:
    return DomainError.one(ErrorCode.NOT_FOUND, f"{field[-1]}: no {what} with that id", list(field))


# ------------------------------------------------------------- connections


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether rows follow this page: pass endCursor as `after` to read them."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether rows come before this page; going forward, true whenever `after` was "
        "given."
    )
    # the first and last rows' cursors, as an edge holds its own (`Edge.at`); None: no rows
    first_at: strawberry.Private[list[Any] | int | None]
    last_at: strawberry.Private[list[Any] | int | None]

    @strawberry.field(
        description="The first row's cursor (`before` of the page before, on `customers`); null "
        "for an empty page."
    )
    def start_cursor(self) -> str | None:
        """Made when asked for, like the edges' (a customer page's 50 location lists ask for none)."""
        return None if self.first_at is None else cursor_text(self.first_at)

    @strawberry.field(
        description="The last row's cursor: `after` of the next page; null for an empty page."
    )
    def end_cursor(self) -> str | None:
        return None if self.last_at is None else cursor_text(self.last_at)


@strawberry.type(description="One row of a page, with its cursor.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The row.")
    # the cursor: the row's sort values (a keyset page), or its row number (a nested list)
    at: strawberry.Private[list[Any] | int]

    @strawberry.field(
        description="Opaque; pass it as `after` to read the rows after this one, in the same list "
        "and sort."
    )
    def cursor(self) -> str:
        """Made when asked for: most lists are read without their edges' cursors."""
        return cursor_text(self.at)


@strawberry.type(
    description="A page of a list: its rows, where it stands, and how many rows there are in all."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's rows, in the list's order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more rows follow.")
    count: strawberry.Private[Any]

    @strawberry.field(description="How many there are in all, across every page.")
    def total_count(self) -> int:
        return self.count() if callable(self.count) else self.count


def connection(
    nodes: Sequence[T],
    cursors: Sequence[list[Any] | int],
    *,
    has_next: bool,
    has_previous: bool,
    count: int | Callable[[], Awaitable[int]],
    cls: type = Connection,
    **extra: Any,
) -> Connection[T]:
    """A page (of `cls`, a connection with more fields, which `extra` holds); a cursor is a row's
    sort values (a keyset page) or its row number (an offset cursor), made into text only when an
    edge's cursor is asked for."""
    edges = [make_edge(node, at) for node, at in zip(nodes, cursors, strict=True)]
    first, last = (cursors[0], cursors[-1]) if cursors else (None, None)
    info = make(
        PageInfo,
        has_next_page=has_next,
        has_previous_page=has_previous,
        first_at=first,
        last_at=last,
    )
    return make(cls, edges=edges, page_info=info, count=count, **extra)


def cursor_text(at: list[Any] | int) -> str:
    return offset_cursor(at) if isinstance(at, int) else encode_cursor(at)


def make(cls: type[Any], **values: Any) -> Any:
    """An instance without running the dataclass __init__ (which costs more than the rest): the
    hot path of every page, which makes its objects by the hundred."""
    obj = object.__new__(cls)
    obj.__dict__ = values
    return obj


def make_edge(node: Any, at: list[Any] | int) -> Edge[Any]:
    return make(Edge, node=node, at=at)


def offset_connection(
    rows: Sequence[Any], total: int, offset: int, size: int, make: Callable[[Any], T]
) -> Connection[T]:
    """A nested list's page from the rows of a PageByParentLoader (one row more than the page)."""
    shown = rows[:size]
    return connection(
        [make(row) for row in shown],
        range(offset + 1, offset + 1 + len(shown)),
        has_next=len(rows) > size,
        has_previous=offset > 0,
        count=total,
    )


def page_window(first: int | None, after: str | None, maximum: int) -> tuple[int, int]:
    """(offset, size) of a nested list from `first`/`after`."""
    try:
        size, _ = page_size(first, None, maximum)
        return offset_from(after), size
    except BadPageArgs as error:
        raise bad_input(str(error)) from None


# ----------------------------------------------------------------- helpers


def ctx(info: Info) -> RequestContext:
    return info.context


class Later:
    """`convert` of a loader's future once it is done: awaitable like a coroutine, but the lean
    executor (schema/fastpath/lean.py) settles it without one, and many fields share one future. A
    conversion may answer another awaitable (a row that leads to another row); awaiting a
    `Later` settles those too, so that no executor ever sees an awaitable as a field's value.
    The future is a loader's: it holds a value (a row), never an awaitable."""

    __slots__ = ("future", "convert")

    def __init__(self, future: Awaitable[Any], convert: Callable[[Any], Any]) -> None:
        self.future, self.convert = future, convert

    def __await__(self) -> Any:
        value = yield from self.future.__await__()
        value = self.convert(value)
        while hasattr(value, "__await__"):
            value = yield from value.__await__()
        return value


def then(value: Any, convert: Callable[[Any], R]) -> R:
    """`convert(value)`, at once when the value is there, later when it is an awaitable; an
    awaitable that settles to another awaitable is settled fully before `convert` sees it.
    Typed as `R` although it may answer an awaitable of `R`: every caller returns it from a
    resolver, whose annotation is the field's GraphQL type, and the executors settle it."""
    if isinstance(value, asyncio.Future):
        return cast(R, Later(value, convert))
    if type(value) is Later:
        first = value.convert
        return cast(R, Later(value.future, lambda v: then(first(v), convert)))
    if hasattr(value, "__await__"):  # a coroutine: inspect.isawaitable's ABC check costs more

        async def later() -> R:
            return convert(await settle(value))

        return cast(R, later())
    return convert(value)


async def settle(value: Any) -> Any:
    """The value of something `ready()` or `then()` returned: awaited until it is no awaitable."""
    while hasattr(value, "__await__"):
        value = await value
    return value


class SettlingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, except that a resolver's awaitable that settles to another
    awaitable (an async resolver that returns `then(...)`) is awaited until it settles, as the
    lean executor does, instead of being completed as a value ("Expected value of type 'User'
    but got: <Later instance>"); and that a value its field's type cannot hold is the bug it is
    (masked as an internal error, logged with its id), not a client's error without a cause."""

    def complete_object_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        try:
            return super().complete_object_value(
                return_type, field_details_list, info, path, result, position_context
            )
        except GraphQLError as error:
            if error.original_error is None and error.message.startswith("Expected value of type"):
                raise TypeError(error.message) from None
            raise

    def complete_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if not hasattr(result, "__await__"):
            return super().complete_value(
                return_type, field_details_list, info, path, result, position_context
            )

        async def settled() -> Any:
            completed = super(SettlingExecutionContext, self).complete_value(
                return_type, field_details_list, info, path, await settle(result), position_context
            )
            return await completed if self.is_awaitable(completed) else completed

        return settled()


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def bounded_text(value: str | None, name: str) -> str | None:
    """A search or other free text argument within its documented length (server/bounds.py)."""
    try:
        return bounds.text(value, name)
    except bounds.OutOfBounds as error:
        raise bad_input(str(error)) from None


def not_implemented(what: str) -> GraphQLError:
    """A contract field whose rules come in a later release (listed in docs/api.md)."""
    return GraphQLError(
        f"{what} is not implemented yet",
        extensions={"code": "NOT_IMPLEMENTED"},
        original_error=NotImplementedYet(what),
    )


def given(data: object) -> dict[str, Any]:
    """The fields of a Strawberry input that the client set (null included), by GraphQL name."""
    result: dict[str, Any] = {}
    for field in (
        strawberry.types.has_object_definition(data) and data.__strawberry_definition__.fields or []
    ):
        value = getattr(data, field.python_name)
        if value is strawberry.UNSET:
            continue
        if strawberry.types.has_object_definition(value):
            value = given(value)
        elif isinstance(value, list):
            value = [given(v) if strawberry.types.has_object_definition(v) else v for v in value]
        result[field.graphql_name or _camel(field.python_name)] = value
    return result


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
