"""The object graph: customers, locations, contacts, items, orders, invoices, payments, notes,
leads, list views, audit events, users and tokens.

The types reference each other in cycles (a customer's invoices, an invoice's customers), so
they live in one module. Scalar fields are plain attributes copied from a row when the object
is made; relations and figures read per-request loaders through `ready()`, which answers at
once when the value is loaded already and batches otherwise.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from schema.base import (
    JSON,
    NODE_ID,
    Address,
    After,
    Connection,
    DecimalScalar,
    First,
    Money,
    Node,
    bounded_text,
    ctx,
    global_id,
    make,
    money_of,
    money_or_none,
    offset_connection,
    page_window,
    price_of,
    then,
)
from schema.enums import (
    AccessEnum,
    BillingStatusEnum,
    ColumnFilterKindEnum,
    ColumnTypeEnum,
    CreditCodeEnum,
    CustomerStatusEnum,
    EngagementEnum,
    HistoryRoleEnum,
    InvoiceClassificationEnum,
    InvoiceSortFieldEnum,
    InvoiceStatusEnum,
    LeadStateEnum,
    LineTypeEnum,
    ListKindEnum,
    NoteTypeEnum,
    OrderClassificationEnum,
    OrderStatusEnum,
    PaymentStatusEnum,
    PaymentStyleEnum,
    RoleEnum,
    SortDirectionEnum,
    TermsBasisEnum,
    TokenScopeEnum,
)
from schema.fastpath.renderable import rendered
from schema.fields import expression_names, loaded_field, loaded_money, money_field, row_field
from server import money
from server.access import policy
from server.access.models import Role, TokenScope
from server.audit import readable
from server.documents.models import InvoiceClassification
from server.documents.rules import balance_due_minor
from server.figures.customer_list import Balances
from server.figures.history import HistoryRole
from server.figures.sales import SalesFigures
from server.leads.models import CLOSED_LEAD_STATES
from server.leads.rules import allowed_moves
from server.lists import catalogue as list_catalogue
from server.lists import validator as list_validator
from server.lists.models import ListKind
from server.loaders import ready
from server.payments.models import payment_status
from server.sorting import InvoiceSortField, SortDirection

Row = Any


def fx_rate_of(rate_e8: int | None) -> decimal.Decimal | None:
    return None if rate_e8 is None else money.unscaled(rate_e8, money.RATE).normalize()


def reminder_of(row: Row) -> Reminder | None:
    if row.reminder_due_at is None:
        return None
    return make(
        Reminder,
        due_at=row.reminder_due_at,
        title=row.reminder_title or "",
        ics_url=f"/reminders/{global_id('Note', row.id)}.ics",
    )


# What the fields' expressions below call besides schema/fields.py's own helpers.
expression_names(
    fx_rate_of=fx_rate_of,
    balance_due_minor=balance_due_minor,
    reminder_of=reminder_of,
    payment_status=payment_status,
    CLOSED_LEAD_STATES=CLOSED_LEAD_STATES,
)


def row_or_none(kind: str, pk: int | None, info: Info, convert: Any) -> Any:
    if pk is None:
        return None
    return then(
        ctx(info).loaders.row(kind, pk), lambda row: convert(row) if row is not None else None
    )


def nested(
    info: Info, loader: Any, parent_id: int, first: int | None, after: str | None, convert: Any
) -> Any:
    offset, size = page_window(first, after, ctx(info).settings.max_page_size)
    return then(
        ready(loader, (parent_id, offset, size)),
        lambda page: offset_connection(page[0], page[1], offset, size, convert),
    )


def role_of(info: Info) -> Role | None:
    """The reader's role (a token's owner's); None without a user."""
    user = ctx(info).user
    return user.role if user is not None else None


def check_costs(info: Info) -> None:
    """The policy's `readCosts` row, for figures made from costs (margins): a dict lookup, no SQL."""
    if not policy.allows(role_of(info), "readCosts"):
        raise _costs_forbidden()


def check_column(info: Info, model: str, column: str) -> None:
    """A field that serves a column only some roles may read: the row its model names for it
    (`read_needs`), the one rule the audit log's changes to that column follow too."""
    if column not in policy.guarded_columns().get(
        model, {}
    ):  # a field said to be hidden whose column is not: a bug
        raise KeyError(f"{model}.{column} names no policy row: declare it with read_needs")
    if column in policy.hidden_columns(role_of(info), model):
        raise _costs_forbidden()


def _costs_forbidden() -> GraphQLError:
    return GraphQLError(
        "costs and margins are for managers and admins", extensions={"code": "FORBIDDEN"}
    )


# ------------------------------------------------------------------ people


@strawberry.type(description="A person who signs in; API tokens act as their owner.")
class User(Node):
    id: strawberry.ID = row_field("gid('User', row.id)", description=NODE_ID)
    email: str = row_field("row.email", description="The email the user signs in with; unique.")
    name: str = row_field("row.name", description="The name shown to others.")
    role: RoleEnum = row_field("row.role", description="What the user may do.")
    active: bool = row_field(
        "row.active",
        description="False: the user can no longer sign in and their tokens are refused.",
    )
    row: strawberry.Private[Row]

    @strawberry.field(
        description="What the signed-in user may do, by the role table: each operation (a "
        "mutation's name, `importCustomers`, or a right such as `readCosts`) the role is not "
        "refused, with how far it reaches; a read-only token has the rights to read only. Null "
        "on any other user."
    )
    def permissions(self, info: Info) -> list[Permission] | None:
        user = ctx(info).user
        if user is None or user.id != self.row.id:
            return None
        token = ctx(info).token
        writes = token is None or "WRITE" in token.scopes.split(",")
        return [
            Permission(operation=action, access=cell)
            for action, cell in policy.permissions(user.role, writes=writes)
        ]

    @staticmethod
    def of(row: Row) -> User:
        """From a record or a model: a page names its users by the hundred, mostly for a name."""
        return make(User, row=row)


@strawberry.type(description="An operation the signed-in user may do, and how far it reaches.")
class Permission:
    operation: str = strawberry.field(
        description="A mutation's name (`updateCustomer`), `importCustomers` (the import "
        "endpoint) or a right (`readCosts`): a row of the role table."
    )
    access: AccessEnum = strawberry.field(
        description="YES: on every record; OWN: on the user's own customers; SELF: on the "
        "user's own records."
    )


def user_field(pk: int | None, info: Info) -> Any:
    return row_or_none("User", pk, info, User.of)


def row_object(kind: str, row: Row | None) -> Any:
    """The GraphQL object of a row of `kind` (`<kind>.of(row)`); None for None."""
    return None if row is None else globals()[kind].of(row)


expression_names(row_object=row_object, ready=ready, allowed_moves=allowed_moves)


def row_load(kind: str, column: str) -> str:
    """The load (`loaded_field`) of the row of `kind` that a row's column refers to by id."""
    return f"ctx.loaders.row({kind!r}, row.{column})"


def row_reference(kind: str, column: str, *, description: str | None = None) -> Any:
    """A field whose value is the object of `kind` that the row's `column` refers to (or null)."""
    return loaded_field(
        row_load(kind, column), f"row_object({kind!r}, it)", description=description, reference=kind
    )


@strawberry.type(description="When invoices fall due: dueDays after the customer's terms basis.")
class PaymentTerms(Node):
    id: strawberry.ID = strawberry.field(description=NODE_ID)
    code: str = strawberry.field(description='e.g. "NET30"')
    description: str = strawberry.field(description='What the terms say, e.g. "Net 30 days".')
    due_days: int = strawberry.field(
        description="Days from the terms basis to the due date; 0: due on the basis day."
    )

    @staticmethod
    def of(row: Row) -> PaymentTerms:
        return make(
            PaymentTerms,
            id=global_id("PaymentTerms", row.id),
            code=row.code,
            description=row.description,
            due_days=row.due_days,
        )


# ------------------------------------------------------------- customers

AsOf = Annotated[
    dt.date | None,
    strawberry.argument(
        description="The day the figure is judged on; today in the server's time zone when left out."
    ),
]
History = Annotated[
    HistoryRoleEnum | None,
    strawberry.argument(
        description="Whose documents count (the customer as order or billing customer); "
        "ORDER_OR_BILLING when left out."
    ),
]


@strawberry.type(description="The parts of lifetimeValue, in the base currency.")
class LifetimeValueDetail:
    prior_sales: Money = strawberry.field(
        description="Sales before the system was adopted, entered on the customer."
    )
    invoiced: Money = strawberry.field(description="Net of issued invoices, all time.")
    credited: Money = strawberry.field(description="Net of issued credit notes, all time.")
    total: Money = strawberry.field(description="priorSales + invoiced - credited.")
    first_invoice_date: dt.date | None = strawberry.field(
        description="The first issued invoice or credit note; null when none."
    )
    last_invoice_date: dt.date | None = strawberry.field(
        description="The latest issued invoice or credit note; null when none."
    )
    invoice_count: int = strawberry.field(description="Issued invoices and credit notes, all time.")


@strawberry.type(
    description="What the customer owes and may still order, as bill customer, in the base currency."
)
class CustomerBalances:
    open_orders: Money = strawberry.field(
        description="Net value of the orders not yet invoiced nor cancelled (PENDING_APPROVAL to FINISHED), the customer as billing customer."
    )
    current_invoices: Money = strawberry.field(
        description="Balance due of issued documents not fully paid, each converted at its own rate; open credit notes count negatively."
    )
    unapplied_payments: Money = strawberry.field(
        description="Over the customer's payments and deposits, received - applied."
    )
    credit_limit: Money | None = strawberry.field(
        description="The customer's creditLimit; null: no limit."
    )
    available_credit: Money | None = strawberry.field(
        description="creditLimit - (currentInvoices + openOrders - unappliedPayments); negative when over the limit; null without a limit."
    )

    @staticmethod
    def of(b: Balances, limit: int | None, base: str) -> CustomerBalances:
        return CustomerBalances(
            open_orders=money_of(b.open_orders_minor, base),
            current_invoices=money_of(b.current_invoices_minor, base),
            unapplied_payments=money_of(b.unapplied_payments_minor, base),
            credit_limit=money_or_none(limit, base),
            available_credit=money_or_none(b.available_credit_minor(limit), base),
        )


expression_names(CustomerBalances=CustomerBalances)

# The figure families of a customer with their default arguments (figures/families.py): the
# loads of its figure fields, one statement for a page's customers and every family they ask.
SALES = "ctx.loaders.customer_sales(row.id)"
ORDERS = "ctx.loaders.customer_orders(row.id)"
BALANCES = "ctx.loaders.customer_balances(row.id)"


@strawberry.type(
    description="Sales (issued invoices minus issued credit notes, net before tax, by invoice date) by window, in the base currency."
)
class InvoiceStats:
    as_of: dt.date = strawberry.field(description="The day the windows end on.")
    last30_days: Money = strawberry.field(
        name="last30Days", description="Sales dated asOf-29 .. asOf."
    )
    previous30_days: Money = strawberry.field(
        name="previous30Days", description="Sales dated asOf-59 .. asOf-30."
    )
    variance30_pct: float | None = strawberry.field(
        name="variance30Pct",
        description="(last30Days - previous30Days) / previous30Days x 100; null when previous30Days is 0.",
    )
    mtd_this_year: Money = strawberry.field(
        description="Sales from the first of asOf's month to asOf."
    )
    mtd_last_year: Money = strawberry.field(
        description="Sales over the same span one year earlier (29 Feb becomes 28 Feb)."
    )
    variance_mtd_pct: float | None = strawberry.field(
        description="(mtdThisYear - mtdLastYear) / mtdLastYear x 100; null when mtdLastYear is 0."
    )
    ytd_this_year: Money = strawberry.field(description="Sales from 1 January to asOf.")
    ytd_last_year: Money = strawberry.field(
        description="Sales from 1 January to the same day one year earlier."
    )
    variance_ytd_pct: float | None = strawberry.field(
        description="(ytdThisYear - ytdLastYear) / ytdLastYear x 100; null when ytdLastYear is 0."
    )


@strawberry.type(
    description="(sales - cost of sales) / sales x 100 by window; null in a window without sales."
)
class Margins:
    as_of: dt.date = strawberry.field(description="The day the windows end on.")
    last30_days: float | None = strawberry.field(
        name="last30Days", description="Margin in percent over asOf-29 .. asOf."
    )
    last12_months: float | None = strawberry.field(
        name="last12Months", description="Margin in percent over the year ending asOf."
    )
    previous12_months: float | None = strawberry.field(
        name="previous12Months", description="Margin in percent over the year before that."
    )


@strawberry.type(
    description="Open balances of issued documents, the customer as bill customer, by days past due at asOf; in the base currency."
)
class Aging:
    as_of: dt.date = strawberry.field(description="The day days past due are counted at.")
    current: Money = strawberry.field(
        description="Not yet due or due today (0 days or less), open credit notes included (negative)."
    )
    days1_to30: Money = strawberry.field(name="days1To30", description="1 to 30 days past due.")
    days31_to60: Money = strawberry.field(name="days31To60", description="31 to 60 days past due.")
    days61_to90: Money = strawberry.field(name="days61To90", description="61 to 90 days past due.")
    over90: Money = strawberry.field(description="More than 90 days past due.")
    total: Money = strawberry.field(description="All buckets; equal to balances.currentInvoices.")
    overdue: Money = strawberry.field(
        description="Past due: every bucket but current (total - current); the customer list sorts and filters by it as `aging.overdue`."
    )
    days_sales_outstanding: float | None = strawberry.field(
        description="total / (sales as bill customer of the 365 days up to asOf / 365), in days; null without such sales."
    )


@strawberry.input(description="How a customer's invoices are sorted.")
class InvoiceOrder:
    field: InvoiceSortFieldEnum = strawberry.field(description="What to sort by.")
    direction: SortDirectionEnum | None = strawberry.field(
        default=SortDirection.DESC, description="DESC when left out."
    )


@strawberry.type(
    description="A business that buys: the root of the graph of its locations, contacts, documents, notes and leads."
)
class Customer(Node):
    id: strawberry.ID = row_field("gid('Customer', row.id)", description=NODE_ID)
    number: str = row_field(
        "row.number", description='Unique, sequential when not given: "C-000123".'
    )
    name: str = row_field("row.name", description="The business name, used for invoicing.")
    alias: str | None = row_field(
        "row.alias", description="Another name people know the customer by; searched by the list."
    )
    status: CustomerStatusEnum = row_field("row.status", description="ACTIVE or INACTIVE.")
    currency: str = row_field(
        "row.currency", description="ISO 4217; this customer's documents are in this currency."
    )
    credit_code: CreditCodeEnum = row_field(
        "row.credit_code",
        description="The credit control its new orders meet: approval, a warning or a refusal.",
    )
    billing_status: BillingStatusEnum = row_field(
        "row.billing_status", description="How the customer pays."
    )
    terms_basis: TermsBasisEnum = row_field(
        "row.terms_basis", description="The day its invoices' due dates count from."
    )
    email: str | None = row_field("row.email", description="The customer's main email address.")
    phone: str | None = row_field(
        "row.phone",
        description="The customer's main phone number, as written; searched ignoring punctuation.",
    )
    billing_address: Address | None = row_field(
        "address(row, 'billing')", description="Where invoices go; null when no part is given."
    )
    shipping_address: Address | None = row_field(
        "address(row, 'shipping')",
        description="The default delivery address; null when no part is given.",
    )
    created_at: dt.datetime = row_field(
        "row.created_at", description="When the customer was created."
    )
    version: int = row_field(
        "row.version",
        description="1 when created, one more on each change to this record itself; pass it as `expectedVersion` to refuse an update when someone changed it since.",
    )
    credit_limit: Money | None = money_field(
        "row.credit_limit_minor",
        "base",
        description="In the base currency, as exposure is; null: no limit.",
    )
    prior_sales: Money = money_field(
        "row.prior_sales_minor",
        "base",
        description="Sales before the system was adopted, in the base currency; part of lifetime value.",
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> Customer:
        return make(Customer, row=row)

    def _base(self, info: Info) -> str:
        return ctx(info).settings.base_currency

    @strawberry.field(
        description="The terms that set its invoices' due dates; null: due on the invoice date."
    )
    def payment_terms(self, info: Info) -> PaymentTerms | None:
        return row_or_none("PaymentTerms", self.row.payment_terms_id, info, PaymentTerms.of)

    sales_rep: User | None = row_reference(
        "User", "sales_rep_id", description="The default (outside) sales rep."
    )
    inside_sales_rep: User | None = row_reference(
        "User", "inside_sales_rep_id", description="The inside sales rep; null when none."
    )

    @strawberry.field(description="The contact marked primary; null when none is.")
    def primary_contact(self, info: Info) -> Contact | None:
        return then(
            ready(ctx(info).loaders.of.primary_contact(), self.row.id),
            lambda row: Contact.of(row) if row is not None else None,
        )

    @strawberry.field(description="The customer's delivery locations, by code.")
    def locations(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Location]:
        return nested(
            info, ctx(info).loaders.of.locations(), self.row.id, first, after, Location.of
        )

    @strawberry.field(
        description="The customer's contacts, the primary first, then by last and first name."
    )
    def contacts(self, info: Info, first: First = None, after: After = None) -> Connection[Contact]:
        return nested(info, ctx(info).loaders.of.contacts(), self.row.id, first, after, Contact.of)

    # Derived figures (SPEC §4): every family the page asks for in one statement (figures/families.py).

    def _sales(
        self, info: Info, as_of: dt.date | None = None, history: HistoryRole | None = None
    ) -> Any:
        return ctx(info).loaders.customer_sales(self.row.id, as_of, history)

    def _orders(self, info: Info, as_of: dt.date | None = None) -> Any:
        return ctx(info).loaders.customer_orders(self.row.id, as_of)

    lifetime_value: Money = loaded_money(
        SALES,
        "row.prior_sales_minor + it.invoiced_minor - it.credited_minor",
        "base",
        description="priorSales + net invoiced - credited, all time, in the base currency.",
    )

    @strawberry.field(description="The parts of lifetimeValue.")
    def lifetime_value_detail(self, info: Info) -> LifetimeValueDetail:
        base, prior = self._base(info), self.row.prior_sales_minor

        def detail(s: SalesFigures) -> LifetimeValueDetail:
            return LifetimeValueDetail(
                prior_sales=money_of(prior, base),
                invoiced=money_of(s.invoiced_minor, base),
                credited=money_of(s.credited_minor, base),
                total=money_of(prior + s.invoiced_minor - s.credited_minor, base),
                first_invoice_date=s.first_invoice_on,
                last_invoice_date=s.last_invoice_on,
                invoice_count=s.invoice_count,
            )

        return then(self._sales(info), detail)

    order_count: int = loaded_field(
        ORDERS, "it.count", description="Orders not cancelled, all time."
    )
    order_total: Money = loaded_money(
        ORDERS,
        "it.total_minor",
        "base",
        description="The net value of orders not cancelled, in the base currency.",
    )
    average_order_value: Money | None = loaded_money(
        ORDERS,
        "it.average_minor",
        "base",
        description="orderTotal / orderCount; null when there are no orders.",
    )

    @strawberry.field(
        description="ENGAGED: ordered within the 365 days up to asOf (default today)."
    )
    def engagement(self, info: Info, as_of: AsOf = None) -> EngagementEnum:
        return then(self._orders(info, as_of), lambda o: o.engagement)

    last_order_date: dt.date | None = loaded_field(
        ORDERS,
        "it.last_order_on",
        description="The latest date of its orders (as order customer) not cancelled; null when none.",
    )
    last_invoice_date: dt.date | None = loaded_field(
        SALES,
        "it.last_invoice_on",
        description="The latest issued invoice or credit note (ORDER_OR_BILLING); null when none.",
    )
    last_payment_date: dt.date | None = loaded_field(
        BALANCES,
        "it.last_payment_on",
        description="The latest payment or deposit received from it; null when none.",
    )
    newest_note_at: dt.datetime | None = loaded_field(
        BALANCES,
        "it.newest_note_at",
        description="The time of its latest note; null without notes.",
    )
    balances: CustomerBalances = loaded_field(
        BALANCES,
        "CustomerBalances.of(it, row.credit_limit_minor, base)",
        description="What the customer owes, as bill customer, in the base currency.",
    )

    @strawberry.field(description="Sales by window with variances; asOf defaults to today.")
    def invoice_stats(
        self,
        info: Info,
        as_of: AsOf = None,
        history: History = HistoryRole.ORDER_OR_BILLING,
    ) -> InvoiceStats:
        base = self._base(info)

        def shape(w: SalesFigures) -> InvoiceStats:
            m = {name: money_of(minor, base) for name, minor in w.sales.items()}
            return InvoiceStats(
                as_of=w.as_of,
                last30_days=m["last30"],
                previous30_days=m["previous30"],
                variance30_pct=w.variance("last30", "previous30"),
                mtd_this_year=m["mtd_this_year"],
                mtd_last_year=m["mtd_last_year"],
                variance_mtd_pct=w.variance("mtd_this_year", "mtd_last_year"),
                ytd_this_year=m["ytd_this_year"],
                ytd_last_year=m["ytd_last_year"],
                variance_ytd_pct=w.variance("ytd_this_year", "ytd_last_year"),
            )

        return then(self._sales(info, as_of, history), shape)

    @strawberry.field(description="Sales margins in percent; for managers and admins only.")
    def margins(
        self,
        info: Info,
        as_of: AsOf = None,
        history: History = HistoryRole.ORDER_OR_BILLING,
    ) -> Margins | None:
        check_costs(info)
        return then(
            self._sales(info, as_of, history),
            lambda w: Margins(
                as_of=w.as_of,
                last30_days=w.margin("last30"),
                last12_months=w.margin("last12_months"),
                previous12_months=w.margin("previous12_months"),
            ),
        )

    @strawberry.field(
        description="Open balances as bill customer by days past due at asOf (default today)."
    )
    def aging(self, info: Info, as_of: AsOf = None) -> Aging:
        base = self._base(info)

        def shape(found: Any) -> Aging:
            b = {name: money_of(minor, base) for name, minor in found.buckets.items()}
            return Aging(
                as_of=found.as_of,
                current=b["current"],
                days1_to30=b["days1_to30"],
                days31_to60=b["days31_to60"],
                days61_to90=b["days61_to90"],
                over90=b["over90"],
                total=money_of(found.total, base),
                overdue=money_of(found.overdue, base),
                days_sales_outstanding=found.days_sales_outstanding,
            )

        return then(ctx(info).loaders.customer_aging(self.row.id, as_of or ctx(info).today), shape)

    @strawberry.field(
        description="Its invoices and credit notes, drafts and void ones included; newest invoice date first unless `orderBy` says otherwise."
    )
    def invoices(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        history: History = HistoryRole.ORDER_OR_BILLING,
        outstanding_only: Annotated[
            bool | None,
            strawberry.argument(
                description="Only the documents whose balanceDue is not 0 (issued, not fully paid)."
            ),
        ] = False,
        order_by: Annotated[
            InvoiceOrder | None,
            strawberry.argument(description="The sort; invoice date, newest first, when left out."),
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description=(
                    "Only the invoices whose number or alternative number starts with this text, "
                    'ignoring case: "in-0001" finds IN-000123, "po-37" finds alternative number PO-37982.'
                )
            ),
        ] = None,
    ) -> Connection[Invoice]:
        sort = order_by.field.name if order_by else InvoiceSortField.INVOICE_DATE.name
        descending = (
            order_by.direction if order_by else SortDirection.DESC
        ) is not SortDirection.ASC
        search = (bounded_text(search, "search") or "").strip() or None
        loader = ctx(info).loaders.of.customer_invoices(
            history or HistoryRole.ORDER_OR_BILLING,
            bool(outstanding_only),
            sort,
            descending,
            search,
        )
        return nested(info, loader, self.row.id, first, after, Invoice.of)

    @strawberry.field(
        description="One of this customer's invoices by its number, else by its alternative number, "
        "either matched whole but without regard to case (po-37982 finds PO-37982)."
    )
    def find_invoice(
        self,
        info: Info,
        number: Annotated[
            str | None,
            strawberry.argument(description='The invoice or credit note number ("IN-000123").'),
        ] = None,
        alt_number: Annotated[
            str | None,
            strawberry.argument(description='The alternative number ("PO-37982").'),
        ] = None,
    ) -> Invoice | None:
        bounded_text(number, "number"), bounded_text(alt_number, "altNumber")
        number, alt_number = (number or "").strip() or None, (alt_number or "").strip() or None
        if number is None and alt_number is None:
            return None
        return then(
            ready(ctx(info).loaders.of.found_invoice(), (self.row.id, number, alt_number)),
            lambda row: Invoice.of(row) if row is not None else None,
        )

    @strawberry.field(
        description="Payments and deposits received from this customer, newest first."
    )
    def payments(self, info: Info, first: First = None, after: After = None) -> Connection[Payment]:
        return nested(
            info, ctx(info).loaders.of.customer_payments(), self.row.id, first, after, Payment.of
        )

    @strawberry.field(description="Its orders, newest order date first.")
    def orders(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        history: History = HistoryRole.ORDER_OR_BILLING,
        open_only: Annotated[
            bool | None,
            strawberry.argument(
                description="Only the orders not yet invoiced nor cancelled (PENDING_APPROVAL to "
                "FINISHED)."
            ),
        ] = False,
    ) -> Connection[Order]:
        loader = ctx(info).loaders.of.customer_orders(
            history or HistoryRole.ORDER_OR_BILLING, bool(open_only)
        )
        return nested(info, loader, self.row.id, first, after, Order.of)

    @strawberry.field(
        description="Every line of the issued invoices and credit notes, newest invoice first; "
        "a credit note's quantities are negative."
    )
    def item_sales_history(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        history: History = HistoryRole.ORDER_OR_BILLING,
    ) -> Connection[ItemSale]:
        loader = ctx(info).loaders.of.item_sales_history(history or HistoryRole.ORDER_OR_BILLING)
        return nested(info, loader, self.row.id, first, after, ItemSale.of)

    @strawberry.field(
        description="Every item ordered (as order customer, orders not cancelled), one row per item, "
        "the most recently ordered first."
    )
    def ordered_items(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[OrderedItem]:
        base = self._base(info)
        return nested(
            info,
            ctx(info).loaders.of.ordered_items(),
            self.row.id,
            first,
            after,
            lambda row: OrderedItem.of(row, base),
        )

    @strawberry.field(description="Notes on the customer, newest first.")
    def notes(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        type: Annotated[
            NoteTypeEnum | None,
            strawberry.argument(description="Only the notes of this type; all when left out."),
        ] = None,
    ) -> Connection[Note]:
        return nested(
            info, ctx(info).loaders.of.customer_notes(type), self.row.id, first, after, Note.of
        )

    @strawberry.field(description="The customer's leads, the highest number first.")
    def leads(self, info: Info, first: First = None, after: After = None) -> Connection[Lead]:
        return nested(
            info, ctx(info).loaders.of.customer_leads(), self.row.id, first, after, Lead.of
        )


def customer_field(pk: int | None, info: Info) -> Any:
    return row_or_none("Customer", pk, info, Customer.of)


# ----------------------------------------------------- locations, contacts


@strawberry.type(description="A customer's delivery site.")
class Location(Node):
    id: strawberry.ID = row_field("gid('Location', row.id)", description=NODE_ID)
    code: str = row_field("row.code", description="Unique within the customer.")
    alias: str = row_field("row.alias", description="The common name of the delivery site.")
    contact_name: str | None = row_field(
        "row.contact_name", description="Whom to ask for at the site."
    )
    contact_email: str | None = row_field(
        "row.contact_email", description="The site contact's email."
    )
    contact_phone: str | None = row_field(
        "row.contact_phone",
        description="The site contact's phone, as written; searched ignoring punctuation.",
    )
    alt_email: str | None = row_field(
        "row.alt_email", description="A second email address for the site."
    )
    shipping_address: Address | None = row_field(
        "address(row, 'shipping')", description="Where deliveries go; null when no part is given."
    )
    billing_address: Address | None = row_field(
        "address(row, 'billing')",
        description="A billing address for the site; null when no part is given.",
    )
    version: int = row_field(
        "row.version",
        description="1 when created, one more on each change to this record itself; pass it as `expectedVersion` to refuse an update when someone changed it since.",
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> Location:
        return make(Location, row=row)

    @strawberry.field(description="The customer the location belongs to.")
    def customer(self, info: Info) -> Customer:
        return customer_field(self.row.customer_id, info)

    @strawberry.field(description="Overrides the customer's default sales rep.")
    def sales_rep(self, info: Info) -> User | None:
        return user_field(self.row.sales_rep_id, info)

    @strawberry.field(description="salesRep, else the customer's.")
    def effective_sales_rep(self, info: Info) -> User | None:
        if self.row.sales_rep_id is not None:
            return user_field(self.row.sales_rep_id, info)

        def of_customer(customer: Row | None) -> Any:
            return user_field(customer.sales_rep_id, info) if customer is not None else None

        return then(ctx(info).loaders.row("Customer", self.row.customer_id), of_customer)


@strawberry.type(description="A person at a customer.")
class Contact(Node):
    id: strawberry.ID = row_field("gid('Contact', row.id)", description=NODE_ID)
    first_name: str = row_field("row.first_name", description="Given name.")
    last_name: str = row_field("row.last_name", description="Family name.")
    email: str | None = row_field("row.email", description="Email address.")
    office_phone: str | None = row_field(
        "row.office_phone", description="Office phone, as written."
    )
    mobile_phone: str | None = row_field(
        "row.mobile_phone", description="Mobile phone, as written."
    )
    fax: str | None = row_field("row.fax", description="Fax number, as written.")
    address: Address | None = row_field(
        "address(row, 'address')",
        description="The contact's own address; null when no part is given.",
    )
    is_primary: bool = row_field(
        "row.is_primary",
        description="Whether this is the customer's primary contact (at most one is).",
    )
    version: int = row_field(
        "row.version",
        description="1 when created, one more on each change to this record itself; pass it as `expectedVersion` to refuse an update when someone changed it since.",
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> Contact:
        return make(Contact, row=row)

    @strawberry.field(description="The customer the contact works for.")
    def customer(self, info: Info) -> Customer:
        return customer_field(self.row.customer_id, info)


# --------------------------------------------------------- items, orders


@strawberry.type(description="Something sold: goods or a service, with its list price.")
class Item(Node):
    id: strawberry.ID = strawberry.field(description=NODE_ID)
    code: str = strawberry.field(description="The item's code, unique; lines copy it.")
    description: str = strawberry.field(description="What the item is; lines copy it.")
    unit: str = strawberry.field(description="Unit of measure.")
    unit_price: Money = strawberry.field(
        description="The list price per unit, in the base currency; two places unless it needs four."
    )
    active: bool = strawberry.field(description="False: no longer sold; kept on past documents.")
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row, currency: str) -> Item:
        return make(
            Item,
            id=global_id("Item", row.id),
            code=row.code,
            description=row.description,
            unit=row.unit,
            unit_price=price_of(row.unit_price_e4, currency),
            active=row.active,
            row=row,
        )

    @strawberry.field(description="For managers and admins; null with a FORBIDDEN error otherwise.")
    def unit_cost(self, info: Info) -> Money | None:
        check_column(info, "Item", "unit_cost_e4")
        return price_of(self.row.unit_cost_e4, ctx(info).settings.base_currency)

    @strawberry.field(
        description="1 when created, one more on each change to this record itself; pass it as `expectedVersion` to refuse an update when someone changed it since."
    )
    def version(self) -> int:
        return self.row.version


def item_field(pk: int | None, info: Info) -> Any:
    base = ctx(info).settings.base_currency
    return row_or_none("Item", pk, info, lambda row: Item.of(row, base))


@strawberry.type(description="One line of an order, in the order's currency.")
class OrderLine:
    line_type: LineTypeEnum = row_field("row.line_type", description="ITEM, DESCRIPTOR or TASK.")
    code: str = row_field("row.code", description="The item code, or the line's own code.")
    description: str = row_field("row.description", description="What the line is for.")
    unit: str | None = row_field("row.unit", description="Unit of measure; null when none.")
    quantity: DecimalScalar = row_field(
        "unscaled(row.quantity_e3, QUANTITY)", description="Exact, three decimal places."
    )
    unit_price: Money = money_field(
        "row.unit_price_e4",
        "obj.currency",
        price=True,
        description="Price per unit in the order's currency; two places unless it needs four.",
    )
    net_amount: Money = money_field(
        "row.net_minor",
        "obj.currency",
        description="quantity x unitPrice, rounded half-even to the cent.",
    )
    row: strawberry.Private[Row]
    currency: strawberry.Private[str]

    @staticmethod
    def of(row: Row, currency: str) -> OrderLine:
        return make(OrderLine, row=row, currency=currency)

    @strawberry.field(description="The item sold; null for a line without one.")
    def item(self, info: Info) -> Item | None:
        return item_field(self.row.item_id, info)


@strawberry.type(description="A sales or job order.")
class Order(Node):
    id: strawberry.ID = row_field("gid('Order', row.id)", description=NODE_ID)
    number: str = row_field(
        "row.number", description="SO-… for a sales order, JO-… for a job order; never reused."
    )
    order_date: dt.date = row_field("row.order_on", description="The day the order was placed.")
    required_date: dt.date | None = row_field(
        "row.required_on",
        description="When the customer needs it; null when not given. The DELIVERY_DATE terms basis counts from it.",
    )
    status: OrderStatusEnum = row_field("row.status", description="Where the order stands.")
    classification: OrderClassificationEnum = row_field(
        "row.classification", description="Sales order or job order."
    )
    description: str | None = row_field(
        "row.description", description="Free text about the order; null when none."
    )
    currency: str = row_field(
        "row.currency", description="ISO 4217; the order customer's currency."
    )
    fx_rate: DecimalScalar | None = row_field(
        "fx_rate_of(row.fx_rate_e8)",
        description="Base units per one unit of the order's currency; null in the base currency.",
    )
    net_value: Money = money_field(
        "row.net_minor",
        "row.currency",
        description="The sum of the lines' net, before tax, in the order's currency.",
    )
    tax_value: Money = money_field(
        "row.tax_minor", "row.currency", description="Tax on the lines, in the order's currency."
    )
    total_value: Money = money_field(
        "row.total_minor", "row.currency", description="netValue + taxValue."
    )
    warnings: list[str] = row_field(
        "[w for w in (row.warnings or '').split('\\n') if w]",
        description="e.g. past due, over the credit limit.",
    )
    version: int = row_field(
        "row.version",
        description="1 when created, one more on each change to this record itself; pass it as `expectedVersion` to refuse an update when someone changed it since.",
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> Order:
        return make(Order, row=row)

    @strawberry.field(
        description="The customer who orders (the one `orderCount` and `orderedItems` count)."
    )
    def order_customer(self, info: Info) -> Customer:
        return customer_field(self.row.order_customer_id, info)

    @strawberry.field(description="The customer who pays: the order customer unless given.")
    def billing_customer(self, info: Info) -> Customer:
        return customer_field(self.row.billing_customer_id, info)

    @strawberry.field(description="The order customer's delivery location; null when none.")
    def location(self, info: Info) -> Location | None:
        return row_or_none("Location", self.row.location_id, info, Location.of)

    @strawberry.field(
        metadata=rendered("order_lines", currency="currency"),
        description="The order's lines, in their order.",
    )
    def lines(self, info: Info) -> list[OrderLine]:
        cur = self.row.currency
        return then(
            ready(ctx(info).loaders.of.order_lines(), self.row.id),
            lambda rows: [OrderLine.of(r, cur) for r in rows],
        )

    @strawberry.field(description="The invoices made from this order (`invoiceOrder`).")
    def invoices(self, info: Info) -> list[Invoice]:
        return then(
            ready(ctx(info).loaders.of.order_invoices(), self.row.id),
            lambda rows: [Invoice.of(r) for r in rows],
        )


# ------------------------------------------------------ invoices, payments


@strawberry.type(description="One line of an invoice or credit note, in the document's currency.")
class InvoiceLine:
    line_type: LineTypeEnum = row_field("row.line_type", description="ITEM, DESCRIPTOR or TASK.")
    code: str = row_field("row.code", description="The item code, or the line's own code.")
    description: str = row_field("row.description", description="What the line is for.")
    unit: str | None = row_field("row.unit", description="Unit of measure; null when none.")
    quantity: DecimalScalar = row_field(
        "unscaled(row.quantity_e3, QUANTITY)",
        description="Exact, three decimal places; positive on a credit note too (the document's sign is its classification).",
    )
    unit_price: Money = money_field(
        "row.unit_price_e4",
        "obj.currency",
        price=True,
        description="Price per unit in the document's currency; two places unless it needs four.",
    )
    net_amount: Money = money_field(
        "row.net_minor",
        "obj.currency",
        description="quantity x unitPrice, rounded half-even to the cent.",
    )
    tax_amount: Money = money_field(
        "row.tax_minor",
        "obj.currency",
        description="netAmount x the line's tax rate, in the document's currency.",
    )
    row: strawberry.Private[Row]
    currency: strawberry.Private[str]

    @staticmethod
    def of(row: Row, currency: str) -> InvoiceLine:
        return make(InvoiceLine, row=row, currency=currency)

    @strawberry.field(description="The item sold; null for a line without one.")
    def item(self, info: Info) -> Item | None:
        return item_field(self.row.item_id, info)

    @strawberry.field(description="For managers and admins only.")
    def unit_cost(self, info: Info) -> Money | None:
        check_column(info, "InvoiceLine", "unit_cost_e4")
        return price_of(self.row.unit_cost_e4, self.currency)


@strawberry.type(description="An invoice or a credit note (classification CREDIT).")
class Invoice(Node):
    id: strawberry.ID = row_field("gid('Invoice', row.id)", description=NODE_ID)
    number: str = row_field(
        "row.number", description="DRAFT-… while PLANNED; IN-… or CR-… once issued."
    )
    alt_number: str | None = row_field(
        "row.alt_number",
        description="An alternative number, such as the customer's purchase order (PO-37982); null when none.",
    )
    invoice_date: dt.date = row_field(
        "row.invoice_on", description="The document's date; sales count by it."
    )
    due_date: dt.date = row_field(
        "row.due_on",
        description="The terms basis + the payment terms' dueDays; recomputed while a draft, fixed on issue.",
    )
    classification: InvoiceClassificationEnum = row_field(
        "row.classification", description="INVOICE or CREDIT (a credit note)."
    )
    status: InvoiceStatusEnum = row_field(
        "row.status", description="Where the document stands; PLANNED and VOID count in nothing."
    )
    currency: str = row_field("row.currency", description="ISO 4217; the bill customer's currency.")
    fx_rate: DecimalScalar | None = row_field(
        "fx_rate_of(row.fx_rate_e8)",
        description="Base units per one unit of the document's currency; null in the base currency.",
    )
    net_amount: Money = money_field(
        "row.net_minor",
        "row.currency",
        description="The sum of the lines' net, before tax, in the document's currency; positive on a credit note too.",
    )
    tax_amount: Money = money_field(
        "row.tax_minor", "row.currency", description="The sum of the lines' tax."
    )
    total_amount: Money = money_field(
        "row.total_minor", "row.currency", description="netAmount + taxAmount."
    )
    amount_paid: Money = money_field(
        "row.paid_minor", "row.currency", description="The payments applied to it, in its currency."
    )
    balance_due: Money = money_field(
        "balance_due_minor(row)",
        "row.currency",
        description="Negative for an open credit note; zero when void or a draft.",
    )
    version: int = row_field(
        "row.version",
        description="1 when created, one more on each change to this record itself; pass it as `expectedVersion` to refuse an update when someone changed it since.",
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> Invoice:
        return make(Invoice, row=row)

    @strawberry.field(
        description="The customer who pays: its balances and aging count the document."
    )
    def bill_customer(self, info: Info) -> Customer:
        return customer_field(self.row.bill_customer_id, info)

    @strawberry.field(description="The customer who ordered.")
    def order_customer(self, info: Info) -> Customer:
        return customer_field(self.row.order_customer_id, info)

    @strawberry.field(description="The order it was made from; null when none.")
    def order(self, info: Info) -> Order | None:
        return row_or_none("Order", self.row.order_id, info, Order.of)

    @strawberry.field(description="For managers and admins only.")
    def cost_amount(self, info: Info) -> Money | None:
        check_column(info, "Invoice", "cost_minor")
        return money_of(self.row.cost_minor, self.row.currency)

    @strawberry.field(
        metadata=rendered("invoice_lines", currency="currency"),
        description="The document's lines, in their order.",
    )
    def lines(self, info: Info) -> list[InvoiceLine]:
        cur = self.row.currency
        return then(
            ready(ctx(info).loaders.of.invoice_lines(), self.row.id),
            lambda rows: [InvoiceLine.of(r, cur) for r in rows],
        )

    @strawberry.field(description="The payments applied to this invoice.")
    def payments(self, info: Info) -> list[PaymentApplication]:
        cur = self.row.currency
        return then(
            ready(ctx(info).loaders.of.invoice_applications(), self.row.id),
            lambda rows: [PaymentApplication.of(r, cur) for r in rows],
        )


@strawberry.type(
    description="One line of an issued invoice or credit note (the Item Sales History tab)."
)
class ItemSale:
    invoice_date: dt.date = strawberry.field(description="The document's invoice date.")
    line_type: LineTypeEnum = strawberry.field(description="ITEM, DESCRIPTOR or TASK.")
    code: str = strawberry.field(description="The line's code.")
    description: str = strawberry.field(description="The line's description.")
    unit: str | None = strawberry.field(description="Unit of measure; null when none.")
    quantity: DecimalScalar = strawberry.field(
        description="Negative on a credit note (goods returned or credited), so quantity x unitPrice is the "
        "line's signed net."
    )
    unit_price: Money = strawberry.field(
        description="As on the document, in its currency; never negative."
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> ItemSale:
        quantity = money.unscaled(row.quantity_e3, money.QUANTITY)
        return make(
            ItemSale,
            invoice_date=row.invoice_on,
            line_type=row.line_type,
            code=row.code,
            description=row.description,
            unit=row.unit,
            quantity=-quantity if row.classification is InvoiceClassification.CREDIT else quantity,
            unit_price=price_of(row.unit_price_e4, row.currency),
            row=row,
        )

    @strawberry.field(description="The invoice or credit note of the line.")
    def invoice(self, info: Info) -> Invoice:
        return row_or_none("Invoice", self.row.invoice_id, info, Invoice.of)


@strawberry.type(
    description="An item the customer ordered, over its orders not cancelled (as order customer)."
)
class OrderedItem:
    total_quantity: DecimalScalar = strawberry.field(
        description="The sum of the item's line quantities."
    )
    total_net: Money = strawberry.field(
        description="In the base currency: each order's net of the item at that order's rate, rounded half-even "
        "to the cent, then added up."
    )
    order_count: int = strawberry.field(description="Orders with at least one line of the item.")
    last_order_date: dt.date = strawberry.field(description="The latest date of those orders.")
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row, base_currency: str) -> OrderedItem:
        return make(
            OrderedItem,
            total_quantity=money.unscaled(row.quantity_e3, money.QUANTITY),
            total_net=money_of(row.base_net_minor, base_currency),
            order_count=row.order_count,
            last_order_date=row.last_order_on,
            row=row,
        )

    @strawberry.field(description="The item.")
    def item(self, info: Info) -> Item:
        return item_field(self.row.item_id, info)


@strawberry.type(description="Money received from a customer, applied to its invoices.")
class Payment(Node):
    id: strawberry.ID = row_field("gid('Payment', row.id)", description=NODE_ID)
    number: str = row_field("row.number", description="PY-…; never reused.")
    payment_date: dt.date = row_field(
        "row.payment_on", description="The day the money was received."
    )
    style: PaymentStyleEnum = row_field("row.style", description="PAYMENT or DEPOSIT.")
    status: PaymentStatusEnum = row_field(
        "payment_status(row.received_minor, row.applied_minor)",
        description="How much of it is applied.",
    )
    currency: str = row_field("row.currency", description="ISO 4217; the customer's currency.")
    fx_rate: DecimalScalar | None = row_field(
        "fx_rate_of(row.fx_rate_e8)",
        description="Base units per one unit of the payment's currency; null in the base currency.",
    )
    received_amount: Money = money_field(
        "row.received_minor",
        "row.currency",
        description="The amount received, in the payment's currency.",
    )
    applied_amount: Money = money_field(
        "row.applied_minor",
        "row.currency",
        description="The part applied to invoices; never more than received.",
    )
    outstanding_balance: Money = money_field(
        "row.received_minor - row.applied_minor",
        "row.currency",
        description="receivedAmount - appliedAmount: what is left to apply.",
    )
    reference: str | None = row_field(
        "row.reference",
        description="The payer's reference, such as a check or transfer number; null when none.",
    )
    version: int = row_field(
        "row.version",
        description="1 when created, one more on each change to this record itself; pass it as `expectedVersion` to refuse an update when someone changed it since.",
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> Payment:
        return make(Payment, row=row)

    @strawberry.field(
        description="The customer who paid; applications go to its invoices as bill customer."
    )
    def customer(self, info: Info) -> Customer:
        return customer_field(self.row.customer_id, info)

    @strawberry.field(description="Where the payment went.")
    def applications(self, info: Info) -> list[PaymentApplication]:
        cur = self.row.currency
        return then(
            ready(ctx(info).loaders.of.payment_applications(), self.row.id),
            lambda rows: [PaymentApplication.of(r, cur) for r in rows],
        )


@strawberry.type(description="Part of a payment applied to one invoice, in their currency.")
class PaymentApplication:
    amount: Money = money_field(
        "row.amount_minor", "obj.currency", description="The amount applied."
    )
    applied_at: dt.datetime = row_field("row.applied_at", description="When it was applied.")
    row: strawberry.Private[Row]
    currency: strawberry.Private[str]

    @staticmethod
    def of(row: Row, currency: str) -> PaymentApplication:
        return make(PaymentApplication, row=row, currency=currency)

    @strawberry.field(description="The payment applied.")
    def payment(self, info: Info) -> Payment:
        return row_or_none("Payment", self.row.payment_id, info, Payment.of)

    @strawberry.field(description="The invoice it was applied to.")
    def invoice(self, info: Info) -> Invoice:
        return row_or_none("Invoice", self.row.invoice_id, info, Invoice.of)


# ------------------------------------------------------------------ notes


@strawberry.type(description="A reminder on a note: an RFC 5545 event.")
class Reminder:
    due_at: dt.datetime = strawberry.field(description="When the reminder is due.")
    title: str = strawberry.field(description="The event's title.")
    ics_url: str = strawberry.field(description="GET it for the .ics invitation.")


@strawberry.type(description="A note on a customer or a lead.")
class Note(Node):
    id: strawberry.ID = row_field("gid('Note', row.id)", description=NODE_ID)
    type: NoteTypeEnum = row_field("row.type", description="What the note records.")
    body: str = row_field("row.body", description="The note's text.")
    created_at: dt.datetime = row_field("row.created_at", description="When the note was written.")
    reminder: Reminder | None = row_field(
        "reminder_of(row)", description="Its reminder; null when none."
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> Note:
        return make(Note, row=row)

    @strawberry.field(description="Who wrote it.")
    def author(self, info: Info) -> User:
        return user_field(self.row.author_id, info)

    @strawberry.field(description="The customer it is on; null for a lead's note.")
    def customer(self, info: Info) -> Customer | None:
        return customer_field(self.row.customer_id, info)

    @strawberry.field(description="The lead it is on; null for a customer's note.")
    def lead(self, info: Info) -> Lead | None:
        return row_or_none("Lead", self.row.lead_id, info, Lead.of)


# ------------------------------------------------------------------ leads


@strawberry.type(description="One move of a lead from one state to another.")
class LeadStateChange:
    from_: LeadStateEnum | None = strawberry.field(
        name="from", description="The state before; null for the lead's first state."
    )
    to: LeadStateEnum = strawberry.field(description="The state after.")
    at: dt.datetime = strawberry.field(description="When the move was made.")
    row: strawberry.Private[Row]

    @strawberry.field(description="Who made the move.")
    def by(self, info: Info) -> User:
        return user_field(self.row.by_id, info)

    @strawberry.field(description="Whom the lead was assigned to with the move; null when nobody.")
    def assigned_to(self, info: Info) -> User | None:
        return user_field(self.row.assigned_to_id, info)


@strawberry.type(
    description="A sales opportunity with a customer, moving through the LeadState states."
)
class Lead(Node):
    id: strawberry.ID = row_field("gid('Lead', row.id)", description=NODE_ID)
    number: int = row_field("row.number", description="Increments by one.")
    state: LeadStateEnum = row_field("row.state", description="Where the lead stands.")
    open: bool = row_field(
        "row.state not in CLOSED_LEAD_STATES", description="False in CUSTOMER and INACTIVE."
    )
    probability: int | None = row_field("row.probability", description="0..100")
    estimated_conversion_date: dt.date | None = row_field(
        "row.estimated_conversion_on",
        description="When the lead is expected to be won; null when not given.",
    )
    created_at: dt.datetime = row_field("row.created_at", description="When the lead was created.")
    version: int = row_field(
        "row.version",
        description="1 when created, one more on each change to this record itself; pass it as `expectedVersion` to refuse an update when someone changed it since.",
    )
    potential_value: Money | None = money_field(
        "row.potential_value_minor", "base", description="In the base currency."
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> Lead:
        return make(Lead, row=row)

    customer: Customer = row_reference(
        "Customer", "customer_id", description="The customer the opportunity is with."
    )
    program: LeadProgram = row_reference(
        "LeadProgram", "program_id", description="The program it belongs to."
    )
    source: LeadSource | None = row_reference(
        "LeadSource", "source_id", description="Where it came from; null when not known."
    )
    inside_sales_rep: User | None = row_reference(
        "User", "inside_sales_rep_id", description="The inside sales rep; null when none."
    )
    outside_sales_rep: User | None = row_reference(
        "User", "outside_sales_rep_id", description="The outside sales rep; null when none."
    )
    assigned_to: User | None = row_reference(
        "User",
        "assigned_to_id",
        description="Who works the lead now; a move may reassign it. Null when nobody.",
    )
    newest_note_at: dt.datetime | None = loaded_field(
        "ready(ctx.loaders.of.lead_newest_note(), row.id)",
        "it",
        description="The time of its latest note; null without notes.",
    )

    allowed_transitions: list[LeadStateEnum] = row_field(
        "allowed_moves(row.state)", description="The states this lead may move to now."
    )

    @strawberry.field(description="Every move of the lead, oldest first.")
    def state_history(self, info: Info) -> list[LeadStateChange]:
        return then(
            ready(ctx(info).loaders.of.lead_state_changes(), self.row.id),
            lambda rows: [
                make(LeadStateChange, from_=r.from_state, to=r.to_state, at=r.at, row=r)
                for r in rows
            ],
        )

    @strawberry.field(description="Notes on the lead, newest first.")
    def notes(self, info: Info, first: First = None, after: After = None) -> Connection[Note]:
        return nested(info, ctx(info).loaders.of.lead_notes(), self.row.id, first, after, Note.of)


@strawberry.type(description="How many leads are in one state.")
class StateCount:
    state: LeadStateEnum = strawberry.field(description="The state.")
    count: int = strawberry.field(description="Leads in it; 0 included.")

    @staticmethod
    def every(counts: Any) -> list[StateCount]:
        """The counts of a `LeadCounts` (server/figures/leads.py), every state in order."""
        return [make(StateCount, state=state, count=n) for state, n in counts.by_state.items()]


@strawberry.type(description="How many leads came from one source.")
class SourceCount:
    source: LeadSource | None = strawberry.field(description="Null: the leads without a source.")
    count: int = strawberry.field(description="Leads from the source.")


@strawberry.type(description="How many leads belong to one program.")
class ProgramCount:
    program: LeadProgram = strawberry.field(description="The program.")
    count: int = strawberry.field(description="Leads of the program.")


@strawberry.type(description="A campaign or program that leads belong to.")
class LeadProgram(Node):
    id: strawberry.ID = row_field("gid('LeadProgram', row.id)", description=NODE_ID)
    name: str = row_field("row.name", description="The program's name.")
    active: bool = row_field(
        "row.active", description="False: no new lead may take it; its leads still count."
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> LeadProgram:
        return make(LeadProgram, row=row)

    def _leads(self, info: Info) -> Any:
        return ready(ctx(info).loaders.of.program_leads(), self.row.id)

    @strawberry.field(description="Leads of the program not in CUSTOMER or INACTIVE.")
    def open_leads(self, info: Info) -> int:
        return then(self._leads(info), lambda c: c.open)

    @strawberry.field(description="Leads of the program in CUSTOMER or INACTIVE.")
    def closed_leads(self, info: Info) -> int:
        return then(self._leads(info), lambda c: c.closed)

    @strawberry.field(description="All five states in the LeadState order, zeros included.")
    def leads_by_state(self, info: Info) -> list[StateCount]:
        return then(self._leads(info), StateCount.every)

    @strawberry.field(
        description="Each source with leads in the program, and a null source for the leads "
        "without one; most leads first, then by name."
    )
    def leads_by_source(self, info: Info) -> list[SourceCount]:
        return then(
            self._leads(info),
            lambda c: [
                make(SourceCount, source=LeadSource.of(s) if s else None, count=n)
                for s, n in c.by_other
            ],
        )


@strawberry.type(description="Where leads come from.")
class LeadSource(Node):
    id: strawberry.ID = row_field("gid('LeadSource', row.id)", description=NODE_ID)
    name: str = row_field("row.name", description="The source's name.")
    active: bool = row_field(
        "row.active", description="False: no new lead may take it; its leads still count."
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> LeadSource:
        return make(LeadSource, row=row)

    def _leads(self, info: Info) -> Any:
        return ready(ctx(info).loaders.of.source_leads(), self.row.id)

    @strawberry.field(description="Leads from the source not in CUSTOMER or INACTIVE.")
    def open_leads(self, info: Info) -> int:
        return then(self._leads(info), lambda c: c.open)

    @strawberry.field(description="Leads from the source in CUSTOMER or INACTIVE.")
    def closed_leads(self, info: Info) -> int:
        return then(self._leads(info), lambda c: c.closed)

    @strawberry.field(description="All five states in the LeadState order, zeros included.")
    def leads_by_state(self, info: Info) -> list[StateCount]:
        return then(self._leads(info), StateCount.every)

    @strawberry.field(
        description="Each program with leads from the source; most leads first, then by name."
    )
    def leads_by_program(self, info: Info) -> list[ProgramCount]:
        return then(
            self._leads(info),
            lambda c: [
                make(ProgramCount, program=LeadProgram.of(p), count=n) for p, n in c.by_other
            ],
        )


# ------------------------------------------------------ list views, audit


@strawberry.type(description="One column of a saved view, as shown and exported.")
class ListColumn:
    field: str = strawberry.field(
        description="The column's field name, as the export names it (`lifetimeValue`, `billingAddress.region`)."
    )
    label: str = strawberry.field(
        description="The header shown and exported; the field name when none was given."
    )
    visible: bool = strawberry.field(description="False: kept in the view but not shown.")
    width: int | None = strawberry.field(
        default=None, description="The width in pixels the view keeps; null: the client's own."
    )


@strawberry.type(
    description="How a list's filter (the list query's `filter`, a view's `filter`) narrows a column."
)
class ColumnFilter:
    kind: ColumnFilterKindEnum = strawberry.field(
        description="A value list, a range, a text or a flag."
    )
    field: str | None = strawberry.field(
        description="The filter's field that takes the value list, text or flag; for a range keyed "
        "by field name, the list of ranges it goes in (`ranges: [{field, from, to}]`, the field "
        "being this column's); null for a range with `from` and `to` fields of its own."
    )
    from_: str | None = strawberry.field(
        name="from", description="A range: the filter's field of its lower bound (inclusive)."
    )
    to: str | None = strawberry.field(
        description="A range: the filter's field of its upper bound (inclusive)."
    )
    multiple: bool = strawberry.field(description="A value list: the field takes several values.")
    reference: str | None = strawberry.field(
        description="A value list of records: the type of their IDs (`User`); null for an enum's names."
    )


@strawberry.type(
    description="A column of a list, as the server knows it: what views, sorts, filters and "
    "exports name, and how to show it."
)
class CatalogueColumn:
    field: str = strawberry.field(
        description="The field name: the one name of the column in views, sorts, filters and exports."
    )
    label: str = strawberry.field(
        description='The default label ("Lifetime value"); a view may relabel it.'
    )
    type: ColumnTypeEnum = strawberry.field(description="What it holds.")
    values: list[str] | None = strawberry.field(
        description="An ENUM column's values, in their order; null otherwise."
    )
    sortable: bool = strawberry.field(
        description="Whether the list sorts by it (a view's `sort`, the export's `orderBy`)."
    )
    filter: ColumnFilter | None = strawberry.field(
        description="How the list's filter narrows it; null: no filter field does."
    )
    in_default_view: bool = strawberry.field(
        description="Whether the list shows it when no view is applied (the export's default)."
    )
    visible: bool = strawberry.field(
        description="Whether the caller's role may read it (costs are for MANAGER and ADMIN)."
    )

    @staticmethod
    def of(entry: list_catalogue.Entry) -> CatalogueColumn:
        found = entry.filter
        return CatalogueColumn(
            field=entry.field,
            label=entry.label,
            type=entry.type,
            values=None if entry.values is None else list(entry.values),
            sortable=entry.sortable,
            filter=None
            if found is None
            else ColumnFilter(
                kind=found.kind,
                field=found.field,
                from_=found.start,
                to=found.end,
                multiple=found.many,
                reference=found.reference,
            ),
            in_default_view=entry.in_default_view,
            visible=entry.visible,
        )


@strawberry.type(description="One sort key of a saved view.")
class ListSort:
    field: str = strawberry.field(description="The column's field name (`lifetimeValue`).")
    direction: SortDirectionEnum = strawberry.field(description="ASC or DESC.")


@strawberry.type(
    description="A user's saved view of a list: its columns, sort and filter. Seen only by its owner."
)
class ListView(Node):
    id: strawberry.ID = strawberry.field(description=NODE_ID)
    kind: ListKindEnum = strawberry.field(description="The list it shapes.")
    name: str = strawberry.field(description="The view's name.")
    columns: list[ListColumn] = strawberry.field(description="The columns, in their order.")
    sort: list[ListSort] = strawberry.field(
        description="Sort keys, the first first; named by field (`lifetimeValue`)."
    )
    filter: JSON | None = strawberry.field(
        description="The list's filter as JSON, by its filter input's field names; null: no filter."
    )
    is_default: bool = strawberry.field(description="Whether the list opens with this view.")

    @staticmethod
    def of(row: Row) -> ListView:
        """From a list_views row (or the saved ORM object): columns as stored, the sort by field
        name (a view saved with enum names is read in field names)."""
        columns = [
            make(
                ListColumn,
                field=c["field"],
                label=c.get("label") or c["field"],
                visible=bool(c.get("visible", True)),
                width=c.get("width"),
            )
            for c in row.columns or []
        ]
        kind = row.kind if isinstance(row.kind, ListKind) else ListKind(row.kind)
        sort = [
            make(ListSort, field=s["field"], direction=SortDirection[s["direction"]])
            for s in list_validator.stored_sort(kind, row.sort)
        ]
        return make(
            ListView,
            id=global_id("ListView", row.id),
            kind=row.kind,
            name=row.name,
            columns=columns,
            sort=sort,
            filter=row.filter,
            is_default=bool(row.is_default),
        )


def label_loader(info: Info) -> Any:
    """What people know records by, for the whole page: one loader shared by the log's fields."""
    loaders = ctx(info).loaders
    return loaders.get("LabelByRef", lambda: readable.LabelByRefLoader(loaders))


def audit_changes(root: Any, info: Info) -> JSON:
    """AuditEvent.changes in the API's words, without what the reader may not read; the labels
    of the records it names are loaded for the whole page at once."""
    model, changes, role = root.row.entity_type, root.row.changes, role_of(info)
    refs = readable.references(model, changes)
    if not refs:
        return readable.readable(model, changes, {}, role)
    return then(
        label_loader(info).load_many(refs),
        lambda labels: readable.readable(
            model, changes, dict(zip(refs, labels, strict=True)), role
        ),
    )


@strawberry.type(description="One recorded change.")
class AuditEvent(Node):
    id: strawberry.ID = strawberry.field(description=NODE_ID)
    at: dt.datetime = strawberry.field(description="When the change was made.")
    action: str = strawberry.field(description="The mutation that made it, e.g. `createCustomer`.")
    entity_id: strawberry.ID | None = strawberry.field(
        description="The global ID of the record changed; null for a change of many records at once."
    )
    changes: JSON = strawberry.field(
        resolver=audit_changes,
        description=(
            "What changed, in the API's words: {field: [before, after]} by GraphQL field name "
            '("salesRep", "creditLimit", "billingAddress.city"), records by what people know them by '
            "(customer numbers, user emails, codes), money as decimal strings, enums by name. A bulk "
            'change is a list of {"id", "number" or "code", "version", "fields"}, one per record. '
            "Changes to what the reader may not read (costs, for SALES_REP and VIEWER) are left out."
        ),
    )
    revertible: bool = strawberry.field(description="Whether `revertAuditEvent` can undo it.")
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> AuditEvent:
        entity = (
            global_id(row.entity_type, row.entity_id) if row.entity_type and row.entity_id else None
        )
        return make(
            AuditEvent,
            id=global_id("AuditEvent", row.id),
            at=row.at,
            action=row.action,
            entity_id=entity,
            revertible=row.revertible,
            row=row,
        )

    @strawberry.field(
        description="Who made the change; null when no user made it (the command line)."
    )
    def by(self, info: Info) -> User | None:
        return user_field(self.row.by_id, info)

    @strawberry.field(
        description=(
            "What people know the event's record by, as it is now: a customer's number, a user's "
            "email, an item's code. Null for a bulk change, or a record known only by its id."
        )
    )
    def entity_label(self, info: Info) -> str | None:
        ref = readable.entity(self.row.entity_type, self.row.entity_id)
        if ref is None:
            return None
        label = label_loader(info).load(ref)
        return then(label, lambda found: None if found is None else str(found))


@strawberry.type(
    description="A bearer token for programs (`Authorization: Bearer <secret>`); the secret is shown once, at creation."
)
class ApiToken(Node):
    id: strawberry.ID = strawberry.field(description=NODE_ID)
    name: str = strawberry.field(description="What the token is for, as its owner named it.")
    scopes: list[TokenScopeEnum] = strawberry.field(
        description="READ, or READ and WRITE (mutations)."
    )
    created_at: dt.datetime = strawberry.field(description="When it was created.")
    last_used_at: dt.datetime | None = strawberry.field(
        description="When it last authenticated a request; null if never."
    )
    revoked: bool = strawberry.field(
        description="True once revoked: requests with it are refused with 401."
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row) -> ApiToken:
        return make(
            ApiToken,
            id=global_id("ApiToken", row.id),
            name=row.name,
            scopes=[TokenScope[s] for s in row.scopes.split(",") if s],
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked=row.revoked_at is not None,
            row=row,
        )

    @strawberry.field(description="The user it acts as, with that user's role.")
    def owner(self, info: Info) -> User:
        return user_field(self.row.user_id, info)


@strawberry.type(description="About this server; answers without signing in.")
class ServerInfo:
    version: str = strawberry.field(description="The server's version.")
    base_currency: str = strawberry.field(
        description="ISO 4217; every aggregate is in it (CLIENTELE_BASE_CURRENCY)."
    )
    time_zone: str = strawberry.field(
        description='The IANA zone that dates and "today" are in (CLIENTELE_TIME_ZONE).'
    )
    today: dt.date = strawberry.field(
        description="Today in the server's time zone: the default asOf."
    )


NODE_TYPES: dict[str, Any] = {
    "Customer": Customer,
    "Location": Location,
    "Contact": Contact,
    "Item": Item,
    "Order": Order,
    "Invoice": Invoice,
    "Payment": Payment,
    "Note": Note,
    "Lead": Lead,
    "LeadProgram": LeadProgram,
    "LeadSource": LeadSource,
    "User": User,
    "PaymentTerms": PaymentTerms,
    "AuditEvent": AuditEvent,
}


# The derived figures (docs/figures.md): computed, not stored, so each costs 1 in a query's cost
# (server/limits, docs/api.md "Limits and cost"). tests/limits/test_figures_marked.py keeps this in step
# with docs/figures.md.
DERIVED_FIGURES = frozenset(
    {
        "Customer.lifetimeValue",
        "Customer.lifetimeValueDetail",
        "Customer.orderCount",
        "Customer.orderTotal",
        "Customer.averageOrderValue",
        "Customer.engagement",
        "Customer.lastOrderDate",
        "Customer.lastInvoiceDate",
        "Customer.lastPaymentDate",
        "Customer.newestNoteAt",
        "Customer.balances",
        "Customer.invoiceStats",
        "Customer.margins",
        "Customer.aging",
        "Lead.newestNoteAt",
        "LeadProgram.openLeads",
        "LeadProgram.closedLeads",
        "LeadProgram.leadsByState",
        "LeadProgram.leadsBySource",
        "LeadSource.openLeads",
        "LeadSource.closedLeads",
        "LeadSource.leadsByState",
        "LeadSource.leadsByProgram",
        "CustomerConnection.totals",
    }
)
