"""The end of a request (server/context.py `RequestContext.close`): its read connection goes back
to the pool for good, and the loads it started and nothing awaits are cancelled, whenever they
were started and whatever the executor (a `Gate`, or none)."""

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from server.batching import GATE, Gate
from server.context import RequestContext
from server.customers.models import BillingStatus, CreditCode, Customer, CustomerStatus, TermsBasis
from server.errors import DomainError, ErrorCode
from schema.fastpath.reader import ReaderClosed
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



# ------------------------------------------------------------------ writes that race

async def _insert_customer(session: Any, number: str, name: str | None) -> None:
    """What a service writes after finding `number` free (the check itself left out: the race)."""
    await session.execute(insert(Customer.__table__).values(
        number=number, name=name, currency="USD", status=CustomerStatus.ACTIVE.name,
        credit_code=CreditCode.CURRENT_ACCOUNT.name, billing_status=BillingStatus.ON_ACCOUNT.name,
        terms_basis=TermsBasis.INVOICE_DATE.name, prior_sales_minor=0, version=1,
        created_at=dt.datetime.now(dt.UTC), updated_at=dt.datetime.now(dt.UTC)))


@pytest.mark.parametrize("number", ["C-1", "c-1"], ids=["the same number", "another case"])
async def test_a_write_the_unique_index_refuses__is_a_duplicate_user_error(database, number):
    # given: C-1 taken, as by a request that wrote it between this one's check and its write
    await factories.customer(database, "Acme", number="C-1")
    context = RequestContext(settings_for(database), database)
    try:
        # when
        with pytest.raises(DomainError) as refused:
            await context.write(_insert_customer, number=number, name="Late")
    finally:
        await context.close()
    # then: the userError the service's check gives, and nothing written
    assert [p.code for p in refused.value.problems] == [ErrorCode.DUPLICATE]
    async with database.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM customers"))).scalar_one() == 1


async def test_a_write_refused_for_another_reason__is_not_made_a_user_error(database):
    # given: a row without its name, which is a bug of the service, not a race
    context = RequestContext(settings_for(database), database)
    try:
        # when / then: it surfaces (the endpoint masks and logs it with an error id)
        with pytest.raises(IntegrityError):
            await context.write(_insert_customer, number="C-2", name=None)
    finally:
        await context.close()
