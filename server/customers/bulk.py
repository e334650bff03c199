"""Bulk updates of customers and locations, and their revert (SPEC §7).

A bulk update is one transaction: the rows are locked in id order, each record whose values
differ is changed and its version goes up by one, and ONE audit event records every change:

    changes = [{"id": <primary key>, "version": <version after the change>,
                "fields": {column: [before, after]}}, ...]

with `entity_type` the model ("Customer" or "Location"), `entity_id` null and `revertible`
true. `revert_change` undoes such an event when no record of it has changed since (each
record's version is still the one the event recorded); otherwise it refuses and changes
nothing. Single-record events (updateCustomer, ...) are not revertible.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.access import policy
from server.audit import service as audit
from server.audit.models import AuditEvent, AuditEventEntity
from server.customers.commands import CustomerBulkFields
from server.customers.listing import CustomerFilter, filtered
from server.customers.models import (
    BillingStatus,
    CreditCode,
    Customer,
    CustomerStatus,
    Location,
    PaymentTerms,
    TermsBasis,
)
from server.customers.service import check_user
from server.db.base import now
from server.errors import DomainError, ErrorCode, Problems

Data = dict[str, Any]

# CustomerBulkSet field -> (column, enum of the column or None for an id; may it be cleared?)
CUSTOMER_SET: dict[str, tuple[str, type[enum.Enum] | None, bool]] = {
    "salesRep": ("sales_rep_id", None, True),
    "insideSalesRep": ("inside_sales_rep_id", None, True),
    "paymentTerms": ("payment_terms_id", None, True),
    "billingStatus": ("billing_status", BillingStatus, False),
    "termsBasis": ("terms_basis", TermsBasis, False),
    "creditCode": ("credit_code", CreditCode, False),
    "status": ("status", CustomerStatus, False),
}

# What a revert may write back, per model: column -> enum (None: a plain value such as an id).
REVERTIBLE: dict[str, tuple[type[Any], dict[str, type[enum.Enum] | None]]] = {
    "Customer": (Customer, {column: kind for column, kind, _ in CUSTOMER_SET.values()}),
    "Location": (Location, {"sales_rep_id": None}),
}
BULK_ACTIONS = ("bulkUpdateCustomers", "bulkUpdateLocations")


def _unique(ids: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(ids))


async def _lock(session: AsyncSession, model: type[Any], ids: Sequence[int]) -> dict[int, Any]:
    """The records, locked in id order (FOR UPDATE; SQLite holds the write lock)."""
    rows = await session.scalars(
        select(model).where(model.id.in_(ids)).order_by(model.id).with_for_update()
    )
    return {record.id: record for record in rows}


def _change_all(records_: Sequence[Any], columns: Data) -> list[Data]:
    """Sets the columns on each record whose values differ; version + 1 for each changed one."""
    entries = []
    for record in records_:
        changes = audit.apply_changes(record, columns)
        if changes:
            record.version += 1
            if hasattr(record, "updated_at"):
                record.updated_at = now()
            entries.append({"id": record.id, "version": record.version, "fields": changes})
    return entries


async def _event(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    entity_type: str,
    entries: list[Data],
    revertible: bool,
) -> AuditEvent:
    """One event for the change of many, linked to each record it touched (so that the record's
    own history, `auditEvents(entityId:)`, lists it)."""
    event = audit.record(
        session,
        actor_id=actor_id,
        action=action,
        entity=None,
        changes=entries,
        revertible=revertible,
    )
    event.entity_type = entity_type
    await session.flush()  # the event's id
    session.add_all(
        [
            AuditEventEntity(event_id=event.id, entity_type=entity_type, entity_id=entry["id"])
            for entry in entries
        ]
    )
    return event


def _check_ids(
    problems: Problems, model: type, ids: Sequence[int | None], found: dict[int, Any]
) -> None:
    for index, pk in enumerate(ids):
        if pk is not None and pk not in found:
            problems.add(
                ErrorCode.NOT_FOUND,
                f"ids[{index}]: no {model.__name__.lower()} with that id",
                "ids",
                str(index),
            )


def _id_problems(problems: Problems, ids: Sequence[int | None], what: str) -> list[int]:
    """The ids given; None marks one that is not an id of `what` (NOT_FOUND at its index)."""
    if not ids:
        problems.add(ErrorCode.REQUIRED, f"give at least one {what} id", "ids")
    for index, pk in enumerate(ids):
        if pk is None:
            problems.add(ErrorCode.NOT_FOUND, f"ids[{index}]: not a {what} id", "ids", str(index))
    return _unique([pk for pk in ids if pk is not None])


async def bulk_update_customers(
    session: AsyncSession,
    *,
    actor: policy.Actor,
    ids: Sequence[int | None] | None,
    flt: CustomerFilter | None,
    fields: CustomerBulkFields,
) -> tuple[int, AuditEvent | None]:
    """Sets the fields of `data` (CustomerBulkSet, ids decoded) on the customers of `ids` or
    of `flt` (exactly those the list shows for that filter). Answers the number of customers
    changed and the audit event (None when nothing differed)."""
    policy.refuse_early(actor, "bulkUpdateCustomers")
    data = fields.given()
    problems = Problems(())
    if (ids is None) == (flt is None):
        problems.add(ErrorCode.INVALID, "give either ids or a filter, not both or neither", "ids")
    wanted = _id_problems(problems, ids, "customer") if ids is not None and flt is None else []
    columns: Data = {}
    for name, (column, _kind, clearable) in CUSTOMER_SET.items():
        if name not in data:
            continue
        if data[name] is None and not clearable:
            problems.add(ErrorCode.REQUIRED, f"{name} cannot be cleared", "set", name)
        columns[column] = data[name]
    if not data:
        problems.add(ErrorCode.REQUIRED, "set at least one field", "set")
    async with session.begin():
        actor_id = await policy.require(session, actor, "bulkUpdateCustomers")
        if (
            data.get("paymentTerms") is not None
            and await session.get(PaymentTerms, data["paymentTerms"]) is None
        ):
            problems.add(
                ErrorCode.NOT_FOUND, "paymentTerms: no such payment terms", "set", "paymentTerms"
            )
        for name in ("salesRep", "insideSalesRep"):
            await check_user(session, problems, data.get(name), "set", name)
        if flt is None:
            found = await _lock(session, Customer, wanted)
            _check_ids(problems, Customer, ids or [], found)
            problems.raise_if_any()
            targets = [found[pk] for pk in sorted(wanted)]
        else:
            problems.raise_if_any()
            shown = filtered(flt).subquery()
            targets = list(
                await session.scalars(
                    select(Customer)
                    .where(Customer.id.in_(select(shown.c.id)))
                    .order_by(Customer.id)
                    .with_for_update()
                )
            )
        entries = _change_all(targets, columns)
        if not entries:
            return 0, None
        event = await _event(
            session, actor_id, "bulkUpdateCustomers", "Customer", entries, revertible=True
        )
        await session.flush()
    return len(entries), event


async def bulk_update_locations(
    session: AsyncSession, *, actor: policy.Actor, ids: Sequence[int | None], sales_rep: int | None
) -> tuple[int, AuditEvent | None]:
    """Sets (or, with None, clears) the location-level sales rep override of the locations."""
    policy.refuse_early(actor, "bulkUpdateLocations")
    problems = Problems(())
    wanted = _id_problems(problems, ids, "location")
    async with session.begin():
        actor_id = await policy.require(session, actor, "bulkUpdateLocations")
        await check_user(session, problems, sales_rep, "salesRep")
        found = await _lock(session, Location, wanted)
        _check_ids(problems, Location, ids, found)
        problems.raise_if_any()
        entries = _change_all([found[pk] for pk in sorted(wanted)], {"sales_rep_id": sales_rep})
        if not entries:
            return 0, None
        event = await _event(
            session, actor_id, "bulkUpdateLocations", "Location", entries, revertible=True
        )
        await session.flush()
    return len(entries), event


def _value(kind: type[enum.Enum] | None, plain: Any) -> Any:
    """A column value back from its audit form (enums are kept by name)."""
    return kind[plain] if kind is not None and plain is not None else plain


async def revert_change(
    session: AsyncSession, *, actor: policy.Actor, event_id: int
) -> tuple[int, AuditEvent]:
    """Restores every field of a bulk event to its value before; refused, changing nothing,
    when the event is not revertible, was reverted already, or any of its records changed since."""
    policy.refuse_early(actor, "revertChange")
    field = ["auditEvent"]
    async with session.begin():
        actor_id = await policy.require(session, actor, "revertChange")
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.id == event_id).with_for_update()
        )
        if event is None:
            raise DomainError.one(
                ErrorCode.NOT_FOUND, "auditEvent: no audit event with that id", field
            )
        if event.reverted_by_id is not None:
            raise DomainError.one(ErrorCode.INVALID, "this change has been reverted already", field)
        if event.action not in BULK_ACTIONS or event.entity_type not in REVERTIBLE:
            raise DomainError.one(ErrorCode.INVALID, "only bulk changes can be reverted", field)
        if not event.revertible:
            raise DomainError.one(ErrorCode.INVALID, "this change cannot be reverted", field)
        model, kinds = REVERTIBLE[event.entity_type]
        entries = list(event.changes)
        found = await _lock(session, model, [entry["id"] for entry in entries])
        stale = []
        for entry in entries:
            record = found.get(entry["id"])
            if record is None or record.version != entry["version"]:
                stale.append(
                    getattr(record, "number", None)
                    or getattr(record, "code", None)
                    or str(entry["id"])
                )
        if stale:
            noun = model.__name__.lower()
            raise DomainError.one(
                ErrorCode.INVALID,
                f"cannot revert: {len(stale)} {noun}(s) changed (or were removed) since this bulk change "
                f"({', '.join(stale[:10])}{', ...' if len(stale) > 10 else ''}); nothing was reverted",
                field,
            )
        reverted = []
        for entry in entries:
            record = found[entry["id"]]
            columns = {
                column: _value(kinds.get(column), before)
                for column, (before, _after) in entry["fields"].items()
                if column in kinds
            }
            reverted += _change_all([record], columns)
        new_event = await _event(
            session, actor_id, "revertChange", event.entity_type, reverted, revertible=False
        )
        await session.flush()
        event.reverted_by_id = new_event.id
        event.revertible = False
        await session.flush()
    return len(reverted), new_event
