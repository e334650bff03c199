"""Items, orders and invoices: create and update with the rules of SPEC §1-§3, one transaction each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import money, records, validate
from server.access import policy
from server.audit import service as audit
from server.customers.models import CreditCode, Customer, Location, PaymentTerms
from server.db import identity
from server.db.sequences import next_number
from server.documents import rules
from server.documents.commands import InvoiceFields, ItemFields, OrderFields
from server.documents.models import (
    Invoice,
    InvoiceClassification,
    InvoiceLine,
    InvoiceStatus,
    Item,
    Order,
    OrderClassification,
    OrderLine,
    OrderStatus,
)
from server.errors import DomainError, ErrorCode, Problems
from server.figures import customer_list

Data = dict[str, Any]


def _item_columns(problems: Problems, data: Data, *, creating: bool) -> Data:
    columns: Data = {
        "code": validate.text(
            problems, data, "code", max_length=40, required=creating or "code" in data
        ),
        "description": validate.text(
            problems,
            data,
            "description",
            max_length=500,
            required=creating or "description" in data,
        ),
        "unit": validate.text(
            problems, data, "unit", max_length=20, required=creating or "unit" in data
        ),
        "unit_price_e4": validate.amount(problems, data, "unitPrice", places=money.PRICE),
        "unit_cost_e4": validate.amount(problems, data, "unitCost", places=money.PRICE),
        "active": data.get("active"),
    }
    if creating and data.get("unitPrice") is None:
        problems.add(ErrorCode.REQUIRED, "unitPrice is required", "unitPrice")
    names = {
        "code": "code",
        "description": "description",
        "unit": "unit",
        "unit_price_e4": "unitPrice",
        "unit_cost_e4": "unitCost",
        "active": "active",
    }
    return records.given_columns(columns, names, data, creating)


async def _check_item_code(session: AsyncSession, code: str | None, item_id: int | None) -> None:
    if code is None:
        return
    existing = await identity.holder(session, Item.code, code)
    if existing is not None and existing.id != item_id:
        raise DomainError.one(
            ErrorCode.DUPLICATE, f"item code {code} is taken by {existing.code}", ["input", "code"]
        )


async def create_item(session: AsyncSession, *, fields: ItemFields, actor: policy.Actor) -> Item:
    data = fields.given()
    problems = Problems()
    columns = _item_columns(problems, data, creating=True)
    async with session.begin():
        actor_id = await policy.require(session, actor, "createItem")
        with problems.gathering():
            await _check_item_code(session, columns.get("code"), None)
        problems.raise_if_any()
        item = Item(**columns)
        session.add(item)
        await session.flush()
        audit.record(
            session,
            actor_id=actor_id,
            action="createItem",
            entity=item,
            changes=audit.created(item, columns),
        )
    return item


async def update_item(
    session: AsyncSession,
    *,
    item_id: int,
    fields: ItemFields,
    expected_version: int | None,
    actor: policy.Actor,
) -> Item:
    data = fields.given()
    problems = Problems()
    columns = _item_columns(problems, data, creating=False)
    for column, name in (("unit_price_e4", "unitPrice"), ("active", "active")):
        if column in columns and columns[column] is None:
            problems.add(ErrorCode.REQUIRED, f"{name} cannot be cleared", name)
    async with session.begin():
        actor_id = await policy.require(session, actor, "updateItem")
        item = await records.get_for_update(session, Item, item_id, "id", problems)
        with problems.gathering():
            audit.check_version(item, expected_version)
        with problems.gathering():
            await _check_item_code(session, columns.get("code"), item.id)
        problems.raise_if_any()
        await records.save_changes(session, item, columns, actor_id, "updateItem")
    return item


async def _lines(
    session: AsyncSession, problems: Problems, lines: Sequence[Data]
) -> list[rules.Line]:
    if not lines:
        problems.add(ErrorCode.REQUIRED, "a document needs at least one line", "lines")
        return []
    item_ids = {line["item"] for line in lines if line.get("item") is not None}
    items = {
        item.id: item for item in (await session.scalars(select(Item).where(Item.id.in_(item_ids))))
    }
    result = []
    for index, data in enumerate(lines):
        item = items.get(data["item"]) if data.get("item") is not None else None
        if data.get("item") is not None and item is None:
            problems.add(
                ErrorCode.NOT_FOUND, "item: no item with that id", "lines", str(index), "item"
            )
            continue
        checked = rules.line(problems, index, data, item)
        if checked is not None:
            result.append(checked)
    return result


async def _customer(
    session: AsyncSession, problems: Problems, customer_id: int | None, field: str
) -> Customer | None:
    if customer_id is None:
        problems.add(ErrorCode.REQUIRED, f"{field} is required", field)
        return None
    customer = await session.get(Customer, customer_id)
    if customer is None:
        problems.add(ErrorCode.NOT_FOUND, f"{field}: no customer with that id", field)
    return customer


async def exposure_minor(session: AsyncSession, customer_id: int) -> int:
    """SPEC §3: current invoices + open orders - unapplied payments, in the base currency."""
    row = (await session.execute(customer_list.balances_statement(), {"ids": [customer_id]})).one()
    return customer_list.balances_of(row).exposure_minor


async def _credit_warnings(
    session: AsyncSession, payer: Customer, order_base_minor: int
) -> list[str]:
    warnings = []
    if payer.credit_code is CreditCode.PAST_DUE:
        warnings.append(f"{payer.name} is past due: check the open invoices before shipping")
    if payer.credit_limit_minor is not None:
        exposure = await exposure_minor(session, payer.id) + order_base_minor
        if exposure > payer.credit_limit_minor:
            warnings.append(
                f"over the credit limit: exposure {money.from_minor(exposure)} exceeds the limit "
                f"{money.from_minor(payer.credit_limit_minor)}"
            )
    return warnings


async def create_order(
    session: AsyncSession,
    *,
    fields: OrderFields,
    actor: policy.Actor,
    today: dt.date,
    base_currency: str,
) -> Order:
    """A new order (SPEC §2, §3): OPEN, or PENDING_APPROVAL for a new account; refused on credit hold."""
    data = fields.given()
    problems = Problems()
    async with session.begin():
        actor_id = await policy.require(
            session, actor, "createOrder", customers=[data.get("orderCustomer")]
        )
        customer = await _customer(session, problems, data.get("orderCustomer"), "orderCustomer")
        payer = (
            await _customer(session, problems, data["billingCustomer"], "billingCustomer")
            if data.get("billingCustomer") is not None
            else customer
        )
        order_on = data.get("orderDate") or today
        if data.get("requiredDate") is not None and data["requiredDate"] < order_on:
            problems.add(
                ErrorCode.INVALID, "requiredDate cannot be before orderDate", "requiredDate"
            )
        await _check_location(session, problems, data.get("location"), customer)
        description = validate.text(problems, data, "description", max_length=500)
        lines = await _lines(session, problems, data.get("lines") or [])
        rate = rules.fx_rate(problems, data, payer.currency, base_currency) if payer else None
        rules.check_totals(problems, lines, rate)
        problems.raise_if_any()
        assert customer is not None and payer is not None  # else NOT_FOUND was raised
        held = next((c for c in (customer, payer) if c.credit_code is CreditCode.CREDIT_HOLD), None)
        if held is not None:
            raise DomainError.one(
                ErrorCode.CREDIT_HOLD,
                f"{held.name} is on credit hold: no new orders",
                ["input", "orderCustomer" if held is customer else "billingCustomer"],
            )
        totals = rules.totals(lines)
        base_net = money.to_base_minor(totals.net_minor, rate)
        classification = data.get("classification") or OrderClassification.SALES_ORDER
        order = Order(
            number=await next_number(
                session,
                "job_order" if classification is OrderClassification.JOB_ORDER else "sales_order",
            ),
            classification=classification,
            status=OrderStatus.PENDING_APPROVAL
            if payer.credit_code is CreditCode.NEW_ACCOUNT
            else OrderStatus.OPEN,
            order_on=order_on,
            required_on=data.get("requiredDate"),
            description=description,
            order_customer_id=customer.id,
            billing_customer_id=payer.id,
            location_id=data.get("location"),
            currency=payer.currency,
            fx_rate_e8=rate,
            net_minor=totals.net_minor,
            tax_minor=totals.tax_minor,
            total_minor=totals.total_minor,
            base_net_minor=base_net,
            created_by_id=actor_id,
            warnings="\n".join(await _credit_warnings(session, payer, base_net)),
        )
        session.add(order)
        await session.flush()
        await session.execute(
            insert(OrderLine), [{"order_id": order.id, **line.columns()} for line in lines]
        )
        audit.record(
            session,
            actor_id=actor_id,
            action="createOrder",
            entity=order,
            changes={
                "number": [None, order.number],
                "status": [None, order.status.name],
                "net": [None, str(money.from_minor(order.net_minor))],
            },
        )
    return order


async def _check_location(
    session: AsyncSession, problems: Problems, location_id: int | None, customer: Customer | None
) -> None:
    if location_id is None or customer is None:
        return
    location = await session.get(Location, location_id)
    if location is None or location.customer_id != customer.id:
        problems.add(
            ErrorCode.NOT_FOUND, "location: the order customer has no such location", "location"
        )


async def create_invoice(
    session: AsyncSession,
    *,
    fields: InvoiceFields,
    actor: policy.Actor,
    today: dt.date,
    base_currency: str,
) -> Invoice:
    """A new invoice or credit note: issued (IN-/CR- number) unless `issue` is false (a DRAFT-)."""
    data = fields.given()
    problems = Problems()
    async with session.begin():
        actor_id = await policy.require(session, actor, "createInvoice")
        payer = await _customer(session, problems, data.get("billCustomer"), "billCustomer")
        customer = (
            await _customer(session, problems, data["orderCustomer"], "orderCustomer")
            if data.get("orderCustomer") is not None
            else payer
        )
        order = await _invoice_order(session, problems, data.get("order"), payer, customer)
        alt_number = validate.text(problems, data, "altNumber", max_length=40)
        lines = await _lines(session, problems, data.get("lines") or [])
        rate = rules.fx_rate(problems, data, payer.currency, base_currency) if payer else None
        rules.check_totals(problems, lines, rate)
        problems.raise_if_any()
        assert customer is not None and payer is not None  # else NOT_FOUND was raised
        invoice = await _new_invoice(
            session,
            payer=payer,
            customer=customer,
            order=order,
            lines=lines,
            rate=rate,
            data=data,
            alt_number=alt_number,
            today=today,
            actor_id=actor_id,
        )
    return invoice


async def _invoice_order(
    session: AsyncSession,
    problems: Problems,
    order_id: int | None,
    payer: Customer | None,
    customer: Customer | None,
) -> Order | None:
    if order_id is None:
        return None
    order = await session.get(Order, order_id)
    if order is None:
        problems.add(ErrorCode.NOT_FOUND, "order: no order with that id", "order")
    elif (
        payer is not None
        and customer is not None
        and (order.billing_customer_id, order.order_customer_id) != (payer.id, customer.id)
    ):
        problems.add(ErrorCode.INVALID, "order: the order belongs to other customers", "order")
    return order


async def _new_invoice(
    session: AsyncSession,
    *,
    payer: Customer,
    customer: Customer,
    order: Order | None,
    lines: list[rules.Line],
    rate: int | None,
    data: Data,
    alt_number: str | None,
    today: dt.date,
    actor_id: int | None,
    currency: str | None = None,
    action: str = "createInvoice",
) -> Invoice:
    classification = data.get("classification") or InvoiceClassification.INVOICE
    issue = data.get("issue", True) is not False
    invoice_on = data.get("invoiceDate") or today
    terms = (
        await session.get(PaymentTerms, payer.payment_terms_id) if payer.payment_terms_id else None
    )
    totals = rules.totals(lines)
    sequence = (
        "draft"
        if not issue
        else ("credit" if classification is InvoiceClassification.CREDIT else "invoice")
    )
    status = InvoiceStatus.PRINTED if issue else InvoiceStatus.PLANNED
    invoice = Invoice(
        number=await next_number(session, sequence),
        alt_number=alt_number,
        classification=classification,
        status=status,
        invoice_on=invoice_on,
        due_on=rules.due_date(
            invoice_on,
            terms.due_days if terms else None,
            payer.terms_basis,
            order.required_on if order else None,
        ),
        bill_customer_id=payer.id,
        order_customer_id=customer.id,
        order_id=order.id if order else None,
        currency=currency or payer.currency,
        fx_rate_e8=rate,
        net_minor=totals.net_minor,
        tax_minor=totals.tax_minor,
        total_minor=totals.total_minor,
        cost_minor=totals.cost_minor,
        paid_minor=0,
        base_net_minor=money.to_base_minor(totals.net_minor, rate),
        base_cost_minor=money.to_base_minor(totals.cost_minor, rate),
        base_balance_minor=rules.base_balance_minor(status, totals.total_minor, 0, rate),
        created_by_id=actor_id,
    )
    session.add(invoice)
    await session.flush()
    await session.execute(
        insert(InvoiceLine), [{"invoice_id": invoice.id, **line.columns()} for line in lines]
    )
    audit.record(
        session,
        actor_id=actor_id,
        action=action,
        entity=invoice,
        changes={
            "number": [None, invoice.number],
            "status": [None, invoice.status.name],
            "total": [None, str(money.from_minor(invoice.total_minor))],
        },
    )
    return invoice


# ------------------------------------------------------------------ life cycle (SPEC §2, §3)


async def set_order_status(
    session: AsyncSession,
    *,
    order_id: int,
    status: OrderStatus,
    expected_version: int | None,
    actor: policy.Actor,
) -> Order:
    """Moves an order along SPEC §2's table (rules.ORDER_MOVES); anything else is INVALID_TRANSITION."""
    async with session.begin():
        order = await records.get_for_update(session, Order, order_id, "id")
        actor_id = await policy.require(
            session, actor, "setOrderStatus", customers=[order.order_customer_id]
        )
        problems = Problems(())
        with problems.gathering():
            audit.check_version(order, expected_version)
        refusal = rules.order_move_refusal(order.status, status)
        if refusal is not None:
            problems.add(ErrorCode.INVALID_TRANSITION, f"{order.number}: {refusal}", "status")
        problems.raise_if_any()
        await records.save_changes(session, order, {"status": status}, actor_id, "setOrderStatus")
    return order


async def approve_order(session: AsyncSession, *, order_id: int, actor: policy.Actor) -> Order:
    """SPEC §3: a MANAGER or ADMIN moves an order of a new account from PENDING_APPROVAL to OPEN."""
    async with session.begin():
        actor_id = await policy.require(session, actor, "approveOrder")
        order = await records.get_for_update(session, Order, order_id, "id")
        if order.status is not OrderStatus.PENDING_APPROVAL:
            raise DomainError.one(
                ErrorCode.INVALID_TRANSITION,
                f"{order.number} is {order.status.name}, not PENDING_APPROVAL: "
                "only an order waiting for approval can be approved",
                ["id"],
            )
        await records.save_changes(
            session, order, {"status": OrderStatus.OPEN}, actor_id, "approveOrder"
        )
    return order


def _line_of(row: OrderLine) -> rules.Line:
    """An order line as it stands, to copy onto an invoice (amounts as stored, not recomputed)."""
    return rules.Line(
        row.position,
        row.line_type,
        row.item_id,
        row.code,
        row.description,
        row.unit,
        row.quantity_e3,
        row.unit_price_e4,
        row.unit_cost_e4,
        row.tax_rate_e4,
        money.LineAmounts(row.net_minor, row.tax_minor, row.cost_minor),
    )


async def invoice_order(
    session: AsyncSession,
    *,
    order_id: int,
    invoice_date: dt.date | None,
    actor: policy.Actor,
    today: dt.date,
    base_currency: str,
) -> Invoice:
    """SPEC §2: an OPEN, IN_PROGRESS or FINISHED order becomes an issued invoice (its lines, currency,
    rate and both customers carried over; due date from the billing customer's terms, DELIVERY_DATE
    counting from the order's required date) and the order is INVOICED."""
    async with session.begin():
        actor_id = await policy.require(session, actor, "invoiceOrder")
        order = await records.get_for_update(session, Order, order_id, "order")
        if order.status not in rules.INVOICEABLE:
            raise DomainError.one(
                ErrorCode.INVALID_TRANSITION,
                f"{order.number} is {order.status.name}: only an order that is "
                f"{', '.join(s.name for s in rules.INVOICEABLE)} can be invoiced",
                ["order"],
            )
        lines = [
            _line_of(row)
            for row in await session.scalars(
                select(OrderLine)
                .where(OrderLine.order_id == order.id)
                .order_by(OrderLine.position, OrderLine.id)
            )
        ]
        payer = await session.get(Customer, order.billing_customer_id)
        customer = await session.get(Customer, order.order_customer_id)
        assert payer is not None and customer is not None  # foreign keys
        invoice = await _new_invoice(
            session,
            payer=payer,
            customer=customer,
            order=order,
            lines=lines,
            rate=order.fx_rate_e8,
            data={
                "invoiceDate": invoice_date,
                "classification": InvoiceClassification.INVOICE,
                "issue": True,
            },
            alt_number=None,
            today=today,
            actor_id=actor_id,
            currency=order.currency,
            action="invoiceOrder",
        )
        await records.save_changes(
            session, order, {"status": OrderStatus.INVOICED}, actor_id, "invoiceOrder"
        )
    return invoice


async def issue_invoice(
    session: AsyncSession, *, invoice_id: int, actor: policy.Actor, today: dt.date
) -> Invoice:
    """SPEC §2: a draft (PLANNED) is issued: the next IN-/CR- number, PRINTED, its balance counted.

    The draft keeps its invoice date (issuing does not re-date it to today); its due date is
    computed again from that date and the bill customer's current terms, and is fixed from now on.
    """
    async with session.begin():
        actor_id = await policy.require(session, actor, "issueInvoice")
        invoice = await records.get_for_update(session, Invoice, invoice_id, "id")
        if invoice.status is not InvoiceStatus.PLANNED:
            raise DomainError.one(
                ErrorCode.INVALID_TRANSITION,
                f"{invoice.number} is {invoice.status.name}: only a draft (PLANNED) can be issued",
                ["id"],
            )
        payer = await session.get(Customer, invoice.bill_customer_id)
        assert payer is not None  # a foreign key
        terms = (
            await session.get(PaymentTerms, payer.payment_terms_id)
            if payer.payment_terms_id
            else None
        )
        order = await session.get(Order, invoice.order_id) if invoice.order_id is not None else None
        credit = invoice.classification is InvoiceClassification.CREDIT
        columns = {
            "number": await next_number(session, "credit" if credit else "invoice"),
            "status": InvoiceStatus.PRINTED,
            "due_on": rules.due_date(
                invoice.invoice_on,
                terms.due_days if terms else None,
                payer.terms_basis,
                order.required_on if order else None,
            ),
            "base_balance_minor": rules.base_balance_minor(
                InvoiceStatus.PRINTED, invoice.total_minor, invoice.paid_minor, invoice.fx_rate_e8
            ),
        }
        await records.save_changes(session, invoice, columns, actor_id, "issueInvoice")
    return invoice


async def void_invoice(session: AsyncSession, *, invoice_id: int, actor: policy.Actor) -> Invoice:
    """A draft or an issued invoice without payments becomes VOID: it counts in nothing from then on.

    Its number stays taken (numbers are never reused); an order it was made from stays INVOICED.
    """
    async with session.begin():
        actor_id = await policy.require(session, actor, "voidInvoice")
        invoice = await records.get_for_update(session, Invoice, invoice_id, "id")
        if invoice.status is InvoiceStatus.VOID:
            raise DomainError.one(
                ErrorCode.INVALID_TRANSITION, f"{invoice.number} is void already", ["id"]
            )
        if invoice.paid_minor > 0:
            raise DomainError.one(
                ErrorCode.INVALID,
                f"{invoice.number} has {money.from_minor(invoice.paid_minor)} of payments applied: "
                "it cannot be voided; issue a credit note instead",
                ["id"],
            )
        void = {
            "status": InvoiceStatus.VOID,
            "base_balance_minor": rules.base_balance_minor(
                InvoiceStatus.VOID, invoice.total_minor, invoice.paid_minor, invoice.fx_rate_e8
            ),
        }
        await records.save_changes(session, invoice, void, actor_id, "voidInvoice")
    return invoice
