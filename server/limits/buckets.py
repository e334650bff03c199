"""Cost buckets (SPEC §9): each caller has `bucket_size` points, refilled at `refill_rate` a second.

A request takes its requested cost before it runs, or is refused (THROTTLED) taking nothing.
What it did not use is given back after it ran. Three stores keep the buckets:

- `MemoryStore`: in the worker's memory; one worker only (the SQLite default).
- `DatabaseStore`: the `rate_buckets` table, one atomic upsert per request, shared by every
  worker and machine on the database.
- `RedisStore`: one atomic Lua script per request.

The shared stores fold what is given back into the caller's next take from the same worker, so
that a request costs one round trip: a refund is late, never early, so a bucket there is never
looser than the exact one. The memory store gives back at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, String, bindparam, text

from server.config import Settings
from server.db.engine import Database


@dataclass(frozen=True)
class Take:
    taken: bool
    available: float  # points left after the take (or without it, when refused)

    def retry_after(self, cost: int, rate: float) -> int:
        """Whole seconds until the bucket holds `cost` again (at least 1)."""
        return max(1, math.ceil((cost - self.available) / rate)) if rate > 0 else 3600


class StoreUnavailable(Exception):
    """The shared bucket store cannot be reached: requests are refused (503), not let through
    unlimited."""


class Store:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.size, self.rate, self.clock = settings.bucket_size, settings.refill_rate, clock
        self.pending: dict[
            str, float
        ] = {}  # points to give back with the next take (shared stores)

    async def take(self, key: str, cost: int) -> Take:
        refund = self.pending.pop(key, 0.0)
        try:
            return await self._take(key, cost, refund, self.clock())
        except BaseException:
            if refund:  # not folded in: kept for the next take
                self.pending[key] = self.pending.get(key, 0.0) + refund
            raise

    async def give_back(self, key: str, points: float, available: float) -> float:
        """Returns what the caller now has (as far as this worker knows)."""
        if points > 0:
            self.pending[key] = self.pending.get(key, 0.0) + points
        return min(self.size, available + points)

    async def _take(self, key: str, cost: int, refund: float, now: float) -> Take:
        raise NotImplementedError

    async def peek(self, key: str) -> float:
        """The points the caller has now, taking nothing."""
        raise NotImplementedError

    async def ping(self) -> None:
        """Raises StoreUnavailable when the store cannot be reached (`/readyz`)."""

    async def close(self) -> None:
        pass


class MemoryStore(Store):
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        super().__init__(settings, clock)
        self.buckets: dict[str, tuple[float, float]] = {}  # key: (points, at)

    def _refilled(self, key: str, now: float) -> float:
        points, at = self.buckets.get(key, (self.size, now))
        return min(self.size, points + max(0.0, now - at) * self.rate)

    async def _take(self, key: str, cost: int, refund: float, now: float) -> Take:
        points = min(self.size, self._refilled(key, now) + refund)
        taken = points >= cost
        if taken:
            points -= cost
        self.buckets[key] = (points, now)
        return Take(taken, points)

    async def peek(self, key: str) -> float:
        return self._refilled(key, self.clock())

    async def give_back(self, key: str, points: float, available: float) -> float:
        if points <= 0:
            return available
        now = self.clock()
        left = min(self.size, self._refilled(key, now) + points)
        self.buckets[key] = (left, now)
        return left


# The bucket is refilled, the refund folded in, and the cost taken only when it fits; a refused take
# changes no row, so RETURNING gives nothing and a second statement reads what is there.
UPSERT = """
INSERT INTO rate_buckets (key, points, updated_at) VALUES (:key, :size - :cost, :now)
ON CONFLICT (key) DO UPDATE SET
    points = {least}(:size, rate_buckets.points + {greatest}(0, :now - rate_buckets.updated_at) * :rate + :refund)
             - :cost,
    updated_at = {greatest}(rate_buckets.updated_at, :now)
WHERE {least}(:size, rate_buckets.points + {greatest}(0, :now - rate_buckets.updated_at) * :rate + :refund)
      >= :cost
RETURNING points
"""
PEEK = "SELECT points, updated_at FROM rate_buckets WHERE key = :key"


class DatabaseStore(Store):
    def __init__(
        self, settings: Settings, database: Database, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(settings, clock)
        self.database = database
        functions = (
            {"least": "MIN", "greatest": "MAX"}
            if database.is_sqlite
            else {"least": "LEAST", "greatest": "GREATEST"}
        )
        self.upsert = text(UPSERT.format(**functions)).bindparams(
            bindparam("key", type_=String),
            bindparam("size", type_=Float),
            bindparam("cost", type_=Integer),
            bindparam("now", type_=Float),
            bindparam("rate", type_=Float),
            bindparam("refund", type_=Float),
        )

    async def _take(self, key: str, cost: int, refund: float, now: float) -> Take:
        parameters = {
            "key": key,
            "size": self.size,
            "cost": cost,
            "now": now,
            "rate": self.rate,
            "refund": refund,
        }
        async with self.database.write_engine.begin() as connection:
            points = (await connection.execute(self.upsert, parameters)).scalar()
        if points is not None:
            return Take(True, float(points))
        if refund:
            self.pending[key] = (
                self.pending.get(key, 0.0) + refund
            )  # not applied: keep it for later
        return Take(False, await self._peek(key, now))

    async def peek(self, key: str) -> float:
        return await self._peek(key, self.clock())

    async def _peek(self, key: str, now: float) -> float:
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(text(PEEK), {"key": key})).first()
        return (
            self.size
            if row is None
            else min(self.size, row[0] + max(0.0, now - row[1]) * self.rate)
        )


# KEYS[1]: the bucket; ARGV: size, rate, now, cost, refund, expiry seconds. Returns {taken, points}.
LUA = """
local size, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cost, refund, expiry = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local stored = redis.call('HMGET', KEYS[1], 'points', 'at')
local points, at = tonumber(stored[1]) or size, tonumber(stored[2]) or now
points = math.min(size, points + math.max(0, now - at) * rate + refund)
local taken = 0
if points >= cost then
    points = points - cost
    taken = 1
end
redis.call('HSET', KEYS[1], 'points', tostring(points), 'at', tostring(math.max(at, now)))
redis.call('EXPIRE', KEYS[1], expiry)
return {taken, tostring(points)}
"""


class RedisStore(Store):
    def __init__(
        self, settings: Settings, url: str, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(settings, clock)
        import redis.asyncio as redis

        self.client: Any = redis.from_url(url)
        self.errors = (redis.RedisError, OSError)  # refused, reset, timed out
        self.prefix = f"{settings.redis_prefix}bucket:"
        self.script = self.client.register_script(LUA)
        # a full bucket needs no key: it expires once it would have refilled
        self.expiry = max(60, math.ceil(self.size / self.rate) + 60) if self.rate > 0 else 86_400

    async def _take(self, key: str, cost: int, refund: float, now: float) -> Take:
        try:
            taken, points = await self.script(
                keys=[self.prefix + key],
                args=[self.size, self.rate, repr(now), cost, refund, self.expiry],
            )
        except self.errors as error:
            raise StoreUnavailable(f"Redis: {error}") from error
        return Take(bool(int(taken)), float(points))

    async def peek(self, key: str) -> float:
        try:
            points, at = await self.client.hmget(self.prefix + key, "points", "at")
        except self.errors as error:
            raise StoreUnavailable(f"Redis: {error}") from error
        if points is None:
            return self.size
        return min(self.size, float(points) + max(0.0, self.clock() - float(at)) * self.rate)

    async def ping(self) -> None:
        try:
            await self.client.ping()
        except self.errors as error:
            raise StoreUnavailable(f"Redis: {error}") from error

    async def close(self) -> None:
        await self.client.aclose()


def store_kind(settings: Settings) -> str:
    """`limits_store` when set; else Redis with a URL, the database for PostgreSQL with several
    workers, else memory."""
    if settings.limits_store:
        if settings.limits_store not in {"memory", "database", "redis"}:
            raise ValueError(
                f"CLIENTELE_LIMITS_STORE must be memory, database or redis, "
                f"not {settings.limits_store!r}"
            )
        return settings.limits_store
    if settings.redis_url:
        return "redis"
    if not settings.is_sqlite and settings.workers > 1:
        return "database"
    return "memory"


def make_store(settings: Settings, database: Database) -> Store:
    kind = store_kind(settings)
    if kind == "redis":
        if not settings.redis_url:
            raise ValueError("CLIENTELE_LIMITS_STORE=redis needs CLIENTELE_REDIS_URL")
        return RedisStore(settings, settings.redis_url)
    if kind == "database":
        return DatabaseStore(settings, database)
    return MemoryStore(settings)
