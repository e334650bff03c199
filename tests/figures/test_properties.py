"""Every customer figure of SPEC §4 equals tests/reference.py, over random ledgers, on both databases.

Hypothesis draws a scenario (2-4 customers, some in EUR; invoices, credit notes, drafts and voids;
orders in every status; payments with applications), `build()` writes it through the services
(the API's rules) and mirrors it in a `reference.Ledger`, and each test asks the API for one
figure family of every customer, under every history role and two asOf days, in one query.

Invoice VOID and order statuses other than OPEN/PENDING_APPROVAL have no service yet: `build()`
sets them with an UPDATE (a void invoice's base balance to 0, as a service would).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from schema.base import global_id
from server.audit.models import AuditEvent
from server.access.policy import SYSTEM
from server.customers import service as customers
from server.commands import Command
from server.customers.commands import CustomerFields
from server.customers.models import Customer, PaymentTerms, TermsBasis
from server.db.engine import Database
from server.documents import service as documents
from server.documents.commands import InvoiceFields, OrderFields
from server.documents.models import (
    Invoice,
    InvoiceClassification,
    InvoiceLine,
    InvoiceStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from server.payments import service as payments
from server.payments.commands import ApplicationFields, PaymentFields
from server.payments.models import Payment, PaymentApplication
from tests import reference as ref
from tests.factories import TODAY

BASE = "USD"
ROLES = tuple(ref.Role)
# Shrinking a ledger costs minutes of database writes; the first failing ledger is printed as it is.
# CLIENTELE_TEST_SHRINK=1 shrinks it to a minimal one (Hypothesis's database replays it next run).
PHASES = tuple(Phase) if os.environ.get("CLIENTELE_TEST_SHRINK") else (Phase.explicit, Phase.reuse, Phase.generate)
PROPERTY = settings(max_examples=25, deadline=None, phases=PHASES,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# ------------------------------------------------------------------ scenarios

LEAP_DAYS = [dt.date(2024, 2, 29), dt.date(2028, 2, 29)]
ANCHORS = [*LEAP_DAYS, *LEAP_DAYS, dt.date(2024, 3, 1), dt.date(2025, 2, 28), dt.date(2025, 3, 31),
           dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 11, 30), dt.date(2026, 11, 24),
           dt.date(2027, 1, 31), dt.date(2028, 2, 28), dt.date(2028, 3, 1)]
QUANTITIES = ["1", "1", "3", "0.5", "2.5"]
PRICES = ["0.10", "0.20", "0.70", "1.005", "0.3333", "12.50", "100.00"]
COSTS = [None, "0.05", "0.333", "0.70", "1.10"]
TAX_RATES = ["0", "8.25", "20"]
EUR_RATES = ["1.1", "0.93457", "1.07"]
TERMS = [None, "DUE", "NET7", "NET30", "NET60"]


@dataclass(frozen=True)
class LineSpec:
    quantity: str
    price: str
    cost: str | None
    tax: str

    def input(self) -> dict[str, Any]:
        return {"code": "X", "description": "Goods", "quantity": self.quantity, "unitPrice": self.price,
                "unitCost": self.cost, "taxRate": self.tax}

    def line(self) -> ref.Line:
        return ref.Line(Decimal(self.quantity), Decimal(self.price),
                        None if self.cost is None else Decimal(self.cost), Decimal(self.tax))


@dataclass(frozen=True)
class CustomerSpec:
    currency: str
    prior_sales: str
    credit_limit: str | None
    terms: str | None
    basis: TermsBasis


@dataclass(frozen=True)
class InvoiceSpec:
    bill: int
    order: int | None  # the order customer, when another
    credit: bool
    state: str  # issued, draft, void
    on: dt.date
    lines: tuple[LineSpec, ...]
    rate: str


@dataclass(frozen=True)
class OrderSpec:
    customer: int
    billing: int | None
    on: dt.date
    status: OrderStatus
    lines: tuple[LineSpec, ...]
    rate: str


@dataclass(frozen=True)
class PaymentSpec:
    customer: int
    on: dt.date
    amount: str
    rate: str
    applications: tuple[tuple[int, str], ...]  # (which open invoice, how much: all, half or an amount)
    at_once: bool  # applyTo in recordPayment, else applyPayment afterwards


@dataclass(frozen=True)
class Scenario:
    as_of: tuple[dt.date, dt.date]
    customers: tuple[CustomerSpec, ...]
    invoices: tuple[InvoiceSpec, ...]
    orders: tuple[OrderSpec, ...]
    payments: tuple[PaymentSpec, ...]


def marks(as_of: dt.date) -> list[dt.date]:
    """The edges of every window, aging bucket and engagement around asOf, and the leap days."""
    day = dt.timedelta(days=1)
    year1 = ref.year_earlier(as_of)
    year2 = ref.year_earlier(year1)
    first, new_year = as_of.replace(day=1), as_of.replace(month=1, day=1)
    return [as_of, as_of + day, as_of - 29 * day, as_of - 30 * day, as_of - 31 * day, as_of - 59 * day,
            as_of - 60 * day, as_of - 61 * day, as_of - 90 * day, as_of - 91 * day, first, first - day, new_year,
            new_year - day, year1, year1 + day, year1.replace(day=1), year1.replace(month=1, day=1), year2,
            year2 + day, as_of - 364 * day, as_of - 365 * day, *LEAP_DAYS]


def dates_near(as_of: dt.date, other: dt.date) -> st.SearchStrategy[dt.date]:
    def back(low: int, high: int) -> st.SearchStrategy[dt.date]:
        return st.integers(low, high).map(lambda days: as_of - dt.timedelta(days=days))
    # a third on the edges of the windows, the rest around them: the last 60 days, the aging buckets,
    # one and two years back
    return st.one_of(st.sampled_from(marks(as_of)), st.sampled_from(marks(as_of) + marks(other)), back(-5, 65),
                     back(60, 150), back(330, 400), back(700, 760))


lines = st.lists(st.builds(LineSpec, st.sampled_from(QUANTITIES), st.sampled_from(PRICES), st.sampled_from(COSTS),
                           st.sampled_from(TAX_RATES)), min_size=1, max_size=2).map(tuple)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    as_of = draw(st.sampled_from(ANCHORS))
    other = as_of + dt.timedelta(days=draw(st.sampled_from([-1, 1, -30, 31, -365])))
    people = draw(st.lists(st.builds(
        CustomerSpec, st.sampled_from(["USD", "USD", "EUR"]), st.sampled_from(["0", "0.10", "1000.00"]),
        st.sampled_from([None, "0", "0.70", "100.00"]), st.sampled_from(TERMS), st.sampled_from(list(TermsBasis))),
        min_size=2, max_size=4))
    who = st.integers(0, len(people) - 1)
    day, rate = dates_near(as_of, other), st.sampled_from(EUR_RATES)
    invoices = draw(st.lists(st.builds(
        InvoiceSpec, who, st.one_of(st.none(), who), st.booleans(),
        st.sampled_from(["issued", "issued", "issued", "draft", "void"]), day, lines, rate), max_size=8))
    orders = draw(st.lists(st.builds(
        OrderSpec, who, st.one_of(st.none(), who), day, st.sampled_from(list(OrderStatus)), lines, rate),
        max_size=5))
    payments_ = draw(st.lists(st.builds(
        PaymentSpec, who, day, st.sampled_from(["0.10", "0.30", "1.00", "5.00", "250.00"]), rate,
        st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["all", "half", "0.01", "0.10"])), max_size=2)
        .map(tuple), st.booleans()), max_size=4))
    return Scenario((as_of, other), tuple(people), tuple(invoices), tuple(orders), tuple(payments_))


# ------------------------------------------------------------------ writing a scenario


async def empty_ledger(database: Database) -> None:
    """Deletes every customer and document (children first); users, tokens and payment terms stay."""
    async with database.write_session() as session, session.begin():
        for model in (PaymentApplication, InvoiceLine, Invoice, OrderLine, Order, Payment, Customer, AuditEvent):
            await session.execute(delete(model))


async def _write(database: Database, service: Any, **kwargs: Any) -> Any:
    async with database.write_session() as session:
        return await service(session, **kwargs)


async def _document(database: Database, service: Any, command: Command) -> Any:
    return await _write(database, service, fields=command, actor=SYSTEM, today=TODAY, base_currency=BASE)


def _rate(customer: ref.Customer, rate: str) -> Decimal | None:
    return None if customer.currency == BASE else Decimal(rate)


async def build(database: Database, scenario: Scenario, terms: dict[str, tuple[int, int]]) -> ref.Ledger:
    """Writes the scenario through the services and returns the same ledger in the reference model."""
    ledger = ref.Ledger()
    ids = []
    for spec in scenario.customers:
        row = await _write(database, customers.create_customer, actor=SYSTEM, base_currency=BASE, fields=CustomerFields(
            name=f"Customer {len(ids)}", currency=spec.currency,
            prior_sales=Decimal(spec.prior_sales),
            credit_limit=None if spec.credit_limit is None else Decimal(spec.credit_limit),
            payment_terms=terms[spec.terms][0] if spec.terms else None, terms_basis=spec.basis))
        ids.append(row.id)
        ledger.customers[row.id] = ref.Customer(
            row.id, Decimal(spec.prior_sales), None if spec.credit_limit is None else Decimal(spec.credit_limit),
            spec.currency, terms[spec.terms][1] if spec.terms else None, ref.Basis(spec.basis.value))
    later: list[Any] = []  # statuses no service sets yet
    for o in scenario.orders:
        customer, payer = ids[o.customer], ids[o.billing if o.billing is not None else o.customer]
        rate = _rate(ledger.customers[payer], o.rate)
        row = await _document(database, documents.create_order, OrderFields.of({
            "orderCustomer": customer, "billingCustomer": payer, "orderDate": o.on,
            "lines": [line.input() for line in o.lines], "fxRate": None if rate is None else str(rate)}))
        later.append(update(Order).where(Order.id == row.id).values(status=o.status))
        ledger.orders.append(ref.Order(customer, payer, o.on, ref.OrderStatus(o.status.value),
                                       [line.line() for line in o.lines], rate))
    for i in scenario.invoices:
        payer, customer = ids[i.bill], ids[i.order if i.order is not None else i.bill]
        rate = _rate(ledger.customers[payer], i.rate)
        row = await _document(database, documents.create_invoice, InvoiceFields.of({
            "billCustomer": payer, "orderCustomer": customer, "invoiceDate": i.on,
            "lines": [line.input() for line in i.lines], "fxRate": None if rate is None else str(rate),
            "classification": InvoiceClassification.CREDIT if i.credit else InvoiceClassification.INVOICE,
            "issue": i.state != "draft"}))
        status = {"issued": ref.InvoiceStatus.PRINTED, "draft": ref.InvoiceStatus.PLANNED,
                  "void": ref.InvoiceStatus.VOID}[i.state]
        if i.state == "void":
            later.append(update(Invoice).where(Invoice.id == row.id)
                         .values(status=InvoiceStatus.VOID, base_balance_minor=0))
        payer_ = ledger.customers[payer]
        invoice = ref.Invoice(row.id, ref.Kind.CREDIT if i.credit else ref.Kind.INVOICE, payer, customer, i.on,
                              ref.due_date(i.on, payer_.due_days, payer_.basis), status,
                              [line.line() for line in i.lines], rate)
        assert row.due_on == invoice.due_on, "SPEC §2's due date"
        ledger.invoices.append(invoice)
    async with database.write_session() as session, session.begin():
        for statement in later:
            await session.execute(statement)
    for p in scenario.payments:
        await _pay(database, ledger, ids[p.customer], p)
    ledger.check()
    return ledger


def _applications(ledger: ref.Ledger, customer: int, spec: PaymentSpec) -> list[tuple[ref.Invoice, Decimal]]:
    """The scenario's wishes made valid: open invoices (not credit notes) of the payer, within what is open."""
    left = Decimal(spec.amount)
    chosen: dict[int, Decimal] = {}
    for pick, how in spec.applications:
        eligible = [i for i in ledger.invoices if i.bill_customer == customer and i.kind is ref.Kind.INVOICE
                    and i.status in ref.OPEN and i.total - i.paid - chosen.get(i.id, ref.ZERO) > 0]
        if not eligible:
            break
        invoice = eligible[pick % len(eligible)]
        open_ = invoice.total - invoice.paid - chosen.get(invoice.id, ref.ZERO)
        wish = open_ if how == "all" else ref.cents(open_ / 2) if how == "half" else Decimal(how)
        amount = min(wish, open_, left)
        if amount > 0:
            chosen[invoice.id] = chosen.get(invoice.id, ref.ZERO) + amount
            left -= amount
    return [(ledger.invoice(i), amount) for i, amount in chosen.items()]


async def _pay(database: Database, ledger: ref.Ledger, customer: int, spec: PaymentSpec) -> None:
    rate = _rate(ledger.customers[customer], spec.rate)
    applications = _applications(ledger, customer, spec)
    wanted = [{"invoice": invoice.id, "amount": str(amount)} for invoice, amount in applications]
    data = {"customer": customer, "amount": spec.amount, "paymentDate": spec.on,
            "fxRate": None if rate is None else str(rate)}
    if spec.at_once and wanted:
        data["applyTo"] = wanted
    row = await _document(database, payments.record_payment, PaymentFields.of(data))
    if wanted and not spec.at_once:
        await _write(database, payments.apply_payment, payment_id=row.id,
                     applications=[ApplicationFields.of(a) for a in wanted], actor=SYSTEM)
    for invoice, amount in applications:
        invoice.paid += amount
        invoice.status = ref.InvoiceStatus.PAID if invoice.paid >= invoice.total else ref.InvoiceStatus.PARTIALLY_PAID
    ledger.payments.append(ref.Payment(customer, spec.on, Decimal(spec.amount), rate,
                                       [(invoice.id, amount) for invoice, amount in applications]))


# ------------------------------------------------------------------ asking the API


def money(amount: Decimal | None) -> dict[str, str] | None:
    return None if amount is None else {"amount": str(ref.cents(amount)), "currency": BASE}


def day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


MONEY = "{ amount currency }"


async def figures(api: Any, ledger: ref.Ledger, selection: str, as_of: tuple[dt.date, dt.date]) -> dict[str, Any]:
    """One query for every customer of the ledger: {customer id: the selection's answer}."""
    days = {name: value.isoformat() for name, value in zip("ab", as_of) if f"${name}" in selection}
    declared = "".join(f", ${name}: Date!" for name in days)
    query = f"""query Figures($ids: [ID!]!{declared}) {{
      nodes(ids: $ids) {{ ... on Customer {{ id {selection} }} }}
    }}"""
    ids = {global_id("Customer", c): c for c in ledger.customers}
    data = await api.ok(query, {"ids": list(ids), **days})
    return {ids[node.pop("id")]: node for node in data["nodes"]}


@pytest.fixture
async def terms(api: Any) -> dict[str, tuple[int, int]]:
    """Payment terms by code: (id, due days)."""
    async with api.database.read_session() as session:
        return {row.code: (row.id, row.due_days) for row in await session.scalars(select(PaymentTerms))}


async def _ledger(api: Any, scenario: Scenario, terms: dict[str, tuple[int, int]]) -> ref.Ledger:
    await empty_ledger(api.database)
    return await build(api.database, scenario, terms)


# ------------------------------------------------------------------ the properties


@PROPERTY
@given(scenario=scenarios())
async def test_lifetime_value__equals_reference(api, terms, scenario):
    # given
    ledger = await _ledger(api, scenario, terms)
    # when
    answer = await figures(api, ledger, f"""lifetimeValue {MONEY} lastInvoiceDate
      lifetimeValueDetail {{ priorSales {MONEY} invoiced {MONEY} credited {MONEY} total {MONEY}
                            firstInvoiceDate lastInvoiceDate invoiceCount }}""", scenario.as_of)
    # then
    for c in ledger.customers:
        d = ref.lifetime_value_detail(ledger, c)
        assert answer[c] == {
            "lifetimeValue": money(ref.lifetime_value(ledger, c)),
            "lastInvoiceDate": day(ref.last_invoice_date(ledger, c)),
            "lifetimeValueDetail": {
                "priorSales": money(d.prior_sales), "invoiced": money(d.invoiced), "credited": money(d.credited),
                "total": money(d.total), "firstInvoiceDate": day(d.first_invoice_date),
                "lastInvoiceDate": day(d.last_invoice_date), "invoiceCount": d.invoice_count}}, c


@PROPERTY
@given(scenario=scenarios())
async def test_orders_and_engagement__equal_reference(api, terms, scenario):
    # given
    ledger = await _ledger(api, scenario, terms)
    # when
    answer = await figures(api, ledger, f"""orderCount orderTotal {MONEY} averageOrderValue {MONEY}
      lastOrderDate a: engagement(asOf: $a) b: engagement(asOf: $b)""", scenario.as_of)
    # then
    for c in ledger.customers:
        assert answer[c] == {
            "orderCount": ref.order_count(ledger, c), "orderTotal": money(ref.order_total(ledger, c)),
            "averageOrderValue": money(ref.average_order_value(ledger, c)),
            "lastOrderDate": day(ref.last_order_date(ledger, c)),
            "a": ref.engagement(ledger, c, scenario.as_of[0]), "b": ref.engagement(ledger, c, scenario.as_of[1])}, c


@PROPERTY
@given(scenario=scenarios())
async def test_balances__equal_reference(api, terms, scenario):
    # given
    ledger = await _ledger(api, scenario, terms)
    # when
    answer = await figures(api, ledger, f"""lastPaymentDate balances {{ openOrders {MONEY} currentInvoices {MONEY}
      unappliedPayments {MONEY} creditLimit {MONEY} availableCredit {MONEY} }}""", scenario.as_of)
    # then
    for c in ledger.customers:
        b = ref.balances(ledger, c)
        assert answer[c] == {
            "lastPaymentDate": day(ref.last_payment_date(ledger, c)),
            "balances": {"openOrders": money(b.open_orders), "currentInvoices": money(b.current_invoices),
                         "unappliedPayments": money(b.unapplied_payments), "creditLimit": money(b.credit_limit),
                         "availableCredit": money(b.available_credit)}}, c


def _by_role(field: str, fields: str) -> str:
    return " ".join(f"{d}_{role.value}: {field}(asOf: ${d}, history: {role.value}) {{ {fields} }}"
                    for d in "ab" for role in ROLES)


STATS = (f"asOf last30Days {MONEY} previous30Days {MONEY} variance30Pct mtdThisYear {MONEY} mtdLastYear {MONEY} "
         f"varianceMtdPct ytdThisYear {MONEY} ytdLastYear {MONEY} varianceYtdPct")


def stats_json(s: ref.InvoiceStats) -> dict[str, Any]:
    return {"asOf": day(s.as_of), "last30Days": money(s.last30_days), "previous30Days": money(s.previous30_days),
            "variance30Pct": s.variance30_pct, "mtdThisYear": money(s.mtd_this_year),
            "mtdLastYear": money(s.mtd_last_year), "varianceMtdPct": s.variance_mtd_pct,
            "ytdThisYear": money(s.ytd_this_year), "ytdLastYear": money(s.ytd_last_year),
            "varianceYtdPct": s.variance_ytd_pct}


@PROPERTY
@given(scenario=scenarios())
async def test_invoice_stats__equal_reference(api, terms, scenario):
    # given
    ledger = await _ledger(api, scenario, terms)
    # when
    answer = await figures(api, ledger, _by_role("invoiceStats", STATS), scenario.as_of)
    # then
    for c in ledger.customers:
        assert answer[c] == {f"{d}_{role.value}": stats_json(ref.invoice_stats(ledger, c, as_of, role))
                             for d, as_of in zip("ab", scenario.as_of) for role in ROLES}, c


@PROPERTY
@given(scenario=scenarios())
async def test_margins__equal_reference(api, terms, scenario):
    # given
    ledger = await _ledger(api, scenario, terms)
    # when
    answer = await figures(api, ledger, _by_role("margins", "asOf last30Days last12Months previous12Months"),
                           scenario.as_of)
    # then
    for c in ledger.customers:
        expected = {}
        for d, as_of in zip("ab", scenario.as_of):
            for role in ROLES:
                m = ref.margins(ledger, c, as_of, role)
                expected[f"{d}_{role.value}"] = {"asOf": day(m.as_of), "last30Days": m.last30_days,
                                                 "last12Months": m.last12_months,
                                                 "previous12Months": m.previous12_months}
        assert answer[c] == expected, c


@PROPERTY
@given(scenario=scenarios())
async def test_aging__equals_reference(api, terms, scenario):
    # given
    ledger = await _ledger(api, scenario, terms)
    # when
    answer = await figures(api, ledger, " ".join(
        f"{d}: aging(asOf: ${d}) {{ asOf current {MONEY} days1To30 {MONEY} days31To60 {MONEY} days61To90 {MONEY} "
        f"over90 {MONEY} total {MONEY} overdue {MONEY} daysSalesOutstanding }}" for d in "ab"), scenario.as_of)
    # then
    for c in ledger.customers:
        expected = {}
        for d, as_of in zip("ab", scenario.as_of):
            a = ref.aging(ledger, c, as_of)
            expected[d] = {"asOf": day(a.as_of), "current": money(a.current), "days1To30": money(a.days1_to30),
                           "days31To60": money(a.days31_to60), "days61To90": money(a.days61_to90),
                           "over90": money(a.over90), "total": money(a.total), "overdue": money(a.overdue),
                           "daysSalesOutstanding": a.days_sales_outstanding}
            assert a.total == ref.balances(ledger, c).current_invoices
        assert answer[c] == expected, c
