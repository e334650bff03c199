"""The durable mail outbox (SPEC §6): reminder invitations are queued as `outbox_mails` rows in the
transaction that adds the note, and a background sender delivers them over SMTP.

A mail is never deleted: success sets `sent_at`; a failure adds one to `attempts`, keeps the error
in `last_error` and moves `next_attempt_at` back by an exponential back-off capped at one hour.

Several processes may run a sender on one database. Each claims due rows in a short write
transaction (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL; `BEGIN IMMEDIATE` on SQLite, which
takes the database's write lock) and leases them by moving `next_attempt_at` ahead by `LEASE`, then
sends outside any transaction. A sender that dies half-way leaves its rows to be retried once the
lease runs out, so delivery is at least once: a mail may be repeated, never lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import Parser
from email.policy import default as default_policy
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.access.models import User
from server.config import Settings
from server.db.base import now
from server.db.engine import Database
from server.notes.calendar import reminder_ics
from server.notes.models import Note, OutboxMail

log = logging.getLogger("clientele.outbox")

MAX_BACKOFF = dt.timedelta(hours=1)
LEASE = dt.timedelta(minutes=10)  # longer than any SMTP conversation (see SMTP_TIMEOUT)
SMTP_TIMEOUT = 60.0
BATCH = 20


def sender(settings: Settings) -> str | None:
    """The From address of invitations, or None when no SMTP server is configured (no mail)."""
    return settings.mail_from if settings.smtp_url else None


def backoff(attempts: int, base_seconds: float) -> dt.timedelta:
    """The wait after the `attempts`-th failure: base, 2×base, 4×base, … at most an hour."""
    exponent = min(max(attempts - 1, 0), 32)
    return min(dt.timedelta(seconds=base_seconds * 2**exponent), MAX_BACKOFF)


# ------------------------------------------------------------------ queueing


def invitation(note: Note, author: User, mail_from: str) -> EmailMessage:
    """The invitation mail of a note's reminder: a text part and a text/calendar; method=REQUEST."""
    title = note.reminder_title or "Reminder"
    due = note.reminder_due_at.astimezone(dt.UTC) if note.reminder_due_at else None
    message = EmailMessage()
    message["Subject"] = f"Reminder: {title}"
    message["From"] = mail_from
    message["To"] = formataddr((author.name, author.email))
    message["Date"] = format_datetime(now())
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "clientele"
    message["Message-ID"] = make_msgid(f"note-{note.id}", domain=domain)
    when = due.strftime("%Y-%m-%d %H:%M UTC") if due else "(no time)"
    message.set_content(f"{title}\nDue: {when}\n\n{note.body}\n")
    message.add_alternative(
        reminder_ics(note, author).decode(), subtype="calendar", params={"method": "REQUEST"}
    )
    return message


async def enqueue_reminder(session: AsyncSession, note: Note, mail_from: str) -> OutboxMail | None:
    """Queues the invitation of a note with a reminder, in the caller's transaction."""
    if note.reminder_due_at is None:
        return None
    author = await session.get(User, note.author_id)
    if author is None:
        return None
    mail = OutboxMail(
        recipient=author.email,
        message=invitation(note, author, mail_from).as_string(),
        attempts=0,
        next_attempt_at=now(),
        created_at=now(),
    )
    session.add(mail)
    await session.flush()
    return mail


# ------------------------------------------------------------------ sending


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False  # smtps://: TLS from the start

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """`smtp://[user:password@]host[:port]` (STARTTLS when offered) or `smtps://…` (implicit TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError(
                f"CLIENTELE_SMTP_URL must be smtp://host[:port] or smtps://host[:port], not {url!r}"
            )
        use_tls = parts.scheme == "smtps"
        return cls(
            parts.hostname,
            parts.port or (465 if use_tls else 25),
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
            use_tls,
        )

    async def send(self, recipient: str, message: str) -> None:
        headers = Parser(policy=default_policy).parsestr(message, headersonly=True)
        mail_from = parseaddr(str(headers["From"] or ""))[1]
        await aiosmtplib.send(
            message,
            sender=mail_from,
            recipients=[recipient],
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,
            timeout=SMTP_TIMEOUT,
        )


@dataclass(frozen=True)
class Claimed:
    id: int
    recipient: str
    message: str


async def claim(database: Database, limit: int = BATCH) -> list[Claimed]:
    """Leases up to `limit` due, unsent mails to this sender."""
    moment = now()
    async with database.write_session() as session, session.begin():
        query = (
            select(OutboxMail)
            .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= moment)
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(limit)
        )
        if not database.is_sqlite:  # SQLite's BEGIN IMMEDIATE already excludes other writers
            query = query.with_for_update(skip_locked=True)
        rows = (await session.scalars(query)).all()
        for row in rows:
            row.next_attempt_at = moment + LEASE
        return [Claimed(row.id, row.recipient, row.message) for row in rows]


async def record(
    database: Database, mail_id: int, error: str | None, backoff_seconds: float
) -> None:
    """Marks a claimed mail sent, or counts the failed attempt and schedules the next one."""
    async with database.write_session() as session, session.begin():
        row = await session.get(OutboxMail, mail_id, with_for_update=not database.is_sqlite)
        if row is None or row.sent_at is not None:
            return
        if error is None:
            row.sent_at = now()
            row.last_error = None
        else:
            row.attempts += 1
            row.last_error = error[:2000]
            row.next_attempt_at = now() + backoff(row.attempts, backoff_seconds)


async def deliver_due(
    database: Database, settings: Settings, server: SmtpServer | None = None
) -> int:
    """Sends one batch of due mails; the number of mails tried (sent or failed)."""
    server = server or SmtpServer.from_url(settings.smtp_url or "")
    mails = await claim(database)
    for mail in mails:
        error: str | None = None
        try:
            await server.send(mail.recipient, mail.message)
        except Exception as failure:  # noqa: BLE001 - every failure is recorded and retried
            error = f"{type(failure).__name__}: {failure}"
            log.warning("outbox mail %s to %s failed: %s", mail.id, mail.recipient, error)
        await record(database, mail.id, error, settings.outbox_backoff_seconds)
    return len(mails)


class OutboxSender:
    """The background task of one app process: polls for due mail every `outbox_poll_seconds`."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database, self.settings = database, settings
        self.server = SmtpServer.from_url(settings.smtp_url or "")
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="clientele-outbox")

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Lets a send in progress finish (a cancelled one is retried after its lease)."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, grace_seconds)
            except TimeoutError:
                pass
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            tried = 0
            try:
                tried = await deliver_due(self.database, self.settings, self.server)
            except Exception:  # a database hiccup must not end the sender
                log.exception("outbox sender failed; trying again")
            if tried < BATCH:
                try:
                    await asyncio.wait_for(self._stopping.wait(), self.settings.outbox_poll_seconds)
                except TimeoutError:
                    pass
