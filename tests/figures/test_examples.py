"""Hand-worked examples of every figure of SPEC §4, the arithmetic in the comments.

Each example is written through the services (`build()` of test_properties.py), asked of the
API, and checked against the hand-worked numbers; tests/reference.py must give the same numbers,
so these examples also pin the reference model the property tests rely on.
Customers are A, B, C in the order they are listed; asOf is 24 Nov 2026 unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from schema.base import global_id
from server.customers.models import TermsBasis
from server.documents.models import OrderStatus
from tests import factories
from tests import reference as ref
from tests.figures.test_properties import (
    MONEY,
    CustomerSpec,
    InvoiceSpec,
    LineSpec,
    OrderSpec,
    PaymentSpec,
    Scenario,
    build,
    figures,
    money,
    terms,
)

__all__ = ["terms"]  # the fixture, shared with the property tests

AS_OF = dt.date(2026, 11, 24)
D = dt.date


def who(currency: str = "USD", prior: str = "0", limit: str | None = None, terms: str | None = None,
        basis: TermsBasis = TermsBasis.INVOICE_DATE) -> CustomerSpec:
    return CustomerSpec(currency, prior, limit, terms, basis)


def sale(bill: int, on: dt.date, price: str, *, cost: str | None = None, credit: bool = False,
         state: str = "issued", order: int | None = None, rate: str = "1.1", quantity: str = "1") -> InvoiceSpec:
    """An invoice (or credit note) of one line, billed to customer number `bill`."""
    return InvoiceSpec(bill, order, credit, state, on, (LineSpec(quantity, price, cost, "0"),), rate)


def order(customer: int, on: dt.date, *prices: str, status: OrderStatus = OrderStatus.OPEN,
          billing: int | None = None, rate: str = "1.1") -> OrderSpec:
    return OrderSpec(customer, billing, on, status, tuple(LineSpec("1", p, None, "0") for p in prices), rate)


def pay(customer: int, on: dt.date, amount: str, *applications: tuple[int, str], rate: str = "1.1") -> PaymentSpec:
    """A payment; each application is (index among the payer's open invoices, amount or "all")."""
    return PaymentSpec(customer, on, amount, rate, applications, True)


async def ask(api: Any, terms: dict[str, tuple[int, int]], selection: str, *customers: CustomerSpec,
              invoices: tuple[InvoiceSpec, ...] = (), orders: tuple[OrderSpec, ...] = (),
              payments: tuple[PaymentSpec, ...] = (), as_of: tuple[dt.date, dt.date] = (AS_OF, AS_OF),
              ) -> tuple[ref.Ledger, list[int], list[dict[str, Any]]]:
    """Writes the documents, asks for `selection` ($a and $b are the two asOf days): the reference
    ledger, the customer ids and each customer's answer, in the order the customers were given."""
    ledger = await build(api.database, Scenario(as_of, customers, invoices, orders, payments), terms)
    answer = await figures(api, ledger, selection, as_of)
    ids = list(ledger.customers)
    return ledger, ids, [answer[c] for c in ids]


def amounts(answer: dict[str, Any]) -> dict[str, Any]:
    """{field: amount string} for the Money fields of an answer, other values as they are."""
    return {k: v["amount"] if isinstance(v, dict) and "amount" in v else v for k, v in answer.items()}


# ------------------------------------------------------------------ lifetime value


async def test_lifetime_value__prior_plus_invoiced_minus_credited(api, terms):
    # given: A has 1000.00 prior sales; invoices 100.00 + 50.00, a credit note 20.00; B's invoice with A as
    # order customer 5.00 counts too (ORDER_OR_BILLING); a draft 999.00 and a void 777.00 count in nothing
    _, _, (a, b) = await ask(api, terms, f"lifetimeValue {MONEY}", who(prior="1000.00"), who(), invoices=(
        sale(0, D(2026, 1, 5), "100.00"), sale(0, D(2026, 3, 1), "50.00"),
        sale(0, D(2026, 2, 1), "20.00", credit=True), sale(1, D(2025, 6, 30), "5.00", order=0),
        sale(0, D(2025, 1, 1), "999.00", state="draft"), sale(0, D(2026, 12, 1), "777.00", state="void")))
    # then: 1000.00 + (100.00 + 50.00 + 5.00) - 20.00 = 1135.00; B: its own 5.00 invoice
    assert a["lifetimeValue"] == money(Decimal("1135.00"))
    assert b["lifetimeValue"]["amount"] == "5.00"


async def test_lifetime_value_detail__parts_dates_and_count(api, terms):
    # given: the same documents as above
    ledger, ids, (a, _) = await ask(
        api, terms, f"""lifetimeValueDetail {{ priorSales {MONEY} invoiced {MONEY} credited {MONEY} total {MONEY}
        firstInvoiceDate lastInvoiceDate invoiceCount }}""", who(prior="1000.00"), who(), invoices=(
            sale(0, D(2026, 1, 5), "100.00"), sale(0, D(2026, 3, 1), "50.00"),
            sale(0, D(2026, 2, 1), "20.00", credit=True), sale(1, D(2025, 6, 30), "5.00", order=0),
            sale(0, D(2025, 1, 1), "999.00", state="draft"), sale(0, D(2026, 12, 1), "777.00", state="void")))
    # then: invoiced 100 + 50 + 5 = 155.00; credited 20.00; total 1000 + 155 - 20 = 1135.00;
    # first 30 Jun 2025 (the draft of 1 Jan 2025 does not count), last 1 Mar 2026 (the void of 1 Dec does not);
    # count: three invoices and one credit note = 4
    assert amounts(a["lifetimeValueDetail"]) == {
        "priorSales": "1000.00", "invoiced": "155.00", "credited": "20.00", "total": "1135.00",
        "firstInvoiceDate": "2025-06-30", "lastInvoiceDate": "2026-03-01", "invoiceCount": 4}
    assert ref.lifetime_value_detail(ledger, ids[0]) == ref.LifetimeValueDetail(
        Decimal("1000.00"), Decimal("155.00"), Decimal("20.00"), Decimal("1135.00"),
        D(2025, 6, 30), D(2026, 3, 1), 4)


async def test_lifetime_value__eur_rounded_per_document(api, terms):
    # given: an EUR customer, 0.10 prior sales; two invoices of 0.15 EUR and a credit note of 0.05 EUR, all at 1.1
    ledger, ids, (a,) = await ask(api, terms, f"lifetimeValue {MONEY} lifetimeValueDetail {{ invoiced {MONEY} }}",
                                  who("EUR", prior="0.10"), invoices=(
                                      sale(0, AS_OF, "0.15"), sale(0, AS_OF, "0.15"),
                                      sale(0, AS_OF, "0.05", credit=True)))
    # then: 0.15 x 1.1 = 0.165 -> 0.16 (half-even) per invoice, so invoiced = 0.32 (not 0.30 x 1.1 = 0.33);
    # 0.05 x 1.1 = 0.055 -> 0.06; lifetime value = 0.10 + 0.32 - 0.06 = 0.36
    assert a["lifetimeValueDetail"]["invoiced"]["amount"] == "0.32"
    assert a["lifetimeValue"] == {"amount": "0.36", "currency": "USD"}
    assert ref.lifetime_value(ledger, ids[0]) == Decimal("0.36")


# ------------------------------------------------------------------ orders and engagement


async def test_order_count_and_total__not_cancelled_as_order_customer(api, terms):
    # given: A orders 10.00 (OPEN), 5.00 (INVOICED), 3.00 (CANCELLED) and 2.00 billed to B;
    # B orders 4.00 billed to A
    _, _, (a, b) = await ask(api, terms, f"orderCount orderTotal {MONEY}", who(), who(), orders=(
        order(0, AS_OF, "10.00"), order(0, AS_OF, "5.00", status=OrderStatus.INVOICED),
        order(0, AS_OF, "3.00", status=OrderStatus.CANCELLED), order(0, AS_OF, "2.00", billing=1),
        order(1, AS_OF, "4.00", billing=0)))
    # then: A: 10.00 + 5.00 + 2.00 = 17.00 in 3 orders; B: 4.00 in 1
    assert amounts(a) == {"orderCount": 3, "orderTotal": "17.00"}
    assert amounts(b) == {"orderCount": 1, "orderTotal": "4.00"}


async def test_average_order_value__half_even_to_the_cent(api, terms):
    # given: A orders 0.10 and 0.15; B orders 1.005 x 1 (a line of 1.005 -> 1.00), 0.10 and 0.20; C never orders
    ledger, ids, (a, b, c) = await ask(api, terms, f"averageOrderValue {MONEY} orderTotal {MONEY}",
                                       who(), who(), who(), orders=(
                                           order(0, AS_OF, "0.10"), order(0, AS_OF, "0.15"),
                                           order(1, AS_OF, "1.005"), order(1, AS_OF, "0.10"),
                                           order(1, AS_OF, "0.20")))
    # then: A: 0.25 / 2 = 0.125 -> 0.12 (half-even, not 0.13); B: (1.00 + 0.10 + 0.20) / 3 = 0.4333 -> 0.43;
    # C: null
    assert amounts(a) == {"averageOrderValue": "0.12", "orderTotal": "0.25"}
    assert amounts(b) == {"averageOrderValue": "0.43", "orderTotal": "1.30"}
    assert c["averageOrderValue"] is None
    assert [ref.average_order_value(ledger, i) for i in ids] == [Decimal("0.12"), Decimal("0.43"), None]


async def test_engagement__365_days_up_to_as_of(api, terms):
    # given: A ordered 25 Nov 2025 (asOf-364); B 24 Nov 2025 (asOf-365); C only a cancelled order and one
    # after asOf (25 Nov 2026)
    ledger, ids, answers = await ask(api, terms, "a: engagement(asOf: $a) b: engagement(asOf: $b)",
                                     who(), who(), who(), orders=(
                                         order(0, D(2025, 11, 25), "1.00"), order(1, D(2025, 11, 24), "1.00"),
                                         order(2, D(2026, 11, 1), "1.00", status=OrderStatus.CANCELLED),
                                         order(2, D(2026, 11, 25), "1.00")),
                                     as_of=(AS_OF, D(2026, 11, 25)))
    # then at 24 Nov 2026 the window is 25 Nov 2025 .. 24 Nov 2026: A ENGAGED, B LAPSED, C NEVER_ORDERED;
    # at 25 Nov 2026 (26 Nov 2025 .. 25 Nov 2026): A LAPSED, B LAPSED, C ENGAGED (its order of that day)
    assert answers == [{"a": "ENGAGED", "b": "LAPSED"}, {"a": "LAPSED", "b": "LAPSED"},
                       {"a": "NEVER_ORDERED", "b": "ENGAGED"}]
    assert [ref.engagement(ledger, i, AS_OF) for i in ids] == ["ENGAGED", "LAPSED", "NEVER_ORDERED"]


# ------------------------------------------------------------------ activity dates


async def test_last_order_invoice_and_payment_dates(api, terms):
    # given: A's orders of 1 Oct (INVOICED) and 5 Nov (CANCELLED); invoices of 2 Oct, 20 Nov (draft), 21 Nov (void);
    # payments of 3 Oct and 4 Sep; B nothing
    _, _, (a, b) = await ask(api, terms, "lastOrderDate lastInvoiceDate lastPaymentDate", who(), who(), orders=(
        order(0, D(2026, 10, 1), "1.00", status=OrderStatus.INVOICED),
        order(0, D(2026, 11, 5), "1.00", status=OrderStatus.CANCELLED)), invoices=(
        sale(0, D(2026, 10, 2), "1.00"), sale(0, D(2026, 11, 20), "1.00", state="draft"),
        sale(0, D(2026, 11, 21), "1.00", state="void")), payments=(
        pay(0, D(2026, 10, 3), "1.00"), pay(0, D(2026, 9, 4), "5.00")))
    # then: the cancelled order, the draft and the void do not count; any payment does
    assert a == {"lastOrderDate": "2026-10-01", "lastInvoiceDate": "2026-10-02", "lastPaymentDate": "2026-10-03"}
    assert b == {"lastOrderDate": None, "lastInvoiceDate": None, "lastPaymentDate": None}


# ------------------------------------------------------------------ balances

BALANCES = f"balances {{ openOrders {MONEY} currentInvoices {MONEY} unappliedPayments {MONEY} " \
           f"creditLimit {MONEY} availableCredit {MONEY} }}"
MIXED_ORDERS = (order(0, AS_OF, "10.00"), order(0, AS_OF, "5.00", status=OrderStatus.FINISHED),
                order(0, AS_OF, "7.00", status=OrderStatus.INVOICED),
                order(0, AS_OF, "3.00", status=OrderStatus.CANCELLED),
                order(0, AS_OF, "1.00", status=OrderStatus.PENDING_APPROVAL),
                order(0, AS_OF, "0.10", status=OrderStatus.ON_HOLD),
                order(0, AS_OF, "0.20", status=OrderStatus.IN_PROGRESS),
                order(0, AS_OF, "0.70", status=OrderStatus.PLANNED),
                order(1, AS_OF, "2.00", billing=0), order(0, AS_OF, "4.00", billing=1))
MIXED_INVOICES = (sale(0, AS_OF, "50.00"), sale(0, AS_OF, "8.00"), sale(0, AS_OF, "9.00", state="draft"),
                  sale(0, AS_OF, "11.00", state="void"), sale(0, AS_OF, "0.30", credit=True),
                  sale(1, AS_OF, "6.00", order=0))
MIXED_PAYMENTS = (pay(0, AS_OF, "25.00", (0, "20.00")), pay(0, AS_OF, "8.00", (1, "all")))


async def test_open_orders__open_statuses_as_billing_customer(api, terms):
    # given: A is billing customer of orders OPEN 10.00, FINISHED 5.00, INVOICED 7.00, CANCELLED 3.00,
    # PENDING_APPROVAL 1.00, ON_HOLD 0.10, IN_PROGRESS 0.20, PLANNED 0.70 and of B's order 2.00;
    # A's order of 4.00 is billed to B
    _, _, (a, b) = await ask(api, terms, BALANCES, who(), who(), orders=MIXED_ORDERS)
    # then: A: 10.00 + 5.00 + 1.00 + 0.10 + 0.20 + 0.70 + 2.00 = 19.00; B: 4.00
    assert a["balances"]["openOrders"]["amount"] == "19.00"
    assert b["balances"]["openOrders"]["amount"] == "4.00"


async def test_current_invoices__open_balances_as_bill_customer(api, terms):
    # given: billed to A: 50.00 with 20.00 paid, 8.00 paid in full, a draft 9.00, a void 11.00, a credit note
    # 0.30; billed to B with A as order customer: 6.00
    _, _, (a, b) = await ask(api, terms, BALANCES, who(), who(), invoices=MIXED_INVOICES, payments=MIXED_PAYMENTS)
    # then: A: (50.00 - 20.00) + 0 + 0 + 0 - 0.30 = 29.70; B: 6.00
    assert a["balances"]["currentInvoices"]["amount"] == "29.70"
    assert b["balances"]["currentInvoices"]["amount"] == "6.00"


async def test_balances__eur_open_amounts_converted_on_their_own(api, terms):
    # given: an EUR customer: an invoice of 0.15 at 1.1 with 0.05 paid from a payment of 0.15 at 1.1
    ledger, ids, (a,) = await ask(api, terms, BALANCES, who("EUR"), invoices=(sale(0, AS_OF, "0.15"),),
                                  payments=(pay(0, AS_OF, "0.15", (0, "0.05")),))
    # then: the invoice's open 0.10 x 1.1 = 0.11 (not 0.15 x 1.1 - 0.05 x 1.1 = 0.16 - 0.06 = 0.10);
    # the payment's unapplied 0.10 x 1.1 = 0.11 likewise
    assert amounts(a["balances"]) == {"openOrders": "0.00", "currentInvoices": "0.11", "unappliedPayments": "0.11",
                                      "creditLimit": None, "availableCredit": None}
    assert ref.balances(ledger, ids[0]).current_invoices == Decimal("0.11")


async def test_unapplied_payments__received_minus_applied(api, terms):
    # given: A's payments: 25.00 with 20.00 applied, 8.00 applied in full; B's 0.30 unapplied
    _, _, (a, b) = await ask(api, terms, BALANCES, who(), who(), invoices=MIXED_INVOICES,
                             payments=(*MIXED_PAYMENTS, pay(1, AS_OF, "0.30")))
    # then: A: (25.00 - 20.00) + (8.00 - 8.00) = 5.00; B: 0.30
    assert a["balances"]["unappliedPayments"]["amount"] == "5.00"
    assert b["balances"]["unappliedPayments"]["amount"] == "0.30"


async def test_available_credit__limit_minus_exposure(api, terms):
    # given: A with a limit of 100.00 and all of the above; B without a limit
    ledger, ids, (a, b) = await ask(api, terms, BALANCES, who(limit="100.00"), who(), orders=MIXED_ORDERS,
                                    invoices=MIXED_INVOICES, payments=MIXED_PAYMENTS)
    # then: 100.00 - (29.70 + 19.00 - 5.00) = 100.00 - 43.70 = 56.30; B: null
    assert amounts(a["balances"]) == {"openOrders": "19.00", "currentInvoices": "29.70",
                                      "unappliedPayments": "5.00", "creditLimit": "100.00",
                                      "availableCredit": "56.30"}
    assert b["balances"]["availableCredit"] is None
    assert ref.balances(ledger, ids[0]).available_credit == Decimal("56.30")


# ------------------------------------------------------------------ invoice statistics

STATS = (f"a: invoiceStats(asOf: $a) {{ asOf last30Days {MONEY} previous30Days {MONEY} variance30Pct "
         f"mtdThisYear {MONEY} mtdLastYear {MONEY} varianceMtdPct ytdThisYear {MONEY} ytdLastYear {MONEY} "
         f"varianceYtdPct }}")


async def test_invoice_stats__last_and_previous_30_days(api, terms):
    # given: invoices 100.00 (1 Nov), 50.10 (20 Oct), credit 0.30 (2 Nov); 9.00 on 25 Sep (asOf-60) is outside both
    ledger, ids, (a,) = await ask(api, terms, STATS, who(), invoices=(
        sale(0, D(2026, 11, 1), "100.00"), sale(0, D(2026, 10, 20), "50.10"),
        sale(0, D(2026, 11, 2), "0.30", credit=True), sale(0, D(2026, 9, 25), "9.00")))
    # then: last30Days (26 Oct .. 24 Nov) = 100.00 - 0.30 = 99.70; previous30Days (26 Sep .. 25 Oct) = 50.10;
    # variance = (99.70 - 50.10) / 50.10 x 100 = 49.60 / 50.10 x 100 = 99.001996...
    stats = amounts(a["a"])
    assert (stats["asOf"], stats["last30Days"], stats["previous30Days"]) == ("2026-11-24", "99.70", "50.10")
    assert stats["variance30Pct"] == 99.00199600798403
    assert ref.invoice_stats(ledger, ids[0], AS_OF, ref.Role.ORDER_OR_BILLING).variance30_pct == 99.00199600798403


async def test_invoice_stats__month_and_year_to_date_on_29_february(api, terms):
    # given, asOf 29 Feb 2028: invoices 10.00 (29 Feb 2028), 20.00 (1 Feb 2028), 1.00 (15 Jan 2028),
    # 5.00 (28 Feb 2027), 3.00 (31 Jan 2027), 7.00 (1 Mar 2027)
    leap = D(2028, 2, 29)
    _, _, (a,) = await ask(api, terms, STATS, who(), as_of=(leap, leap), invoices=(
        sale(0, leap, "10.00"), sale(0, D(2028, 2, 1), "20.00"), sale(0, D(2028, 1, 15), "1.00"),
        sale(0, D(2027, 2, 28), "5.00"), sale(0, D(2027, 1, 31), "3.00"), sale(0, D(2027, 3, 1), "7.00")))
    # then: mtdThisYear (1 .. 29 Feb 2028) = 10.00 + 20.00 = 30.00; mtdLastYear (1 .. 28 Feb 2027) = 5.00;
    # variance = (30 - 5) / 5 x 100 = 500.0; ytdThisYear (1 Jan .. 29 Feb 2028) = 31.00;
    # ytdLastYear (1 Jan .. 28 Feb 2027) = 5.00 + 3.00 = 8.00; variance = 23 / 8 x 100 = 287.5
    stats = amounts(a["a"])
    assert {k: stats[k] for k in ("mtdThisYear", "mtdLastYear", "varianceMtdPct", "ytdThisYear", "ytdLastYear",
                                  "varianceYtdPct")} == {
        "mtdThisYear": "30.00", "mtdLastYear": "5.00", "varianceMtdPct": 500.0, "ytdThisYear": "31.00",
        "ytdLastYear": "8.00", "varianceYtdPct": 287.5}


async def test_invoice_stats__variance_null_when_the_base_is_zero(api, terms):
    # given: one invoice of 1.00 today, nothing earlier
    _, _, (a,) = await ask(api, terms, STATS, who(), invoices=(sale(0, AS_OF, "1.00"),))
    # then: previous30Days, mtdLastYear and ytdLastYear are 0.00, so every variance is null
    stats = amounts(a["a"])
    assert (stats["previous30Days"], stats["variance30Pct"], stats["varianceMtdPct"], stats["varianceYtdPct"]) == (
        "0.00", None, None, None)


async def test_invoice_stats__history_roles(api, terms):
    # given: bill A / order B 10.00; bill A / order A 1.00; bill B / order A 0.10; a credit note bill B / order B 0.20
    selection = " ".join(f"{r.value}: invoiceStats(asOf: $a, history: {r.value}) {{ last30Days {{ amount }} }}"
                         for r in ref.Role)
    _, _, (a, b) = await ask(api, terms, selection, who(), who(), invoices=(
        sale(0, AS_OF, "10.00", order=1), sale(0, AS_OF, "1.00"), sale(1, AS_OF, "0.10", order=0),
        sale(1, AS_OF, "0.20", credit=True)))
    # then ORDER_OR_BILLING (each document once): A 10.00 + 1.00 + 0.10 = 11.10, B 10.00 + 0.10 - 0.20 = 9.90;
    # ORDER_ONLY: A 1.00 + 0.10 = 1.10, B 10.00 - 0.20 = 9.80; BILLING_ONLY: A 11.00, B 0.10 - 0.20 = -0.10
    assert {k: v["last30Days"]["amount"] for k, v in a.items()} == {
        "ORDER_OR_BILLING": "11.10", "ORDER_ONLY": "1.10", "BILLING_ONLY": "11.00"}
    assert {k: v["last30Days"]["amount"] for k, v in b.items()} == {
        "ORDER_OR_BILLING": "9.90", "ORDER_ONLY": "9.80", "BILLING_ONLY": "-0.10"}


# ------------------------------------------------------------------ margins


async def test_margins__three_windows_credit_cost_negative(api, terms):
    # given: invoices (net/cost) 100.00/60.00 on 1 Nov 2026, 50.00/45.00 on 1 Jan 2026, 30.00/30.00 on
    # 25 Nov 2025, 20.00/5.00 on 24 Nov 2025; a credit note 10.00/6.00 on 2 Nov 2026; B has no sales
    ledger, ids, (a, b) = await ask(
        api, terms, "m: margins(asOf: $a) { asOf last30Days last12Months previous12Months }", who(), who(),
        invoices=(sale(0, D(2026, 11, 1), "100.00", cost="60.00"), sale(0, D(2026, 1, 1), "50.00", cost="45.00"),
                  sale(0, D(2025, 11, 25), "30.00", cost="30.00"), sale(0, D(2025, 11, 24), "20.00", cost="5.00"),
                  sale(0, D(2026, 11, 2), "10.00", cost="6.00", credit=True)))
    # then: last 30 days (26 Oct .. 24 Nov): sales 100 - 10 = 90, cost 60 - 6 = 54: (90 - 54) / 90 = 40.0 %;
    # the year ending asOf (25 Nov 2025 .. 24 Nov 2026): sales 90 + 50 + 30 = 170, cost 54 + 45 + 30 = 129:
    # 41 / 170 = 24.1176... %; the year before (25 Nov 2024 .. 24 Nov 2025): 20, cost 5: 15 / 20 = 75.0 %
    assert a["m"] == {"asOf": "2026-11-24", "last30Days": 40.0, "last12Months": 24.11764705882353,
                      "previous12Months": 75.0}
    assert b["m"] == {"asOf": "2026-11-24", "last30Days": None, "last12Months": None, "previous12Months": None}
    assert ref.margins(ledger, ids[0], AS_OF, ref.Role.ORDER_OR_BILLING).last12_months == 24.11764705882353


# ------------------------------------------------------------------ aging

AGING = (f"a: aging(asOf: $a) {{ asOf current {MONEY} days1To30 {MONEY} days31To60 {MONEY} days61To90 {MONEY} "
         f"over90 {MONEY} total {MONEY} daysSalesOutstanding }}")


async def test_aging__buckets_by_days_past_due(api, terms):
    # given: no payment terms (due on the invoice date); invoices due 24 Nov (0 days past due) 1.00, 25 Nov
    # (not yet due, dated after asOf) 2.00, 23 Nov (1 day) 4.00, 25 Oct (30) 8.00, 24 Oct (31) 16.00,
    # 25 Sep (60) 32.00, 24 Sep (61) 64.00, 26 Aug (90) 0.10, 25 Aug (91) 0.20; a credit note of 1 Jan 0.70
    ledger, ids, (a,) = await ask(api, terms, AGING, who(), invoices=(
        sale(0, D(2026, 11, 24), "1.00"), sale(0, D(2026, 11, 25), "2.00"), sale(0, D(2026, 11, 23), "4.00"),
        sale(0, D(2026, 10, 25), "8.00"), sale(0, D(2026, 10, 24), "16.00"), sale(0, D(2026, 9, 25), "32.00"),
        sale(0, D(2026, 9, 24), "64.00"), sale(0, D(2026, 8, 26), "0.10"), sale(0, D(2026, 8, 25), "0.20"),
        sale(0, D(2026, 1, 1), "0.70", credit=True)))
    # then: current 1.00 + 2.00 - 0.70 = 2.30; 1-30: 4.00 + 8.00 = 12.00; 31-60: 16.00 + 32.00 = 48.00;
    # 61-90: 64.00 + 0.10 = 64.10; over 90: 0.20; total 126.60 (= currentInvoices)
    assert amounts(a["a"]) == {"asOf": "2026-11-24", "current": "2.30", "days1To30": "12.00", "days31To60": "48.00",
                               "days61To90": "64.10", "over90": "0.20", "total": "126.60",
                               "daysSalesOutstanding": 370.85874799357947}
    # days sales outstanding: sales of 25 Nov 2025 .. 24 Nov 2026 = 126.60 + 0.70 - 2.00 (dated after asOf)
    # - 0.70 = 124.60; 126.60 / (124.60 / 365) = 370.8587...
    assert ref.aging(ledger, ids[0], AS_OF).days_sales_outstanding == 370.85874799357947


async def test_aging__due_date_from_terms_and_basis(api, terms):
    # given: invoices of 10 Sep 2026 for A (NET30 from the invoice date) and B (NET30 from the end of the month)
    _, _, (a, b) = await ask(api, terms, AGING, who(terms="NET30"), who(terms="NET30", basis=TermsBasis.END_OF_MONTH),
                             invoices=(sale(0, D(2026, 9, 10), "1.00"), sale(1, D(2026, 9, 10), "1.00")))
    # then: A is due 10 Oct, 45 days past due at 24 Nov: 31-60; B is due 30 Sep + 30 = 30 Oct, 25 days: 1-30
    assert (a["a"]["days31To60"]["amount"], b["a"]["days1To30"]["amount"]) == ("1.00", "1.00")


async def test_aging__delivery_date_basis_uses_the_orders_required_date(api, terms):
    # given: NET30 from the delivery date; an order of 1 Oct required on 30 Oct, invoiced on 1 Oct (1.00),
    # and an invoice of 1 Oct without an order (2.00)
    payer = await factories.customer(api.database, "A", paymentTerms=terms["NET30"][0],
                                     termsBasis=TermsBasis.DELIVERY_DATE)
    made = await factories.order(api.database, payer.id, "1.00", on=D(2026, 10, 1), requiredDate=D(2026, 10, 30))
    await factories.invoice(api.database, payer.id, "1.00", on=D(2026, 10, 1), order=made.id)
    await factories.invoice(api.database, payer.id, "2.00", on=D(2026, 10, 1))
    # when
    data = await api.ok("query($id: ID!) { customer(id: $id) { aging(asOf: \"2026-11-24\") "
                        "{ current { amount } days1To30 { amount } } } }", {"id": global_id("Customer", payer.id)})
    # then: with the order, due 30 Oct + 30 = 29 Nov: current; without, due 1 Oct + 30 = 31 Oct, 24 days: 1-30
    assert data["customer"]["aging"] == {"current": {"amount": "1.00"}, "days1To30": {"amount": "2.00"}}


async def test_days_sales_outstanding__null_without_sales(api, terms):
    # given: an open invoice of 10.00 from 1 Jan 2025, nothing since; a paid one of the last year for B
    _, _, (a, b) = await ask(api, terms, AGING, who(), who(), invoices=(
        sale(0, D(2025, 1, 1), "10.00"), sale(1, D(2026, 6, 1), "3.65")),
        payments=(pay(1, AS_OF, "3.65", (0, "all")),))
    # then A: no sales in 25 Nov 2025 .. 24 Nov 2026: null (10.00 over 90 days);
    # B: nothing open: 0.00 / (3.65 / 365) = 0.0
    assert (a["a"]["over90"]["amount"], a["a"]["daysSalesOutstanding"]) == ("10.00", None)
    assert (b["a"]["total"]["amount"], b["a"]["daysSalesOutstanding"]) == ("0.00", 0.0)
