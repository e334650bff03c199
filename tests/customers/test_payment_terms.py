"""Payment terms are listed as people read them: by their due days, then code."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from server.customers.models import PaymentTerms

TERMS = "{ paymentTerms { code dueDays } }"


async def test_payment_terms__by_due_days_not_by_code(api):
    # when
    terms = (await api.ok(TERMS))["paymentTerms"]
    # then: due on receipt first, NET7 before NET15 and NET60, though "NET60" < "NET7" as text
    assert [t["code"] for t in terms] == ["DUE", "NET7", "NET15", "NET30", "NET45", "NET60", "NET90"]


added = st.lists(st.tuples(st.text("AB7", min_size=1, max_size=4).map(lambda s: f"T{s}"), st.integers(0, 120)),
                 max_size=6, unique_by=lambda t: t[0])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=added)
async def test_payment_terms__any_terms_come_by_due_days_then_code(api, extra):
    # given: terms added to those every database has (and taken away again: the table is kept)
    rows = [{"code": code, "description": code, "due_days": days, "version": 1} for code, days in extra]
    async with api.database.engine.begin() as connection:
        if rows:
            await connection.execute(insert(PaymentTerms), rows)
    try:
        # when
        terms = (await api.ok(TERMS))["paymentTerms"]
    finally:
        async with api.database.engine.begin() as connection:
            await connection.execute(delete(PaymentTerms).where(PaymentTerms.code.in_([r["code"] for r in rows])))
    # then
    shown = [(t["dueDays"], t["code"]) for t in terms]
    assert shown == sorted(shown)
    assert {code for _, code in shown} >= {code for code, _ in extra}
