"""The end of a request (server/context.py `RequestContext.close`): its read connection goes back
to the pool for good, and the loads it started and nothing awaits are cancelled, whenever they
were started and whatever the executor (a `Gate`, or none)."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from server.batching import GATE, Gate
from server.context import RequestContext
from server.reader import ReaderClosed
from tests import factories
from tests.conftest import settings_for

ONE = text("SELECT 1 AS one")

LEFT_BEHIND: dict[str, Callable[[RequestContext, Any], Any]] = {
    "a row by id": lambda context, made: context.loaders.row_loader("Customer").load(made.id),
    "a row of a table read whole": lambda context, made: context.loaders.row_loader("User").load(made.rep_id),
    "a table read whole ahead": lambda context, made: context.loaders.start_whole("User"),
    "a figure family": lambda context, made: context.loaders.customer_sales(made.id),
    "a row by number": lambda context, made: context.loaders.row_by("Customer", "number", made.number),
}


async def _customer(database: Any) -> Any:
    rep = await factories.user(database, "rep@example.com")
    made = await factories.customer(database, "Acme", number="C-1", salesRep=rep.id)
    made.rep_id = rep.id
    return made


@pytest.mark.parametrize("gated", [False, True], ids=["graphql-core", "lean gate"])
@pytest.mark.parametrize("opened", [False, True], ids=["before the first statement", "connection open"])
@pytest.mark.parametrize("kind", sorted(LEFT_BEHIND))
async def test_loads_nothing_awaits__are_cancelled_when_the_request_ends(database, kind, opened, gated):
    # given: a request that started a load and ended before its batch went out
    made = await _customer(database)
    context = RequestContext(settings_for(database), database)
    if opened:
        await context.reader.rows(ONE)
    token = GATE.set(Gate() if gated else None)
    try:
        left = LEFT_BEHIND[kind](context, made)
    finally:
        GATE.reset(token)
    # when
    await context.close()
    await asyncio.sleep(0)  # the batch's dispatch, scheduled before the end, has its turn
    # then: nothing loaded it (unless read at once, before the end: `Reader.rows_now`), and every
    # connection is back in the pool
    assert left.cancelled() or (kind == "a table read whole ahead" and opened and left.result())
    assert database.engine.pool.checkedout() == 0


async def test_a_load_started_after_the_end__is_refused_without_a_connection(database):
    # given: a request that has ended
    made = await _customer(database)
    context = RequestContext(settings_for(database), database)
    assert (await context.loaders.row_loader("Customer").load(made.id)).number == "C-1"
    await context.close()
    # when: something it left behind loads more
    late = [context.reader.rows(ONE), context.reader.scalar(ONE),
            context.loaders.row_loader("Customer").load(made.id + 1)]
    # then
    for statement in late:
        with pytest.raises(ReaderClosed):
            await statement
    assert database.engine.pool.checkedout() == 0


async def test_a_request_cancelled_while_it_closes__still_gives_its_connection_back(database):
    made = await _customer(database)
    context = RequestContext(settings_for(database), database)
    assert (await context.loaders.row_loader("Customer").load(made.id)).number == "C-1"
    assert database.engine.pool.checkedout() == 1
    closing = asyncio.ensure_future(context.close())
    await asyncio.sleep(0)
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    for _ in range(1000):  # the close goes on, shielded
        if not database.engine.pool.checkedout():
            break
        await asyncio.sleep(0.001)
    assert database.engine.pool.checkedout() == 0
    with pytest.raises(ReaderClosed):
        await context.reader.rows(ONE)

