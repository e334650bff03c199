"""What the demo business sells and has sold: items, orders, invoices and credit notes.

Orders follow each customer's rhythm over the last three years; older ones are invoiced (or
cancelled), recent ones are still in the works. Every amount comes from `line_amounts`, and
headers are the sums of their lines. Numbers are given in date order once everything is built.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from typing import Any

from server.customers.models import CreditCode
from server.db.sequences import FORMATS
from server.documents.models import (
    InvoiceClassification,
    InvoiceStatus,
    LineType,
    OrderClassification,
    OrderStatus,
)
from server.documents.rules import due_date
from server.money import PRICE, RATE, line_amounts, round_div, scaled, to_base_minor
from server.seed import vocabulary as words
from server.seed.world import (
    Books,
    CustomerPlan,
    Doc,
    Row,
    World,
    between,
    cents,
    office_time,
    take,
    weighted,
)

Totals = tuple[int, int, int]  # the net, tax and cost of some lines
LINE_KEYS = (
    "position",
    "line_type",
    "code",
    "description",
    "unit",
    "quantity_e3",
    "unit_price_e4",
    "unit_cost_e4",
    "tax_rate_e4",
    "net_minor",
    "tax_minor",
    "cost_minor",
    "item_id",
)
QUANTITIES = {
    "EA": (1, 24, 1000),
    "BOX": (1, 20, 1000),
    "CASE": (1, 15, 1000),
    "KG": (10, 300, 500),
}
# Orders still in the works, drawn from a deck so that each status turns up in every seed.
OPEN_STATUS_DECK = (
    (OrderStatus.OPEN,) * 6
    + (OrderStatus.IN_PROGRESS,) * 4
    + (OrderStatus.FINISHED,) * 3
    + (OrderStatus.ON_HOLD,) * 2
    + (OrderStatus.PLANNED,) * 2
)

# --------------------------------------------------------------------------- items


def build_items(world: World) -> None:
    """The catalog; costs are below prices, both in the base currency."""
    world.rows["items"].extend(item_rows(world.rng))


# A variant of every catalog item: (description suffix, price per mille of the item's, cost % shift).
Variant = tuple[str, int, int]
BASE_VARIANT: Variant = ("", 1000, 0)


def item_rows(rng: random.Random, variants: Sequence[Variant] = (BASE_VARIANT,)) -> list[Row]:
    """The vocabulary's items in each of `variants` (codes of the n-th variant 100 * n higher);
    a variant other than the first now and then is no longer sold."""
    rows: list[Row] = []
    for variant, (suffix, price_permille, cost_shift) in enumerate(variants):
        for spec in words.ITEMS:
            category, number = spec.code.split("-")
            price = cents(round_div(scaled(spec.price, PRICE) * price_permille, 1000))
            rows.append(
                {
                    "id": len(rows) + 1,
                    "code": f"{category}-{int(number) + 100 * variant}",
                    "description": spec.description + suffix,
                    "unit": spec.unit,
                    "unit_price_e4": price,
                    "unit_cost_e4": cents(round_div(price * (spec.cost_pct + cost_shift), 100)),
                    "active": spec.active and (variant == 0 or rng.random() >= 0.05),
                    "version": 1,
                }
            )
    return rows


def _choose_favourites(world: World, plan: CustomerPlan) -> None:
    """The handful of items a customer of this trade keeps buying, and its discount."""
    categories = words.TRADES[plan.trade].categories
    candidates = [item for item in world.rows["items"] if item["code"][:3] in categories]
    plan.favourites = world.rng.sample(candidates, world.rng.randint(4, min(10, len(candidates))))
    plan.discount_pct = world.rng.choice((0, 0, 0, 2, 3, 5, 5, 8, 10))


# --------------------------------------------------------------------------- orders


def build_orders(world: World) -> None:
    """Every customer's orders, then numbers in date order."""
    for plan in world.customers:
        _choose_favourites(world, plan)
        if plan.engagement == "never":
            continue
        days = _order_days(world, plan)
        for position, day in enumerate(days):
            world.orders.append(_order(world, plan, day, is_last=position == len(days) - 1))
    _number_orders(world)


def _order_days(world: World, plan: CustomerPlan) -> list[dt.date]:
    """When the customer ordered: its rhythm from its start until it stopped (or yesterday)."""
    rng = world.rng
    start = min(
        world.last_day,
        max(plan.created_on + dt.timedelta(days=rng.randint(1, 20)), world.history_start),
    )
    if plan.credit_code is CreditCode.NEW_ACCOUNT:
        return sorted(
            between(rng, max(start, world.days_ago(30)), world.last_day)
            for _ in range(rng.randint(1, 2))
        )
    end = _order_end(world, plan, start)
    days, day = [], start + dt.timedelta(days=rng.randint(0, plan.interval // 2))
    while day <= end:
        days.append(day)
        day += dt.timedelta(days=rng.randint(max(3, plan.interval // 2), plan.interval * 3 // 2))
    if plan.engagement == "engaged" and (not days or days[-1] < world.days_ago(300)):
        days.append(between(rng, max(start, world.days_ago(300)), min(end, world.days_ago(5))))
    return days or [start]


def _order_end(world: World, plan: CustomerPlan, start: dt.date) -> dt.date:
    """The last day a customer could order; held accounts stopped paying some weeks before."""
    rng = world.rng
    if plan.engagement == "lapsed":
        end = between(rng, max(start, world.days_ago(800)), world.days_ago(400))
    elif plan.credit_code is CreditCode.CREDIT_HOLD:
        end = world.days_ago(rng.randint(80, 180))
    else:
        end = world.last_day
    if plan.credit_code is CreditCode.CREDIT_HOLD:
        plan.stop_paying_on = end - dt.timedelta(days=rng.randint(20, 50))
    return end


def _order(world: World, plan: CustomerPlan, day: dt.date, *, is_last: bool) -> Doc:
    """One order of the demo, its lines rows."""
    return order(
        world,
        plan,
        day,
        is_last=is_last,
        make_lines=lambda rate, job: _order_lines(world, plan, day, rate, job),
        totals=line_totals,
    )


def order(
    books: Books,
    plan: CustomerPlan,
    day: dt.date,
    *,
    is_last: bool,
    make_lines: Callable[[int | None, bool], list[Any]],
    totals: Callable[[list[Any]], Totals],
) -> Doc:
    """One order; a branch's is mostly billed to its head office, in the payer's currency.
    `make_lines(rate, job)` makes its lines and `totals` adds them up."""
    rng = books.rng
    bill = plan.head_office if plan.head_office is not None and rng.random() < 0.85 else plan
    job = rng.random() < 0.08
    rate = books.rate(bill.currency, day)
    lines = make_lines(rate, job)
    status, invoice_on = order_status(books, plan, day, is_last=is_last, job=job)
    net, tax, _cost = totals(lines)
    row = {
        "classification": OrderClassification.JOB_ORDER if job else OrderClassification.SALES_ORDER,
        "status": status,
        "order_on": day,
        "required_on": day + dt.timedelta(days=rng.randint(3, 21))
        if job or rng.random() < 0.5
        else None,
        "description": rng.choice(words.JOB_DESCRIPTIONS if job else words.ORDER_DESCRIPTIONS),
        "order_customer_id": plan.id,
        "billing_customer_id": bill.id,
        "location_id": rng.choice(plan.location_ids) if rng.random() < 0.9 else None,
        "currency": bill.currency,
        "fx_rate_e8": rate,
        "net_minor": net,
        "tax_minor": tax,
        "total_minor": net + tax,
        "base_net_minor": to_base_minor(net, rate),
        "warnings": _warnings(bill, status),
        "created_by_id": _clerk(books, plan),
        "created_at": office_time(rng, day),
        "version": 1,
    }
    return Doc(row=row, lines=lines, bill=bill, invoice_on=invoice_on)


def order_status(
    books: Books, plan: CustomerPlan, day: dt.date, *, is_last: bool, job: bool
) -> tuple[OrderStatus, dt.date | None]:
    """Old orders are invoiced or cancelled; recent ones are somewhere in the works."""
    rng = books.rng
    invoice_on = day + dt.timedelta(days=rng.randint(5, 20) if job else rng.randint(0, 6))
    if plan.credit_code is CreditCode.NEW_ACCOUNT:
        return OrderStatus.PENDING_APPROVAL, None
    if not is_last and rng.random() < 0.04:
        return OrderStatus.CANCELLED, None
    age = (books.today - day).days
    if invoice_on <= books.last_day and (age > 21 or rng.random() < 0.35):
        return OrderStatus.INVOICED, invoice_on
    if plan.credit_code is CreditCode.CREDIT_HOLD:
        return OrderStatus.ON_HOLD, None
    return books.draw("open order status", OPEN_STATUS_DECK), None


def _warnings(bill: CustomerPlan, status: OrderStatus) -> str:
    """Orders still in the works for a past-due payer carry the credit warning (SPEC §3)."""
    done = status in (OrderStatus.INVOICED, OrderStatus.CANCELLED)
    return (
        "Customer account is past due"
        if bill.credit_code is CreditCode.PAST_DUE and not done
        else ""
    )


def _clerk(books: Books, plan: CustomerPlan) -> int:
    """Who entered a document: mostly the customer's rep (unless they left), else the office."""
    rep = plan.row["sales_rep_id"]
    if rep is not None and not books.left(rep) and books.rng.random() < 0.7:
        return rep
    return books.user(books.rng.choice(("manager", "admin", "rep_a", "rep_b")))


def _number_orders(world: World) -> None:
    """Ids in date order; SO- and JO- numbers each in their own sequence."""
    world.orders.sort(
        key=lambda doc: (doc.row["order_on"], doc.row["created_at"], doc.row["order_customer_id"])
    )
    counters = {"sales_order": 0, "job_order": 0}
    for order_id, doc in enumerate(world.orders, start=1):
        sequence = (
            "job_order"
            if doc.row["classification"] is OrderClassification.JOB_ORDER
            else "sales_order"
        )
        counters[sequence] += 1
        doc.row = {
            "id": order_id,
            "number": FORMATS[sequence].format(counters[sequence]),
            **doc.row,
        }
        _emit(world, "order_lines", "order_id", order_id, doc.lines)
        world.rows["orders"].append(doc.row)
    world.sequences.update(counters)


def _emit(world: World, table: str, parent_key: str, parent_id: int, lines: list[Row]) -> None:
    """Give lines their ids and parent, and add them to the table's rows."""
    rows = world.rows[table]
    for line in lines:
        rows.append(
            {"id": len(rows) + 1, parent_key: parent_id, **{key: line[key] for key in LINE_KEYS}}
        )


# ---------------------------------------------------------------------------- lines


def _order_lines(
    world: World, plan: CustomerPlan, day: dt.date, rate: int | None, job: bool
) -> list[Row]:
    """One to six item lines, sometimes freight, a delivery instruction or labour."""
    rng = world.rng
    old = (world.today - day).days > 365
    available = [item for item in plan.favourites if item["active"] or old] or plan.favourites
    count = weighted(rng, ((1, 15), (2, 25), (3, 25), (4, 18), (5, 10), (6, 7)))
    lines = [
        _item_line(world, plan, item, day, rate)
        for item in rng.sample(available, min(count, len(available)))
    ]
    if job:
        lines.insert(
            0,
            _task_line(
                plan,
                "LABOR",
                "Assembly and packing labour",
                "HR",
                rng.randint(2, 16) * 1000,
                _convert(650_000, rate),
                _convert(380_000, rate),
            ),
        )
    if rng.random() < 0.2:
        lines.append(
            _task_line(
                plan,
                "FREIGHT",
                "Freight and delivery",
                None,
                1000,
                _convert(rng.randint(25, 95) * 10_000, rate),
                None,
            )
        )
    if rng.random() < 0.05:
        lines.insert(0, _descriptor_line("Deliver to the rear entrance; call ahead"))
    for position, line in enumerate(lines, start=1):
        line["position"] = position
    return lines


def _item_line(world: World, plan: CustomerPlan, item: Row, day: dt.date, rate: int | None) -> Row:
    """An item at the price of its day, less the customer's discount, in the document's currency."""
    rng = world.rng
    low, high, step = QUANTITIES[item["unit"]]
    years = (world.today - day).days // 365  # list prices rise about 3.5% a year
    factor = (1000 - 35 * years) * (100 - plan.discount_pct)
    price = cents(_convert(round_div(item["unit_price_e4"] * factor, 100_000), rate))
    cost = _convert(round_div(item["unit_cost_e4"] * (1000 - 35 * years), 1000), rate)
    return _line(
        plan,
        LineType.ITEM,
        item["code"],
        item["description"],
        item["unit"],
        rng.randint(low, high) * step,
        price,
        cost,
        item["id"],
    )


def _task_line(
    plan: CustomerPlan,
    code: str,
    description: str,
    unit: str | None,
    quantity_e3: int,
    price_e4: int,
    cost_e4: int | None,
) -> Row:
    """A service line (labour, freight, an allowance): no item, priced in whole cents."""
    return _line(
        plan, LineType.TASK, code, description, unit, quantity_e3, cents(price_e4), cost_e4, None
    )


def _descriptor_line(text: str) -> Row:
    """A line of text only: no quantity, no amounts."""
    return {
        "position": 0,
        "line_type": LineType.DESCRIPTOR,
        "code": "NOTE",
        "description": text,
        "unit": None,
        "quantity_e3": 0,
        "unit_price_e4": 0,
        "unit_cost_e4": None,
        "tax_rate_e4": 0,
        "net_minor": 0,
        "tax_minor": 0,
        "cost_minor": None,
        "item_id": None,
    }


def _line(
    plan: CustomerPlan,
    line_type: LineType,
    code: str,
    description: str,
    unit: str | None,
    quantity_e3: int,
    price_e4: int,
    cost_e4: int | None,
    item_id: int | None,
) -> Row:
    """A line with its amounts computed exactly as the service computes them."""
    amounts = line_amounts(quantity_e3, price_e4, plan.tax_rate_e4, cost_e4)
    return {
        "position": 0,
        "line_type": line_type,
        "code": code,
        "description": description,
        "unit": unit,
        "quantity_e3": quantity_e3,
        "unit_price_e4": price_e4,
        "unit_cost_e4": cost_e4,
        "tax_rate_e4": plan.tax_rate_e4,
        "net_minor": amounts.net_minor,
        "tax_minor": amounts.tax_minor,
        "cost_minor": amounts.cost_minor,
        "item_id": item_id,
    }


def _convert(base_e4: int, rate: int | None) -> int:
    """A base-currency unit price in the document's currency (same precision)."""
    return base_e4 if rate is None else round_div(base_e4 * 10**RATE, rate)


# ------------------------------------------------------------------------- invoices


def build_invoices(world: World) -> None:
    """Invoices for invoiced orders, a few credit notes, voided invoices and drafts."""
    for order in world.orders:
        if order.row["status"] is OrderStatus.INVOICED:
            world.invoices.append(_invoice_for(world, order))
    issued = list(world.invoices)
    world.invoices += [_credit_note(world, original) for original in _credited(world, issued)]
    world.invoices += [_standalone(world, plan, "void") for plan in _some_customers(world, 2)]
    world.invoices += [_standalone(world, plan, "draft") for plan in _some_customers(world, 3)]
    _number_invoices(world)


def _invoice_for(world: World, order: Doc) -> Doc:
    """The invoice of an order: its lines, currency, rate and both customers."""
    header = order_invoice_header(world, order, line_totals(order.lines))
    lines = [{key: line[key] for key in LINE_KEYS} for line in order.lines]
    return Doc(row=header, lines=lines, bill=order.bill, kind="order", order=order)


def order_invoice_header(books: Books, order: Doc, totals: Totals) -> Row:
    """The header of an order's invoice (`totals` of the order's lines): its currency, rate,
    both customers and the purchase order number the customer gave, if any."""
    row, invoice_on = order.row, order.invoice_on
    if invoice_on is None:
        raise ValueError(f"order {row['id']} is not invoiced")
    header = invoice_header(
        books, order.bill, InvoiceClassification.INVOICE, invoice_on, totals, row["fx_rate_e8"]
    )
    header.update(
        order_customer_id=row["order_customer_id"],
        order_id=row["id"],
        due_on=due_on(order.bill, invoice_on, row["required_on"]),
        alt_number=f"PO-{books.rng.randint(10000, 99999)}" if books.rng.random() < 0.35 else None,
    )
    return header


def line_totals(lines: list[Row]) -> Totals:
    """The net, tax and cost of line rows."""
    net, tax = sum(line["net_minor"] for line in lines), sum(line["tax_minor"] for line in lines)
    return net, tax, sum(line["cost_minor"] or 0 for line in lines)


def invoice_header(
    books: Books,
    bill: CustomerPlan,
    classification: InvoiceClassification,
    invoice_on: dt.date,
    totals: Totals,
    rate: int | None,
) -> Row:
    """Everything but number, status and payments, which come later; `totals` are the net, tax
    and cost of its lines."""
    net, tax, cost = totals
    return {
        "alt_number": None,
        "classification": classification,
        "status": InvoiceStatus.PRINTED,
        "invoice_on": invoice_on,
        "due_on": due_on(bill, invoice_on, None),
        "bill_customer_id": bill.id,
        "order_customer_id": bill.id,
        "order_id": None,
        "currency": bill.currency,
        "fx_rate_e8": rate,
        "net_minor": net,
        "tax_minor": tax,
        "total_minor": net + tax,
        "cost_minor": cost,
        "paid_minor": 0,
        "base_net_minor": to_base_minor(net, rate),
        "base_cost_minor": to_base_minor(cost, rate),
        "base_balance_minor": 0,
        "created_by_id": books.user(books.rng.choice(("admin", "manager"))),
        "created_at": office_time(books.rng, invoice_on),
        "version": 1,
    }


def due_on(bill: CustomerPlan, invoice_on: dt.date, required_on: dt.date | None) -> dt.date:
    """The payer's due date, by the one rule (server/documents/rules.py `due_date`)."""
    return due_date(
        invoice_on, bill.terms.due_days if bill.terms is not None else None, bill.basis, required_on
    )


def _credited(world: World, issued: list[Doc]) -> list[Doc]:
    """The invoices that got a credit note: returns, short shipments, allowances."""
    candidates = [doc for doc in issued if doc.row["invoice_on"] <= world.days_ago(12)]
    return sorted(take(world.rng, candidates, 22), key=lambda doc: doc.row["invoice_on"])


def _credit_note(world: World, original: Doc) -> Doc:
    """A small credit against one invoice: goods returned or a price allowance."""
    rng = world.rng
    day = min(world.last_day, original.row["invoice_on"] + dt.timedelta(days=rng.randint(3, 45)))
    rate = world.rate(original.bill.currency, day)
    items = [line for line in original.lines if line["line_type"] is LineType.ITEM]
    if rng.random() < 0.6:
        line = dict(rng.choice(items))
        quantity = min(line["quantity_e3"], rng.randint(1, 5) * 1000)
        amounts = line_amounts(
            quantity, line["unit_price_e4"], line["tax_rate_e4"], line["unit_cost_e4"]
        )
        line.update(
            quantity_e3=quantity,
            net_minor=amounts.net_minor,
            tax_minor=amounts.tax_minor,
            cost_minor=amounts.cost_minor,
            position=1,
        )
    else:
        reason = rng.choice(
            ("Price adjustment", "Short shipment allowance", "Damaged goods allowance")
        )
        allowance_minor = max(100, min(original.row["net_minor"] // 5, rng.randint(10, 250) * 100))
        buyer = world.customers[original.row["order_customer_id"] - 1]
        line = _task_line(buyer, "ADJ", reason, None, 1000, allowance_minor * 100, None)
        line["position"] = 1
    header = invoice_header(
        world, original.bill, InvoiceClassification.CREDIT, day, line_totals([line]), rate
    )
    header["order_customer_id"] = original.row["order_customer_id"]
    return Doc(row=header, lines=[line], bill=original.bill, kind="credit")


def _some_customers(world: World, count: int) -> list[CustomerPlan]:
    """Active, ordering customers that pay their own bills, in id order."""
    pool = [
        p
        for p in world.customers
        if p.engagement == "engaged"
        and p.active
        and p.head_office is None
        and p.credit_code is CreditCode.CURRENT_ACCOUNT
    ]
    return sorted(take(world.rng, pool, count), key=lambda plan: plan.id)


def _standalone(world: World, plan: CustomerPlan, kind: str) -> Doc:
    """An invoice without an order: a voided mistake, or a draft still being prepared."""
    rng = world.rng
    if kind == "draft":
        day = between(rng, world.days_ago(6), world.last_day)
    else:
        day = between(rng, max(plan.created_on, world.days_ago(700)), world.days_ago(30))
    rate = world.rate(plan.currency, day)
    lines = _order_lines(world, plan, day, rate, job=False)
    header = invoice_header(
        world, plan, InvoiceClassification.INVOICE, day, line_totals(lines), rate
    )
    header["status"] = InvoiceStatus.PLANNED if kind == "draft" else InvoiceStatus.VOID
    return Doc(row=header, lines=lines, bill=plan, kind=kind)


def _number_invoices(world: World) -> None:
    """Ids in date order (drafts last); IN-, CR- and DRAFT- numbers each in their own sequence."""
    world.invoices.sort(
        key=lambda doc: (
            doc.kind == "draft",
            doc.row["invoice_on"],
            doc.row["created_at"],
            doc.row["bill_customer_id"],
        )
    )
    counters = {"invoice": 0, "credit": 0, "draft": 0}
    for invoice_id, doc in enumerate(world.invoices, start=1):
        sequence = {"credit": "credit", "draft": "draft"}.get(doc.kind, "invoice")
        counters[sequence] += 1
        doc.row = {
            "id": invoice_id,
            "number": FORMATS[sequence].format(counters[sequence]),
            **doc.row,
        }
        _emit(world, "invoice_lines", "invoice_id", invoice_id, doc.lines)
        world.rows["invoices"].append(doc.row)
    world.sequences.update(counters)
