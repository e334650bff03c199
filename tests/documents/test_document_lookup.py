"""Documents found by their numbers as people type them: without regard to case
(server/documents/numbers.py), by `findInvoice`, `invoice(number:)`, `order(number:)` and a
customer's `invoices(search:)`."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from server.db.sequences import FORMATS
from tests import factories

FIND = """query($number: String, $alt: String) { customers(first: 5) { edges { node {
  number findInvoice(number: $number, altNumber: $alt) { number altNumber } } } } }"""
SEARCH = """query($search: String, $first: Int) { customers(first: 5) { edges { node {
  number invoices(first: $first, search: $search) { totalCount edges { node { number altNumber } } } } } } }"""
RESET = ("payment_applications", "invoice_lines", "invoices", "order_lines", "orders", "audit_event_entities",
         "audit_events", "customers")
ALPHABET = "pPoO-7_%ßẞéÉ"  # ASCII letters of either case, LIKE wildcards, letters of other scripts


def fold(text_: str) -> str:
    """The reference: ASCII letters a-z as A-Z, every other character as it is."""
    return "".join(c.upper() if "a" <= c <= "z" else c for c in text_)


async def reset(api: Any) -> None:
    async with api.database.engine.begin() as connection:
        for table in RESET:
            await connection.execute(text(f"DELETE FROM {table}"))
        await connection.execute(text("UPDATE sequences SET last_value = 0"))


async def given_invoices(api: Any, alts: list[str | None]) -> list[tuple[str, str | None]]:
    """One customer's invoices (number, alternative number), in the order they were made, and a
    second customer with an invoice of each alternative number, which the first must never find;
    in an empty database, numbers counting from 1."""
    await reset(api)
    ours = await factories.customer(api.database, "Ours", number="A-1")
    theirs = await factories.customer(api.database, "Theirs", number="B-1")
    made = []
    for alt in alts:
        invoice = await factories.invoice(api.database, ours.id, "1.00", altNumber=alt)
        made.append((invoice.number, invoice.alt_number))
        await factories.invoice(api.database, theirs.id, "1.00", altNumber=alt)
    return made


def ours(data: dict[str, Any], field: str) -> Any:
    return next(e["node"][field] for e in data["customers"]["edges"] if e["node"]["number"] == "A-1")


def retyped(draw: Any, original: str) -> str:
    """The text with each ASCII letter in either case, as someone may type it."""
    return "".join(draw(st.sampled_from([c.lower(), c.upper()])) if c.isascii() else c for c in original)


@st.composite
def cases(draw: Any, prefixes: bool) -> tuple[list[str | None], str]:
    """Alternative numbers, and a text to look for: one of them retyped (with `prefixes`, its
    start, or the start of an invoice number), or any text."""
    alts = draw(st.lists(st.none() | st.text(ALPHABET, min_size=1, max_size=4), min_size=1, max_size=5))
    known = [a for a in alts if a] + (["IN-00000", "in-0000", "DRAFT"] if prefixes else [])
    if not known or draw(st.booleans()):
        return alts, draw(st.text(ALPHABET, min_size=1, max_size=4))
    source = draw(st.sampled_from(known))
    return alts, retyped(draw, source[:draw(st.integers(1, len(source)))] if prefixes else source)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases(prefixes=False))
async def test_find_invoice__alt_number_whole_without_case(api, case):
    # given
    alts, asked = case
    made = await given_invoices(api, alts)
    # when
    found = ours(await api.ok(FIND, {"alt": asked}), "findInvoice")
    # then: the first of ours whose alternative number is the text asked, but for the case of a-z
    expected = next(({"number": n, "altNumber": a} for n, a in made if a and fold(a) == fold(asked.strip())), None)
    assert found == expected


async def test_find_invoice__number_without_case_before_alt_number(api):
    # given: one invoice's number is another's alternative number, in another case
    made = await given_invoices(api, [None, "in-000001"])
    # when
    by_number = ours(await api.ok(FIND, {"number": " in-000003 "}), "findInvoice")
    either = ours(await api.ok(FIND, {"number": "In-000001", "alt": "IN-000001"}), "findInvoice")
    # then
    assert made == [("IN-000001", None), ("IN-000003", "in-000001")]
    assert by_number == {"number": "IN-000003", "altNumber": "in-000001"}
    assert either == {"number": "IN-000001", "altNumber": None}


async def test_invoice_and_order__by_number_without_case(api):
    # given
    customer = await factories.customer(api.database, "Ours")
    await factories.invoice(api.database, customer.id, "1.00")
    await factories.order(api.database, customer.id, "1.00")
    # when
    data = await api.ok("""{ invoice(number: "in-000001 ") { number } order(number: "sO-000001") { number }
                             missing: invoice(number: "in-000002") { number } }""")
    # then
    assert data == {"invoice": {"number": "IN-000001"}, "order": {"number": "SO-000001"}, "missing": None}


def test_document_numbers__are_given_in_upper_case():
    """The lookups by number fold what they are given and then use the unique index: they find
    every document only while the numbers the server gives have no lower-case letter."""
    assert all(FORMATS[name].format(1) == fold(FORMATS[name].format(1)) for name in FORMATS)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases(prefixes=True))
async def test_customer_invoices__prefix_search_of_number_or_alt_number(api, case):
    # given
    alts, asked = case
    made = await given_invoices(api, alts)
    # when
    whole = ours(await api.ok(SEARCH, {"search": asked, "first": 50}), "invoices")
    # then: the invoices either of whose numbers starts with the text, but for the case of a-z
    wanted = fold(asked.strip())
    expected = {n for n, a in made if fold(n).startswith(wanted) or (a and fold(a).startswith(wanted))}
    assert {e["node"]["number"] for e in whole["edges"]} == expected
    assert whole["totalCount"] == len(expected)


async def test_customer_invoices__search_costs_no_statement_per_customer(api):
    # given: customers with invoices of their own
    for n in range(6):
        customer = await factories.customer(api.database, f"Customer {n}")
        await factories.invoice(api.database, customer.id, "1.00", altNumber=f"PO-{n}")
    query = """query($first: Int!) { customers(first: $first) { edges { node { number
               invoices(first: 2, search: "po-") { totalCount edges { node { number } } } } } } }"""
    # when
    one, six = [await api.count(query, {"first": size}) for size in (1, 6)]
    # then
    assert one == six
    assert all(edge["node"]["invoices"]["totalCount"] == 1
               for edge in (await api.ok(query, {"first": 6}))["customers"]["edges"])


async def test_customer_invoices__blank_search_is_no_search_and_long_search_is_refused(api):
    # given
    customer = await factories.customer(api.database, "Ours", number="A-1")
    await factories.invoice(api.database, customer.id, "1.00")
    # when
    blank = ours(await api.ok(SEARCH, {"search": "  ", "first": 5}), "invoices")
    long = await api.gql(SEARCH, {"search": "I" * 10_000, "first": 5})
    # then
    assert blank["totalCount"] == 1
    assert long["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
