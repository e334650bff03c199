"""One bucket shared by two server processes: drained through one, the other answers 429.

With the database store on PostgreSQL (CLIENTELE_TEST_POSTGRES_URL) and with the Redis store
(Redis on 127.0.0.1:6379); skipped, saying why, when either is not there.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from server.db.engine import Database
from server.db.migrate import upgrade
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL, _empty, make_token, run_async
from tests.limits.conftest import redis_reachable
from tests.limits.servers import two_servers

FIVE = "{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(5)) + " }"  # costs 5
# 10 points that come back only after a day: the test never waits for them
SMALL_BUCKET = {"CLIENTELE_BUCKET_SIZE": "10", "CLIENTELE_REFILL_RATE": "0.0001"}


async def _prepared(url: str) -> str:
    """The database migrated and emptied, with an admin's token."""
    database = Database(url)
    try:
        await upgrade(database)
        if not database.is_sqlite:
            await _empty(database)
        return await make_token(database)
    finally:
        await database.dispose()


def post(base_url: str, token: str) -> httpx.Response:
    return httpx.post(f"{base_url}/graphql", json={"query": FIVE}, timeout=30,
                      headers={"Authorization": f"Bearer {token}"})


def drain_through_one_refused_by_other(database_url: str, **env: str) -> None:
    token = run_async(_prepared(database_url))
    with two_servers(database_url, **SMALL_BUCKET, **env) as (one, other):
        first, second = post(one.base_url, token), post(one.base_url, token)
        refused = post(other.base_url, token)
        assert first.status_code == second.status_code == 200, (first.text, second.text)
        assert second.json()["extensions"]["cost"]["currentlyAvailable"] == 0
        assert refused.status_code == 429, refused.text
        assert refused.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert int(refused.headers["Retry-After"]) > 0


@pytest.mark.skipif(not POSTGRES_URL, reason=POSTGRES_SKIP)
def test_database_store__two_processes_share_one_bucket(postgres_url):
    drain_through_one_refused_by_other(postgres_url, CLIENTELE_LIMITS_STORE="database")


@pytest.mark.skipif(not redis_reachable(), reason="Redis tests skipped: no Redis on 127.0.0.1:6379")
def test_redis_store__two_processes_share_one_bucket(tmp_path: Path):
    # SQLite is enough here: the bucket lives in Redis, under keys of this test's own
    drain_through_one_refused_by_other(f"sqlite+aiosqlite:///{tmp_path / 'shared.sqlite3'}",
                                       CLIENTELE_REDIS_URL="redis://127.0.0.1:6379/0",
                                       CLIENTELE_REDIS_PREFIX=f"clientele-test-{uuid.uuid4().hex}:")

