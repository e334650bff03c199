"""The paid status of an issued invoice (server/payments/rules.py), against a plain reference."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.documents.models import InvoiceStatus
from server.payments.rules import paid_status


def reference(total: int, paid: int) -> str:
    if paid == 0:
        return "PRINTED"
    return "PAID" if paid == total else "PARTIALLY_PAID"


@given(st.integers(1, 10**12).flatmap(lambda total: st.tuples(st.just(total), st.integers(0, total))))
def test_the_status_follows_what_was_paid(case: tuple[int, int]) -> None:
    total, paid = case
    assert paid_status(total, paid) is InvoiceStatus[reference(total, paid)]
