"""Payments and deposits, and applying them to invoices (SPEC §2).

Applied never exceeds received and an invoice's balance never goes below zero, also when two
requests apply the same payment at once: the payment and invoice rows are locked (`FOR UPDATE`
on PostgreSQL; SQLite's `BEGIN IMMEDIATE` holds the database write lock) before they are read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import money, validate
from server.access import policy
from server.audit import service as audit
from server.customers.models import Customer
from server.db.sequences import next_number
from server.documents import rules
from server.documents.models import Invoice, InvoiceClassification, InvoiceStatus
from server.errors import ErrorCode, Problems
from server.payments import rules as payment_rules
from server.payments.commands import ApplicationFields, PaymentFields
from server.payments.models import Payment, PaymentApplication, PaymentStyle

Data = dict[str, Any]


async def record_payment(
    session: AsyncSession,
    *,
    fields: PaymentFields,
    actor: policy.Actor,
    today: dt.date,
    base_currency: str,
) -> Payment:
    """A payment or deposit received from a customer, optionally applied to its invoices at once."""
    data = fields.given()
    problems = Problems()
    amount = validate.amount(problems, data, "amount", positive=True)
    reference = validate.text(problems, data, "reference", max_length=200)
    async with session.begin():
        actor_id = await policy.require(session, actor, "recordPayment")
        customer = (
            await session.get(Customer, data["customer"])
            if data.get("customer") is not None
            else None
        )
        if customer is None:
            problems.add(ErrorCode.NOT_FOUND, "customer: no customer with that id", "customer")
        rate = rules.fx_rate(problems, data, customer.currency, base_currency) if customer else None
        if amount is not None and not money.within(money.to_base_minor(amount, rate)):
            problems.add(
                ErrorCode.INVALID,
                f"at this rate the amount is over {money.MAXIMUM} in the base currency",
                "fxRate",
            )
        applying = None
        if data.get("applyTo"):  # an empty list applies nothing, as none does
            payer = Payer(None, customer.id, customer.currency, amount or 0) if customer else None
            applying = await _applications(session, problems, payer, data["applyTo"], ("applyTo",))
        problems.raise_if_any()
        assert customer is not None and amount is not None
        payment = Payment(
            number=await next_number(session, "payment"),
            customer_id=customer.id,
            payment_on=data.get("paymentDate") or today,
            style=data.get("style") or PaymentStyle.PAYMENT,
            currency=customer.currency,
            fx_rate_e8=rate,
            received_minor=amount,
            applied_minor=0,
            base_received_minor=money.to_base_minor(amount, rate),
            base_unapplied_minor=money.to_base_minor(amount, rate),
            reference=reference,
            created_by_id=actor_id,
        )
        session.add(payment)
        await session.flush()
        audit.record(
            session,
            actor_id=actor_id,
            action="recordPayment",
            entity=payment,
            changes={
                "number": [None, payment.number],
                "amount": [None, str(money.from_minor(amount))],
            },
        )
        if applying is not None:
            await _apply(session, payment, applying, actor_id)
    return payment


async def apply_payment(
    session: AsyncSession,
    *,
    payment_id: int,
    applications: Sequence[ApplicationFields],
    actor: policy.Actor,
) -> Payment:
    """Moves money from a payment to invoices of its customer."""
    problems = Problems(())
    async with session.begin():
        actor_id = await policy.require(session, actor, "applyPayment")
        payment = await session.scalar(
            select(Payment).where(Payment.id == payment_id).with_for_update()
        )
        if payment is None:
            problems.add(ErrorCode.NOT_FOUND, "payment: no payment with that id", "payment")
        payer = (
            Payer(
                payment.number,
                payment.customer_id,
                payment.currency,
                payment.received_minor - payment.applied_minor,
            )
            if payment is not None
            else None
        )
        given = [application.given() for application in applications]
        applying = await _applications(session, problems, payer, given, ("applications",))
        problems.raise_if_any()
        assert payment is not None
        await _apply(session, payment, applying, actor_id)
        payment.version += 1
    return payment


@dataclass(frozen=True)
class Payer:
    """What applications are checked against: the payment's customer, currency and the amount
    left to apply (a payment being recorded has no number yet)."""

    number: str | None
    customer_id: int
    currency: str
    left_minor: int


@dataclass(frozen=True)
class Applying:
    """Checked applications: the amount wanted per invoice, and the invoices, locked."""

    wanted: dict[int, int]
    invoices: dict[int, Invoice]


async def _applications(
    session: AsyncSession,
    problems: Problems,
    payer: Payer | None,
    applications: Sequence[Data],
    path: tuple[str, ...],
) -> Applying:
    """Checks applications, adding a problem under `path` (the list, from the argument) for each one
    broken; without a payer (its payment or customer missing) only the invoices and amounts."""
    if not applications:
        problems.add(ErrorCode.REQUIRED, "name at least one invoice to apply to", *path)
        return Applying({}, {})
    ids = {a["invoice"] for a in applications if a.get("invoice") is not None}
    invoices = {
        i.id: i
        for i in await session.scalars(
            select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id).with_for_update()
        )
    }
    wanted: dict[int, int] = {}
    for index, application in enumerate(applications):
        at = (*path, str(index))
        amount = validate.amount(problems, application, "amount", positive=True, path=at)
        invoice = invoices.get(application["invoice"])
        if not _can_take(problems, at, payer, invoice) or amount is None:
            continue
        assert invoice is not None
        wanted[invoice.id] = wanted.get(invoice.id, 0) + amount
        if wanted[invoice.id] > rules.balance_due_minor(invoice):
            problems.add(
                ErrorCode.OVER_APPLIED,
                f"{invoice.number} has only "
                f"{money.from_minor(rules.balance_due_minor(invoice))} open",
                *at,
                "amount",
            )
    if payer is not None and sum(wanted.values()) > payer.left_minor:
        problems.add(
            ErrorCode.OVER_APPLIED,
            f"{payer.number or 'the payment'} has only "
            f"{money.from_minor(payer.left_minor)} left to apply",
            *path,
        )
    return Applying(wanted, invoices)


async def _apply(
    session: AsyncSession, payment: Payment, applying: Applying, actor_id: int | None
) -> None:
    wanted, invoices = applying.wanted, applying.invoices
    for invoice_id, amount in wanted.items():
        _take(invoices[invoice_id], amount)
    payment.applied_minor += sum(wanted.values())
    payment.base_unapplied_minor = money.to_base_minor(
        payment.received_minor - payment.applied_minor, payment.fx_rate_e8
    )
    await session.execute(
        insert(PaymentApplication),
        [
            {"payment_id": payment.id, "invoice_id": invoice_id, "amount_minor": amount}
            for invoice_id, amount in wanted.items()
        ],
    )
    audit.record(
        session,
        actor_id=actor_id,
        action="applyPayment",
        entity=payment,
        changes={
            "applications": [
                None,
                {invoices[i].number: str(money.from_minor(a)) for i, a in wanted.items()},
            ]
        },
    )
    await session.flush()


def _can_take(
    problems: Problems, at: tuple[str, ...], payer: Payer | None, invoice: Invoice | None
) -> bool:
    field = (*at, "invoice")
    if invoice is None:
        problems.add(ErrorCode.NOT_FOUND, "invoice: no invoice with that id", *field)
    elif payer is not None and invoice.bill_customer_id != payer.customer_id:
        problems.add(ErrorCode.INVALID, f"{invoice.number} is billed to another customer", *field)
    elif payer is not None and invoice.currency != payer.currency:
        problems.add(
            ErrorCode.INVALID,
            f"{invoice.number} is in {invoice.currency}, the payment in {payer.currency}",
            *field,
        )
    elif invoice.classification is InvoiceClassification.CREDIT:
        problems.add(
            ErrorCode.INVALID, f"{invoice.number} is a credit note: it takes no payments", *field
        )
    elif invoice.status not in (InvoiceStatus.PRINTED, InvoiceStatus.PARTIALLY_PAID):
        problems.add(
            ErrorCode.INVALID,
            f"{invoice.number} is {invoice.status.name.lower()}: "
            "only issued, unpaid invoices take payments",
            *field,
        )
    else:
        return True
    return False


def _take(invoice: Invoice, amount: int) -> None:
    invoice.paid_minor += amount
    invoice.status = payment_rules.paid_status(invoice.total_minor, invoice.paid_minor)
    invoice.base_balance_minor = rules.base_balance_minor(
        invoice.status, invoice.total_minor, invoice.paid_minor, invoice.fx_rate_e8
    )
    invoice.version += 1
