"""Users and API tokens: creation and authentication."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.access.models import ApiToken, Role, TokenScope, User
from server.access.passwords import hash_password, new_token_secret, token_hash
from server.db.base import now
from server.errors import DomainError, ErrorCode, Problems
from server.validate import EMAIL

MIN_PASSWORD = 10


async def create_user(session: AsyncSession, *, email: str, name: str, role: Role,
                      password: str | None = None) -> User:
    """A new active user; the email is unique, case-insensitively."""
    problems = Problems()
    email = email.strip().lower()
    if not EMAIL.match(email):
        problems.add(ErrorCode.INVALID, "email must be an email address like name@example.com", "email")
    if not name.strip():
        problems.add(ErrorCode.REQUIRED, "name is required", "name")
    if password is not None and len(password) < MIN_PASSWORD:
        problems.add(ErrorCode.INVALID, f"password must be at least {MIN_PASSWORD} characters", "password")
    problems.raise_if_any()
    async with session.begin():
        if await session.scalar(select(User.id).where(User.email == email)) is not None:
            raise DomainError.one(ErrorCode.DUPLICATE, f"a user with email {email} exists", ["input", "email"])
        user = User(email=email, name=name.strip(), role=role, active=True,
                    password_hash=hash_password(password) if password else None)
        session.add(user)
    return user


async def create_token(session: AsyncSession, *, email: str, name: str,
                       scopes: Iterable[TokenScope]) -> tuple[ApiToken, str]:
    """A new API token for the user; returns it with its secret, which is never stored."""
    wanted = set(scopes) | {TokenScope.READ}
    async with session.begin():
        user = await session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None or not user.active:
            raise DomainError.one(ErrorCode.NOT_FOUND, f"no active user with email {email}", ["email"])
        secret = new_token_secret()
        token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(secret),
                         scopes=",".join(s.name for s in TokenScope if s in wanted))
        session.add(token)
    return token, secret


async def user_for_token(session: AsyncSession, secret: str) -> tuple[User, ApiToken] | None:
    """The active user behind a bearer token that is not revoked, or None."""
    stmt = (select(User, ApiToken).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == token_hash(secret), ApiToken.revoked_at.is_(None), User.active.is_(True)))
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def touch_token(session: AsyncSession, token_id: int) -> None:
    async with session.begin():
        await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now()))
