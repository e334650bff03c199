"""Invariants every seed must keep, shared by the demo and bench seed tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text

from server.customers import phones
from server.customers.models import Contact, Customer, Location
from server.db.engine import Database
from server.money import to_base_minor


async def fetch(database: Database, statement: Any, **params: Any) -> list[tuple]:
    """All rows of a statement (text SQL or a select) as plain tuples."""
    if isinstance(statement, str):
        statement = text(statement)
    async with database.session() as session:
        return [tuple(row) for row in (await session.execute(statement, params)).all()]


async def check_invoice_payments(database: Database) -> None:
    """paid = the sum of applications; status and base balance follow from it; drafts and voids
    take none; credit notes stay PRINTED and unpaid."""
    rows = await fetch(database, """
        SELECT i.classification, i.status, i.total_minor, i.paid_minor, i.base_balance_minor, i.fx_rate_e8,
               coalesce(sum(a.amount_minor), 0), count(a.id)
        FROM invoices i LEFT JOIN payment_applications a ON a.invoice_id = i.id GROUP BY i.id""")
    assert rows
    for classification, status, total, paid, balance, rate, applied, applications in rows:
        assert paid == applied
        if status in ("PLANNED", "VOID"):
            assert (paid, balance, applications) == (0, 0, 0)
            continue
        assert balance == to_base_minor(total - paid, rate)
        if classification == "CREDIT":
            assert (status, paid) == ("PRINTED", 0)
        else:
            assert status == ("PAID" if paid == total else "PARTIALLY_PAID" if paid else "PRINTED")
            assert 0 <= paid <= total


async def check_phone_digits(database: Database) -> None:
    """Every row's `phone_digits` are the digits of its phone numbers (server/customers/phones.py)."""
    async with database.session() as session:
        for model in (Customer, Location, Contact):
            table = model.__table__
            for row in (await session.execute(select(table))).mappings():
                assert row["phone_digits"] == phones.row_digits(table.name, row), dict(row)
