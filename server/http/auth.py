"""Who is asking: the user behind `Authorization: Bearer <token>`, else behind the session cookie.

A request signed in by the cookie alone must carry `X-Requested-With` (any value): a cross-site
form cannot send it, and a cross-site script cannot without a CORS preflight that this server
never grants. A GET of a file (an export, a reminder) is the exception: it changes nothing and
its answer cannot be read by another site, so a plain download link works. A cookie that names
no live session (unknown, ended, idle too long, inactive user) counts as no cookie: the request
goes on without a user, so a stale cookie never breaks a public query.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from schema.fastpath.reader import Reader
from server.access import sessions, tokens
from server.access.models import ApiToken, User, WebSession
from server.config import Settings
from server.db.engine import Database

REQUESTED_WITH = "x-requested-with"


@dataclass(frozen=True)
class Identity:
    user: User | None = None
    token: ApiToken | None = None
    web_session: WebSession | None = None


class BadCredentials(Exception):
    """An Authorization header that names no active token (401). Every endpoint answers
    `status` with `headers`, so that they all refuse alike."""

    status = 401

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"} if self.status == 401 else {}


class MissingRequestedWith(BadCredentials):
    """A live session cookie without `X-Requested-With`: refused (403), nothing runs."""

    status = 403

    def __init__(self) -> None:
        super().__init__(
            "a request signed in by the session cookie must carry the header X-Requested-With"
        )


async def identify(
    request: Request,
    database: Database,
    settings: Settings | None = None,
    reader: Reader | None = None,
) -> Identity:
    """The caller. Raises BadCredentials for a bad bearer token, MissingRequestedWith for a live
    cookie without `X-Requested-With`. Records the token's or session's use, at most once a minute.

    Looks the caller up on `reader`, the request's read connection, when given (its read
    transaction then starts here: one connection and one transaction for the whole request)."""
    if reader is None:
        reader = Reader(database)
        try:
            return await identify(request, database, settings, reader)
        finally:
            await reader.close()
    header = request.headers.get("authorization")
    if not header:
        return await _by_cookie(request, database, settings or _settings(request), reader)
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise BadCredentials("Authorization must be `Bearer <token>`")
    found = await tokens.user_for_token(reader, secret.strip())
    if found is None:
        raise BadCredentials("the bearer token is unknown, revoked, or its user is inactive")
    if tokens.needs_touch(found[1].last_used_at):
        await reader.end()  # no read connection held while waiting for the write one
        async with database.write_session() as session:
            await tokens.touch_token(session, found[1].id)
    return Identity(user=found[0], token=found[1])


async def _by_cookie(
    request: Request, database: Database, settings: Settings, reader: Reader
) -> Identity:
    secret = request.cookies.get(sessions.SESSION_COOKIE)
    if not secret:
        return Identity()
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    found = await sessions.user_for_session(reader, secret, idle)
    if found is None:
        return Identity()
    if not request.headers.get(REQUESTED_WITH) and not _download(request):
        raise MissingRequestedWith()
    if sessions.needs_touch(found[1].last_seen_at):
        await reader.end()  # no read connection held while waiting for the write one
        async with database.write_session() as session:
            await sessions.touch_session(session, found[1].id)
    return Identity(user=found[0], web_session=found[1])


def _download(request: Request) -> bool:
    """A GET (or HEAD) of a file (an export, a reminder's .ics): it changes nothing, and what it
    answers no other site can read (no CORS), so a link may fetch it with the cookie alone.
    /graphql is not one: its GETs answer data to scripts."""
    return request.method in ("GET", "HEAD") and not request.url.path.startswith("/graphql")


def _settings(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or Settings()


def is_https(request: Request, settings: Settings) -> bool:
    """Whether the client reached us over https: the request's scheme, or the X-Forwarded-Proto
    of a proxy listed in CLIENTELE_TRUSTED_PROXIES."""
    if request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto")
    if (
        not forwarded
        or request.client is None
        or not _trusted(request.client.host, settings.trusted_proxies)
    ):
        return False
    return forwarded.split(",")[0].strip().lower() == "https"


def _trusted(host: str, proxies: tuple[str, ...]) -> bool:
    if "*" in proxies:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    for proxy in proxies:
        try:
            if address in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


def set_cookies(
    response: Response, cookies: dict[str, str | None], request: Request, settings: Settings
) -> Response:
    """Applies the cookies a request's resolvers set (None deletes one): HttpOnly, SameSite=Lax,
    Path=/, and Secure when the client came over https."""
    if not cookies:
        return response
    secure = is_https(request, settings)
    for name, value in cookies.items():
        if value is None:
            response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
        else:
            response.set_cookie(name, value, path="/", secure=secure, httponly=True, samesite="lax")
    return response
