"""Lists the database writes as JSON (schema/fastpath/rendered.py, schema/fastpath/renderable.py).

The SQL forms against server/money.py and orjson on both databases, and the lean executor's use
of them. Every query of the suite with lines is also compared with graphql-core's answer, made
in Python (`lean_check`, tests/conftest.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import asyncpg
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, String, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

import httpx

from server import money
from server.app import create_app
from schema.fastpath.rendered import decimal_text, json_object, json_text
from tests import factories
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL, Api, make_token, settings_for

DIALECTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason=POSTGRES_SKIP))]
LIMIT = money.MAX_MINOR * 100  # beyond every stored amount, price and quantity


def run(dialect: str, columns: list[Any], values: dict[str, Any]) -> tuple[Any, ...]:
    """One row of `SELECT columns` with the bind parameters `values`, on the real database."""
    statement = select(*columns)
    if dialect == "sqlite":
        compiled = statement.compile(dialect=sqlite.dialect())
        with sqlite3.connect(":memory:") as connection:
            return connection.execute(str(compiled), [values[n] for n in compiled.positiontup]).fetchone()
    compiled = statement.compile(dialect=postgresql.asyncpg.dialect())
    url = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")

    async def fetch() -> tuple[Any, ...]:
        connection = await asyncpg.connect(url)
        try:
            return tuple(await connection.fetchrow(str(compiled), *[values[n] for n in compiled.positiontup]))
        finally:
            await connection.close()
    return asyncio.run(fetch())


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(-LIMIT, LIMIT) | st.sampled_from([0, 1, -1, 99, -99, 100, -100, 10**15, -(10**15)]),
                min_size=1, max_size=20))
def test_decimal_text__writes_amounts_prices_and_quantities_as_money_does(dialect, numbers):
    # when: each number as minor units, as a price and as a quantity
    columns, values = [], {}
    for i, n in enumerate(numbers):
        values[f"n{i}"] = n
        units = bindparam(f"n{i}", type_=BigInteger)
        columns += [decimal_text(units, money.MINOR), decimal_text(units, money.PRICE, price=True),
                    decimal_text(units, money.QUANTITY)]
    written = run(dialect, columns, values)
    # then: the text of the Decimal that the Python path writes
    expected = []
    for n in numbers:
        expected += [str(money.from_minor(n)), str(money.from_price(n)), str(money.unscaled(n, money.QUANTITY))]
    assert list(written) == expected


TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(max_examples=40, deadline=None)
@given(TEXT, st.one_of(st.none(), TEXT))
def test_json_object__any_text_and_nested_objects_read_back_equal(dialect, text, maybe):
    # given: text with quotes, backslashes, control characters and any script; a nested object
    column = json_text(json_object([
        ("code", bindparam("text", type_=String)), ("unit", bindparam("maybe", type_=String)),
        ("net_amount", json_object([("amount", decimal_text(bindparam("n", type_=BigInteger), 2)),
                                    ("currency", bindparam("text", type_=String))]))]))
    # when
    (written,) = run(dialect, [column], {"text": text, "maybe": maybe, "n": -5})
    # then
    assert orjson.loads(written) == {"code": text, "unit": maybe, "net_amount": {"amount": "-0.05", "currency": text}}


def test_json_object__refuses_a_key_that_is_not_a_name():
    with pytest.raises(ValueError, match="response key"):
        json_object([("a'b", bindparam("x"))])


LINES = """{ customer(number: "%s") { orders(first: 5) { edges { node { number lines { %s } } } }
    invoices(first: 5) { edges { node { lines { %s } } } } } }"""


@pytest.fixture
async def capturing(database):
    """The app answering with the text of every statement (`extensions.sql.captured`); up to 100
    aliases a document."""
    app = create_app(settings_for(database, bench_capture=True, max_aliases=100), database)
    token = await make_token(database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Api(client, token, database)


def rendering(answer: dict) -> list[str]:
    """The statements that wrote JSON."""
    return [sql for sql, _params in answer["extensions"]["sql"]["captured"] if "json_" in sql]


async def test_lines__written_by_the_database_in_one_statement_each(capturing):
    # given: orders with lines in two currencies, and an invoice
    api = capturing
    customer = await factories.customer(api.database, "Rendered Supply")
    await factories.order_of(api.database, customer.id, [factories.line("0.1", "3"), factories.line("0.0125", "7")])
    payer = await factories.customer(api.database, "Euro Payer", currency="EUR")
    await factories.order_of(api.database, customer.id, [factories.line("1234567.89", "0.333")],
                             billingCustomer=payer.id, fxRate="1.1")
    await factories.invoice(api.database, customer.id, "10.01", "0.07")
    selection = "__typename lineType code description unit quantity unitPrice { amount currency } netAmount { amount }"
    # when (lean_check: graphql-core answers in Python too, and the two must be equal)
    answer = await api.gql(LINES % (customer.number, selection, "code net: netAmount { a: amount }"))
    # then
    assert answer["extensions"]["executor"] == "lean"
    lines = [e["node"]["lines"] for e in answer["data"]["customer"]["orders"]["edges"]]
    assert sorted(len(v) for v in lines) == [1, 2]
    assert {"__typename": "OrderLine", "lineType": "ITEM", "quantity": "0.333",
            "unitPrice": {"amount": "1234567.89", "currency": "EUR"}, "netAmount": {"amount": "411111.11"}}.items() \
        <= next(v[0] for v in lines if len(v) == 1).items()
    invoice_lines = answer["data"]["customer"]["invoices"]["edges"][0]["node"]["lines"]
    assert [line["net"] for line in invoice_lines] == [{"a": "10.01"}, {"a": "0.07"}]
    assert len(rendering(answer)) == 2
    # and: each line costs what a line made in Python costs
    python = await api.gql(LINES % (customer.number, selection + " item { code }", "code net: netAmount { a: amount }"))
    assert answer["extensions"]["cost"]["actualQueryCost"] == python["extensions"]["cost"]["actualQueryCost"] - 3


@pytest.mark.parametrize("order_selection, invoice_selection", [
    ("code item { code }", "code unitCost { amount }"),
    ("code description", "code unit taxAmount { amount } ... on InvoiceLine { code }"),
])
async def test_lines_with_a_field_without_sql_form__made_in_python(capturing, order_selection, invoice_selection):
    # given
    api = capturing
    customer = await factories.customer(api.database, "Python Lines")
    await factories.order_of(api.database, customer.id, [factories.line("2.50", "2")])
    await factories.invoice(api.database, customer.id, "2.50")
    # when
    answer = await api.gql(LINES % (customer.number, order_selection, invoice_selection))
    # then: lean, with the lines read as rows where a field has no SQL form
    assert "errors" not in answer, answer
    assert answer["extensions"]["executor"] == "lean"
    assert answer["data"]["customer"]["orders"]["edges"][0]["node"]["lines"][0]["code"] == "X"
    assert len(rendering(answer)) == ("item" not in order_selection) + ("unitCost" not in invoice_selection)


async def test_two_fields_selecting_the_same_lines__share_one_statement(capturing):
    # given: a fragment of invoice lines used by two lists, as the command center's tabs do
    api = capturing
    customer = await factories.customer(api.database, "Shared Lines")
    await factories.invoice(api.database, customer.id, "1.00", "2.00")
    query = """fragment L on Invoice { lines { code netAmount { amount } } }
    { customer(number: "%s") { a: invoices(first: 5) { edges { node { ...L } } }
                               b: invoices(first: 5, outstandingOnly: true) { edges { node { number ...L } } } } }"""
    # when
    answer = await api.gql(query % customer.number)
    # then: both lists' lines from one statement
    assert "errors" not in answer, answer
    data = answer["data"]["customer"]
    assert data["a"]["edges"][0]["node"]["lines"] == data["b"]["edges"][0]["node"]["lines"] != []
    assert len(rendering(answer)) == 1


async def test_more_keys_than_a_sql_function_takes__made_in_python(capturing):
    # given: 60 aliases of a line's code
    api = capturing
    customer = await factories.customer(api.database, "Many Keys")
    await factories.order_of(api.database, customer.id, [factories.line("1.00", "1")])
    many = " ".join(f"c{n}: code" for n in range(60))
    # when
    answer = await api.gql(LINES % (customer.number, many, "code"))
    # then: answered on the lean executor, the order lines made in Python
    assert "errors" not in answer, answer
    assert answer["extensions"]["executor"] == "lean"
    line = answer["data"]["customer"]["orders"]["edges"][0]["node"]["lines"][0]
    assert len(line) == 60 and set(line.values()) == {"X"}
    assert len(rendering(answer)) == 0
