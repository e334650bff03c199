"""The rules of paying invoices, in one place for the service and the seeds (SPEC §2)."""

from __future__ import annotations

from server.documents.models import InvoiceStatus


def paid_status(total_minor: int, paid_minor: int) -> InvoiceStatus:
    """An issued invoice's status from what has been applied to it: PRINTED with nothing paid,
    PAID once paid in full, PARTIALLY_PAID in between."""
    if paid_minor == 0:
        return InvoiceStatus.PRINTED
    return InvoiceStatus.PAID if paid_minor >= total_minor else InvoiceStatus.PARTIALLY_PAID
