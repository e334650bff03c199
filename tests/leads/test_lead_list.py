"""The lead list through `/graphql`: every filter and sort of the contract's LeadFilter and
LeadOrder, walked page by page with keyset cursors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schema.base import global_id
from server.leads.models import Lead, LeadState
from tests import factories

LEADS = """
query Leads($first: Int, $after: String, $filter: LeadFilter, $orderBy: [LeadOrder!]) {
  leads(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node {
      number state open probability potentialValue { amount } estimatedConversionDate newestNoteAt
      customer { name }
    } }
  }
}"""

N0 = dt.datetime(2025, 12, 30, 16, 45, tzinfo=dt.UTC)
N1 = dt.datetime(2026, 1, 5, 10, 0, 0, 250000, tzinfo=dt.UTC)
N2 = dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.UTC)
T = factories.TODAY


async def walk(api: Any, orderby: list[dict[str, str]] | None = None, flt: dict[str, Any] | None = None,
               size: int = 2) -> list[dict[str, Any]]:
    """Every lead, page by page; checks that the pages are disjoint and the count agrees."""
    rows: list[dict[str, Any]] = []
    after = None
    for _ in range(50):
        page = (await api.ok(LEADS, {"first": size, "after": after, "filter": flt, "orderBy": orderby}))["leads"]
        nodes = [edge["node"] for edge in page["edges"]]
        assert len(nodes) <= size
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert not {n["number"] for n in nodes} & {r["number"] for r in rows}, "pages overlap"
        rows += nodes
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(rows)
            return rows
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("the pages never end")


def order_by(*keys: str) -> list[dict[str, str]]:
    return [{"field": k.split()[0], "direction": (k.split()[1:] or ["ASC"])[0]} for k in keys]


async def pipeline(api: Any) -> dict[str, Any]:
    """Five leads of three customers (people: inside / outside / assigned):

    | # | customer | program   | source | state                 | prob | potential | converts | people        | note |
    |---|----------|-----------|--------|-----------------------|------|-----------|----------|---------------|------|
    | 1 | Acme     | Wholesale | Fair   | PENDING_QUALIFICATION | 50   | 1000.00   | T+30     | Ann, Bob, Ann | N1   |
    | 2 | Acme     | Retail    |        | QUOTING               | 80   |           |          | Bob, -, Bob   | N2   |
    | 3 | Birch    | Wholesale | Web    | CUSTOMER              | 50   | 250.00    | T+10     | -, Ann, -     | N1   |
    | 4 | Cobalt   | Wholesale | Fair   | INACTIVE              |      | 1000.00   | T+10     | -, -, -       |      |
    | 5 | Birch    | Retail    | Web    | DEVELOPMENT           | 10   | 5.00      | T+30     | -, -, Ann     | N0   |

    Lead 2 also has an older note (N0). Acme Supply's billing region is TX, Birch Goods' "ca",
    Cobalt Works has none.
    """
    db = api.database
    ann, bob = await factories.user(db, "ann@example.com"), await factories.user(db, "bob@example.com")
    fair, web = await factories.lead_source(db, "Fair"), await factories.lead_source(db, "Web")
    acme = await factories.customer(db, "Acme Supply", number="K-100", billingAddress={"region": "TX"})
    birch = await factories.customer(db, "Birch Goods", number="K-200", billingAddress={"region": "ca"})
    cobalt = await factories.customer(db, "Cobalt Works", number="K-300")
    day = dt.timedelta(days=1)
    rows = [
        (acme, "Wholesale", fair, LeadState.PENDING_QUALIFICATION, 50, 100000, T + 30 * day, ann, bob, ann, [N1]),
        (acme, "Retail", None, LeadState.QUOTING, 80, None, None, bob, None, bob, [N0, N2]),
        (birch, "Wholesale", web, LeadState.CUSTOMER, 50, 25000, T + 10 * day, None, ann, None, [N1]),
        (cobalt, "Wholesale", fair, LeadState.INACTIVE, None, 100000, T + 10 * day, None, None, None, []),
        (birch, "Retail", web, LeadState.DEVELOPMENT, 10, 500, T + 30 * day, None, None, ann, [N0]),
    ]
    leads = {}
    for number, (customer, program, source, state, probability, potential, converts, inside, outside, assigned,
                 notes) in enumerate(rows, start=1):
        lead = await factories.lead(db, customer.id, number, program=program)
        await factories.set_row(
            db, Lead, lead.id, source_id=source.id if source else None, state=state, probability=probability,
            potential_value_minor=potential, estimated_conversion_on=converts,
            inside_sales_rep_id=inside.id if inside else None, outside_sales_rep_id=outside.id if outside else None,
            assigned_to_id=assigned.id if assigned else None)
        for at in notes:
            await factories.lead_note(db, lead.id, ann.id, at)
        leads[number] = lead
    return {"ann": global_id("User", ann.id), "bob": global_id("User", bob.id),
            "fair": global_id("LeadSource", fair.id), "web": global_id("LeadSource", web.id),
            "retail": global_id("LeadProgram", leads[2].program_id),
            "wholesale": global_id("LeadProgram", leads[1].program_id)}


SORTS = [
    ([], [1, 2, 3, 4, 5]),
    (["NUMBER DESC"], [5, 4, 3, 2, 1]),
    (["CUSTOMER_NAME"], [1, 2, 3, 5, 4]),
    (["CUSTOMER_NAME DESC"], [4, 3, 5, 1, 2]),
    (["STATE"], [1, 5, 2, 3, 4]),
    (["STATE DESC"], [4, 3, 2, 5, 1]),
    (["PROBABILITY DESC"], [2, 1, 3, 5, 4]),
    (["PROBABILITY"], [5, 1, 3, 2, 4]),
    (["POTENTIAL_VALUE DESC", "NUMBER DESC"], [4, 1, 3, 5, 2]),
    (["POTENTIAL_VALUE"], [5, 3, 1, 4, 2]),
    (["ESTIMATED_CONVERSION_DATE"], [3, 4, 1, 5, 2]),
    (["ESTIMATED_CONVERSION_DATE DESC", "PROBABILITY"], [5, 1, 3, 4, 2]),
    (["NEWEST_NOTE_AT DESC"], [2, 1, 3, 5, 4]),
    (["NEWEST_NOTE_AT"], [5, 1, 3, 2, 4]),
    (["CUSTOMER_NAME DESC", "PROBABILITY"], [4, 5, 3, 1, 2]),
    (["PROBABILITY DESC", "NEWEST_NOTE_AT DESC"], [2, 1, 3, 5, 4]),
]


async def test_lead_list__sorted(api):
    # given
    await pipeline(api)
    for keys, numbers in SORTS:
        # when
        pages = {size: await walk(api, order_by(*keys), size=size) for size in (2, 3)}
        # then
        for rows in pages.values():
            assert [r["number"] for r in rows] == numbers, keys


async def test_lead_list__rows_show_what_they_are_sorted_by(api):
    # given
    await pipeline(api)
    # when
    rows = await walk(api, order_by("NEWEST_NOTE_AT DESC"))
    # then
    assert [r["newestNoteAt"] and dt.datetime.fromisoformat(r["newestNoteAt"]) for r in rows] == [
        N2, N1, N1, N0, None]
    assert [(r["customer"]["name"], r["state"], r["open"]) for r in rows] == [
        ("Acme Supply", "QUOTING", True), ("Acme Supply", "PENDING_QUALIFICATION", True),
        ("Birch Goods", "CUSTOMER", False), ("Birch Goods", "DEVELOPMENT", True), ("Cobalt Works", "INACTIVE", False)]
    assert [(r["probability"], (r["potentialValue"] or {}).get("amount"), r["estimatedConversionDate"])
            for r in rows] == [(80, None, None), (50, "1000.00", str(T + dt.timedelta(days=30))),
                               (50, "250.00", str(T + dt.timedelta(days=10))),
                               (10, "5.00", str(T + dt.timedelta(days=30))),
                               (None, "1000.00", str(T + dt.timedelta(days=10)))]


FILTERS = [
    ({"search": "acme"}, [1, 2]),
    ({"search": "  BIRCH "}, [3, 5]),
    ({"search": "k-2"}, [3, 5]),
    ({"search": "4"}, [4]),
    ({"search": "100%"}, []),
    ({"state": ["QUOTING", "DEVELOPMENT"]}, [2, 5]),
    ({"open": True}, [1, 2, 5]),
    ({"open": False}, [3, 4]),
    ({"program": "retail"}, [2, 5]),
    ({"source": "fair"}, [1, 4]),
    ({"insideSalesRep": "ann"}, [1]),
    ({"insideSalesRep": "bob"}, [2]),
    ({"outsideSalesRep": "ann"}, [3]),
    ({"assignedTo": "ann"}, [1, 5]),
    ({"region": "tx"}, [1, 2]),
    ({"region": "CA"}, [3, 5]),
    ({"noteFrom": N1.isoformat()}, [1, 2, 3]),
    ({"noteTo": N1.isoformat()}, [1, 3, 5]),
    ({"noteFrom": N1.isoformat(), "noteTo": N1.isoformat()}, [1, 3]),
    ({"noteFrom": "2026-01-05T10:00:00.250000"}, [1, 2, 3]),
    ({"noteFrom": (N1 + dt.timedelta(microseconds=1)).isoformat(), "noteTo": N2.isoformat()}, [2]),
    ({"program": "wholesale", "open": True}, [1]),
    ({"search": "birch", "state": ["CUSTOMER"], "region": "ca"}, [3]),
    ({"program": "ann"}, []),  # an ID of another type matches nothing
]


async def test_lead_list__filtered(api):
    # given
    ids = await pipeline(api)
    for given_filter, numbers in FILTERS:
        flt = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in given_filter.items()}
        # when
        rows = await walk(api, order_by("NUMBER"), flt)
        by_note = await walk(api, order_by("NEWEST_NOTE_AT DESC"), flt, size=1)
        # then
        assert [r["number"] for r in rows] == numbers, given_filter
        assert sorted(r["number"] for r in by_note) == numbers, given_filter


async def test_lead_list__cursor_of_another_sort_is_refused(api):
    # given
    await pipeline(api)
    page = (await api.ok(LEADS, {"first": 2}))["leads"]
    for asked_by in (["CUSTOMER_NAME", "NUMBER"], ["CUSTOMER_NAME"], ["NEWEST_NOTE_AT"], ["ESTIMATED_CONVERSION_DATE"]):
        # when
        answer = await api.gql(LEADS, {"first": 2, "after": page["pageInfo"]["endCursor"],
                                       "orderBy": order_by(*asked_by)})
        # then
        assert answer["data"] is None, asked_by
        assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", asked_by
        assert "another sort order" in answer["errors"][0]["message"], asked_by
