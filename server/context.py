"""What one request carries: settings, the signed-in user, its read connection and loaders."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from schema.fastpath.reader import Reader
from server.access.models import ApiToken, User, WebSession
from server.access.policy import Actor
from server.config import Settings
from server.db.engine import Database, StatementLog, is_unique_violation
from server.errors import DomainError, ErrorCode
from server.loaders import Loaders

T = TypeVar("T")
log = logging.getLogger("clientele.write")


class RequestContext:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        user: User | None = None,
        token: ApiToken | None = None,
        log: StatementLog | None = None,
        web_session: WebSession | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.user = user
        self.token = token
        self.web_session = (
            web_session  # the session the cookie named, if that is how the caller signed in
        )
        self.response_cookies: dict[
            str, str | None
        ] = {}  # set by resolvers (None: delete), sent with the answer
        self.log = log
        self.today = dt.datetime.now(settings.zone).date()
        self.reader = Reader(database)
        self.wrote = False  # a write service has committed: the request is no longer safe to repeat
        self.loaders = Loaders(self.reader, self.today)

    @property
    def actor_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    @property
    def actor(self) -> Actor:
        """Who the services act for: the user and its role, or ANONYMOUS (never the system)."""
        return Actor.of(self.user)

    async def write(self, service: Callable[..., Awaitable[T]], **kwargs: Any) -> T:
        """Runs a service in its own write session, then makes the next reads see what it wrote.

        A service checks that a number or code is free before it writes it, but on PostgreSQL two
        requests can both find it free: the unique index refuses the second, which is then the
        DUPLICATE userError the check would have given, not an internal error (nothing was written)."""
        try:
            async with self.database.write_session() as session:
                done = await service(session, **kwargs)
            self.wrote = True
            return done
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
            log.info("a concurrent write took a unique value first: %s", error.orig)
            raise DomainError.one(
                ErrorCode.DUPLICATE,
                "another change took one of these values (a number or a "
                "code) a moment ago: choose another, or try again",
            ) from None
        finally:
            await self.after_write()

    async def after_write(self) -> None:
        await self.reader.end()
        self.loaders.clear()

    async def close(self) -> None:
        """Ends the request: its read connection goes back to the pool and stays closed, and the
        loads nothing will await are cancelled. Shielded, so that a request cancelled while it
        closes still gives its connection back."""
        await asyncio.shield(self._close())

    async def _close(self) -> None:
        self.loaders.cancel()
        try:
            await self.reader.close()
        finally:
            self.loaders.close()

    def session(self) -> AsyncSession:
        return self.database.read_session()
