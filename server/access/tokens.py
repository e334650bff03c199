"""Partner API tokens through the API: create for oneself, list, revoke, and record their use.

The secret (`clt_…`) is shown once; only its SHA-256 is stored (`api_tokens.token_hash`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from schema.fastpath.reader import Reader, shape
from server.access import policy
from server.access.models import ApiToken, Role, TokenScope, User, detached
from server.access.passwords import new_token_secret, token_hash
from server.audit import service as audit
from server.db.base import now
from server.errors import DomainError, ErrorCode, Problems

TOUCH_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often per token
MAX_NAME = 200


async def create_token(
    session: AsyncSession, *, name: str, scopes: Iterable[TokenScope], actor: policy.Actor
) -> tuple[ApiToken, str]:
    """A new token of the signed-in user (the actor), with READ always included; returns it and
    its secret."""
    problems = Problems(prefix=())
    name = name.strip()
    if not name:
        problems.add(ErrorCode.REQUIRED, "name is required: say who or what uses the token", "name")
    elif len(name) > MAX_NAME:
        problems.add(ErrorCode.INVALID, f"name must be at most {MAX_NAME} characters", "name")
    problems.raise_if_any()
    wanted = set(scopes) | {TokenScope.READ}
    async with session.begin():
        user = await session.get(User, actor.id) if actor.id is not None else None
        if user is None or not user.active:
            raise DomainError.one(
                ErrorCode.FORBIDDEN, "only an active user can create tokens", None
            )
        secret = new_token_secret()
        token = ApiToken(
            user_id=user.id,
            name=name,
            token_hash=token_hash(secret),
            scopes=",".join(s.name for s in TokenScope if s in wanted),
            created_at=now(),
        )
        session.add(token)
        await session.flush()
        audit.record(
            session,
            actor_id=user.id,
            action="createApiToken",
            entity=token,
            changes={"name": [None, name], "scopes": [None, token.scopes]},
        )
    return token, secret


async def revoke_token(
    session: AsyncSession, *, token_id: int | None, actor: policy.Actor
) -> ApiToken:
    """Revokes a token at once: one's own, or any as ADMIN. Revoking a revoked token changes nothing."""
    async with session.begin():
        token = (
            await session.get(ApiToken, token_id, with_for_update=True)
            if token_id is not None
            else None
        )
        if token is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "id: no API token with that id", ["id"])
        try:
            actor_id = await policy.require(
                session, actor, "revokeApiToken", owner_id=token.user_id
            )
        except DomainError:  # the same refusal, at the field it concerns
            raise DomainError.one(
                ErrorCode.FORBIDDEN, "id: only its owner or an admin may revoke a token", ["id"]
            ) from None
        if token.revoked_at is None:
            token.revoked_at = now()
            audit.record(
                session,
                actor_id=actor_id,
                action="revokeApiToken",
                entity=token,
                changes={"revoked": [False, True]},
            )
    return token


def tokens_of(user: User) -> Select[tuple[ApiToken]]:
    """The tokens a user may see: their own; an admin every token. Newest first, revoked included."""
    stmt = select(ApiToken.__table__).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return stmt if user.role is Role.ADMIN else stmt.where(ApiToken.user_id == user.id)


@shape
def _by_hash() -> Any:
    """The active user and the token, not revoked, whose hash is the bind parameter `hash`."""
    token = ApiToken.__table__
    return (
        select(*User.__table__.c, *(c.label(f"token_{c.name}") for c in token.c))
        .join_from(User.__table__, token, token.c.user_id == User.id)
        .where(
            token.c.token_hash == bindparam("hash"),
            token.c.revoked_at.is_(None),
            User.active.is_(True),
        )
    )


async def user_for_token(reader: Reader, secret: str) -> tuple[User, ApiToken] | None:
    """The active user behind a bearer token that is not revoked, or None: one Core statement,
    the first of the request's read transaction."""
    rows = await reader.rows(_by_hash(), {"hash": token_hash(secret)})
    if not rows:
        return None
    values = rows[0]._asdict()
    return detached(User, values), detached(ApiToken, values, "token_")


def needs_touch(last_used_at: dt.datetime | None) -> bool:
    return last_used_at is None or now() - last_used_at >= TOUCH_EVERY


async def touch_token(session: AsyncSession, token_id: int) -> None:
    """Records the token's use; the condition keeps concurrent workers to one write a minute."""
    at = now()
    async with session.begin():
        await session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= at - TOUCH_EVERY),
            )
            .values(last_used_at=at)
        )
