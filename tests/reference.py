"""A plain-Python reference of every customer figure of SPEC §4.

A `Ledger` holds customers, orders, invoices (credit notes among them) and payments as plain
dataclasses; each figure is a pure function of a ledger, a customer and, where the figure takes
them, `asOf` and a history role. Money is `Decimal` throughout, rounded half-even to the cent
only where SPEC fixes a value (a line, a document's base amount, an average); percentages and
days sales outstanding are the float of the exact ratio. Nothing here touches SQL or imports
the server: the property tests compare the API against these functions.

Amounts of customers (`prior_sales`, `credit_limit`) are base-currency amounts, as the figures
use them. Documents carry their own amounts in their own currency and a rate (None: the base
currency); `base()` converts one amount of one document.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DAY = dt.timedelta(days=1)


class Role(enum.Enum):
    """SPEC §4: ORDER_OR_BILLING (order or billing customer, counted once), ORDER_ONLY, BILLING_ONLY."""

    ORDER_OR_BILLING = "ORDER_OR_BILLING"
    ORDER_ONLY = "ORDER_ONLY"
    BILLING_ONLY = "BILLING_ONLY"


class OrderStatus(enum.Enum):
    PENDING_APPROVAL = "PENDING_APPROVAL"
    PLANNED = "PLANNED"
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    ON_HOLD = "ON_HOLD"
    FINISHED = "FINISHED"
    INVOICED = "INVOICED"
    CANCELLED = "CANCELLED"


OPEN_ORDER_STATUSES = frozenset({OrderStatus.PENDING_APPROVAL, OrderStatus.PLANNED, OrderStatus.OPEN,
                                 OrderStatus.IN_PROGRESS, OrderStatus.ON_HOLD, OrderStatus.FINISHED})


class Kind(enum.Enum):
    """SPEC §2: an invoice's classification."""

    INVOICE = "INVOICE"
    CREDIT = "CREDIT"


class InvoiceStatus(enum.Enum):
    PLANNED = "PLANNED"
    PRINTED = "PRINTED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    VOID = "VOID"


ISSUED = frozenset({InvoiceStatus.PRINTED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID})
OPEN = frozenset({InvoiceStatus.PRINTED, InvoiceStatus.PARTIALLY_PAID})


class Basis(enum.Enum):
    INVOICE_DATE = "INVOICE_DATE"
    DELIVERY_DATE = "DELIVERY_DATE"
    END_OF_MONTH = "END_OF_MONTH"


# ------------------------------------------------------------------ arithmetic


def cents(value: Decimal) -> Decimal:
    """SPEC §1: "rounding is half-even to the cent"."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN) + ZERO  # + 0.00 turns -0.00 into 0.00


def base(amount: Decimal, rate: Decimal | None) -> Decimal:
    """SPEC §1: "base amount = amount x rate", rounded half-even to the cent per document; no rate: base currency."""
    return amount if rate is None else cents(amount * rate)


def ratio(numerator: Decimal, denominator: Decimal) -> float | None:
    """The float of the exact numerator / denominator; None when the denominator is 0."""
    if denominator == 0:
        return None
    return float(Fraction(numerator) / Fraction(denominator))


def percent(numerator: Decimal, denominator: Decimal) -> float | None:
    """SPEC §4: "x 100; null when that is 0" (the float of the exact ratio)."""
    return ratio(numerator * 100, denominator)


def year_earlier(day: dt.date) -> dt.date:
    """SPEC §4: "the same day a year earlier (29 Feb -> 28 Feb)"."""
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def due_date(invoice_on: dt.date, due_days: int | None, basis: Basis, required_on: dt.date | None = None) -> dt.date:
    """SPEC §2: "Due date = basis + the customer's payment terms' dueDays ... No terms: due on the invoice date"."""
    if due_days is None:
        return invoice_on
    if basis is Basis.END_OF_MONTH:
        start = invoice_on.replace(day=calendar.monthrange(invoice_on.year, invoice_on.month)[1])
    elif basis is Basis.DELIVERY_DATE and required_on is not None:
        start = required_on
    else:
        start = invoice_on
    return start + dt.timedelta(days=due_days)


# ------------------------------------------------------------------ the ledger


@dataclass(frozen=True)
class Line:
    """SPEC §1: "net = quantity x unit price (rounded to the cent); tax = net x tax rate %; cost = quantity x unit cost"."""

    quantity: Decimal
    unit_price: Decimal
    unit_cost: Decimal | None = None
    tax_rate: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        return cents(self.quantity * self.unit_price)

    @property
    def tax(self) -> Decimal:
        return cents(self.net * self.tax_rate / 100)

    @property
    def cost(self) -> Decimal:
        return ZERO if self.unit_cost is None else cents(self.quantity * self.unit_cost)


@dataclass
class Customer:
    id: int
    prior_sales: Decimal = ZERO
    credit_limit: Decimal | None = None
    currency: str = "USD"
    due_days: int | None = None
    basis: Basis = Basis.INVOICE_DATE


@dataclass
class Order:
    order_customer: int
    billing_customer: int
    order_on: dt.date
    status: OrderStatus
    lines: list[Line]
    fx_rate: Decimal | None = None

    @property
    def net(self) -> Decimal:
        """SPEC §1: "document net/tax/total are the sums of the lines"."""
        return sum((line.net for line in self.lines), ZERO)

    @property
    def base_net(self) -> Decimal:
        return base(self.net, self.fx_rate)


@dataclass
class Invoice:
    id: int
    kind: Kind
    bill_customer: int
    order_customer: int
    invoice_on: dt.date
    due_on: dt.date
    status: InvoiceStatus
    lines: list[Line]
    fx_rate: Decimal | None = None
    paid: Decimal = ZERO  # the sum of the applications to it

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    @property
    def cost(self) -> Decimal:
        return sum((line.cost for line in self.lines), ZERO)

    @property
    def sign(self) -> int:
        """SPEC §2: "A credit note counts negatively in every sales figure and its balance is negative"."""
        return -1 if self.kind is Kind.CREDIT else 1

    @property
    def issued(self) -> bool:
        """SPEC §4: "issued invoices minus issued credit notes (status not PLANNED or VOID)"."""
        return self.status in ISSUED

    @property
    def base_net(self) -> Decimal:
        return base(self.net, self.fx_rate)

    @property
    def base_cost(self) -> Decimal:
        return base(self.cost, self.fx_rate)

    @property
    def base_balance(self) -> Decimal:
        """Signed balance due in the base currency: round((total - paid) x rate); nothing for drafts and voids."""
        if not self.issued:
            return ZERO
        return self.sign * base(self.total - self.paid, self.fx_rate)


@dataclass
class Payment:
    customer: int
    payment_on: dt.date
    amount: Decimal
    fx_rate: Decimal | None = None
    applications: list[tuple[int, Decimal]] = field(default_factory=list)  # (invoice id, amount)

    @property
    def applied(self) -> Decimal:
        return sum((amount for _, amount in self.applications), ZERO)

    @property
    def base_unapplied(self) -> Decimal:
        """SPEC §4: "sum over C's payments of received - applied", each converted at the payment's rate."""
        return base(self.amount - self.applied, self.fx_rate)


@dataclass
class Ledger:
    customers: dict[int, Customer] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)

    def invoice(self, invoice_id: int) -> Invoice:
        return next(i for i in self.invoices if i.id == invoice_id)

    def check(self) -> None:
        """SPEC §2's invariants: applied <= received; no invoice paid beyond its total; status follows payment."""
        for payment in self.payments:
            assert ZERO < payment.amount and payment.applied <= payment.amount
            for invoice_id, amount in payment.applications:
                invoice = self.invoice(invoice_id)
                assert amount > 0 and invoice.kind is Kind.INVOICE and invoice.bill_customer == payment.customer
        for invoice in self.invoices:
            paid = sum((a for p in self.payments for i, a in p.applications if i == invoice.id), ZERO)
            assert paid == invoice.paid <= invoice.total
            if invoice.status in ISSUED:
                expected = (InvoiceStatus.PRINTED if paid == 0 else
                            InvoiceStatus.PAID if paid >= invoice.total else InvoiceStatus.PARTIALLY_PAID)
                assert invoice.status is expected, (invoice, expected)
            else:
                assert paid == 0


# ------------------------------------------------------------------ sales


def belongs(invoice: Invoice, customer: int, role: Role) -> bool:
    """SPEC §4: "ORDER_OR_BILLING: C is the order or the billing customer of the document, counted once"."""
    if role is Role.ORDER_ONLY:
        return invoice.order_customer == customer
    if role is Role.BILLING_ONLY:
        return invoice.bill_customer == customer
    return customer in (invoice.order_customer, invoice.bill_customer)


def sales_documents(ledger: Ledger, customer: int, role: Role) -> list[Invoice]:
    """SPEC §4: "sales" are issued invoices and credit notes of C under the role."""
    return [i for i in ledger.invoices if i.issued and belongs(i, customer, role)]


def sales(ledger: Ledger, customer: int, role: Role, first: dt.date, last: dt.date) -> Decimal:
    """SPEC §4: "issued invoices minus issued credit notes ... by net amount (before tax), in the base currency, by invoice date"."""
    return sum((i.sign * i.base_net for i in sales_documents(ledger, customer, role)
                if first <= i.invoice_on <= last), ZERO)


def cost_of_sales(ledger: Ledger, customer: int, role: Role, first: dt.date, last: dt.date) -> Decimal:
    """SPEC §4: "a credit note's cost counts negatively in cost of sales, as its net does in sales"."""
    return sum((i.sign * i.base_cost for i in sales_documents(ledger, customer, role)
                if first <= i.invoice_on <= last), ZERO)


# ------------------------------------------------------------------ lifetime value


@dataclass(frozen=True)
class LifetimeValueDetail:
    prior_sales: Decimal
    invoiced: Decimal
    credited: Decimal
    total: Decimal
    first_invoice_date: dt.date | None
    last_invoice_date: dt.date | None
    invoice_count: int


def lifetime_value_detail(ledger: Ledger, customer: int) -> LifetimeValueDetail:
    """SPEC §4: "its parts: priorSales, invoiced, credited, total, first/last invoice date, invoice count"."""
    docs = sales_documents(ledger, customer, Role.ORDER_OR_BILLING)
    invoiced = sum((i.base_net for i in docs if i.kind is Kind.INVOICE), ZERO)
    credited = sum((i.base_net for i in docs if i.kind is Kind.CREDIT), ZERO)
    prior = ledger.customers[customer].prior_sales
    dates = [i.invoice_on for i in docs]
    return LifetimeValueDetail(prior, invoiced, credited, prior + invoiced - credited,
                               min(dates, default=None), max(dates, default=None), len(docs))


def lifetime_value(ledger: Ledger, customer: int) -> Decimal:
    """SPEC §4: "priorSales + all-time sales, role ORDER_OR_BILLING"."""
    return lifetime_value_detail(ledger, customer).total


# ------------------------------------------------------------------ orders


def counted_orders(ledger: Ledger, customer: int) -> list[Order]:
    """SPEC §4: "orders of C as order customer, not CANCELLED, all time"."""
    return [o for o in ledger.orders if o.order_customer == customer and o.status is not OrderStatus.CANCELLED]


def order_count(ledger: Ledger, customer: int) -> int:
    """SPEC §4: "orders of C as order customer, not CANCELLED, all time"."""
    return len(counted_orders(ledger, customer))


def order_total(ledger: Ledger, customer: int) -> Decimal:
    """SPEC §4: orderTotal is the "net value" of those orders, in the base currency."""
    return sum((o.base_net for o in counted_orders(ledger, customer)), ZERO)


def average_order_value(ledger: Ledger, customer: int) -> Decimal | None:
    """SPEC §4: "orderTotal / orderCount; null when no orders" (half-even to the cent)."""
    count = order_count(ledger, customer)
    return cents(order_total(ledger, customer) / count) if count else None


def engagement(ledger: Ledger, customer: int, as_of: dt.date) -> str:
    """SPEC §4: "ENGAGED: an order dated asOf-364 .. asOf; LAPSED: older orders only; NEVER_ORDERED"
    (orders dated after asOf do not count: decisions.md §7)."""
    dates = [o.order_on for o in counted_orders(ledger, customer) if o.order_on <= as_of]
    if any(d >= as_of - 364 * DAY for d in dates):
        return "ENGAGED"
    return "LAPSED" if dates else "NEVER_ORDERED"


def last_order_date(ledger: Ledger, customer: int) -> dt.date | None:
    """SPEC §4: "latest date: orders not CANCELLED" (C as order customer)."""
    return max((o.order_on for o in counted_orders(ledger, customer)), default=None)


def last_invoice_date(ledger: Ledger, customer: int) -> dt.date | None:
    """SPEC §4: "latest date: ... invoices issued (not PLANNED or VOID)" (role ORDER_OR_BILLING)."""
    return lifetime_value_detail(ledger, customer).last_invoice_date


def last_payment_date(ledger: Ledger, customer: int) -> dt.date | None:
    """SPEC §4: "latest date: ... any payment"."""
    return max((p.payment_on for p in ledger.payments if p.customer == customer), default=None)


# ------------------------------------------------------------------ balances


@dataclass(frozen=True)
class Balances:
    open_orders: Decimal
    current_invoices: Decimal
    unapplied_payments: Decimal
    credit_limit: Decimal | None
    available_credit: Decimal | None


def open_orders(ledger: Ledger, customer: int) -> Decimal:
    """SPEC §4: "net value of orders PENDING_APPROVAL, PLANNED, OPEN, IN_PROGRESS, ON_HOLD, FINISHED, C as billing customer"."""
    return sum((o.base_net for o in ledger.orders
                if o.billing_customer == customer and o.status in OPEN_ORDER_STATUSES), ZERO)


def current_invoices(ledger: Ledger, customer: int) -> Decimal:
    """SPEC §4: "sum of balance due of issued, not PAID invoices (credits negative), C as bill customer"."""
    return sum((i.base_balance for i in ledger.invoices
                if i.bill_customer == customer and i.status in OPEN), ZERO)


def unapplied_payments(ledger: Ledger, customer: int) -> Decimal:
    """SPEC §4: "sum over C's payments of received - applied"."""
    return sum((p.base_unapplied for p in ledger.payments if p.customer == customer), ZERO)


def balances(ledger: Ledger, customer: int) -> Balances:
    """SPEC §4: "availableCredit: creditLimit - (currentInvoices + openOrders - unappliedPayments); null without a limit"."""
    orders, invoices, unapplied = (open_orders(ledger, customer), current_invoices(ledger, customer),
                                   unapplied_payments(ledger, customer))
    limit = ledger.customers[customer].credit_limit
    available = None if limit is None else limit - (invoices + orders - unapplied)
    return Balances(orders, invoices, unapplied, limit, available)


# ------------------------------------------------------------------ invoice statistics


@dataclass(frozen=True)
class Windows:
    """Every window of SPEC §4 for one asOf, as inclusive (first, last) dates."""

    as_of: dt.date

    @property
    def last30(self) -> tuple[dt.date, dt.date]:
        """SPEC §4: "sales dated asOf-29 .. asOf"."""
        return self.as_of - 29 * DAY, self.as_of

    @property
    def previous30(self) -> tuple[dt.date, dt.date]:
        """SPEC §4: "asOf-59 .. asOf-30"."""
        return self.as_of - 59 * DAY, self.as_of - 30 * DAY

    @property
    def mtd_this_year(self) -> tuple[dt.date, dt.date]:
        """SPEC §4: "first of asOf's month .. asOf"."""
        return self.as_of.replace(day=1), self.as_of

    @property
    def mtd_last_year(self) -> tuple[dt.date, dt.date]:
        """SPEC §4: "the same month one year earlier, first .. same day (29 Feb -> 28 Feb)"."""
        last = year_earlier(self.as_of)
        return last.replace(day=1), last

    @property
    def ytd_this_year(self) -> tuple[dt.date, dt.date]:
        """SPEC §4: "1 Jan .. asOf"."""
        return self.as_of.replace(month=1, day=1), self.as_of

    @property
    def ytd_last_year(self) -> tuple[dt.date, dt.date]:
        """SPEC §4: "1 Jan .. the same day a year earlier"."""
        last = year_earlier(self.as_of)
        return last.replace(month=1, day=1), last

    @property
    def last12_months(self) -> tuple[dt.date, dt.date]:
        """SPEC §4 (margins): "the year ending asOf", i.e. (asOf - 1 year, asOf]."""
        return year_earlier(self.as_of) + DAY, self.as_of

    @property
    def previous12_months(self) -> tuple[dt.date, dt.date]:
        """SPEC §4 (margins): "the year before it", i.e. (asOf - 2 years, asOf - 1 year]."""
        end = year_earlier(self.as_of)
        return year_earlier(end) + DAY, end

    @property
    def last365(self) -> tuple[dt.date, dt.date]:
        """SPEC §4 (days sales outstanding): "last 365 days' sales", asOf-364 .. asOf."""
        return self.as_of - 364 * DAY, self.as_of


@dataclass(frozen=True)
class InvoiceStats:
    as_of: dt.date
    last30_days: Decimal
    previous30_days: Decimal
    variance30_pct: float | None
    mtd_this_year: Decimal
    mtd_last_year: Decimal
    variance_mtd_pct: float | None
    ytd_this_year: Decimal
    ytd_last_year: Decimal
    variance_ytd_pct: float | None


def variance(this: Decimal, that: Decimal) -> float | None:
    """SPEC §4: "variance*Pct: (this - that) / that x 100; null when that is 0"."""
    return percent(this - that, that)


def invoice_stats(ledger: Ledger, customer: int, as_of: dt.date, role: Role) -> InvoiceStats:
    """SPEC §4: last30Days, previous30Days, mtd/ytd this and last year, and their variances."""
    w = Windows(as_of)

    def of(window: tuple[dt.date, dt.date]) -> Decimal:
        return sales(ledger, customer, role, *window)

    last30, previous30 = of(w.last30), of(w.previous30)
    mtd, mtd_last = of(w.mtd_this_year), of(w.mtd_last_year)
    ytd, ytd_last = of(w.ytd_this_year), of(w.ytd_last_year)
    return InvoiceStats(as_of, last30, previous30, variance(last30, previous30), mtd, mtd_last,
                        variance(mtd, mtd_last), ytd, ytd_last, variance(ytd, ytd_last))


# ------------------------------------------------------------------ margins


@dataclass(frozen=True)
class Margins:
    as_of: dt.date
    last30_days: float | None
    last12_months: float | None
    previous12_months: float | None


def margin(ledger: Ledger, customer: int, role: Role, window: tuple[dt.date, dt.date]) -> float | None:
    """SPEC §4: "(sales - cost of sales) / sales x 100 ... null with no sales"."""
    sold = sales(ledger, customer, role, *window)
    return percent(sold - cost_of_sales(ledger, customer, role, *window), sold)


def margins(ledger: Ledger, customer: int, as_of: dt.date, role: Role) -> Margins:
    """SPEC §4: margins "over asOf-29 .. asOf, the year ending asOf, and the year before it"."""
    w = Windows(as_of)
    return Margins(as_of, margin(ledger, customer, role, w.last30), margin(ledger, customer, role, w.last12_months),
                   margin(ledger, customer, role, w.previous12_months))


# ------------------------------------------------------------------ aging


@dataclass(frozen=True)
class Aging:
    as_of: dt.date
    current: Decimal
    days1_to30: Decimal
    days31_to60: Decimal
    days61_to90: Decimal
    over90: Decimal
    total: Decimal
    days_sales_outstanding: float | None
    overdue: Decimal = ZERO


def aging_bucket(invoice: Invoice, as_of: dt.date) -> str:
    """SPEC §4: "days past due at asOf (asOf - due date): current (0 or less ...), 1-30, 31-60, 61-90, over 90;
    open credit notes always count as current"."""
    late = (as_of - invoice.due_on).days
    if invoice.kind is Kind.CREDIT or late <= 0:
        return "current"
    if late <= 30:
        return "days1_to30"
    if late <= 60:
        return "days31_to60"
    return "days61_to90" if late <= 90 else "over90"


def days_sales_outstanding(ledger: Ledger, customer: int, as_of: dt.date) -> float | None:
    """SPEC §4: "currentInvoices / (last 365 days' sales / 365); null with no sales"; aging "looks at who pays",
    so those are C's sales as bill customer."""
    sold = sales(ledger, customer, Role.BILLING_ONLY, *Windows(as_of).last365)
    return ratio(current_invoices(ledger, customer) * 365, sold)


def aging(ledger: Ledger, customer: int, as_of: dt.date) -> Aging:
    """SPEC §4: "open balances of issued invoices of C as bill customer, by days past due at asOf"
    (every open document, whatever its date: the buckets add up to balances.currentInvoices)."""
    buckets = dict.fromkeys(("current", "days1_to30", "days31_to60", "days61_to90", "over90"), ZERO)
    for invoice in ledger.invoices:
        if invoice.bill_customer == customer and invoice.status in OPEN:
            buckets[aging_bucket(invoice, as_of)] += invoice.base_balance
    return Aging(as_of, **buckets, total=sum(buckets.values(), ZERO),
                 days_sales_outstanding=days_sales_outstanding(ledger, customer, as_of),
                 overdue=overdue(ledger, customer, as_of))


def overdue(ledger: Ledger, customer: int, as_of: dt.date) -> Decimal:
    """Issue 17: "overdue amount (open balance past due, SPEC §4 aging beyond current)": the open invoices of C as
    bill customer due before asOf; a credit note is never past due."""
    return sum((i.base_balance for i in ledger.invoices if i.bill_customer == customer and i.status in OPEN
                and i.kind is not Kind.CREDIT and i.due_on < as_of), ZERO)
