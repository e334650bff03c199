"""Users and API tokens: creation, changes, deactivation and authentication."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import records
from server.access import policy, tokens
from server.access.commands import UserFields
from server.access.models import ApiToken, Role, TokenScope, User, WebSession
from server.access.passwords import hash_password
from server.audit import service as audit
from server.db.base import now
from server.errors import DomainError, ErrorCode, Problems
from server.validate import EMAIL

Data = dict[str, Any]

MIN_PASSWORD = 10
SELF_SERVICE = frozenset({"name"})  # with the password: what a user may change of their own
PASSWORD_CHANGED = ["(hidden)", "(changed)"]  # the audit trail says that it changed, never what to


def _check_email(problems: Problems, email: str | None) -> str | None:
    if email is None or not email.strip():
        problems.add(ErrorCode.REQUIRED, "email is required", "email")
        return None
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        problems.add(
            ErrorCode.INVALID, "email must be an email address like name@example.com", "email"
        )
    return email


def _check_name(problems: Problems, name: str | None) -> str | None:
    if name is None or not name.strip():
        problems.add(ErrorCode.REQUIRED, "name is required", "name")
        return None
    if len(name.strip()) > 200:
        problems.add(ErrorCode.INVALID, "name must be at most 200 characters", "name")
    return name.strip()


def _check_password(problems: Problems, password: str | None) -> None:
    if password is not None and len(password) < MIN_PASSWORD:
        problems.add(
            ErrorCode.INVALID, f"password must be at least {MIN_PASSWORD} characters", "password"
        )


async def _check_email_free(session: AsyncSession, email: str, user_id: int | None) -> None:
    taken = await session.scalar(select(User.id).where(func.lower(User.email) == email))
    if taken is not None and taken != user_id:
        raise DomainError.one(
            ErrorCode.DUPLICATE, f"a user with email {email} exists", ["input", "email"]
        )


async def create_user(session: AsyncSession, *, fields: UserFields, actor: policy.Actor) -> User:
    """A new user (ADMIN only; the CLI acts as the system); the email is unique, case-insensitively.

    Without a password the user can act only through API tokens. The audit event never holds the
    password or its hash.
    """
    policy.refuse_early(actor, "createUser")
    data = fields.given()
    role, password = data.get("role"), data.get("password")
    problems = Problems()
    email, name = _check_email(problems, data.get("email")), _check_name(problems, data.get("name"))
    if role is None:
        problems.add(ErrorCode.REQUIRED, "role is required", "role")
    _check_password(problems, password)
    password_hash = hash_password(password) if password and not problems else None
    async with session.begin():
        actor_id = await policy.require(session, actor, "createUser")
        if email is not None:
            with problems.gathering():
                await _check_email_free(session, email, None)
        problems.raise_if_any()
        user = User(
            email=email,
            name=name,
            role=role,
            active=data.get("active") is not False,
            password_hash=password_hash,
        )
        session.add(user)
        await session.flush()
        changes = audit.created(
            user, {"email": email, "name": name, "role": role, "active": user.active}
        )
        if password_hash is not None:
            changes["password"] = PASSWORD_CHANGED
        audit.record(session, actor_id=actor_id, action="createUser", entity=user, changes=changes)
    return user


async def update_user(
    session: AsyncSession,
    *,
    user_id: int,
    fields: UserFields,
    actor: policy.Actor,
    current_session_id: int | None = None,
) -> User:
    """Changes the fields the input names (UserInput, by GraphQL name). An ADMIN changes anyone;
    everyone else only their own name and password. Deactivating ends the user's web sessions
    and revokes their API tokens in the same transaction; the last active ADMIN cannot be
    demoted or deactivated. A new password ends the user's web sessions but the one that set it
    (`current_session_id`): whoever knew the old one is signed out; tokens stay."""
    data = fields.given()
    problems = Problems()
    columns: Data = {}
    if "email" in data:
        columns["email"] = _check_email(problems, data["email"])
    if "name" in data:
        columns["name"] = _check_name(problems, data["name"])
    for field in ("role", "active"):
        if field in data:
            if data[field] is None:
                problems.add(ErrorCode.REQUIRED, f"{field} cannot be cleared", field)
            columns[field] = data[field]
    password = data.get("password")
    if "password" in data and password is None:
        problems.add(ErrorCode.REQUIRED, "password cannot be cleared: set a new one", "password")
    _check_password(problems, password)
    password_hash = hash_password(password) if password and not problems else None
    async with session.begin():
        actor_id = await policy.require(session, actor, "updateUser", owner_id=user_id)
        if columns.get("role") not in (None, Role.ADMIN) or columns.get("active") is False:
            await _lock_admins(session)
        user = await records.get_for_update(session, User, user_id, "id", problems)
        columns = {
            column: value for column, value in columns.items() if getattr(user, column) != value
        }
        if not policy.allows(actor.role, "updateUser") and set(columns) - SELF_SERVICE:
            field = sorted(set(columns) - SELF_SERVICE)[0]
            raise policy.forbidden(
                f"{field}: you may change only your own name and password; "
                "ask an admin for the rest",
                "input",
                field,
            )
        if columns.get("email") is not None:
            with problems.gathering():
                await _check_email_free(session, columns["email"], user.id)
        with problems.gathering():
            await _keep_an_admin(session, user, columns)
        problems.raise_if_any()
        changes = audit.apply_changes(user, columns)
        if password_hash is not None:
            user.password_hash = password_hash
            changes["password"] = PASSWORD_CHANGED
        if changes:
            user.version += 1
            audit.record(
                session, actor_id=actor_id, action="updateUser", entity=user, changes=changes
            )
        if columns.get("active") is False:
            await end_access(session, user.id)
        elif password_hash is not None:
            await session.execute(
                update(WebSession)
                .where(
                    WebSession.user_id == user.id,
                    WebSession.ended_at.is_(None),
                    WebSession.id != (current_session_id or 0),
                )
                .values(ended_at=now())
            )
        await session.flush()
    return user


async def _lock_admins(session: AsyncSession) -> None:
    """Locks the active admins in id order, so that two admins demoting each other at once
    cannot both see the other one as the admin who is left (PostgreSQL; SQLite serialises writers)."""
    await session.execute(
        select(User.id)
        .where(User.role == Role.ADMIN, User.active.is_(True))
        .order_by(User.id)
        .with_for_update()
    )


async def _keep_an_admin(session: AsyncSession, user: User, columns: Data) -> None:
    """Refuses a change that would leave no active ADMIN."""
    leaving = (
        user.active
        and user.role is Role.ADMIN
        and (
            columns.get("role", Role.ADMIN) is not Role.ADMIN
            or columns.get("active", True) is False
        )
    )
    if not leaving:
        return
    others = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    )
    if not others:
        field = "role" if "role" in columns else "active"
        raise DomainError.one(
            ErrorCode.INVALID,
            f"{field}: {user.email} is the last active admin; make another user an admin first",
            ["input", field],
        )


async def end_access(session: AsyncSession, user_id: int) -> None:
    """Ends every web session and revokes every API token of the user, at once."""
    at = now()
    await session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=at)
    )
    await session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def create_token(
    session: AsyncSession, *, email: str, name: str, scopes: Iterable[TokenScope]
) -> tuple[ApiToken, str]:
    """A new API token for the active user with this email (the CLI's `create-token`); returns it
    with its secret, which is never stored. The rules are `tokens.create_token`'s."""
    async with session.begin():
        user = await session.scalar(
            select(User).where(User.email == email.strip().lower(), User.active.is_(True))
        )
    if user is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, f"no active user with email {email}", ["email"])
    return await tokens.create_token(session, name=name, scopes=scopes, actor=policy.Actor.of(user))
