"""Leads, lead programs and lead sources: create, update and move through SPEC §5's life cycle,
one transaction each, audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server import records, validate
from server.access import policy
from server.audit import service as audit
from server.customers.models import Customer
from server.customers.service import check_user
from server.db.base import now
from server.db.sequences import next_value
from server.errors import DomainError, ErrorCode, Problems
from server.leads import rules
from server.leads.commands import LeadFields
from server.leads.models import Lead, LeadProgram, LeadSource, LeadState, LeadStateChange

Data = dict[str, Any]

LEAD_COLUMNS = {
    "customer_id": "customer",
    "program_id": "program",
    "source_id": "source",
    "inside_sales_rep_id": "insideSalesRep",
    "outside_sales_rep_id": "outsideSalesRep",
    "assigned_to_id": "assignedTo",
    "probability": "probability",
    "estimated_conversion_on": "estimatedConversionDate",
    "potential_value_minor": "potentialValue",
}
USER_FIELDS = ("insideSalesRep", "outsideSalesRep", "assignedTo")
Named = type[LeadProgram] | type[LeadSource]  # the lists a lead is classified by


def signed_in(actor: policy.Actor) -> policy.Actor:
    """Leads and notes record who did it: a change without a user is refused (the system included)."""
    if actor.id is None:
        raise DomainError.one(ErrorCode.FORBIDDEN, "sign in first: this change records who made it")
    return actor


def _lead_owner(customer_id: int | None, *reps: int | None) -> dict[str, Any]:
    """What makes a lead a SALES_REP's: its customer is theirs, or, without a customer, they are
    its inside or outside sales rep or the one it is assigned to."""
    return {"customers": [customer_id]} if customer_id is not None else {"people": reps}


def _lead_columns(problems: Problems, data: Data, *, creating: bool) -> Data:
    probability = data.get("probability")
    if probability is not None and not 0 <= probability <= 100:
        problems.add(ErrorCode.INVALID, "probability must be from 0 to 100", "probability")
    for field in ("customer", "program"):
        if (creating or field in data) and data.get(field) is None:
            problems.add(ErrorCode.REQUIRED, f"{field} is required", field)
    columns: Data = {
        "customer_id": data.get("customer"),
        "program_id": data.get("program"),
        "source_id": data.get("source"),
        "inside_sales_rep_id": data.get("insideSalesRep"),
        "outside_sales_rep_id": data.get("outsideSalesRep"),
        "assigned_to_id": data.get("assignedTo"),
        "probability": probability,
        "estimated_conversion_on": data.get("estimatedConversionDate"),
        "potential_value_minor": validate.amount(problems, data, "potentialValue"),
    }
    return records.given_columns(columns, LEAD_COLUMNS, data, creating)


async def _check_named(
    session: AsyncSession, problems: Problems, model: Named, record_id: int | None, field: str
) -> None:
    """A program or source that exists (else NOT_FOUND) and is active (else INVALID)."""
    if record_id is None:
        return
    record: LeadProgram | LeadSource | None = await session.get(model, record_id)
    if record is None:
        problems.add(ErrorCode.NOT_FOUND, f"{field}: no lead {field} with that id", field)
    elif not record.active:
        problems.add(
            ErrorCode.INVALID, f"{field}: the lead {field} {record.name!r} is inactive", field
        )


async def _check_references(
    session: AsyncSession, problems: Problems, data: Data, lead: Lead | None
) -> None:
    if (
        lead is None
        and data.get("customer") is not None
        and await session.get(Customer, data["customer"]) is None
    ):
        problems.add(ErrorCode.NOT_FOUND, "customer: no customer with that id", "customer")
    # an update that keeps the lead's program or source does not ask again whether it is active
    if lead is None or data.get("program") != lead.program_id:
        await _check_named(session, problems, LeadProgram, data.get("program"), "program")
    if lead is None or data.get("source") != lead.source_id:
        await _check_named(session, problems, LeadSource, data.get("source"), "source")
    for field in USER_FIELDS:
        await check_user(session, problems, data.get(field), field)


async def create_lead(session: AsyncSession, *, fields: LeadFields, actor: policy.Actor) -> Lead:
    """A new lead of a customer and a program, numbered 1, 2, 3 …, in PENDING_QUALIFICATION."""
    data = fields.given()
    signed_in(actor)
    problems = Problems()
    columns = _lead_columns(problems, data, creating=True)
    async with session.begin():
        actor_id = await policy.require(
            session,
            actor,
            "createLead",
            **_lead_owner(
                data.get("customer"),
                data.get("insideSalesRep"),
                data.get("outsideSalesRep"),
                data.get("assignedTo"),
            ),
        )
        await _check_references(session, problems, data, None)
        problems.raise_if_any()
        columns["number"] = await next_value(session, "lead")
        columns["state"] = rules.INITIAL_STATE
        at = now()
        lead = Lead(**columns, created_at=at)
        session.add(lead)
        await session.flush()
        session.add(
            LeadStateChange(
                lead_id=lead.id,
                from_state=None,
                to_state=lead.state,
                by_id=actor_id,
                at=at,
                assigned_to_id=lead.assigned_to_id,
            )
        )
        audit.record(
            session,
            actor_id=actor_id,
            action="createLead",
            entity=lead,
            changes=audit.created(lead, columns),
        )
    return lead


async def update_lead(
    session: AsyncSession,
    *,
    lead_id: int,
    fields: LeadFields,
    expected_version: int | None,
    actor: policy.Actor,
) -> Lead:
    """Changes the fields the input names; the state moves only through `change_lead_state`."""
    data = fields.given()
    problems = Problems()
    columns = _lead_columns(problems, data, creating=False)
    async with session.begin():
        lead = await records.get_for_update(session, Lead, lead_id, "id", problems)
        actor_id = await policy.require(session, actor, "updateLead", **_owner_of(lead))
        with problems.gathering():
            audit.check_version(lead, expected_version)
        if columns.get("customer_id", lead.customer_id) not in (lead.customer_id, None):
            problems.add(ErrorCode.INVALID, "a lead cannot move to another customer", "customer")
        await _check_references(session, problems, data, lead)
        problems.raise_if_any()
        await records.save_changes(session, lead, columns, actor_id, "updateLead")
    return lead


def _owner_of(lead: Lead) -> dict[str, Any]:
    return _lead_owner(
        lead.customer_id, lead.inside_sales_rep_id, lead.outside_sales_rep_id, lead.assigned_to_id
    )


def _moves(state: LeadState) -> str:
    names = [s.name for s in rules.allowed_moves(state)]
    if not names:
        return f"{state.name} is final"
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"from {state.name} it may move to {listed}"


async def change_lead_state(
    session: AsyncSession,
    *,
    lead_id: int,
    to: LeadState,
    assign_to: int | None,
    actor: policy.Actor,
) -> Lead:
    """Moves a lead as SPEC §5's table allows, records the move and may reassign the lead."""
    signed_in(actor)
    problems = Problems(prefix=())
    async with session.begin():
        lead = await records.get_for_update(session, Lead, lead_id, "id")
        actor_id = await policy.require(session, actor, "changeLeadState", **_owner_of(lead))
        if not rules.may_move(lead.state, to):
            problems.add(
                ErrorCode.INVALID_TRANSITION,
                f"a lead cannot move from {lead.state.name} to {to.name}: {_moves(lead.state)}",
                "to",
            )
        await check_user(session, problems, assign_to, "assignTo")
        problems.raise_if_any()
        columns: Data = {"state": to}
        if assign_to is not None:
            columns["assigned_to_id"] = assign_to
        from_state = lead.state
        await records.save_changes(session, lead, columns, actor_id, "changeLeadState")
        session.add(
            LeadStateChange(
                lead_id=lead.id,
                from_state=from_state,
                to_state=to,
                by_id=actor_id,
                at=now(),
                assigned_to_id=lead.assigned_to_id,
            )
        )
    return lead


# ------------------------------------------------------------ programs and sources


async def _serialise(session: AsyncSession, model: Named) -> None:
    """Creations of one kind wait for each other, so a case-insensitive duplicate cannot slip in
    between the check and the insert (SQLite's BEGIN IMMEDIATE already serialises writers)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
            {"name": f"clientele:{model.__tablename__}"},
        )


async def _create_named(
    session: AsyncSession, model: Named, name: str | None, actor: policy.Actor, action: str
) -> Any:
    problems = Problems(prefix=())
    value = validate.text(problems, {"name": name}, "name", max_length=200, required=True)
    async with session.begin():
        actor_id = await policy.require(session, actor, action)
        await _serialise(session, model)
        existing = (
            await session.scalar(select(model.name).where(func.lower(model.name) == value.lower()))
            if value is not None
            else None
        )
        if existing is not None:
            problems.add(
                ErrorCode.DUPLICATE,
                f"there is a {model.__tablename__[:-1].replace('_', ' ')} "
                f"named {existing!r} already",
                "name",
            )
        problems.raise_if_any()
        assert value is not None
        record = model(name=value, active=True)
        session.add(record)
        await session.flush()
        audit.record(
            session,
            actor_id=actor_id,
            action=action,
            entity=record,
            changes=audit.created(record, {"name": value, "active": True}),
        )
    return record


async def _set_active(
    session: AsyncSession,
    model: Named,
    record_id: int,
    active: bool,
    actor: policy.Actor,
    action: str,
) -> Any:
    async with session.begin():
        actor_id = await policy.require(session, actor, action)
        record = await records.get_for_update(session, model, record_id, "id")
        await records.save_changes(session, record, {"active": active}, actor_id, action)
    return record


async def create_lead_program(
    session: AsyncSession, *, name: str | None, actor: policy.Actor
) -> LeadProgram:
    """A new, active lead program; names are unique without regard to case."""
    return await _create_named(session, LeadProgram, name, actor, "createLeadProgram")


async def create_lead_source(
    session: AsyncSession, *, name: str | None, actor: policy.Actor
) -> LeadSource:
    """A new, active lead source; names are unique without regard to case."""
    return await _create_named(session, LeadSource, name, actor, "createLeadSource")


async def set_lead_program_active(
    session: AsyncSession, *, program_id: int, active: bool, actor: policy.Actor
) -> LeadProgram:
    """Deactivated programs take no new leads; their leads and statistics stay."""
    return await _set_active(
        session, LeadProgram, program_id, active, actor, "setLeadProgramActive"
    )


async def set_lead_source_active(
    session: AsyncSession, *, source_id: int, active: bool, actor: policy.Actor
) -> LeadSource:
    """Deactivated sources take no new leads; their leads and statistics stay."""
    return await _set_active(session, LeadSource, source_id, active, actor, "setLeadSourceActive")
