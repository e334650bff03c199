"""The request's read connection (schema/fastpath/reader.py): concurrent loaders' statements are sent
without waiting for each other, on one connection and one transaction, and ending the
connection waits for the statements in flight; closed for good, it refuses them."""

import asyncio
import time

import pytest
from sqlalchemy import event, text

from server.db.engine import Database, PoolTimeout
from schema.fastpath.reader import Reader, ReaderClosed

# Slow enough that a statement sent after it is sent before it ends (about 50 ms on SQLite).
SLOW = text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
            "SELECT count(*) AS counted FROM n")
QUICK = text("SELECT 2 AS two")


def _recorded(database):
    seen: list[str] = []
    engine = database.engine.sync_engine

    @event.listens_for(engine, "before_cursor_execute")
    def before(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):
            seen.append("sent slow" if "RECURSIVE" in statement else "sent quick")

    @event.listens_for(engine, "after_cursor_execute")
    def after(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):
            seen.append("done slow" if "RECURSIVE" in statement else "done quick")

    @event.listens_for(engine, "begin")
    def begun(_conn):
        seen.append("begin")
    return seen


async def test_concurrent_statements__go_out_without_waiting_for_each_other(database):
    seen = _recorded(database)
    reader = Reader(database)
    try:
        slow, quick = await asyncio.gather(reader.rows(SLOW), reader.rows(QUICK))
    finally:
        await reader.end()
    assert slow[0].counted == 300000 and quick[0].two == 2
    assert seen == ["begin", "sent slow", "sent quick", "done slow", "done quick"]


async def test_ending__waits_for_the_statements_in_flight(database):
    reader = Reader(database)
    running = asyncio.ensure_future(reader.rows(SLOW))
    await asyncio.sleep(0)  # the statement is on its way
    await asyncio.sleep(0.005)
    await reader.end()
    assert running.done() and (await running)[0].counted == 300000
    assert reader._connection is None
    assert (await reader.rows(QUICK))[0].two == 2  # a new connection after the end
    await reader.end()


async def test_a_whole_table__read_once_when_a_second_batch_comes_while_the_first_reads(database):
    import datetime as dt

    from server.db.engine import StatementLog, current_log
    from server.loaders import Loaders
    from tests import factories
    # given: two users
    first = await factories.user(database, "first@example.com")
    second = await factories.user(database, "second@example.com")
    log = StatementLog()
    reset = current_log.set(log)
    reader = Reader(database)
    try:
        loaders = Loaders(reader, dt.date(2026, 11, 24))
        # when: one batch asks for the first user; another, dispatched before the first's rows are
        # back, for the second
        one = loaders.row_loader("User").load(first.id)
        loader = loaders.row_loader("User")
        while loader._queue or reader._running == 0:  # until the first batch's read is on its way
            await asyncio.sleep(0)
        two = loaders.row_loader("User").load(second.id)
        found = await asyncio.gather(one, two)
    finally:
        current_log.reset(reset)
        await reader.end()
    # then: both, from one statement
    assert [row.email for row in found] == ["first@example.com", "second@example.com"]
    assert log.statements == 1


async def test_a_statement_sent_while_the_connection_ends__runs_on_the_next_one(database):
    reader = Reader(database)
    assert (await reader.rows(QUICK))[0].two == 2
    first = reader._connection
    ending = asyncio.ensure_future(reader.end())
    await asyncio.sleep(0)  # the end holds the lock and is closing the connection
    found = await reader.rows(QUICK)
    await ending
    assert found[0].two == 2 and reader._connection is not None and reader._connection is not first
    await reader.end()


async def test_a_caller_cancelled_mid_statement__leaves_the_connection_to_the_others(database):
    # graphql-core cancels the siblings of a root field that failed; SQLAlchemy cancelled in the
    # middle of a statement would terminate the connection that the request's others share
    reader = Reader(database)
    try:
        await reader.rows(QUICK)
        cancelled = asyncio.ensure_future(reader.rows(SLOW))
        other = asyncio.ensure_future(reader.rows(QUICK))
        await asyncio.sleep(0.005)  # both on their way
        cancelled.cancel()
        assert (await asyncio.wait_for(other, 20))[0].two == 2
        assert (await asyncio.wait_for(reader.rows(QUICK), 20))[0].two == 2
        await asyncio.wait_for(reader.end(), 20)
        assert cancelled.cancelled()
        assert (await asyncio.wait_for(reader.rows(QUICK), 20))[0].two == 2  # and a new one after
    finally:
        await asyncio.wait_for(reader.end(), 20)


async def test_a_closed_reader__refuses_statements_without_taking_a_connection(database):
    # given: a reader closed for good, as at the end of a request
    reader = Reader(database)
    assert (await reader.rows(QUICK))[0].two == 2
    await reader.close()
    # when: a load that nothing awaited any more sends its statement
    for send in (reader.rows(QUICK), reader.scalar(QUICK), reader.rows(SLOW)):
        with pytest.raises(ReaderClosed):
            await send
    # then: refused, and every connection is back in the pool
    assert reader.rows_now(QUICK) is None
    assert database.engine.pool.checkedout() == 0


async def test_closing_while_statements_run__lets_them_finish_and_refuses_the_next(database):
    reader = Reader(database)
    running = asyncio.ensure_future(reader.rows(SLOW))
    await asyncio.sleep(0.005)  # the statement is on its way
    closing = asyncio.ensure_future(reader.close())
    await asyncio.sleep(0)
    late = asyncio.ensure_future(reader.rows(QUICK))  # sent while the connection ends
    await closing
    assert (await running)[0].counted == 300000
    with pytest.raises(ReaderClosed):
        await late
    assert database.engine.pool.checkedout() == 0


async def test_a_request_that_found_no_connection__does_not_wait_for_one_again(database_url):
    # given: a pool of one connection and one more under load, both held by other readers
    database = Database(database_url, pool_size=1, pool_timeout=0.2)
    holders, starved = [Reader(database), Reader(database)], Reader(database)
    try:
        for holder in holders:
            await holder.rows(QUICK)
        # when: another's first statements wait out the pool's timeout
        with pytest.raises(PoolTimeout):
            await asyncio.gather(starved.rows(QUICK), starved.rows(QUICK))
        # then: its next statements fail at once, even with the connections free again
        for holder in holders:
            await holder.close()
        waited = time.monotonic()
        for _ in range(3):
            with pytest.raises(PoolTimeout):
                await starved.rows(QUICK)
        assert time.monotonic() - waited < 0.2
        await starved.close()
        assert database.engine.pool.checkedout() == 0
    finally:
        for holder in holders:
            await holder.close()
        await database.dispose()
