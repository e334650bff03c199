"""Who is asking: the user behind a bearer token (web sessions come with the access release)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from server.access import service as access
from server.access.models import ApiToken, User
from server.db.engine import Database


@dataclass(frozen=True)
class Identity:
    user: User | None = None
    token: ApiToken | None = None


class BadCredentials(Exception):
    """An Authorization header that names no active token."""


async def identify(request: Request, database: Database) -> Identity:
    header = request.headers.get("authorization")
    if not header:
        return Identity()
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise BadCredentials("Authorization must be `Bearer <token>`")
    async with database.read_session() as session:
        found = await access.user_for_token(session, secret.strip())
    if found is None:
        raise BadCredentials("the bearer token is unknown, revoked, or its user is inactive")
    return Identity(user=found[0], token=found[1])
