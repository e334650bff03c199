"""Balance due is one rule (server/documents/rules.py): the field, the invoices list's sort and
its outstandingOnly filter, and the export agree, whatever the status and classification."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from server.documents import service as documents
from server.documents.models import InvoiceClassification
from server.access.policy import SYSTEM
from server.payments import service as payments
from server.payments.commands import PaymentFields
from tests import factories
from tests.exports.test_exports import get, gid, sheet

CREDIT = InvoiceClassification.CREDIT
INVOICES = """query($number: String!, $direction: SortDirection!) { customer(number: $number) {
  invoices(orderBy: {field: BALANCE_DUE, direction: $direction}) { edges { node { number balanceDue { amount } } } }
  outstanding: invoices(outstandingOnly: true) { edges { node { number } } } } }"""


async def _void(database: Any, invoice_id: int) -> None:
    await factories.write(database, documents.void_invoice, invoice_id=invoice_id, actor=SYSTEM)


async def _shown_sorted_outstanding_exported(api: Any, customer: Any, direction: str) -> tuple[list[Any], set[str],
                                                                                             dict[str, Decimal]]:
    answer = await api.ok(INVOICES, {"number": customer.number, "direction": direction})
    shown = [(e["node"]["number"], Decimal(e["node"]["balanceDue"]["amount"]))
             for e in answer["customer"]["invoices"]["edges"]]
    outstanding = {e["node"]["number"] for e in answer["customer"]["outstanding"]["edges"]}
    rows = sheet(await get(api, f"/export/customers/{gid('Customer', customer.id)}/invoices.xlsx",
                           columns=["number", "balanceDue"]))
    return shown, outstanding, {number: Decimal(repr(cell)) for number, cell in rows[1:]}


async def test_balance_due__the_issue_s_customer(api):
    # given: a 10.00 invoice, a 40.00 invoice voided, a 25.00 credit note
    db = api.database
    acme = await factories.customer(db, "Acme", number="A-1")
    await factories.invoice(db, acme.id, "10.00")
    await _void(db, (await factories.invoice(db, acme.id, "40.00")).id)
    await factories.invoice(db, acme.id, "25.00", classification=CREDIT)
    # when
    shown, outstanding, exported = await _shown_sorted_outstanding_exported(api, acme, "DESC")
    # then
    assert [amount for _number, amount in shown] == [Decimal("10.00"), Decimal("0.00"), Decimal("-25.00")]
    assert outstanding == {number for number, amount in shown if amount}
    assert exported == dict(shown)


async def test_balance_due__drafts_part_payments_and_foreign_currency(api):
    # given: in EUR, a draft credit note, a draft invoice, an invoice paid in part, one paid in full
    db = api.database
    euro = await factories.customer(db, "Euro", number="E-1", currency="EUR")
    credit = await factories.invoice(db, euro.id, "30.00", classification=CREDIT, issue=False, fxRate="1.1")
    draft = await factories.invoice(db, euro.id, "5.00", issue=False, fxRate="1.1")
    part = await factories.invoice(db, euro.id, "20.00", fxRate="1.1")
    full = await factories.invoice(db, euro.id, "7.00", fxRate="1.1")
    await factories.write(db, payments.record_payment, actor=SYSTEM, today=factories.TODAY, base_currency="USD",
                          fields=PaymentFields.of({"customer": euro.id, "amount": "19.99", "fxRate": "1.1",
                                                   "applyTo": [{"invoice": part.id, "amount": "12.99"},
                                                               {"invoice": full.id, "amount": "7.00"}]}))
    # when
    shown, outstanding, exported = await _shown_sorted_outstanding_exported(api, euro, "ASC")
    # then: drafts owe nothing; ties (three zeros) by id ascending
    assert [amount for _number, amount in shown] == [Decimal("0.00")] * 3 + [Decimal("7.01")]
    assert [number for number, _amount in shown][:3] == [credit.number, draft.number, full.number]
    assert outstanding == {part.number}
    assert exported == dict(shown)
