"""Saved list views: a user's columns, sort and filter for one list."""

from __future__ import annotations

import enum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Versioned, enum_column, pk


class ListKind(enum.Enum):
    CUSTOMERS = "CUSTOMERS"
    LOCATIONS = "LOCATIONS"
    LEADS = "LEADS"


class ListView(Versioned, Base):
    __tablename__ = "list_views"
    __table_args__ = (Index("ix_list_views_user_kind", "user_id", "kind"),)

    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[ListKind] = enum_column(ListKind)
    name: Mapped[str] = mapped_column(String(200))
    columns: Mapped[list] = mapped_column(JSON)
    sort: Mapped[list] = mapped_column(JSON)
    filter: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
