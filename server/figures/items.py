"""What a customer bought, line by line and item by item (seeds 001 "Item Sales History" and
000 "View All Ordered Items"): the sources of two nested connections, each read for a whole page
of customers in one statement by a `PageByParentLoader` (see `Relations` in server/loaders.py).

- Item sales history: every line (ITEM, DESCRIPTOR, TASK) of the customer's issued invoices and
  credit notes under a history role, ORDER_OR_BILLING counting a document once.
- Ordered items: one row per item the customer ordered (as order customer, orders not
  CANCELLED), with the quantity, the net in the base currency, the number of orders and the
  latest order date. Each order's net of the item is converted at that order's rate and rounded
  half-even to the cent, then the orders are added up: see `in_base`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Subquery,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    type_coerce,
)

from server.documents.models import Invoice, InvoiceLine, Item, Order, OrderLine, OrderStatus
from server.figures.history import HistoryRole, invoices_of
from server.money import RATE

E4, E8 = 10**4, 10**RATE


def item_sales(customer_ids: Collection[int], role: HistoryRole) -> Any:
    """The lines of the customers' issued invoices and credit notes under `role`, one row per line
    with its document's date, classification and currency, and `parent_id` = the customer."""
    docs = invoices_of(
        customer_ids,
        role,
        Invoice.id.label("invoice_id"),
        Invoice.invoice_on,
        Invoice.classification,
        Invoice.currency,
    )
    line = InvoiceLine.__table__.c
    return select(
        docs.c.customer_id.label("parent_id"),
        docs.c.invoice_id,
        docs.c.invoice_on,
        docs.c.classification,
        docs.c.currency,
        line.position,
        line.line_type,
        line.item_id,
        line.code,
        line.description,
        line.unit,
        line.quantity_e3,
        line.unit_price_e4,
        line.net_minor,
    ).join_from(docs, InvoiceLine.__table__, line.invoice_id == docs.c.invoice_id)


def item_sales_order(c: Any) -> tuple[ColumnElement[Any], ...]:
    """Newest invoice date first; on one day the newer document first; a document's lines in order."""
    return (c.invoice_on.desc(), c.invoice_id.desc(), c.position.asc())


def ordered_items(customer_ids: Collection[int]) -> Any:
    """One row per (customer, item) over the customers' orders as order customer, not cancelled:
    `quantity_e3`, `base_net_minor`, `order_count`, `last_order_on`, and the item's `item_code`.

    Lines without an item (descriptors, tasks, lines typed in by hand) are not items: left out.
    """
    per_order = (
        select(
            Order.order_customer_id.label("customer_id"),
            OrderLine.item_id,
            Order.order_on,
            Order.fx_rate_e8,
            cast(func.sum(OrderLine.quantity_e3), BigInteger).label("quantity_e3"),
            cast(func.sum(OrderLine.net_minor), BigInteger).label("net_minor"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.order_customer_id.in_(customer_ids),
            Order.status != OrderStatus.CANCELLED,
            OrderLine.item_id.is_not(None),
        )
        .group_by(
            Order.order_customer_id, OrderLine.item_id, Order.id, Order.order_on, Order.fx_rate_e8
        )
        .subquery("per_order")
    )
    converted = in_base(per_order)
    o = converted.c
    return (
        select(
            o.customer_id.label("parent_id"),
            o.item_id,
            Item.code.label("item_code"),
            cast(func.sum(o.quantity_e3), BigInteger).label("quantity_e3"),
            cast(func.sum(o.base_net_minor), BigInteger).label("base_net_minor"),
            func.count().label("order_count"),
            func.max(o.order_on).label("last_order_on"),
        )
        .join_from(converted, Item, Item.id == o.item_id)
        .group_by(o.customer_id, o.item_id, Item.code)
    )


def ordered_items_order(c: Any) -> tuple[ColumnElement[Any], ...]:
    """The most recently ordered first; on one day by item code."""
    return (c.last_order_on.desc(), c.item_code.asc(), c.item_id.asc())


def in_base(documents: Subquery) -> Subquery:
    """`documents` (with `net_minor` and `fx_rate_e8`) plus `base_net_minor`: `money.to_base_minor`
    in SQL, net x rate / 10^8 rounded half-even to the cent; the net itself without a rate.

    Integers only, so that SQLite and PostgreSQL agree to the cent. The plain product net x rate
    would overflow 64 bits at a few hundred million, so the rate is cut in three, rate =
    h x 10^8 + m x 10^4 + l, and |net| x rate / 10^8 = |net| x h + (A x 10^4 + B) / 10^8 with
    A = |net| x m and B = |net| x l, each below |net| x 10^4: exact up to 9 x 10^14 minor units,
    the range money.py accepts. Rounding half-even is symmetric, so the sign goes back on last.
    """
    d = documents.c
    net, rate = (
        type_coerce(func.abs(d.net_minor), BigInteger),
        type_coerce(d.fx_rate_e8, BigInteger),
    )
    a = net * ((rate % E8) // E4)
    c = (a % E4) * E4 + net * (rate % E4)
    split = select(
        documents, (net * (rate // E8) + a // E4 + c // E8).label("whole"), (c % E8).label("rest")
    ).subquery("split")
    s = split.c
    twice = 2 * s.rest
    up = or_(twice > E8, and_(twice == E8, s.whole % 2 == 1))
    magnitude = s.whole + case((up, 1), else_=0)
    base = case(
        (s.fx_rate_e8.is_(None), s.net_minor), (s.net_minor < 0, -magnitude), else_=magnitude
    )
    columns = [column for column in s if column.name not in ("whole", "rest")]
    return select(*columns, type_coerce(base, BigInteger).label("base_net_minor")).subquery(
        "in_base"
    )
