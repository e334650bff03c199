"""Web sessions: sign-in with a password, the login throttle, and the session behind a cookie.

The cookie holds a random secret; the database keeps only its SHA-256 (`web_sessions.secret_hash`).
Failed logins are rows of `login_failures` keyed by the SHA-256 of the lower-cased email, so
every worker on the database shares one throttle.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from schema.fastpath.reader import Reader, shape
from server.access.models import LoginFailure, User, WebSession, detached
from server.access.passwords import hash_password, token_hash, verify_password
from server.config import Settings
from server.db.base import now
from server.errors import DomainError, ErrorCode

SESSION_COOKIE = "clientele_session"
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often per session
SWEEP_EVERY = 64  # every 64th failure row also deletes every email's expired rows
# One answer for a wrong password, an unknown email, an inactive user and a paused email alike.
LOGIN_REFUSED = (
    "the email or password is wrong, or sign-in for this email is paused after "
    "too many failed attempts: try again later"
)


@dataclass(frozen=True)
class Throttle:
    """`max_failures` failed logins within `window` refuse every attempt for `lockout` after the last."""

    max_failures: int
    window: dt.timedelta
    lockout: dt.timedelta

    @classmethod
    def of(cls, settings: Settings) -> Throttle:
        return cls(
            settings.login_max_failures,
            dt.timedelta(minutes=settings.login_window_minutes),
            dt.timedelta(minutes=settings.login_lockout_minutes),
        )

    def paused(self, failures: list[dt.datetime], at: dt.datetime) -> bool:
        """`failures`: the newest `max_failures` failure times, newest first."""
        if self.max_failures <= 0 or len(failures) < self.max_failures:
            return False
        newest, oldest = failures[0], failures[self.max_failures - 1]
        return newest - oldest < self.window and at < newest + self.lockout

    @property
    def horizon(self) -> dt.timedelta:
        """Failures older than this can no longer pause anything."""
        return self.window + self.lockout


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def new_session_secret() -> str:
    return secrets.token_urlsafe(32)


@functools.cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows: verified against when there is no user, so that an
    unknown email costs the same argon2 work as a known one."""
    return hash_password(secrets.token_urlsafe(32))


async def _verify(password_hash: str | None, password: str) -> bool:
    """One argon2 verification, always, off the event loop."""
    real = password_hash is not None
    ok = await asyncio.to_thread(
        verify_password, password_hash if real else _dummy_hash(), password
    )
    return ok and real


async def login(
    session: AsyncSession, *, email: str, password: str, throttle: Throttle
) -> tuple[User, str]:
    """Signs a user in: the user and the new session's secret (the cookie's value, never stored).

    The attempt counts as a failure before the password is checked, and the row is removed again
    on success: parallel attempts cannot get past the throttle while their checks run.
    """
    key, at = email_key(email), now()
    async with session.begin():
        await _lock_email(session, key)
        user = await session.scalar(select(User).where(User.email == email.strip().lower()))
        failures = list(
            await session.scalars(
                select(LoginFailure.at)
                .where(LoginFailure.email_key == key, LoginFailure.at > at - throttle.horizon)
                .order_by(LoginFailure.at.desc())
                .limit(max(throttle.max_failures, 1))
            )
        )
        paused = throttle.paused(failures, at)
        attempt = None
        if not paused:
            attempt = LoginFailure(email_key=key, at=at)
            session.add(attempt)
            await session.flush()
            await _forget_old_failures(session, key, at - throttle.horizon, attempt.id)
    ok = await _verify(user.password_hash if user is not None else None, password)
    if paused or not ok or user is None or not user.active:
        raise DomainError.one(ErrorCode.INVALID, LOGIN_REFUSED, ["password"])
    secret = new_session_secret()
    assert attempt is not None  # not paused: this attempt was recorded above
    async with session.begin():
        await session.execute(delete(LoginFailure).where(LoginFailure.id == attempt.id))
        session.add(
            WebSession(
                user_id=user.id, secret_hash=token_hash(secret), created_at=at, last_seen_at=at
            )
        )
    return user, secret


async def _lock_email(session: AsyncSession, key: str) -> None:
    """Serialises attempts for one email on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(int(key[:15], 16))))


async def _forget_old_failures(
    session: AsyncSession, key: str, before: dt.datetime, row_id: int
) -> None:
    """Deletes this email's failures that can no longer count; now and then everyone's."""
    stmt = delete(LoginFailure).where(LoginFailure.at < before)
    if row_id % SWEEP_EVERY:
        stmt = stmt.where(LoginFailure.email_key == key)
    await session.execute(stmt)


@shape
def _by_secret() -> Any:
    """The active user and their session, not ended and used since the bind parameter `since`,
    whose secret's hash is the bind parameter `hash`."""
    sessions = WebSession.__table__
    return (
        select(*User.__table__.c, *(c.label(f"session_{c.name}") for c in sessions.c))
        .join_from(User.__table__, sessions, sessions.c.user_id == User.id)
        .where(
            sessions.c.secret_hash == bindparam("hash"),
            sessions.c.ended_at.is_(None),
            sessions.c.last_seen_at > bindparam("since"),
            User.active.is_(True),
        )
    )


async def user_for_session(
    reader: Reader, secret: str, idle: dt.timedelta
) -> tuple[User, WebSession] | None:
    """The active user of a session that is not ended and was used within `idle`, or None: one
    Core statement, the first of the request's read transaction."""
    rows = await reader.rows(_by_secret(), {"hash": token_hash(secret), "since": now() - idle})
    if not rows:
        return None
    values = rows[0]._asdict()
    return detached(User, values), detached(WebSession, values, "session_")


def needs_touch(last_seen_at: dt.datetime | None) -> bool:
    return last_seen_at is None or now() - last_seen_at >= TOUCH_EVERY


async def touch_session(session: AsyncSession, session_id: int) -> None:
    """Records that the session was used (the condition keeps concurrent workers to one write)."""
    at = now()
    async with session.begin():
        await session.execute(
            update(WebSession)
            .where(WebSession.id == session_id, WebSession.last_seen_at <= at - TOUCH_EVERY)
            .values(last_seen_at=at)
        )


async def end_session(session: AsyncSession, *, session_id: int) -> None:
    """Signs out: the session's cookie no longer authenticates, on any worker."""
    async with session.begin():
        await session.execute(
            update(WebSession)
            .where(WebSession.id == session_id, WebSession.ended_at.is_(None))
            .values(ended_at=now())
        )
