"""Reminders (SPEC §6): the .ics served at `/reminders/<note id>.ics`, and the invitation mailed to the
author through the durable outbox, read back from a real local SMTP server (aiosmtpd), including a
mail that waits in the outbox while the SMTP server is down and arrives after a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parseaddr
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import func, select

from schema.base import global_id, pk_of
from server.app import create_app
from server.db.engine import Database
from server.notes import outbox
from server.notes.models import OutboxMail
from tests import factories
from tests.conftest import Api, make_token, settings_for

ADD_NOTE = """
mutation($input: NoteInput!) {
  addNote(input: $input) { note { id reminder { dueAt title icsUrl } } userErrors { field message code } }
}"""
DUE = "2026-12-01T09:30:00+01:00"
DUE_UTC = dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
WAIT_SECONDS = 10.0


async def add_note(api: Api, customer: str, *, reminder: bool = True, body: str = "Send the quote") -> dict[str, Any]:
    data: dict[str, Any] = {"customer": customer, "type": "FOLLOW_UP", "body": body}
    if reminder:
        data["reminder"] = {"dueAt": DUE, "title": "Quote for Acme"}
    answer = (await api.ok(ADD_NOTE, {"input": data}))["addNote"]
    assert answer["userErrors"] == []
    return answer["note"]


async def eventually(check: Callable[[], Any], what: str) -> Any:
    """Polls `check` (sync or async) until it answers something truthy, for at most WAIT_SECONDS."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"gave up after {WAIT_SECONDS} s waiting for {what}")
        await asyncio.sleep(0.05)


async def outbox_rows(database: Database) -> list[OutboxMail]:
    async with database.read_session() as session:
        return list((await session.scalars(select(OutboxMail).order_by(OutboxMail.id))).all())


# ------------------------------------------------------------------ the .ics endpoint


@pytest.fixture
async def acme(api) -> str:
    return global_id("Customer", (await factories.customer(api.database, "Acme")).id)


async def test_the_ics_of_a_reminder(api, acme):
    note = await add_note(api, acme, body="Send the quote; mention the spring discount")
    url = note["reminder"]["icsUrl"]
    pk = pk_of(note["id"], "Note")
    assert url == f"/reminders/{note['id']}.ics"
    # when
    response = await api.client.get(url, headers={"Authorization": f"Bearer {api.token}"})
    # then
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "REQUEST" and str(calendar["VERSION"]) == "2.0"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"note-{pk}@clientele"
    assert event.decoded("DTSTART") == DUE_UTC
    assert event.decoded("DTEND") == DUE_UTC + dt.timedelta(minutes=30)
    assert str(event["SUMMARY"]) == "Quote for Acme"
    assert str(event["DESCRIPTION"]) == "Send the quote; mention the spring discount"
    assert str(event["ORGANIZER"]) == "mailto:admin@example.com"
    assert str(event["ATTENDEE"]) == "mailto:admin@example.com"
    # and the UID is stable: a second download is the same event
    again = Calendar.from_ical((await api.client.get(url, headers={"Authorization": f"Bearer {api.token}"})).content)
    assert str(again.walk("VEVENT")[0]["UID"]) == str(event["UID"])


async def test_the_ics_needs_a_signed_in_user(api, acme):
    url = (await add_note(api, acme))["reminder"]["icsUrl"]
    # when / then
    anonymous = await api.client.get(url)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert (await api.client.get(url, headers={"Authorization": "Bearer not-a-token"})).status_code == 401
    assert (await api.client.get(url, headers={"Authorization": "Basic abc"})).status_code == 401


async def test_the_ics_of_no_reminder_is_not_found(api, acme):
    plain = await add_note(api, acme, reminder=False)
    auth = {"Authorization": f"Bearer {api.token}"}
    for name in (plain["id"], global_id("Note", 9999), acme, "not-base64!", "Tm90ZTp4"):
        # when / then
        response = await api.client.get(f"/reminders/{name}.ics", headers=auth)
        assert response.status_code == 404, name


async def test_without_smtp_nothing_is_queued(api, acme):
    await add_note(api, acme)
    assert await outbox_rows(api.database) == []


# ------------------------------------------------------------------ mail through the outbox


class Inbox:
    """An aiosmtpd handler that keeps what arrives."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(e.content, policy=default_policy) for e in self.envelopes]  # type: ignore


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_server(inbox: Inbox, port: int) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@asynccontextmanager
async def running_app(database_url: str, port: int) -> AsyncIterator[Api]:
    """A fresh app process on the database: its own engine, its lifespan (and outbox sender) running."""
    database = Database(database_url)
    settings = settings_for(database, smtp_url=f"smtp://127.0.0.1:{port}", outbox_poll_seconds=0.05,
                            outbox_backoff_seconds=0.2)
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport,
                                                                   base_url="http://testserver") as client:
        yield Api(client, "", database)


def check_invitation(message: EmailMessage) -> Calendar:
    assert parseaddr(message["To"])[1] == "admin@example.com"
    assert message["Subject"] == "Reminder: Quote for Acme"
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    text = part.get_content()
    assert "METHOD:REQUEST" in text
    calendar = Calendar.from_ical(text)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == DUE_UTC and str(event["SUMMARY"]) == "Quote for Acme"
    return calendar


async def test_a_reminder_is_mailed_to_its_author(database):
    inbox, port = Inbox(), free_port()
    controller = smtp_server(inbox, port)
    try:
        token = await make_token(database)
        acme = global_id("Customer", (await factories.customer(database, "Acme")).id)
        async with running_app(database.url, port) as api:
            api.token = token
            # when
            note = await add_note(api, acme)
            await add_note(api, acme, reminder=False)
            # then
            await eventually(lambda: inbox.envelopes, "the invitation")
        [envelope] = inbox.envelopes
        assert envelope.rcpt_tos == ["admin@example.com"] and envelope.mail_from == "clientele@localhost"
        [message] = inbox.messages()
        calendar = check_invitation(message)
        assert str(calendar.walk("VEVENT")[0]["UID"]).startswith("note-")
        [row] = await outbox_rows(database)  # one mail: the note without a reminder queued none
        assert row.sent_at is not None and row.attempts == 0 and row.last_error is None
        assert note["reminder"]["title"] == "Quote for Acme"
    finally:
        controller.stop()


async def test_a_mail_survives_a_down_smtp_server_and_a_restart(database):
    inbox, port = Inbox(), free_port()
    smtp_server(inbox, port).stop()  # the SMTP server is down
    token = await make_token(database)
    acme = global_id("Customer", (await factories.customer(database, "Acme")).id)
    async with running_app(database.url, port) as api:
        api.token = token
        # when
        await add_note(api, acme)

        # then: it is tried, fails, and waits in the outbox
        async def failed() -> Any:
            rows = await outbox_rows(database)
            return rows if rows and rows[0].attempts >= 1 and rows[0].last_error else None

        [row] = await eventually(failed, "a failed attempt")
        assert row.sent_at is None and row.next_attempt_at > row.created_at
    assert inbox.envelopes == []
    # when: the SMTP server and the app come back
    controller = smtp_server(inbox, port)
    try:
        async with running_app(database.url, port):
            await eventually(lambda: inbox.envelopes, "the invitation after the restart")
        # then
        [message] = inbox.messages()
        check_invitation(message)
        [row] = await outbox_rows(database)
        assert row.sent_at is not None and row.attempts >= 1
    finally:
        controller.stop()


# ------------------------------------------------------------------ claiming and back-off


async def test_concurrent_senders_claim_each_mail_once(database):
    async with database.write_session() as session, session.begin():
        session.add_all(OutboxMail(recipient=f"u{i}@example.com", message="Subject: x\n\nx\n", attempts=0)
                        for i in range(12))
    others = [Database(database.url) for _ in range(3)]
    try:
        # when: four senders claim at once
        batches = await asyncio.gather(outbox.claim(database, 12), *(outbox.claim(o, 12) for o in others))
    finally:
        for other in others:
            await other.dispose()
    # then
    ids = [mail.id for batch in batches for mail in batch]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 12
    async with database.read_session() as session:
        due = await session.scalar(select(func.count()).select_from(OutboxMail)
                                   .where(OutboxMail.next_attempt_at <= dt.datetime.now(dt.UTC)))
    assert due == 0  # all leased


def test_back_off_doubles_and_is_capped_at_an_hour():
    assert [outbox.backoff(n, 30).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff(8, 30) == dt.timedelta(hours=1) and outbox.backoff(500, 30) == dt.timedelta(hours=1)
