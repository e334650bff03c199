"""The input of `addNote`, typed (see server/commands.py). A note is only created, so None is
"not given"; references are primary keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from server.commands import Command
from server.notes.models import NoteType


@dataclass(frozen=True, kw_only=True)
class ReminderFields(Command):
    """`ReminderInput`: when (with its UTC offset) and what to be reminded of."""

    due_at: dt.datetime | None = None
    title: str | None = None


@dataclass(frozen=True, kw_only=True)
class NoteFields(Command):
    """`NoteInput`: a note on exactly one customer or one lead."""

    body: str | None = None
    customer: int | None = None
    lead: int | None = None
    type: NoteType | None = NoteType.GENERAL
    reminder: ReminderFields | None = None
