"""An app with chosen limit settings, its limits, and a clock that moves only when told."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.db.engine import Database
from server.limits import Limits
from tests.conftest import Api, make_token, settings_for

GRAPHQL_RESPONSE = "application/graphql-response+json"
REDIS = ("127.0.0.1", 6379)


def redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


class Clock:
    """A clock for the buckets: time passes only with `advance`."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Limited:
    api: Api
    limits: Limits
    clock: Clock


def limits_of(app: Any) -> Limits:
    """The `Limits` of an app's GraphQL endpoint."""
    route = next(r for r in app.routes if getattr(r, "path", None) == "/graphql")
    return route.endpoint.__self__.limits


@pytest.fixture
async def limited(database: Database) -> AsyncIterator[Callable[..., Awaitable[Limited]]]:
    """`await limited(bucket_size=10, ...)`: the HTTP app with those settings and a frozen clock."""
    clients: list[httpx.AsyncClient] = []
    apps: list[Limits] = []
    token: list[str] = []

    async def make(**overrides: Any) -> Limited:
        app = create_app(replace(settings_for(database), **overrides), database)
        if not token:
            token.append(await make_token(database))
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        clients.append(client)
        limits = limits_of(app)
        apps.append(limits)
        clock = Clock()
        limits.store.clock = clock
        return Limited(Api(client, token[0], database), limits, clock)

    yield make
    for client in clients:
        await client.aclose()
    for limits in apps:
        await limits.close()
