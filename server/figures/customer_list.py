"""The figures of the customer list (SPEC §4): orders, engagement, balances, activity dates and
the newest note, each family computed for every customer of a page at once (families.py puts
the families a request needs into one statement). Sales and lifetime value are in sales.py."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    ScalarSelect,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    or_,
    select,
    type_coerce,
)

from schema.fastpath.reader import IDS, shape
from server.customers.models import Customer
from server.db.base import aware
from server.documents.models import (
    ISSUED_STATUSES,
    OPEN_ORDER_STATUSES,
    Invoice,
    InvoiceClassification,
    Order,
    OrderStatus,
)
from server.documents.rules import OWING_STATUSES, signed_base_balance_expression
from server.money import round_div
from server.notes.models import Note
from server.payments.models import Payment

ENGAGED_DAYS = 364  # an order dated asOf-364 .. asOf: the 365 days up to asOf


class Engagement(enum.Enum):
    ENGAGED = "ENGAGED"
    LAPSED = "LAPSED"
    NEVER_ORDERED = "NEVER_ORDERED"


@dataclass(frozen=True, slots=True)
class Orders:
    """Orders of a customer as order customer, not cancelled."""

    count: int
    total_minor: int
    last_order_on: dt.date | None
    ordered_in_year: bool  # an order dated within the 365 days up to asOf
    ordered_by_as_of: bool  # an order dated asOf or earlier: later ones do not count for engagement

    @classmethod
    def none(cls) -> Orders:
        return cls(0, 0, None, False, False)

    @property
    def engagement(self) -> Engagement:
        if self.ordered_in_year:
            return Engagement.ENGAGED
        return Engagement.LAPSED if self.ordered_by_as_of else Engagement.NEVER_ORDERED

    @property
    def average_minor(self) -> int | None:
        return round_div(self.total_minor, self.count) if self.count else None


@dataclass(frozen=True, slots=True)
class Balances:
    """What a customer owes and has paid ahead, as bill customer, in the base currency."""

    open_orders_minor: int
    current_invoices_minor: int
    unapplied_payments_minor: int
    last_payment_on: dt.date | None
    newest_note_at: dt.datetime | None

    @classmethod
    def none(cls) -> Balances:
        return cls(0, 0, 0, None, None)

    @property
    def exposure_minor(self) -> int:
        return exposure_minor(
            self.current_invoices_minor, self.open_orders_minor, self.unapplied_payments_minor
        )

    def available_credit_minor(self, limit_minor: int | None) -> int | None:
        """creditLimit - exposure; None without a limit (SPEC §4)."""
        return None if limit_minor is None else limit_minor - self.exposure_minor


def exposure_minor(
    current_invoices_minor: int, open_orders_minor: int, unapplied_payments_minor: int
) -> int:
    """SPEC §3, the credit exposure: current invoices + open orders - unapplied payments, in the
    base currency. The one rule behind availableCredit, the credit-limit warning of createOrder,
    the export's availableCredit and the seed's credit limits."""
    return current_invoices_minor + open_orders_minor - unapplied_payments_minor


def orders_parameters(as_of: dt.date) -> dict[str, dt.date]:
    """The bind parameters of `orders_statement` but `ids`."""
    return {"as_of": as_of, "engaged_from": as_of - dt.timedelta(days=ENGAGED_DAYS)}


def read_orders(values: Sequence[Any], _as_of: dt.date) -> Orders:
    count, total, last_order_on, in_year, by_as_of = values
    return Orders(int(count), int(total), _date(last_order_on), bool(in_year), bool(by_as_of))


@shape
def orders_statement() -> Any:
    """One row per order customer of the bind parameter `ids`: the customer id, then the columns
    `read_orders` takes. Bind parameters: `ids`, `as_of` and `engaged_from` (asOf - ENGAGED_DAYS)."""
    as_of: BindParameter[Any] = bindparam("as_of")
    in_year = Order.order_on.between(bindparam("engaged_from"), as_of)
    return (
        select(
            Order.order_customer_id,
            func.count(),
            func.coalesce(func.sum(Order.base_net_minor), 0),
            func.max(Order.order_on),
            func.max(case((in_year, 1), else_=0)),
            func.max(case((Order.order_on <= as_of, 1), else_=0)),
        )
        .where(Order.order_customer_id.in_(IDS), Order.status != OrderStatus.CANCELLED)
        .group_by(Order.order_customer_id)
    )


def read_balances(values: Sequence[Any], _as_of: dt.date | None = None) -> Balances:
    """The balances from `balance_columns()`' values."""
    return Balances(
        int(values[0]), int(values[1]), int(values[2]), _date(values[3]), aware(values[4])
    )


def balances_of(row: Any) -> Balances:
    """The balances of a `balances_statement()` row."""
    return read_balances(row[1:])


@shape
def balance_columns() -> tuple[ColumnElement[Any], ...]:
    """Correlated on the `customers` row of the statement they are put in: each balance a sum over
    its own index; the last payment and the newest note ride along, as they read the same kind
    of index."""
    signed_balance = signed_base_balance_expression(Invoice)
    open_orders = (
        select(func.coalesce(func.sum(Order.base_net_minor), 0))
        .where(Order.billing_customer_id == Customer.id, Order.status.in_(OPEN_ORDER_STATUSES))
        .scalar_subquery()
    )
    current = (
        select(func.coalesce(func.sum(signed_balance), 0))
        .where(Invoice.bill_customer_id == Customer.id, Invoice.status.in_(OWING_STATUSES))
        .scalar_subquery()
    )
    unapplied = (
        select(func.coalesce(func.sum(Payment.base_unapplied_minor), 0))
        .where(Payment.customer_id == Customer.id)
        .scalar_subquery()
    )
    last_payment = (
        select(func.max(Payment.payment_on))
        .where(Payment.customer_id == Customer.id)
        .scalar_subquery()
    )
    newest_note = (
        select(func.max(Note.created_at)).where(Note.customer_id == Customer.id).scalar_subquery()
    )
    return open_orders, current, unapplied, last_payment, newest_note


@shape
def balances_statement() -> Any:
    """One row per customer of the bind parameter `ids`: its id, then `balance_columns()`."""
    return select(Customer.id, *balance_columns()).where(Customer.id.in_(IDS))


def _date(value: Any) -> dt.date | None:
    # A scalar subquery's max() comes back untyped on SQLite.
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


# ------------------------------------------------------------ the figures as SQL expressions
#
# The customer list sorts and filters by these (server/customers/listing.py). Each is correlated
# on the `customers` row of the statement it is put in and equals the figure the loaders serve:
# tests/customers/test_customer_list.py compares them on both databases.


def _sales(*when: ColumnElement[bool]) -> ColumnElement[int]:
    """Issued invoices - issued credit notes, base net, ORDER_OR_BILLING counted once (as
    sales.py): one correlated sum as bill customer, one as order customer of documents billed to
    someone else, so that each reads its own index."""
    signed = case(
        (Invoice.classification == InvoiceClassification.CREDIT, -Invoice.base_net_minor),
        else_=Invoice.base_net_minor,
    )

    def issued(*where: ColumnElement[bool]) -> ColumnElement[int]:
        total = select(func.sum(signed)).where(*where, *when, Invoice.status.in_(ISSUED_STATUSES))
        return func.coalesce(total.correlate(Customer).scalar_subquery(), 0)

    billed = issued(Invoice.bill_customer_id == Customer.id)
    ordered = issued(
        Invoice.order_customer_id == Customer.id, Invoice.bill_customer_id != Customer.id
    )
    return billed + ordered


def lifetime_value_expression() -> ColumnElement[int]:
    """priorSales + sales of all time (as `lifetimeValue` from sales.py)."""
    return cast(Customer.prior_sales_minor + _sales(), BigInteger)


def ytd_sales_expression(year_from: Any, as_of: Any) -> ColumnElement[int]:
    """Sales dated 1 January .. asOf (as `invoiceStats.ytdThisYear`, ORDER_OR_BILLING): `year_from`
    is asOf's 1 January (`figure_parameters`), both days or bind parameters."""
    return cast(_sales(Invoice.invoice_on.between(year_from, as_of)), BigInteger)


def overdue_expression(as_of: Any) -> ColumnElement[int]:
    """The open balance past due at asOf, as bill customer: aging beyond current (SPEC §4, as
    `Aging.overdue_minor`), so open credit notes, always current, do not count."""
    total = (
        select(func.coalesce(func.sum(signed_base_balance_expression(Invoice)), 0))
        .where(
            Invoice.bill_customer_id == Customer.id,
            Invoice.status.in_(OWING_STATUSES),
            Invoice.classification != InvoiceClassification.CREDIT,
            Invoice.due_on < as_of,
        )
        .correlate(Customer)
        .scalar_subquery()
    )
    return cast(total, BigInteger)


def balance_expression(name: str) -> ColumnElement[Any]:
    """One of `balance_columns()` by its name (openOrders, currentInvoices, unappliedPayments,
    lastPaymentDate), money cast to a big integer as the other figures."""
    index = BALANCE_NAMES.index(name)
    column = balance_columns()[index]
    return column if name == "lastPaymentDate" else cast(column, BigInteger)


def available_credit_expression() -> ColumnElement[int | None]:
    """creditLimit - exposure (as `Balances.available_credit_minor`); null without a limit."""
    open_orders, current, unapplied = (balance_columns()[i] for i in range(3))
    return cast(Customer.credit_limit_minor - (current + open_orders - unapplied), BigInteger)


def figure_parameters(as_of: dt.date) -> dict[str, dt.date]:
    """The bind parameters of the figures judged on a day, as the list puts them in its
    statements: `figure_as_of` and `figure_year_from` (asOf's 1 January)."""
    return {"figure_as_of": as_of, "figure_year_from": as_of.replace(month=1, day=1)}


BALANCE_NAMES = ("openOrders", "currentInvoices", "unappliedPayments", "lastPaymentDate")


def _of_orders(column: Any) -> ColumnElement[Any]:
    """`column` over the customer's orders as order customer, not cancelled (as `orders()`)."""
    return (
        select(column)
        .where(Order.order_customer_id == Customer.id, Order.status != OrderStatus.CANCELLED)
        .correlate(Customer)
        .scalar_subquery()
    )


def order_count_expression() -> ColumnElement[int]:
    return cast(_of_orders(func.count()), BigInteger)


def order_total_expression() -> ColumnElement[int]:
    return cast(func.coalesce(_of_orders(func.sum(Order.base_net_minor)), 0), BigInteger)


def last_order_on_expression() -> ColumnElement[dt.date | None]:
    return _of_orders(func.max(Order.order_on))


def last_invoice_on_expression() -> ScalarSelect[dt.date]:
    """The latest issued invoice or credit note, ORDER_OR_BILLING (as `lastInvoiceDate`)."""
    return (
        select(func.max(Invoice.invoice_on))
        .where(
            or_(Invoice.bill_customer_id == Customer.id, Invoice.order_customer_id == Customer.id),
            Invoice.status.in_(ISSUED_STATUSES),
        )
        .correlate(Customer)
        .scalar_subquery()
    )


def average_order_minor_expression(
    total: ColumnElement[int], count: ColumnElement[int]
) -> ColumnElement[int]:
    """total / count rounded half-even to the cent, as `Orders.average_minor`; null when count is 0.

    Integers only, so that SQLite and PostgreSQL agree. Integer `/` truncates toward zero on
    both, so the quotient is floored first; then the remainder decides, ties to even
    (201 / 2 = 100.5 -> 100, 203 / 2 = 101.5 -> 102, -201 / 2 -> -100). `total` and `count`
    appear several times: pass columns of a derived table, not subqueries.
    """
    total = type_coerce(total, BigInteger)
    divisor = type_coerce(func.nullif(count, 0), BigInteger)
    truncated = total // divisor  # integer operands: rendered as `/`
    remainder = total - truncated * divisor
    negative = remainder < 0
    quotient = truncated - case((negative, 1), else_=0)
    twice = 2 * (remainder + case((negative, divisor), else_=0))
    odd = quotient - 2 * (quotient // 2) != 0
    up = or_(twice > divisor, and_(twice == divisor, odd))
    return type_coerce(quotient + case((up, 1), else_=0), BigInteger)


def engagement_condition(
    as_of: Any, engagements: Collection[Engagement], since: Any = None
) -> ColumnElement[bool]:
    """The customer's engagement judged on asOf is one of `engagements` (as `Orders.engagement`).
    `as_of` is a day or a bind parameter; with a parameter, `since` is the one holding
    asOf - ENGAGED_DAYS."""

    def ordered(*when: ColumnElement[bool]) -> ColumnElement[bool]:
        return (
            exists()
            .where(
                Order.order_customer_id == Customer.id, Order.status != OrderStatus.CANCELLED, *when
            )
            .correlate(Customer)
        )

    since = as_of - dt.timedelta(days=ENGAGED_DAYS) if since is None else since
    in_year = ordered(Order.order_on.between(since, as_of))
    by_as_of = ordered(Order.order_on <= as_of)
    conditions = {
        Engagement.ENGAGED: in_year,
        Engagement.LAPSED: and_(~in_year, by_as_of),
        Engagement.NEVER_ORDERED: ~by_as_of,
    }
    return or_(*(conditions[e] for e in dict.fromkeys(engagements)))


def newest_note_expression() -> ColumnElement[dt.datetime]:
    """The time of the customer's latest note; null without notes."""
    newest = select(func.max(Note.created_at)).where(Note.customer_id == Customer.id)
    return newest.correlate(Customer).scalar_subquery()
