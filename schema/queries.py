"""The root Query: thin resolvers that parse arguments, call one loader or listing, and shape."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, cast

import strawberry
from strawberry.types import Info

import server
from schema.base import (
    After,
    Connection,
    First,
    Money,
    Node,
    bad_input,
    bounded_text,
    connection,
    ctx,
    given,
    money_or_none,
    parse_global_id,
    pk_of,
    settle,
)
from schema.enums import ListKindEnum
from schema.inputs import CustomerFilter, CustomerOrder, LeadFilter, LeadOrder
from schema.types import (
    NODE_TYPES,
    ApiToken,
    AuditEvent,
    CatalogueColumn,
    Customer,
    Invoice,
    Item,
    Lead,
    LeadProgram,
    LeadSource,
    ListView,
    Location,
    Order,
    PaymentTerms,
    ServerInfo,
    User,
    item_field,
)
from server import listing
from server.access import tokens
from server.access.models import Role
from server.bounds import shown
from server.customers import listing as customer_listing
from server.db.base import aware
from server.documents import numbers as document_numbers
from server.errors import DomainError
from server.lists import service as list_views
from server.lists import validator as list_validator
from server.lists.catalogue import catalogue as list_catalogue
from server.lists.models import ListKind
from server.pagination import BadPageArgs, page_size


def _size(info: Info, first: int | None, last: int | None) -> tuple[int, bool]:
    try:
        return page_size(first, last, ctx(info).settings.max_page_size)
    except BadPageArgs as error:
        raise bad_input(str(error)) from None


async def _keyset(
    info: Info,
    spec: listing.Listed,
    make: Any,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[Any]:
    size, backwards = _size(info, first, last)
    stmt, keys, key_of, params = spec
    try:
        page, count = await listing.keyset(
            ctx(info).reader,
            stmt,
            keys,
            stmt.selected_columns.id,
            key_of,
            size=size,
            backwards=backwards,
            after=after,
            before=before,
            params=params,
        )
    except BadPageArgs as error:
        raise bad_input(str(error)) from None
    return connection(
        [make(r) for r in page.rows],
        page.cursors,
        has_next=page.has_next,
        has_previous=page.has_previous,
        count=count,
    )


async def _checked(
    info: Info,
    kind: ListKind,
    filter: Any,
    order_by: list[Any] | None,
    view: str | None = None,
    filter_name: str = "filter",
) -> list_validator.Checked:
    """A list's arguments through its own validator (saveListView's and the export's); with
    `view`, the viewer's saved view gives the filter and sort that are not given."""
    data = given(filter) if filter is not None and not isinstance(filter, dict) else filter
    sort = (
        [{"field": o.field, "direction": o.direction} for o in order_by]
        if order_by is not None
        else None
    )
    try:
        if view is not None:
            row = list_views.applied(
                await settle(_load(info, "ListView", pk_of(view, "ListView"))),
                ctx(info).actor_id,
                kind,
            )
            data = row.filter if data is None else data
            sort = list_validator.stored_sort(kind, row.sort) if sort is None else sort
        return list_validator.check(
            kind,
            filter=data,
            sort=sort,
            sort_name="orderBy",
            filter_name=filter_name,
            today=ctx(info).today,
            zone=ctx(info).settings.zone,
        )
    except DomainError as error:
        raise bad_input("; ".join(p.message for p in error.problems)) from None


async def _customer_filter(
    info: Info, flt: CustomerFilter | None
) -> customer_listing.CustomerFilter:
    return (await _checked(info, ListKind.CUSTOMERS, flt, None)).filter


Id = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Its global ID; pass this or the number."),
]
DocumentNumber = Annotated[
    str | None,
    strawberry.argument(
        description="Its number, without regard to case and blanks around it; pass this or `id`."
    ),
]
IncludeInactive = Annotated[
    bool | None,
    strawberry.argument(description="Also the inactive ones; false when left out."),
]
Search = Annotated[
    str | None,
    strawberry.argument(
        description="A part of the text, ignoring case (see the list's description for which "
        "fields); phone numbers also match ignoring punctuation. At most 200 characters."
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="How many rows to return from the end, going backwards (with `before`); not "
        "with `first`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="A cursor (`startCursor` of the page after): the rows before it."
    ),
]

ViewArgument = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description=(
            "One of the viewer's saved views of this list (`saveListView`): its filter and sort, where `filter` and "
            "`orderBy` are not given."
        )
    ),
]


def _load(info: Info, kind: str, pk: int | None) -> Any:
    return ctx(info).loaders.row(kind, pk) if pk is not None else None


async def _one(info: Info, kind: str, id: str | None, column: str, value: Any, make: Any) -> Any:
    if id is not None:
        row = await settle(_load(info, kind, pk_of(id, kind)))
    elif value is not None:
        if isinstance(value, str):
            bounded_text(value, column)
            value = value.strip()  # stored trimmed: blanks typed around it do not count
        row = await settle(ctx(info).loaders.row_by(kind, column, value))
    else:
        raise bad_input(f"pass `id` or `{column}`")
    return make(row) if row is not None else None


ListKindArgument = Annotated[
    ListKindEnum,
    strawberry.argument(description="The list."),
]


@strawberry.type(description="A money column's sum over every customer the filter matches.")
class ColumnSum:
    field: str = strawberry.field(
        description="The column's field name: `lifetimeValue`, `balances.currentInvoices` ..."
    )
    sum: Money | None = strawberry.field(
        description="In the base currency; null when no matching customer has a value (a sum of "
        "`balances.availableCredit` where no customer has a credit limit)."
    )


@strawberry.type(description="Figures over every customer the filter matches, not just the page.")
class CustomerTotals:
    count: int = strawberry.field(description="How many customers match (as totalCount).")
    sums: list[ColumnSum] = strawberry.field(description="One per field asked, in the order asked.")


@strawberry.type(
    name="CustomerConnection",
    description="A page of the customer list: its rows, where it stands, how many rows there are "
    "in all, and totals over them all.",
)
class CustomerConnection(Connection[Customer]):
    flt: strawberry.Private[Any]

    @strawberry.field(
        description="The count and the sums of money columns over every matching customer, in "
        "one statement; computed only when asked."
    )
    async def totals(
        self,
        info: Info,
        fields: Annotated[
            list[str] | None,
            strawberry.argument(
                description="The money columns to sum, by field name; every one when left out: "
                + ", ".join(list_validator.CUSTOMER_SUMS)
                + "."
            ),
        ] = None,
    ) -> CustomerTotals:
        names = list(list_validator.CUSTOMER_SUMS) if fields is None else fields
        unknown = [n for n in names if n not in list_validator.CUSTOMER_SUMS]
        if unknown:
            raise bad_input(
                f"fields: {shown(unknown[0])} is not a money column of the "
                f"customer list (known: {', '.join(list_validator.CUSTOMER_SUMS)})"
            )
        sums = [list_validator.CUSTOMER_SUMS[n] for n in names]
        count, found = await customer_listing.totals(ctx(info).reader, self.flt, sums)
        base = ctx(info).settings.base_currency
        return CustomerTotals(
            count=count,
            sums=[
                ColumnSum(field=n, sum=money_or_none(found[f], base))
                for n, f in zip(names, sums, strict=True)
            ],
        )


@strawberry.type(
    description="What can be read. Everything but `serverInfo` and `viewer` needs a signed-in user "
    "or an API token."
)
class Query:
    @strawberry.field(description="Any object by its global ID; null when there is none.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
    ) -> Node | None:
        return await _node(info, id)

    @strawberry.field(
        description="Objects by their global IDs, in the order asked; null for an id that names "
        "nothing."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="At most the maximum page size (250) of them."),
        ],
    ) -> list[Node | None]:
        if len(ids) > ctx(info).settings.max_page_size:
            raise bad_input(f"at most {ctx(info).settings.max_page_size} ids at once")
        return list(await asyncio.gather(*(_node(info, i) for i in ids)))

    @strawberry.field(
        description="The signed-in user; null, without an error, when nobody is signed in."
    )
    def viewer(self, info: Info) -> User | None:
        user = ctx(info).user
        return User.of(user) if user is not None else None

    @strawberry.field(
        description="The server's version, base currency, time zone and today; no sign-in needed."
    )
    def server_info(self, info: Info) -> ServerInfo:
        settings = ctx(info).settings
        return ServerInfo(
            version=server.__version__,
            base_currency=settings.base_currency,
            time_zone=settings.time_zone,
            today=ctx(info).today,
        )

    @strawberry.field(
        description="A customer by `id` or by `number`; the number matches regardless of case "
        "and of blanks around it (c-000158 finds C-000158)."
    )
    async def customer(
        self,
        info: Info,
        id: Id = None,
        number: Annotated[
            str | None,
            strawberry.argument(description='The customer number ("C-000123"); pass this or `id`.'),
        ] = None,
    ) -> Customer | None:
        return await _one(info, "Customer", id, "number", number, Customer.of)

    @strawberry.field(description="The customer list: search, filter and sort; keyset cursors.")
    async def customers(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            CustomerFilter | None,
            strawberry.argument(description="Which customers; all when left out."),
        ] = None,
        order_by: Annotated[
            list[CustomerOrder] | None,
            strawberry.argument(
                description="Sort keys, the first first; by number, ascending, when left out."
            ),
        ] = None,
        view: ViewArgument = None,
    ) -> CustomerConnection:
        checked = await _checked(info, ListKind.CUSTOMERS, filter, order_by, view)
        flt, order = checked.filter, checked.sort
        size, backwards = _size(info, first, last)
        reader = ctx(info).reader
        try:
            page = await customer_listing.page(
                reader, flt, order, size=size, backwards=backwards, after=after, before=before
            )
        except BadPageArgs as error:
            raise bad_input(str(error)) from None
        ctx(info).loaders.prime("Customer", page.rows)
        made = connection(
            [Customer.of(r) for r in page.rows],
            page.cursors,
            has_next=page.has_next,
            has_previous=page.has_previous,
            count=lambda: customer_listing.count(reader, flt),
            cls=CustomerConnection,
            flt=flt,
        )
        return cast(CustomerConnection, made)

    @strawberry.field(
        description="The location list, by customer name, then code; search matches code, alias, "
        "contact name, city and customer name."
    )
    async def locations(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        customer: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this customer's locations."),
        ] = None,
        search: Search = None,
        view: ViewArgument = None,
    ) -> Connection[Location]:
        given_filter = (
            {"customer": customer, "search": search} if (customer, search) != (None, None) else None
        )
        flt = (await _checked(info, ListKind.LOCATIONS, given_filter, None, view, "")).filter
        return await _keyset(
            info, listing.locations(flt.customer_id, flt.search), Location.of, first, after
        )

    @strawberry.field(description="The item list, by code; search matches code and description.")
    async def items(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        search: Search = None,
    ) -> Connection[Item]:
        base = ctx(info).settings.base_currency
        return await _keyset(
            info,
            listing.items(bounded_text(search, "search")),
            lambda r: Item.of(r, base),
            first,
            after,
        )

    @strawberry.field(
        description="An invoice or credit note by id, or by number without regard to case."
    )
    async def invoice(
        self, info: Info, id: Id = None, number: DocumentNumber = None
    ) -> Invoice | None:
        return await _one(
            info, "Invoice", id, "number", document_numbers.given_number(number), Invoice.of
        )

    @strawberry.field(description="An order by id, or by number without regard to case.")
    async def order(self, info: Info, id: Id = None, number: DocumentNumber = None) -> Order | None:
        return await _one(
            info, "Order", id, "number", document_numbers.given_number(number), Order.of
        )

    @strawberry.field(description="A lead by `id` or by `number`.")
    async def lead(
        self,
        info: Info,
        id: Id = None,
        number: Annotated[
            int | None, strawberry.argument(description="The lead number; pass this or `id`.")
        ] = None,
    ) -> Lead | None:
        return await _one(info, "Lead", id, "number", number, Lead.of)

    @strawberry.field(
        description="The lead list: search, filter and sort; keyset cursors. Search matches the "
        "customer's name or number, and the lead's number."
    )
    async def leads(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        filter: Annotated[
            LeadFilter | None,
            strawberry.argument(description="Which leads; all when left out."),
        ] = None,
        order_by: Annotated[
            list[LeadOrder] | None,
            strawberry.argument(
                description="Sort keys, the first first; by number, ascending, when left out."
            ),
        ] = None,
        view: ViewArgument = None,
    ) -> Connection[Lead]:
        checked = await _checked(info, ListKind.LEADS, filter, order_by, view)
        newest_notes = ctx(info).loaders.of.lead_newest_note()

        def make(row: Any) -> Lead:
            if "newest_note_at" in row._fields:  # sorted by it: the list has read it already
                newest_notes.prime(row.id, aware(row.newest_note_at))
            return Lead.of(row)

        return await _keyset(info, listing.leads(checked.filter, checked.sort), make, first, after)

    @strawberry.field(description="The lead programs, by name.")
    async def lead_programs(
        self, info: Info, include_inactive: IncludeInactive = False
    ) -> list[LeadProgram]:
        rows = await listing.all_rows(
            ctx(info).reader, "LeadProgram", include_inactive=bool(include_inactive)
        )
        return [LeadProgram.of(r) for r in rows]

    @strawberry.field(description="The lead sources, by name.")
    async def lead_sources(
        self, info: Info, include_inactive: IncludeInactive = False
    ) -> list[LeadSource]:
        rows = await listing.all_rows(
            ctx(info).reader, "LeadSource", include_inactive=bool(include_inactive)
        )
        return [LeadSource.of(r) for r in rows]

    @strawberry.field(description="Every payment terms, by due days, then code.")
    async def payment_terms(self, info: Info) -> list[PaymentTerms]:
        return [
            PaymentTerms.of(r) for r in await listing.all_rows(ctx(info).reader, "PaymentTerms")
        ]

    @strawberry.field(description="The users, by name.")
    async def users(self, info: Info, include_inactive: IncludeInactive = False) -> list[User]:
        rows = await listing.all_rows(
            ctx(info).reader, "User", include_inactive=bool(include_inactive)
        )
        return [User.of(r) for r in rows]

    @strawberry.field(description="The viewer's own saved views of one list, the default first.")
    async def list_views(
        self,
        info: Info,
        kind: ListKindArgument,
    ) -> list[ListView]:
        user_id = ctx(info).actor_id
        if user_id is None:
            return []
        return [
            ListView.of(r) for r in await ctx(info).reader.rows(list_views.views_of(user_id, kind))
        ]

    @strawberry.field(
        description="The columns of one list, in their order: what its views, sorts, filters and "
        "exports name, with their default labels, types, how each sorts and filters, and whether "
        "the caller may read it. A column added on the server is here at once."
    )
    def list_columns(
        self,
        info: Info,
        kind: ListKindArgument,
    ) -> list[CatalogueColumn]:
        return [CatalogueColumn.of(e) for e in list_catalogue(kind, ctx(info).actor.role)]

    @strawberry.field(description="Changes, newest first; of one record with `entityId`.")
    async def audit_events(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        entity_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only the changes of this record (its global ID)."),
        ] = None,
    ) -> Connection[AuditEvent]:
        entity = parse_global_id(entity_id) if entity_id is not None else None
        if entity_id is not None and entity is None:
            raise bad_input("entityId: not an id this server gave out")
        return await _keyset(info, listing.audit_events(entity), AuditEvent.of, first, after)

    @strawberry.field(
        description="The viewer's own API tokens, revoked ones included, newest first; an admin sees all."
    )
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        user = ctx(info).user
        assert user is not None  # the HTTP layer answers 401 first (server/http/graphql.py)
        return [ApiToken.of(r) for r in await ctx(info).reader.rows(tokens.tokens_of(user))]


# Objects that are someone's own: `node` answers them to whom they belong (ApiToken: and to an
# ADMIN, as `apiTokens` does), and null to anyone else, as for an id that names nothing.
OWNED_NODES: dict[str, type[ListView] | type[ApiToken]] = {
    "ListView": ListView,
    "ApiToken": ApiToken,
}


def _owns(kind: str, row: Any, user: Any) -> bool:
    if user is None:
        return False
    return row.user_id == user.id or (kind == "ApiToken" and user.role is Role.ADMIN)


async def _node(info: Info, id: str) -> Any:
    parsed = parse_global_id(id)
    if parsed is None or (parsed[0] not in NODE_TYPES and parsed[0] not in OWNED_NODES):
        return None
    kind, pk = parsed
    row = await settle(ctx(info).loaders.row(kind, pk))
    if row is None:
        return None
    if kind in OWNED_NODES:
        return OWNED_NODES[kind].of(row) if _owns(kind, row, ctx(info).user) else None
    if kind == "Item":
        return await settle(item_field(pk, info))
    return NODE_TYPES[kind].of(row)
