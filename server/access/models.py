"""Users and API tokens."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, configure_mappers, mapped_column
from sqlalchemy.orm.attributes import manager_of_class

from server.db.base import Base, UTCDateTime, Versioned, enum_column, now, pk


class Role(enum.Enum):
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    SALES_REP = "SALES_REP"
    VIEWER = "VIEWER"


class TokenScope(enum.Enum):
    READ = "READ"
    WRITE = "WRITE"


class User(Versioned, Base):
    __tablename__ = "users"

    id: Mapped[int] = pk()
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = enum_column(Role)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(String(40))  # "READ" or "READ,WRITE"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the secret
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def scope_set(self) -> frozenset[TokenScope]:
        return frozenset(TokenScope[s] for s in self.scopes.split(",") if s)


class WebSession(Base):
    """A signed-in browser: the cookie holds a secret, the database only its sha256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginFailure(Base):
    """One failed login, by the sha256 of the lower-cased email: the throttle counts these."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_key_at", "email_key", "at"),)

    id: Mapped[int] = pk()
    email_key: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class RateBucket(Base):
    """A cost bucket shared by every worker: points left at `updated_at` (seconds since the epoch)."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    points: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


def detached(model: type, values: Any, prefix: str = "") -> Any:
    """A model instance, outside any session, from a record's `_asdict()` whose columns of the
    model's table are named `<prefix><column>` (a user read together with their token).

    Made as the ORM makes the objects it loads: without `__init__` and its attribute events
    (about 0.1 ms a request for the caller's two objects), its values set as loaded."""
    instance = _made_by(model)()
    instance.__dict__.update({key: values[name] for key, name in _named(model, prefix)})
    return instance


@functools.cache
def _made_by(model: type) -> Any:
    configure_mappers()  # as the constructor would
    return manager_of_class(model).new_instance


@functools.cache
def _named(model: type[Any], prefix: str) -> tuple[tuple[str, str], ...]:
    return tuple((c.key, f"{prefix}{c.name}") for c in model.__table__.c)
