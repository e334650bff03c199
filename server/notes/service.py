"""Notes on a customer or a lead, with an optional reminder; one transaction, audited.

A reminder is served as .ics by server/http/reminders.py and, when SMTP is configured, mailed
through the outbox of server/notes/outbox.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server import validate
from server.access import policy
from server.audit import service as audit
from server.customers.models import Customer
from server.db.base import now
from server.errors import ErrorCode, Problems
from server.leads.models import Lead
from server.leads.service import signed_in
from server.notes import outbox
from server.notes.commands import NoteFields
from server.notes.models import Note

Data = dict[str, Any]

MAX_BODY = 10_000


def _reminder_columns(problems: Problems, reminder: Data | None) -> Data:
    if reminder is None:
        return {}
    title = validate.text(
        problems, reminder, "title", max_length=200, required=True, path=("reminder",)
    )
    due_at = reminder.get("dueAt")
    if due_at is None:
        problems.add(ErrorCode.REQUIRED, "dueAt is required", "reminder", "dueAt")
    elif not isinstance(due_at, dt.datetime) or due_at.utcoffset() is None:
        problems.add(
            ErrorCode.INVALID,
            "dueAt needs a UTC offset, such as 2026-12-01T09:00:00+01:00 or …Z",
            "reminder",
            "dueAt",
        )
    return {"reminder_due_at": due_at, "reminder_title": title}


async def add_note(
    session: AsyncSession,
    *,
    fields: NoteFields,
    actor: policy.Actor,
    invite_from: str | None = None,
) -> Note:
    """A note by the signed-in user on exactly one customer or lead, now.

    With `invite_from` (SMTP is configured), a note with a reminder also queues its invitation
    mail to the author in the outbox, in the same transaction (SPEC §6).
    """
    data = fields.given()
    signed_in(actor)
    problems = Problems()
    customer_id, lead_id = data.get("customer"), data.get("lead")
    if (customer_id is None) == (lead_id is None):
        problems.add(
            ErrorCode.INVALID,
            "a note belongs to exactly one customer or one lead: give one of them",
        )
    if data.get("type") is None:
        problems.add(ErrorCode.REQUIRED, "type is required", "type")
    body = validate.text(problems, data, "body", max_length=MAX_BODY, required=True)
    columns: Data = {
        "customer_id": customer_id,
        "lead_id": lead_id,
        "type": data.get("type"),
        "body": body,
        **_reminder_columns(problems, data.get("reminder")),
    }
    async with session.begin():
        author = await policy.require(session, actor, "addNote")
        if customer_id is not None and await session.get(Customer, customer_id) is None:
            problems.add(ErrorCode.NOT_FOUND, "customer: no customer with that id", "customer")
        if lead_id is not None and await session.get(Lead, lead_id) is None:
            problems.add(ErrorCode.NOT_FOUND, "lead: no lead with that id", "lead")
        problems.raise_if_any()
        note = Note(**columns, author_id=author, created_at=now())
        session.add(note)
        await session.flush()
        audit.record(
            session,
            actor_id=author,
            action="addNote",
            entity=note,
            changes=audit.created(note, {**columns, "author_id": author}),
        )
        if invite_from is not None:
            await outbox.enqueue_reminder(session, note, invite_from)
    return note
