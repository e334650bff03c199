"""A note's reminder as an RFC 5545 invitation: one VEVENT in a VCALENDAR with METHOD:REQUEST.

The UID is stable per note, so a calendar that imports the .ics twice (or gets the mail and the
download) keeps one event.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event, vCalAddress, vText

from server.access.models import User
from server.notes.models import Note

PRODID = "-//Clientele//Notes and reminders//EN"
DURATION = dt.timedelta(minutes=30)
UID_DOMAIN = "clientele"


def uid(note: Note) -> str:
    return f"note-{note.id}@{UID_DOMAIN}"


def _address(user: User, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["CN"] = vText(user.name)
    if role:
        address.params["ROLE"] = vText(role)
        address.params["PARTSTAT"] = vText("NEEDS-ACTION")
        address.params["RSVP"] = vText("FALSE")
    return address


def reminder_calendar(note: Note, author: User) -> Calendar:
    """The invitation of a note that has a reminder (ValueError for one without)."""
    if note.reminder_due_at is None:
        raise ValueError(f"note {note.id} has no reminder")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "REQUEST")
    event = Event()
    due = note.reminder_due_at.astimezone(dt.UTC)
    event.add("uid", uid(note))
    event.add("dtstamp", note.created_at.astimezone(dt.UTC))
    event.add("sequence", 0)
    event.add("dtstart", due)
    event.add("dtend", due + DURATION)
    event.add("summary", note.reminder_title or "Reminder")
    event.add("description", note.body)
    event.add("organizer", _address(author))
    event.add("attendee", _address(author, "REQ-PARTICIPANT"))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return calendar


def reminder_ics(note: Note, author: User) -> bytes:
    """The .ics file (CRLF lines, folded at 75 octets)."""
    return reminder_calendar(note, author).to_ical()
