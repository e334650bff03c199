"""Reads without SQLAlchemy's execution (schema/fastpath/prepared.py): the driver receives the same
text and parameters as from SQLAlchemy, the records are the same, and what it cannot take
goes through SQLAlchemy."""

import datetime as dt

import pytest
from sqlalchemy import bindparam, exc, func, literal, select

from server.customers.models import Customer
from schema.fastpath import prepared
from server.db.engine import Database, StatementLog, current_log
from server.documents.models import Invoice, InvoiceStatus
from server.figures import families
from schema.fastpath.reader import IDS, Reader
from tests import factories

pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture
def sqlite_only(database: Database):
    if not database.is_sqlite:
        pytest.skip("prepared statements are SQLite's (PostgreSQL reads through SQLAlchemy)")


async def _twice(database: Database, statement, params):
    """Runs the statement twice in one request: SQLAlchemy, then prepared; what each sent and read."""
    log = StatementLog(keep_texts=True)
    reset = current_log.set(log)
    reader = Reader(database)
    try:
        first = await reader.rows(statement, params)
        second = await reader.rows(statement, params)
    finally:
        current_log.reset(reset)
        await reader.end()
    return log, first, second


def invoices():  # a new statement each time: prepared from its second execution
    return (select(Invoice.id, Invoice.number, Invoice.invoice_on, Invoice.status, Invoice.total_minor,
                          Invoice.created_at)
                .where(Invoice.bill_customer_id.in_(IDS), Invoice.status.in_([InvoiceStatus.PRINTED, InvoiceStatus.PAID]),
                       Invoice.invoice_on <= bindparam("as_of"), Invoice.total_minor > literal(-1))
                .order_by(Invoice.id))


@pytest.mark.parametrize("count", [1, 3, 59])
async def test_the_driver_gets_what_sqlalchemy_sends__text_and_parameters(database, count):
    # given: invoices of one customer, and ids of customers that have none
    customer = await factories.customer(database)
    await factories.invoice(database, customer.id, "0.10", "0.20")
    await factories.invoice(database, customer.id, "1234567.89")
    ids = [customer.id] + [customer.id + 1000 + i for i in range(count - 1)]
    # when
    log, first, second = await _twice(database, invoices(), {"ids": ids, "as_of": dt.date(2099, 1, 1)})
    # then
    assert log.statements == 2
    assert log.texts[1] == log.texts[0]
    assert list(log.params[1]) == list(log.params[0])
    assert second == first and [r._fields for r in second] == [r._fields for r in first]
    assert len(second) == 2 and [type(v) for v in second[0]] == [type(v) for v in first[0]]


async def test_the_figure_statement__same_text_parameters_and_records(database):
    # given: a customer with an invoice, so that the families have rows
    customer = await factories.customer(database)
    await factories.invoice(database, customer.id, "19.99")
    stmt, _spans = families.statement(tuple(sorted(families.FAMILIES)))
    params = {"ids": [customer.id, customer.id + 1]}
    for name in families.FAMILIES:
        params.update(families.FAMILIES[name].parameters(dt.date(2026, 11, 24)))
    # when
    log, first, second = await _twice(database, stmt, params)
    # then
    assert log.texts[1] == log.texts[0] and list(log.params[1]) == list(log.params[0])
    assert second == first and len(second) == 1


async def test_a_statement_seen_once__runs_through_sqlalchemy(database):
    statement = select(literal(7).label("seven"))
    assert prepared.prepared(statement, database.engine.dialect, lambda keys: tuple) is None
    assert prepared.prepared(statement, database.engine.dialect, lambda keys: tuple) is not None


async def test_what_it_cannot_take__goes_through_sqlalchemy(database):
    dialect = database.engine.dialect
    entities = select(Customer)
    empty = select(Customer.id).where(Customer.id.in_(IDS))
    for statement in (entities, entities):
        found = prepared.prepared(statement, dialect, lambda keys: tuple)
    assert found is None  # ORM objects
    log, first, second = await _twice(database, empty, {"ids": []})
    assert first == second == [] and log.statements == 2  # an empty list: SQLAlchemy writes its own SQL


async def test_a_failing_statement__raises_sqlalchemys_error(database):
    statement = select(func.abs(bindparam("n")).label("a"))
    reader = Reader(database)
    try:
        assert (await reader.rows(statement, {"n": -5}))[0].a == 5
        with pytest.raises(exc.OperationalError, match="integer overflow"):
            await reader.rows(statement, {"n": -(2**63)})  # prepared by now
    finally:
        await reader.end()
