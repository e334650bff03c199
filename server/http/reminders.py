"""`GET /reminders/<note id>.ics`: a note's reminder as an RFC 5545 invitation (SPEC §6).

For a signed-in user (bearer token): 401 without one, 404 for an id that names no note or a note
without a reminder.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from server.access.models import User
from server.db.engine import Database
from server.http.auth import BadCredentials, identify
from server.ids import pk_of
from server.notes.calendar import reminder_ics
from server.notes.models import Note

CALENDAR = "text/calendar; charset=utf-8"


def _unauthenticated(message: str) -> Response:
    return PlainTextResponse(message, status_code=401, headers={"WWW-Authenticate": "Bearer"})


async def reminder(request: Request) -> Response:
    database: Database = request.app.state.database
    try:
        identity = await identify(request, database)
    except BadCredentials as error:
        return PlainTextResponse(str(error), status_code=error.status, headers=error.headers)
    if identity.user is None:
        return _unauthenticated("send `Authorization: Bearer <token>`")
    pk = pk_of(request.path_params["id"], "Note")
    async with database.read_session() as session:
        note = await session.get(Note, pk) if pk is not None else None
        author = await session.get(User, note.author_id) if note is not None else None
    if note is None or note.reminder_due_at is None or author is None:
        return PlainTextResponse("no note with a reminder has that id", status_code=404)
    return Response(
        reminder_ics(note, author),
        media_type=CALENDAR,
        headers={
            "Content-Disposition": f'attachment; filename="reminder-{note.id}.ics"',
            "Cache-Control": "private, no-store",
        },
    )
