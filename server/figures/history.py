"""Which documents belong to a customer under a history role (SPEC §4).

ORDER_OR_BILLING counts a document once even when the customer is both its order and its
billing customer: the second branch of the union skips documents whose two customers agree.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, Subquery, select, union_all

from server.documents.models import ISSUED_STATUSES, Invoice


class HistoryRole(enum.Enum):
    ORDER_OR_BILLING = "ORDER_OR_BILLING"
    ORDER_ONLY = "ORDER_ONLY"
    BILLING_ONLY = "BILLING_ONLY"


def invoices_of(
    customer_ids: Sequence[int] | Any, role: HistoryRole, *columns: Any, issued_only: bool = True
) -> Subquery:
    """Invoices (and credit notes) of the customers under `role`, as rows (customer_id, *columns).

    `customer_ids` are ids, or an expanding bind parameter (`reader.IDS`) for a statement built once."""

    def branch(customer: Any, *extra: Any) -> Select[Any]:
        stmt = select(customer.label("customer_id"), *columns).where(
            customer.in_(customer_ids), *extra
        )
        return stmt.where(Invoice.status.in_(ISSUED_STATUSES)) if issued_only else stmt

    if role is HistoryRole.BILLING_ONLY:
        return branch(Invoice.bill_customer_id).subquery()
    if role is HistoryRole.ORDER_ONLY:
        return branch(Invoice.order_customer_id).subquery()
    return union_all(
        branch(Invoice.bill_customer_id),
        branch(Invoice.order_customer_id, Invoice.order_customer_id != Invoice.bill_customer_id),
    ).subquery()
