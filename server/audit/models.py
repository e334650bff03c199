"""The audit log: who changed what, when, field by field."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, UTCDateTime, now, pk


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id", "at"),)

    id: Mapped[int] = pk()
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changes: Mapped[dict | list] = mapped_column(JSON)
    revertible: Mapped[bool] = mapped_column(Boolean, default=False)
    reverted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("audit_events.id"), nullable=True, index=True
    )


class AuditEventEntity(Base):
    """A record a change of many touched (a bulk update, its revert): listed with the record's
    own events by `auditEvents(entityId:)`."""

    __tablename__ = "audit_event_entities"
    __table_args__ = (
        Index("ix_audit_event_entities_entity", "entity_type", "entity_id", "event_id"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
