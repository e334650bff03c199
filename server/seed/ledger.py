"""How the demo customers paid: payments, deposits and their applications to invoices.

Each customer pays in its own way (on time, a little late, slowly, in advance, on delivery,
or at some point not at all), so that every aging bucket has something in it. Payments only
apply to invoices of the customer that pays them, in the same currency, and never beyond an
invoice's total or the payment's amount. `settle` then derives the kept totals and statuses
from the applications, exactly as the payments service keeps them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from server.customers.models import BillingStatus
from server.documents.models import OPEN_ORDER_STATUSES
from server.documents.rules import OWING_STATUSES, base_balance_minor, signed_base_balance_minor
from server.figures.customer_list import exposure_minor
from server.money import to_base_minor
from server.payments.models import PaymentStyle
from server.payments.rules import paid_status
from server.seed.world import (
    Books,
    CustomerPlan,
    Doc,
    Row,
    World,
    at,
    office_time,
    take,
    weighted,
)

DELAYS = {"prompt": (-10, 2), "steady": (-3, 12), "slow": (8, 40)}  # days after the due date


@dataclass
class Intent:
    """Money meant for one invoice on one day."""

    day: dt.date
    amount: int
    invoice: Doc
    alone: bool = False  # paid by a payment of its own (deposits, cash, partial payments)


@dataclass
class PaymentDraft:
    """A payment being built: who paid, when, how much, and for which invoices."""

    customer: CustomerPlan
    day: dt.date
    style: PaymentStyle
    received: int
    intents: list[Intent] = field(default_factory=list)
    applied_on: dt.date | None = None  # deposits are applied when the invoice is issued


def build_payments(world: World) -> None:
    """The demo's payments: a handful of open orders got a deposit."""
    record_payments(world, world.invoices, lambda: _open_deposits(world))


def record_payments(
    books: Books, invoices: list[Doc], deposits: Callable[[], list[PaymentDraft]]
) -> None:
    """Payments for issued invoices, then the `deposits` against open orders, their ids, numbers
    and applications in date order, and the kept totals (`settle`)."""
    intents: dict[int, list[Intent]] = defaultdict(list)
    for doc in invoices:
        if doc.kind == "order":
            intents[doc.bill.id].extend(_intents(books, doc))
    drafts = []
    for customer_id in sorted(intents):
        drafts += _group(books, intents[customer_id])
    drafts += deposits()
    _write_payments(books, drafts)
    settle(books, invoices)


def _intents(books: Books, doc: Doc) -> list[Intent]:
    """When and how much the payer of an invoice paid for it (nothing yet, for some)."""
    rng, plan, row = books.rng, doc.bill, doc.row
    total = row["total_minor"]
    if plan.billing_status is BillingStatus.PREPAY:
        assert doc.order is not None  # a prepaid invoice is always an order's
        return [Intent(doc.order.row["order_on"], total, doc, alone=True)]
    if plan.billing_status is BillingStatus.CASH_ON_DELIVERY:
        return [Intent(row["invoice_on"], total, doc, alone=True)]
    low, high = DELAYS[plan.payer]
    day = max(row["invoice_on"], row["due_on"] + dt.timedelta(days=rng.randint(low, high)))
    disputed = row["invoice_on"] > books.days_ago(400) and rng.random() < 0.01
    if disputed or not can_pay(books, plan, day):
        return []
    first = total * rng.randint(30, 80) // 100 // 100 * 100  # whole currency units
    if rng.random() >= 0.06 or not 0 < first < total:
        return [Intent(day, total, doc)]
    later = day + dt.timedelta(days=rng.randint(14, 45))
    paid_up = can_pay(books, plan, later) and rng.random() < 0.6
    rest = [Intent(later, total - first, doc, alone=True)] if paid_up else []
    return [Intent(day, first, doc, alone=True), *rest]


def can_pay(books: Books, plan: CustomerPlan, day: dt.date) -> bool:
    """Whether a payment on `day` happened: not in the future, not after the payer stopped."""
    return day <= books.last_day and (plan.stop_paying_on is None or day <= plan.stop_paying_on)


def _group(books: Books, intents: list[Intent]) -> list[PaymentDraft]:
    """One payment per run of invoices paid within a week (a cheque covering several)."""
    drafts: list[PaymentDraft] = []
    batch: list[Intent] = []
    for intent in sorted(intents, key=lambda i: (i.day, i.invoice.row["id"])):
        if intent.alone:
            drafts.append(_draft(books, [intent]))
        elif batch and (intent.day - batch[0].day).days > 7:
            drafts.append(_draft(books, batch))
            batch = [intent]
        else:
            batch.append(intent)
    if batch:
        drafts.append(_draft(books, batch))
    return drafts


def _draft(books: Books, intents: list[Intent]) -> PaymentDraft:
    """A payment for these intents; now and then the customer sends a little too much."""
    plan = intents[0].invoice.bill
    amount = sum(intent.amount for intent in intents)
    prepaid = plan.billing_status is BillingStatus.PREPAY
    extra = books.rng.randint(1, 50) * 100 if not prepaid and books.rng.random() < 0.04 else 0
    draft = PaymentDraft(
        plan,
        max(i.day for i in intents),
        PaymentStyle.DEPOSIT if prepaid else PaymentStyle.PAYMENT,
        amount + extra,
        list(intents),
    )
    if prepaid:
        draft.applied_on = intents[0].invoice.row["invoice_on"]
    return draft


def _open_deposits(world: World) -> list[PaymentDraft]:
    """Deposits received against orders not invoiced yet: unapplied money on account."""
    rng, drafts = world.rng, []
    open_orders = [doc for doc in world.orders if doc.row["status"] in OPEN_ORDER_STATUSES]
    others = []
    for doc in open_orders:
        if doc.bill.billing_status is BillingStatus.PREPAY:
            drafts.append(
                PaymentDraft(
                    doc.bill, doc.row["order_on"], PaymentStyle.DEPOSIT, doc.row["total_minor"]
                )
            )
        else:
            others.append(doc)
    for doc in sorted(take(rng, others, 6), key=lambda d: d.row["id"]):
        part = max(100, doc.row["total_minor"] * rng.randint(30, 50) // 100 // 100 * 100)
        drafts.append(PaymentDraft(doc.bill, doc.row["order_on"], PaymentStyle.DEPOSIT, part))
    return drafts


def _write_payments(books: Books, drafts: list[PaymentDraft]) -> None:
    """Ids and numbers in date order, and the application rows."""
    drafts.sort(
        key=lambda d: (d.day, d.customer.id, d.intents[0].invoice.row["id"] if d.intents else 0)
    )
    payments, applications = books.rows["payments"], books.rows["payment_applications"]
    for draft in drafts:
        payment_id = books.next_id("payments")
        payments.append(_payment_row(books, payment_id, draft))
        applied_at = office_time(books.rng, draft.applied_on or draft.day)
        for intent in draft.intents:
            applications.append(
                {
                    "id": books.next_id("payment_applications"),
                    "payment_id": payment_id,
                    "invoice_id": intent.invoice.row["id"],
                    "amount_minor": intent.amount,
                    "applied_at": applied_at,
                }
            )


def _payment_row(books: Books, payment_id: int, draft: PaymentDraft) -> Row:
    """The payments row; its applied and base totals are filled in by `settle`."""
    rng, plan = books.rng, draft.customer
    reference = weighted(
        rng,
        (
            (f"Check {rng.randint(1000, 9999)}", 40),
            (f"ACH {rng.randint(10**7, 10**8 - 1)}", 35),
            ("Wire transfer", 10),
            (None, 15),
        ),
    )
    return {
        "id": payment_id,
        "number": books.next_number("payment"),
        "customer_id": plan.id,
        "payment_on": draft.day,
        "style": draft.style,
        "currency": plan.currency,
        "fx_rate_e8": books.rate(plan.currency, draft.day),
        "received_minor": draft.received,
        "applied_minor": 0,
        "base_received_minor": 0,
        "base_unapplied_minor": 0,
        "reference": reference,
        "created_by_id": books.user(rng.choice(("admin", "manager"))),
        "created_at": at(draft.day, 16, rng.randint(0, 59)),
        "version": 1,
    }


# -------------------------------------------------------------------------- totals


def settle(books: Books, invoices: list[Doc]) -> None:
    """Paid and applied totals, statuses and base balances, from the applications, by the
    payments rules (`server.payments.rules`)."""
    paid: dict[int, int] = defaultdict(int)
    applied: dict[int, int] = defaultdict(int)
    for application in books.rows["payment_applications"]:
        paid[application["invoice_id"]] += application["amount_minor"]
        applied[application["payment_id"]] += application["amount_minor"]
    for doc in invoices:
        _settle_invoice(doc, paid[doc.row["id"]])
    for row in books.rows["payments"]:
        rate, received = row["fx_rate_e8"], row["received_minor"]
        row["applied_minor"] = applied[row["id"]]
        row["base_received_minor"] = to_base_minor(received, rate)
        row["base_unapplied_minor"] = to_base_minor(received - row["applied_minor"], rate)


def _settle_invoice(doc: Doc, paid: int) -> None:
    """Paid total, status and base balance; drafts and voids owe nothing, credits stay PRINTED."""
    row = doc.row
    row["paid_minor"] = paid
    if doc.kind == "order":
        row["status"] = paid_status(row["total_minor"], paid)
    row["base_balance_minor"] = base_balance_minor(
        row["status"], row["total_minor"], paid, row["fx_rate_e8"]
    )


def exposure(rows: dict[str, list[Row]]) -> dict[int, int]:
    """Per paying customer, its credit exposure (`customer_list.exposure_minor`), from the rows
    of the invoices, orders and payments as the balances figure sums them."""
    current: dict[int, int] = defaultdict(int)
    open_orders: dict[int, int] = defaultdict(int)
    unapplied: dict[int, int] = defaultdict(int)
    for row in rows["invoices"]:
        if row["status"] in OWING_STATUSES:
            current[row["bill_customer_id"]] += signed_base_balance_minor(
                row["classification"], row["base_balance_minor"]
            )
    for row in rows["orders"]:
        if row["status"] in OPEN_ORDER_STATUSES:
            open_orders[row["billing_customer_id"]] += row["base_net_minor"]
    for row in rows["payments"]:
        unapplied[row["customer_id"]] += row["base_unapplied_minor"]
    return {
        c: exposure_minor(current[c], open_orders[c], unapplied[c])
        for c in {*current, *open_orders, *unapplied}
    }
