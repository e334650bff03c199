"""Exports (SPEC §7): columns, labels, order, filter, views, spreadsheet safety, auth, bad input."""

from __future__ import annotations

import base64
import csv
import io
import json
from decimal import Decimal
from typing import Any

import openpyxl
from sqlalchemy import select

from server.access.models import Role, User
from server.access.policy import Actor
from server.lists import service as lists
from server.lists.commands import ListColumnFields, ListSortFields, ListViewFields
from server.lists.models import ListKind
from server.sorting import SortDirection
from tests import factories
from tests.conftest import Api


def gid(kind: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{pk}".encode()).decode().rstrip("=")


async def get(api: Api, path: str, token: str | None = "admin", **params: Any) -> Any:
    query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    headers = {} if token is None else {"Authorization": f"Bearer {api.token if token == 'admin' else token}"}
    return await api.client.get(path, params=query, headers=headers)


def sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


async def three_customers(api: Api) -> list[Any]:
    db = api.database
    return [await factories.customer(db, "Beta Tools", number="C-2", priorSales="1234.50", creditLimit="100.10"),
            await factories.customer(db, "Alpha Parts", number="C-1", priorSales="0.07"),
            await factories.customer(db, "=HYPERLINK(\"http://x\")", number="C-3", email="+1@x.io")]


async def test_customers_xlsx_columns_labels_order_and_filter(api: Api) -> None:
    await three_customers(api)
    rows = sheet(await get(api, "/export/customers.xlsx",
                           columns=["number", {"field": "name", "label": "Customer"}, "lifetimeValue",
                                    {"field": "creditLimit", "label": "Limit"}, "orderCount"],
                           orderBy=[{"field": "NAME", "direction": "DESC"}], filter={"search": "t"}))
    assert rows[0] == ["number", "Customer", "lifetimeValue", "Limit", "orderCount"]
    # "=HYPERLINK(..)" contains "t" too: sorted by name descending, escaped.
    assert rows[1:] == [
        ["C-2", "Beta Tools", 1234.5, 100.1, 0],
        ["C-1", "Alpha Parts", 0.07, None, 0],
        ["C-3", "'=HYPERLINK(\"http://x\")", 0, None, 0],
    ]
    rows = sheet(await get(api, "/export/customers.xlsx", columns=["number"], filter={"search": "alpha"}))
    assert rows == [["number"], ["C-1"]]


async def test_money_cells_are_numbers_with_two_decimals(api: Api) -> None:
    await three_customers(api)
    response = await get(api, "/export/customers.xlsx", columns=["number", "priorSales", "email"])
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = book.worksheets[0]["B2"], book.worksheets[0]["C4"]
    assert cells[0].value == 0.07 and cells[0].number_format == "#,##0.00"
    assert cells[1].value == "'+1@x.io" and cells[1].data_type == "s"
    assert book.worksheets[0]["A1"].value == "number"


async def test_customers_csv_exact_decimals_and_escaping(api: Api) -> None:
    await three_customers(api)
    response = await get(api, "/export/customers.csv",
                         columns=["number", "name", "priorSales", "creditLimit", "email", "balances.availableCredit"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["number", "name", "priorSales", "creditLimit", "email", "balances.availableCredit"],
        ["C-1", "Alpha Parts", "0.07", "", "", ""],
        ["C-2", "Beta Tools", "1234.50", "100.10", "", "100.10"],
        ["C-3", "'=HYPERLINK(\"http://x\")", "0.00", "", "'+1@x.io", ""],
    ]


async def test_a_view_gives_columns_labels_sort_and_filter(api: Api) -> None:
    await three_customers(api)
    async with api.database.read_session() as session:
        user_id = await session.scalar(select(User.id).where(User.email == "admin@example.com"))
    async with api.database.write_session() as session:
        view = await lists.save_list_view(session, view_id=None, actor=Actor(user_id, Role.ADMIN), fields=ListViewFields(
            kind=ListKind.CUSTOMERS, name="Mine",
            columns=[ListColumnFields(field="name", label="Who"), ListColumnFields(field="email", visible=False),
                     ListColumnFields(field="number", label="No.")],
            sort=[ListSortFields(field="NUMBER", direction=SortDirection.DESC)], filter={"search": "a"},
            is_default=True))
    rows = sheet(await get(api, "/export/customers.xlsx", view=gid("ListView", view.id)))
    assert rows == [["Who", "No."], ["Beta Tools", "C-2"], ["Alpha Parts", "C-1"]]
    # A parameter given explicitly wins over the view's.
    rows = sheet(await get(api, "/export/customers.xlsx", view=gid("ListView", view.id), columns=["number"]))
    assert rows == [["number"], ["C-2"], ["C-1"]]
    # Another user's view is not found; a view of another list is refused.
    other = await factories.user(api.database, "rep@example.com")
    async with api.database.write_session() as session:
        theirs = await lists.save_list_view(session, view_id=None, actor=Actor.of(other), fields=ListViewFields(
            kind=ListKind.CUSTOMERS, name="Theirs", columns=[ListColumnFields(field="name")], is_default=False))
    response = await get(api, "/export/customers.xlsx", view=gid("ListView", theirs.id))
    assert response.status_code == 404 and response.json()["parameter"] == "view"
    response = await get(api, "/export/leads.xlsx", view=gid("ListView", view.id))
    assert response.status_code == 400 and "customers list" in response.json()["error"]


async def test_unauthenticated_is_401(api: Api) -> None:
    for path in ("/export/customers.xlsx", "/export/customers.csv", "/export/leads.xlsx",
                 "/export/locations.xlsx", f"/export/customers/{gid('Customer', 1)}/invoices.xlsx"):
        assert (await get(api, path, token=None)).status_code == 401
        assert (await get(api, path, token="nonsense")).status_code == 401


async def test_bad_parameters_are_400_naming_the_parameter(api: Api) -> None:
    cases = [
        ({"filter": "{not json"}, "filter", "not valid JSON"),
        ({"orderBy": "[1,"}, "orderBy", "not valid JSON"),
        ({"columns": "nope"}, "columns", "not valid JSON"),
        ({"columns": ["number", "shoeSize"]}, "columns", "'shoeSize' is not a column"),
        ({"columns": []}, "columns", "non-empty"),
        ({"orderBy": [{"field": "SHOE_SIZE"}]}, "orderBy", "cannot be sorted by 'SHOE_SIZE'"),
        ({"filter": {"colour": "red"}}, "filter", "'colour' is not a filter"),
        ({"filter": {"creditCode": ["BAD"]}}, "filter", "filter.creditCode"),
        ({"view": "garbage"}, "view", "no list view"),
    ]
    for params, parameter, message in cases:
        response = await get(api, "/export/customers.csv", **params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["parameter"] == parameter
        assert message in response.json()["error"], response.json()
    response = await get(api, "/export/leads.xlsx", columns=["lifetimeValue"])
    assert response.status_code == 400 and "leads list" in response.json()["error"]


async def test_figures_and_balances_columns(api: Api) -> None:
    db = api.database
    acme = await factories.customer(db, "Acme", number="A-1", creditLimit="1000.00")
    await factories.order(db, acme.id, "100.00", "50.01")
    await factories.order(db, acme.id, "20.00")
    rows = sheet(await get(api, "/export/customers.xlsx",
                           columns=["number", "orderCount", "orderTotal", "averageOrderValue", "lastOrderDate",
                                    "engagement", "balances.openOrders", "balances.availableCredit",
                                    "newestNoteAt"]))
    assert rows[0][0] == "number"
    number, count, total, average, last, engagement, open_orders, available, note = rows[1]
    assert (number, count, Decimal(str(total)), Decimal(str(average))) == ("A-1", 2, Decimal("170.01"),
                                                                           Decimal("85.00"))  # 170.01 / 2, half-even
    assert last.date() == factories.TODAY and note is None
    assert engagement in ("ENGAGED", "LAPSED")
    assert Decimal(str(open_orders)) + Decimal(str(available)) == Decimal("1000.00")


async def test_leads_locations_and_invoices_default_columns(api: Api) -> None:
    db = api.database
    acme = await factories.customer(db, "Acme", number="A-1")
    await factories.lead(db, acme.id, 1)
    await factories.location(db, acme.id, "L1", contactName="@Ann")
    await factories.invoice(db, acme.id, "10.00", "2.50")
    rows = sheet(await get(api, "/export/leads.xlsx"))
    assert rows[0][:5] == ["number", "customer.number", "customer.name", "state", "program"]
    assert rows[1][:5] == [1, "A-1", "Acme", "PENDING_QUALIFICATION", "Wholesale"]
    rows = sheet(await get(api, "/export/locations.xlsx"))
    assert rows[0][:4] == ["customer.name", "code", "alias", "contactName"]
    assert rows[1][:4] == ["Acme", "L1", "Site L1", "'@Ann"]
    rows = sheet(await get(api, f"/export/customers/{gid('Customer', acme.id)}/invoices.xlsx"))
    assert rows[0] == ["number", "classification", "status", "invoiceDate", "dueDate", "currency", "netAmount",
                       "taxAmount", "totalAmount", "amountPaid", "balanceDue"]
    assert len(rows) == 2 and Decimal(str(rows[1][6])) == Decimal("12.50")
    missing = await get(api, f"/export/customers/{gid('Customer', 999)}/invoices.xlsx")
    assert missing.status_code == 404
    assert (await get(api, f"/export/customers/{gid('Lead', acme.id)}/invoices.xlsx")).status_code == 404


async def test_customers_csv_every_address_part(api: Api) -> None:
    # given
    parts = {"line1": "1 Main St", "line2": "Unit 2", "city": "Madison", "region": "WI", "postalCode": "53703",
             "country": "US"}
    await factories.customer(api.database, "Acme", number="C-1", billingAddress=parts,
                             shippingAddress={**parts, "line1": "=2 Dock Rd", "country": "GB"})
    names = [f"{address}.{part}" for address in ("billingAddress", "shippingAddress") for part in parts]
    # when
    answer = await get(api, "/export/customers.csv", columns=names)
    # then: each part in its column, escaped as text
    assert answer.status_code == 200, answer.text
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows == [names, [*parts.values(), "'=2 Dock Rd", "Unit 2", "Madison", "WI", "53703", "GB"]]
