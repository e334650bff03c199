"""An export imports back unchanged (SPEC §7): every column, read-only ones ignored, formula-looking
text included; and an import changes exactly the fields its file names."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.access import service as access
from server.access.commands import UserFields
from server.access.models import Role, User
from server.access.policy import SYSTEM
from server.customers.models import BillingStatus, CreditCode, CustomerStatus, PaymentTerms, TermsBasis
from server.exports.columns import CUSTOMER_COLUMNS, CUSTOMER_DEFAULT
from tests import factories

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ["number", "name", "alias", "email", "phone", "creditLimit", "priorSales", "billingAddress.city",
           "billingAddress.region", "billingAddress.country"]
FIELDS = "number name alias email phone creditLimit { amount } priorSales { amount } billingAddress { city region country }"
EVERY = list(CUSTOMER_COLUMNS)
WRITTEN = [name for name, column in CUSTOMER_COLUMNS.items() if column.importable]
READ_ONLY = [name for name in EVERY if name not in WRITTEN]
INACTIVE_TOO = {"includeInactive": True}
ADDRESS = "{ line1 line2 city region postalCode country }"
CUSTOMER = (f"number name alias status currency creditCode creditLimit {{ amount }} billingStatus "
            f"paymentTerms {{ code }} termsBasis salesRep {{ email }} insideSalesRep {{ email }} email phone "
            f"priorSales {{ amount }} billingAddress {ADDRESS} shippingAddress {ADDRESS} version")
EVERYONE = f"{{ customers(first: 50, filter: {{includeInactive: true}}) {{ edges {{ node {{ {CUSTOMER} }} }} }} }}"


def headers(api: Any, content_type: str | None = None) -> dict[str, str]:
    found = {"Authorization": f"Bearer {api.token}"}
    return found if content_type is None else {**found, "Content-Type": content_type}


async def export(api: Any, fmt: str, **params: Any) -> bytes:
    answer = await api.client.get(f"/export/customers.{fmt}", params=params, headers=headers(api))
    assert answer.status_code == 200, answer.text
    return answer.content


async def import_(api: Any, body: bytes, fmt: str = "csv", view: str | None = None) -> Any:
    return await api.client.post("/import/customers", content=body, params={} if view is None else {"view": view},
                                 headers=headers(api, XLSX if fmt == "xlsx" else "text/csv"))


def xlsx_cells(body: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def reps(api: Any, *emails: str) -> list[int]:
    async with api.database.write_session() as session:
        for email in emails:
            await access.create_user(session, fields=UserFields(email=email, name=email.split("@")[0], role=Role.SALES_REP),
                                     actor=SYSTEM)
    async with api.database.read_session() as session:
        found = dict((await session.execute(select(User.email, User.id).where(User.email.in_(emails)))).all())
    return [found[email] for email in emails]


async def terms(api: Any) -> dict[str, int]:
    async with api.database.read_session() as session:
        return dict((await session.execute(select(PaymentTerms.code, PaymentTerms.id))).all())


def address(tag: str, country: str = "US") -> dict[str, str]:
    return {"line1": f"1 {tag} Street", "line2": f"Unit {tag}", "city": f"{tag}ville", "region": "WI",
            "postalCode": "53703", "country": country}


async def full_customer(api: Any, number: str, rep: int, inside: int, terms_id: int, **data: Any) -> Any:
    """A customer with every CustomerInput field set."""
    given = {"number": number, "name": f"Customer {number}", "alias": f"{number} alias", "status": CustomerStatus.INACTIVE, "currency": "EUR",
             "creditCode": CreditCode.PAST_DUE, "creditLimit": "1500.50", "billingStatus": BillingStatus.PREPAY,
             "paymentTerms": terms_id, "termsBasis": TermsBasis.END_OF_MONTH, "salesRep": rep, "insideSalesRep": inside,
             "email": f"{number.lower()}@example.com", "phone": "(312) 555-0101", "priorSales": "10.30",
             "billingAddress": address("Bill"), "shippingAddress": address("Ship", "GB"), **data}
    return await factories.customer(api.database, **given)


async def test_export_then_import__changes_nothing(api):
    # given: customers whose text would run as formulas in a spreadsheet
    await factories.customer(api.database, '=HYPERLINK("http://x")', alias="+1 Wholesale", email="a@example.com",
                             creditLimit="1500.50", priorSales="0.30",
                             billingAddress={"city": "-Minus", "region": "WI", "country": "US"})
    await factories.customer(api.database, "@Home Supply", phone="=1+1")
    before = await api.ok(f"{{ customers(first: 10) {{ edges {{ node {{ {FIELDS} version }} }} }} }}")
    # when: export as CSV with the importer's own header names, then import that file
    exported = await export(api, "csv", columns=json.dumps(COLUMNS))
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert any(cell.startswith("'=") for row in rows[1:] for cell in row)  # escaped on the way out
    imported = await import_(api, exported)
    # then: every customer is found by number and nothing changed, not even the version
    assert imported.status_code == 200, imported.json()
    assert imported.json()["created"] == 0 and imported.json()["errors"] == []
    after = await api.ok(f"{{ customers(first: 10) {{ edges {{ node {{ {FIELDS} version }} }} }} }}")
    assert after == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_every_column__export_import_export_gives_the_same_file(api, fmt):
    # given: customers with every field set, one with figures, one bare, one with formula-looking text
    rep, inside = await reps(api, "rep@example.com", "inside@example.com")
    codes = await terms(api)
    full = await full_customer(api, "C-100", rep, inside, codes["NET30"], currency="USD")
    await factories.invoice(api.database, full.id, "120.00", issue=True)
    await factories.order(api.database, full.id, "45.50")
    await full_customer(api, "C-101", inside, rep, codes["NET7"], name="=SUM(A1:A2)", alias="-minus",
                        phone="+1 312 555 0102", billingAddress={"city": "@City", "country": "US"})
    await factories.customer(api.database, "Bare Supply")
    before = await api.ok(EVERYONE)
    first = await export(api, fmt, columns=json.dumps(EVERY), filter=json.dumps(INACTIVE_TOO))
    # when
    imported = await import_(api, first, fmt)
    # then: every row updates its customer, the read-only columns are ignored and listed
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"created": 0, "updated": 3, "errors": [], "ignoredColumns": READ_ONLY}
    again = await export(api, fmt, columns=json.dumps(EVERY), filter=json.dumps(INACTIVE_TOO))
    if fmt == "csv":
        assert again == first
    else:
        assert xlsx_cells(again) == xlsx_cells(first)
    assert await api.ok(EVERYONE) == before  # not even a version moved


@pytest.mark.parametrize("case", [str, str.upper, str.lower])
async def test_every_column_headed_by_its_default_label__imports_back_unchanged(api, case):
    # given: a customer with every field set, exported as a list shows it: under default labels
    rep, inside = await reps(api, "rep@example.com", "inside@example.com")
    full = await full_customer(api, "C-110", rep, inside, (await terms(api))["NET30"], currency="USD")
    await factories.order(api.database, full.id, "45.50")
    labelled = [{"field": name, "label": case(column.label)} for name, column in CUSTOMER_COLUMNS.items()]
    exported = await export(api, "csv", columns=json.dumps(labelled), filter=json.dumps(INACTIVE_TOO))
    header = next(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert header == [c["label"] for c in labelled] and "Billing city" in [c.label for c in CUSTOMER_COLUMNS.values()]
    before = await api.ok(EVERYONE)
    # when: imported without a view, the header in any case
    imported = await import_(api, exported)
    # then: the labels name the columns; the read-only ones are ignored, as the file names them
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"created": 0, "updated": 1, "errors": [],
                               "ignoredColumns": [case(CUSTOMER_COLUMNS[name].label) for name in READ_ONLY]}
    assert await api.ok(EVERYONE) == before


async def test_default_labels__name_each_customer_column_once():
    # a label is no other column's label nor field name, in any case: the importer reads either
    names = [name.lower() for name in CUSTOMER_COLUMNS]
    for name, column in CUSTOMER_COLUMNS.items():
        clash = [other for other in CUSTOMER_COLUMNS if other != name
                 and column.label.lower() in (other.lower(), CUSTOMER_COLUMNS[other].label.lower())]
        assert not clash and column.label.strip() == column.label and column.label, (name, clash)
    assert len(set(names)) == len(names)


async def test_default_export__imports_back_with_its_figures_ignored(api):
    # given
    rep, inside = await reps(api, "rep@example.com", "inside@example.com")
    await full_customer(api, "C-200", rep, inside, (await terms(api))["NET30"], status=CustomerStatus.ACTIVE)
    before = await api.ok(EVERYONE)
    # when
    imported = await import_(api, await export(api, "xlsx"), "xlsx")
    # then
    assert imported.status_code == 200, imported.text
    figures = [name for name in CUSTOMER_DEFAULT if name in READ_ONLY]
    assert imported.json() == {"created": 0, "updated": 1, "errors": [], "ignoredColumns": figures}
    assert await api.ok(EVERYONE) == before


async def test_a_rep_who_has_left__imports_back_but_is_not_given_to_another(api):
    # given: two customers; the first one's rep is deactivated after being assigned
    rep, inside = await reps(api, "rep@example.com", "inside@example.com")
    codes = await terms(api)
    await full_customer(api, "C-250", rep, inside, codes["NET30"])
    await full_customer(api, "C-251", inside, inside, codes["NET30"])
    await factories.set_row(api.database, User, rep, active=False)
    before = await api.ok(EVERYONE)
    exported = await export(api, "csv", columns=json.dumps(EVERY), filter=json.dumps(INACTIVE_TOO))
    # when: the export goes back
    answer = await import_(api, exported)
    # then: the first customer keeps its rep, nothing changed
    assert answer.status_code == 200, answer.text
    assert await api.ok(EVERYONE) == before
    # when: the rep who left is given to the second customer
    refused = await import_(api, b"number,salesRep\r\nC-251,rep@example.com\r\n")
    # then: refused, nothing changed
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"row": 2, "field": "salesRep",
                                         "message": "salesRep: no active user with the email rep@example.com"}]
    assert await api.ok(EVERYONE) == before


async def test_an_address_part_not_in_the_file_stays(api):
    # given
    rep, inside = await reps(api, "rep@example.com", "inside@example.com")
    await full_customer(api, "C-300", rep, inside, (await terms(api))["NET30"])
    # when: the file names the billing city only, and the shipping region (left empty)
    answer = await import_(api, b"number,billingAddress.city,shippingAddress.region\r\nC-300,Madison,\r\n")
    # then: the city changed; line1, line2, postalCode and the whole shipping address stayed
    assert answer.status_code == 200, answer.text
    found = (await api.ok(EVERYONE))["customers"]["edges"][0]["node"]
    assert found["billingAddress"] == {**address("Bill"), "city": "Madison"}
    assert found["shippingAddress"] == address("Ship", "GB")


async def test_view_labels_name_columns_when_the_import_names_the_view(api):
    # given: a view that labels its columns, one of them with another column's field name
    await factories.customer(api.database, "Acme", number="C-400", alias="Old alias",
                             billingAddress={"city": "Leeds", "country": "GB"})
    columns = [{"field": "number", "label": "Customer #"}, {"field": "alias", "label": "name"},
               {"field": "billingAddress.city", "label": "Town"}, {"field": "lifetimeValue", "label": "LTV"}]
    saved = await api.ok("mutation($c: [ListColumnInput!]!) { saveListView(kind: CUSTOMERS, name: \"Mine\", "
                         "columns: $c) { listView { id } userErrors { message } } }", {"c": columns})
    view = saved["saveListView"]["listView"]["id"]
    body = b"customer #,NAME,town,LTV\r\nC-400,New alias,York,12.00\r\n"
    before = await api.ok(EVERYONE)
    # when: without the view, the labels are unknown
    refused = await import_(api, body)
    # then: refused, nothing changed
    assert refused.status_code == 400 and "unknown columns: customer #, town, LTV" in refused.json()["error"]
    assert await api.ok(EVERYONE) == before
    # when: with the view, the view's labels win over field names
    answer = await import_(api, body, view=view)
    # then
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 0, "updated": 1, "errors": [], "ignoredColumns": ["LTV"]}
    found = (await api.ok(EVERYONE))["customers"]["edges"][0]["node"]
    assert (found["name"], found["alias"], found["billingAddress"]["city"]) == ("Acme", "New alias", "York")
    # and: an export with the view imports back with it unchanged
    exported = await export(api, "csv", view=view)
    before = await api.ok(EVERYONE)
    again = await import_(api, exported, view=view)
    assert again.status_code == 200, again.text
    assert await api.ok(EVERYONE) == before


@pytest.mark.parametrize("view", ["not-an-id", "TGlzdFZpZXc6OTk5"])
async def test_an_unknown_view_refuses_the_import(api, view):
    # given
    await factories.customer(api.database, "Acme", number="C-500")
    before = await api.ok(EVERYONE)
    # when
    answer = await import_(api, b"number,name\r\nC-500,Changed\r\n", view=view)
    # then
    assert answer.status_code in (400, 404) and "error" in answer.json()
    assert await api.ok(EVERYONE) == before


async def test_an_unknown_column_refuses_the_file(api):
    # given
    await factories.customer(api.database, "Acme", number="C-600")
    before = await api.ok(EVERYONE)
    # when
    answer = await import_(api, b"number,name,emial,lifetimeValue\r\nC-600,Changed,x@example.com,1\r\n")
    # then: the typo is refused (not ignored), and nothing changed
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("unknown columns: emial;")
    assert await api.ok(EVERYONE) == before


# ---------------------------------------------------------------- any subset of columns

words = st.from_regex(r"[A-Za-z=@+][A-Za-z0-9 ]{0,10}[A-Za-z0-9]", fullmatch=True)
amounts = st.decimals(min_value=0, max_value=10**7, places=2).map(lambda d: f"{d:.2f}")
VALUES: dict[str, Any] = {
    "name": words,
    "alias": words,
    "status": st.sampled_from(["ACTIVE", "INACTIVE"]),
    "currency": st.sampled_from(["USD", "EUR", "GBP"]),
    "creditCode": st.sampled_from(["CURRENT_ACCOUNT", "NEW_ACCOUNT", "PAST_DUE", "CREDIT_HOLD"]),
    "creditLimit": amounts,
    "billingStatus": st.sampled_from(["ON_ACCOUNT", "PREPAY", "CASH_ON_DELIVERY"]),
    "paymentTerms": st.sampled_from(["DUE", "NET7", "NET15", "NET30", "NET60"]),
    "termsBasis": st.sampled_from(["INVOICE_DATE", "DELIVERY_DATE", "END_OF_MONTH"]),
    "salesRep": st.sampled_from(["rep@example.com", "inside@example.com"]),
    "insideSalesRep": st.sampled_from(["rep@example.com", "inside@example.com"]),
    "email": st.from_regex(r"[a-z]{1,8}@example\.com", fullmatch=True),
    "phone": st.from_regex(r"\(?[0-9]{3}\)? [0-9]{3}-[0-9]{4}", fullmatch=True),
    "priorSales": amounts,
}
for _name in WRITTEN:
    if "." in _name:
        VALUES[_name] = st.sampled_from(["US", "GB", "DE"]) if _name.endswith(".country") else words


@st.composite
def files(draw: Any) -> dict[str, str | None]:
    """A row naming a random subset of the written columns, each cell a value or empty."""
    names = draw(st.lists(st.sampled_from([n for n in WRITTEN if n != "number"]), min_size=1, unique=True))
    return {name: draw(st.none() | VALUES[name]) for name in names}


def flat(node: dict[str, Any]) -> dict[str, Any]:
    """A customer as the API answers it, by column name."""
    found: dict[str, Any] = {}
    for name, value in node.items():
        if name.endswith("Address"):
            for part in ("line1", "line2", "city", "region", "postalCode", "country"):
                found[f"{name}.{part}"] = None if value is None else value[part]
        elif isinstance(value, dict):
            (inner,) = value.values()
            found[name] = Decimal(inner) if "amount" in value else inner
        else:
            found[name] = value
    return found


def expected(before: dict[str, Any], row: dict[str, str | None]) -> dict[str, Any]:
    """A plain reference: a field the row gives is set; an empty cell leaves its field, but for an
    address part when another named part of that address is given (then it is cleared)."""
    after = dict(before)
    given_addresses = {name.split(".")[0] for name, value in row.items() if "." in name and value is not None}
    for name, value in row.items():
        if "." in name:
            if name.split(".")[0] in given_addresses:
                after[name] = value
        elif value is not None:
            after[name] = Decimal(value) if name in ("creditLimit", "priorSales") else value
    return after


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=files(), header_case=st.sampled_from([str, str.lower, str.upper]))
async def test_an_import_changes_exactly_the_fields_its_file_names(api, row, header_case):
    # given: a customer with every field set, and another beside it
    if "rep@example.com" not in await reps_by_email(api):  # the database is kept between examples
        await reps(api, "rep@example.com", "inside@example.com")
    users = await reps_by_email(api)
    codes = await terms(api)
    number = f"P-{await count(api)}"
    await full_customer(api, number, users["rep@example.com"], users["inside@example.com"], codes["NET30"])
    await full_customer(api, f"{number}-B", users["inside@example.com"], users["rep@example.com"], codes["DUE"])
    before = {n["number"]: flat(n) for n in await nodes(api)}
    # when
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header_case("number"), *(header_case(name) for name in row)])
    writer.writerow([number, *("" if value is None else value for value in row.values())])
    answer = await import_(api, out.getvalue().encode())
    # then: exactly the named fields changed, on that customer only
    assert answer.status_code == 200, answer.text
    after = {n["number"]: flat(n) for n in await nodes(api)}
    want = expected(before[number], row)
    changed = {k for k in want if k != "version" and want[k] != before[number][k]}
    assert {k: v for k, v in after[number].items() if k != "version"} == \
           {k: v for k, v in want.items() if k != "version"}
    assert after[number]["version"] == before[number]["version"] + (1 if changed else 0)
    assert after[f"{number}-B"] == before[f"{number}-B"]


async def nodes(api: Any) -> list[dict[str, Any]]:
    query = f"{{ customers(first: 250, filter: {{includeInactive: true}}) {{ edges {{ node {{ {CUSTOMER} }} }} }} }}"
    return [edge["node"] for edge in (await api.ok(query))["customers"]["edges"]]


async def reps_by_email(api: Any) -> dict[str, int]:
    async with api.database.read_session() as session:
        return dict((await session.execute(select(User.email, User.id))).all())


async def count(api: Any) -> int:
    return len(await nodes(api))
