"""Cost buckets: 429 with Retry-After once empty, refilled with time, refunds, and the stores."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.access.models import RateBucket
from server.config import Settings
from server.limits.buckets import DatabaseStore, MemoryStore, RedisStore, Store, StoreUnavailable, store_kind
from tests.conftest import make_token
from tests.limits.conftest import GRAPHQL_RESPONSE, Clock, redis_reachable

FIVE = "{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(5)) + " }"  # costs 5, uses 5


async def test_bucket__empty_answers_429_with_retry_after_then_refills(limited):
    # given: 10 points, refilled 2 a second, a clock that stands still
    setup = await limited(bucket_size=10, refill_rate=2)
    # when
    first = await setup.api.gql(FIVE)
    second = await setup.api.gql(FIVE)
    throttled = await setup.api.post(FIVE, headers={"Accept": GRAPHQL_RESPONSE})
    setup.clock.advance(2)  # 4 points back: not yet enough
    still = await setup.api.post(FIVE)
    setup.clock.advance(0.5)  # 5
    again = await setup.api.gql(FIVE)
    # then
    assert first["extensions"]["cost"]["currentlyAvailable"] == 5
    assert second["extensions"]["cost"]["currentlyAvailable"] == 0
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "3"  # 5 points at 2 a second: 2.5 s, rounded up
    body = throttled.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "THROTTLED", "retryAfter": 3}
    assert body["extensions"]["cost"] == {"requestedQueryCost": 5, "actualQueryCost": 0, "maximumAvailable": 10,
                                          "currentlyAvailable": 0, "restoreRate": 2}
    assert still.status_code == 429 and still.headers["Retry-After"] == "1"
    assert "errors" not in again and again["extensions"]["cost"]["currentlyAvailable"] == 0


async def test_bucket__refused_documents_are_not_charged(limited):
    # given
    setup = await limited(bucket_size=10, refill_rate=1)
    # when: over the alias limit, over the cost limit, invalid, throttled
    await setup.api.post("{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(31)) + " }")
    await setup.api.post("{ customers(first: 250) { edges { node { salesRep { name } } } } }")
    await setup.api.post("{ nowhere }")
    await setup.api.gql(FIVE)
    await setup.api.gql(FIVE)
    await setup.api.post(FIVE)  # 429
    # then: only the two answered took points, so 5 seconds later 5 are there, not more
    setup.clock.advance(5)
    answer = await setup.api.gql(FIVE)
    assert answer["extensions"]["cost"]["currentlyAvailable"] == 0


async def test_bucket__cost_over_the_bucket_is_too_complex_not_throttled(limited):
    # given
    setup = await limited(bucket_size=4, refill_rate=1)
    # when
    response = await setup.api.post(FIVE, headers={"Accept": GRAPHQL_RESPONSE})
    # then: it could never run, so waiting would not help
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_bucket__actual_cost_is_given_back(limited):
    # given
    setup = await limited()
    # when: 2 + 100 x (1 + 1) asked for, no customers: 2 used
    answer = await setup.api.gql("{ customers(first: 100) { edges { node { salesRep { name } } } } }")
    # then
    assert answer["extensions"]["cost"] == {"requestedQueryCost": 202, "actualQueryCost": 2,
                                            "maximumAvailable": 10000, "currentlyAvailable": 9998,
                                            "restoreRate": 500}


async def test_bucket__each_token_has_its_own(limited):
    # given: the admin's token drained, a second token of another user
    setup = await limited(bucket_size=5, refill_rate=1)
    other = await make_token(setup.api.database, email="other@example.com")
    await setup.api.gql(FIVE)
    # when
    drained = await setup.api.post(FIVE)
    fresh = await setup.api.post(FIVE, token=other)
    # then
    assert drained.status_code == 429
    assert fresh.status_code == 200


async def test_bucket__callers_without_a_user_share_one_per_address(limited):
    # given
    setup = await limited(bucket_size=3, refill_rate=1)
    query = "{ __schema { queryType { name } } }"  # 2
    # when
    first = await setup.api.post(query, token=None)
    second = await setup.api.post(query, token=None)
    # then
    assert first.json()["extensions"]["cost"]["currentlyAvailable"] == 1
    assert second.status_code == 429


async def test_extensions_cost__always_there_even_without_debug_sql(limited):
    # given
    setup = await limited(debug_sql=False)
    # when
    answer = await setup.api.gql("{ viewer { name } }")
    # then
    assert answer["extensions"] == {"cost": {"requestedQueryCost": 1, "actualQueryCost": 1,
                                             "maximumAvailable": 10000, "currentlyAvailable": 9999,
                                             "restoreRate": 500}}


async def test_database_store__one_statement_per_request_and_the_row(limited, database):
    # given
    memory = await limited()
    shared = await limited(limits_store="database")
    shared.limits.store.clock = shared.clock
    # when
    plain = (await memory.api.gql("{ viewer { name } }"))["extensions"]["sql"]["statements"]
    answer = await shared.api.gql("{ viewer { name } }")
    # then
    assert isinstance(shared.limits.store, DatabaseStore)
    assert answer["extensions"]["sql"]["statements"] == plain + 1  # the upsert; a BEGIN is not counted
    assert answer["extensions"]["cost"]["currentlyAvailable"] == 9999
    async with database.read_session() as session:
        [row] = (await session.scalars(select(RateBucket))).all()
    assert (row.key, row.points, row.updated_at) == ("token:1", 9999.0, shared.clock.now)


async def test_database_store__takes_refuses_and_folds_refunds_in(database):
    # given
    clock = Clock()
    store = DatabaseStore(Settings(database_url=database.url, bucket_size=10, refill_rate=2), database, clock)
    # when
    taken = await store.take("k", 7)
    refused = await store.take("k", 4)
    await store.give_back("k", 2, taken.available)  # pending until the next take
    folded = await store.take("k", 5)  # 3 + 2 back = 5
    clock.advance(1.5)  # +3
    later = await store.take("k", 3)
    # then
    assert (taken.taken, taken.available) == (True, 3)
    assert (refused.taken, refused.available) == (False, 3)
    assert refused.retry_after(4, 2) == 1
    assert (folded.taken, folded.available) == (True, 0)
    assert (later.taken, later.available) == (True, 0)
    assert store.pending == {}


async def test_memory_store__refills_up_to_the_size_only():
    # given
    clock = Clock()
    store = MemoryStore(Settings(bucket_size=10, refill_rate=1), clock)
    await store.take("k", 10)
    # when
    clock.advance(100)
    # then
    assert await store.peek("k") == 10


@pytest.mark.parametrize(("overrides", "kind"), [
    ({}, "memory"),
    ({"workers": 4}, "memory"),  # SQLite: one machine, and the default
    ({"database_url": "postgresql+asyncpg://x/y"}, "memory"),
    ({"database_url": "postgresql+asyncpg://x/y", "workers": 2}, "database"),
    ({"redis_url": "redis://127.0.0.1:6379/0"}, "redis"),
    ({"limits_store": "database"}, "database"),
])
def test_store_kind__from_the_settings(overrides, kind):
    assert store_kind(Settings(**overrides)) == kind


@pytest.mark.skipif(not redis_reachable(), reason="Redis tests skipped: no Redis on 127.0.0.1:6379")
async def test_redis_store__takes_refuses_and_folds_refunds_in():
    # given: keys of this test's own
    clock = Clock()
    settings = Settings(bucket_size=10, refill_rate=2, redis_prefix=f"clientele-test-{uuid.uuid4().hex}:")
    store = RedisStore(settings, "redis://127.0.0.1:6379/0", clock)
    try:
        # when
        taken = await store.take("k", 7)
        refused = await store.take("k", 4)
        await store.give_back("k", 2, taken.available)
        folded = await store.take("k", 5)
        clock.advance(1.5)
        later = await store.take("k", 3)
        peeked = await store.peek("k")
        # then
        assert (taken.taken, taken.available) == (True, 3)
        assert (refused.taken, refused.available) == (False, 3)
        assert (folded.taken, folded.available) == (True, 0)
        assert (later.taken, later.available) == (True, 0)
        assert peeked == 0
    finally:
        await store.client.delete(store.prefix + "k")
        await store.close()


async def test_get_requests__are_limited_and_charged_too(limited):
    # given
    setup = await limited(bucket_size=10, refill_rate=1)
    headers = {"Authorization": f"Bearer {setup.api.token}"}
    # when
    answer = await setup.api.client.get("/graphql", params={"query": FIVE}, headers=headers)
    over = await setup.api.client.get("/graphql", params={"query": "{ customers(first: 251) { totalCount } }"},
                                      headers=headers)
    # then
    assert answer.json()["extensions"]["cost"]["currentlyAvailable"] == 5
    assert over.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_redis_down__refuses_with_503_and_is_not_ready(limited, caplog):
    # given: the buckets in a Redis that nothing answers for (port 1 is closed)
    setup = await limited(redis_url="redis://127.0.0.1:1/0")
    # when
    with caplog.at_level("ERROR", logger="clientele"):
        response = await setup.api.post(FIVE)
        ready = await setup.api.client.get("/readyz")
    # then: refused, not let through unlimited; the client learns when to come back, the log why
    error = response.json()["errors"][0]
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Traceback" not in response.text and "127.0.0.1:1" not in response.text
    error_id = error["message"].split("(error ")[1].split(")")[0]
    assert any(error_id in record.getMessage() for record in caplog.records)
    assert (ready.status_code, ready.text) == (503, "limits store unavailable")


async def test_a_failed_take__keeps_the_refund_for_the_next_one():
    # given: a shared store owing a caller 3 points, whose next take fails
    class Failing(Store):
        async def _take(self, key, cost, refund, now):
            raise StoreUnavailable("down")
    store = Failing(Settings(bucket_size=10, refill_rate=1))
    await store.give_back("k", 3, 5)
    # when
    with pytest.raises(StoreUnavailable):
        await store.take("k", 1)
    # then
    assert store.pending == {"k": 3}
