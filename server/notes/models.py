"""Notes on customers and leads, with optional follow-up reminders, and the mail outbox."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, UTCDateTime, enum_column, now, pk


class NoteType(enum.Enum):
    GENERAL = "GENERAL"
    CALL = "CALL"
    MEETING = "MEETING"
    EMAIL = "EMAIL"
    FOLLOW_UP = "FOLLOW_UP"
    COMPLAINT = "COMPLAINT"


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_customer_created", "customer_id", "created_at"),
        Index("ix_notes_lead_created", "lead_id", "created_at"),
    )

    id: Mapped[int] = pk()
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), nullable=True)
    type: Mapped[NoteType] = enum_column(NoteType, default=NoteType.GENERAL)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    reminder_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminder_title: Mapped[str | None] = mapped_column(String(200), nullable=True)


class OutboxMail(Base):
    """A mail to send; kept after it is sent, marked with `sent_at`. Retried with back-off until then."""

    __tablename__ = "outbox_mails"

    id: Mapped[int] = pk()
    recipient: Mapped[str] = mapped_column(String(254))
    message: Mapped[str] = mapped_column(Text)  # the whole RFC 5322 message
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, index=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
