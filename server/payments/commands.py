"""The inputs of the payment commands, typed (see server/commands.py). Payments are only
created, so None is "not given"; references are primary keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from server.commands import Command
from server.payments.models import PaymentStyle


@dataclass(frozen=True, kw_only=True)
class ApplicationFields(Command):
    """`ApplicationInput`: an amount of a payment applied to one invoice."""

    invoice: int
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class PaymentFields(Command):
    """`PaymentInput`: recordPayment, optionally applied at once (`apply_to`)."""

    customer: int
    amount: Decimal
    payment_date: dt.date | None = None
    style: PaymentStyle | None = PaymentStyle.PAYMENT
    fx_rate: Decimal | None = None
    reference: str | None = None
    apply_to: list[ApplicationFields] | None = None
