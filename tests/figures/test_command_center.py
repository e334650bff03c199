"""The command center's look-ups: find an invoice, the newest note on a lead."""

import datetime as dt

from sqlalchemy import select

from schema.base import global_id
from server.access.models import User
from tests import factories

FIND = """
query Find($id: ID!, $number: String, $alt: String) {
  customer(id: $id) { findInvoice(number: $number, altNumber: $alt) { number altNumber } }
}
"""


async def test_find_invoice__by_number_or_alternative_number(api):
    # given: two customers, each with an invoice; one invoice has an alternative number
    mine = await factories.customer(api.database, "Mine")
    other = await factories.customer(api.database, "Other")
    first = await factories.invoice(api.database, mine.id, "10.00", altNumber="PO-77")
    theirs = await factories.invoice(api.database, other.id, "10.00", altNumber="PO-78")
    cid = global_id("Customer", mine.id)

    async def find(number=None, alt=None):
        data = await api.ok(FIND, {"id": cid, "number": number, "alt": alt})
        return data["customer"]["findInvoice"]

    # when / then
    assert (await find(number=first.number))["altNumber"] == "PO-77"
    assert (await find(alt="PO-77"))["number"] == first.number
    assert await find(number=theirs.number) is None  # another customer's invoice is not found
    assert await find(alt="PO-78") is None
    assert await find() is None


async def test_lead_newest_note_at(api):
    # given
    async with api.database.read_session() as session:
        author = await session.scalar(select(User.id))
    customer = await factories.customer(api.database)
    lead = await factories.lead(api.database, customer.id, 1)
    quiet = await factories.lead(api.database, customer.id, 2)
    newest = dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC)
    await factories.lead_note(api.database, lead.id, author, newest - dt.timedelta(days=3))
    await factories.lead_note(api.database, lead.id, author, newest)
    # when
    data = await api.ok("{ a: lead(number: 1) { newestNoteAt } b: lead(number: 2) { newestNoteAt } }")
    # then
    assert data["a"]["newestNoteAt"] == "2026-11-03T09:30:00+00:00"
    assert data["b"]["newestNoteAt"] is None
    assert quiet.number == 2
