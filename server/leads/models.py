"""Sales leads, their programs and sources, and the record of every state change."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, UTCDateTime, Versioned, enum_column, now, pk


class LeadState(enum.Enum):
    PENDING_QUALIFICATION = "PENDING_QUALIFICATION"
    DEVELOPMENT = "DEVELOPMENT"
    QUOTING = "QUOTING"
    CUSTOMER = "CUSTOMER"
    INACTIVE = "INACTIVE"


CLOSED_LEAD_STATES = (LeadState.CUSTOMER, LeadState.INACTIVE)


class LeadProgram(Versioned, Base):
    __tablename__ = "lead_programs"

    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LeadSource(Versioned, Base):
    __tablename__ = "lead_sources"

    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Lead(Versioned, Base):
    __tablename__ = "leads"

    id: Mapped[int] = pk()
    number: Mapped[int] = mapped_column(Integer, unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("lead_programs.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead_sources.id"), nullable=True, index=True
    )
    state: Mapped[LeadState] = enum_column(LeadState, index=True)
    inside_sales_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    outside_sales_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    assigned_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    probability: Mapped[int | None] = mapped_column(Integer, nullable=True)
    estimated_conversion_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    potential_value_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class LeadStateChange(Base):
    __tablename__ = "lead_state_changes"

    id: Mapped[int] = pk()
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    from_state: Mapped[LeadState | None] = enum_column(LeadState, nullable=True)
    to_state: Mapped[LeadState] = enum_column(LeadState)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    assigned_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
