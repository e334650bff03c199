"""POST /import/customers: CSV and XLSX, upsert by number, dry runs, all or nothing, bad files."""

from __future__ import annotations

import asyncio
import io
import threading
import tracemalloc
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import func, select

from server.access import service as access
from server.access.commands import UserFields
from server.access.models import Role, User
from server.access.policy import SYSTEM, Actor
from server.app import create_app
from server.customers.models import Customer, PaymentTerms
from server.imports import service as imports_service
from tests.conftest import Api, settings_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def post(api: Api, body: bytes, content_type: str = "text/csv", *, dry_run: bool = False,
               token: str | None = "admin") -> Any:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {api.token if token == 'admin' else token}"
    return await api.client.post("/import/customers" + ("?dryRun=true" if dry_run else ""), content=body,
                                 headers=headers)


def csv_of(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def xlsx_of(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def customers(api: Api) -> dict[str, Customer]:
    async with api.database.read_session() as session:
        return {c.number: c for c in await session.scalars(select(Customer))}


async def count(api: Api) -> int:
    async with api.database.read_session() as session:
        return await session.scalar(select(func.count()).select_from(Customer))


async def test_csv_creates_then_updates_by_number(api: Api) -> None:
    first = await post(api, csv_of("number,name,email,creditLimit,priorSales",
                                   "A-1,Acme,acme@example.com,1000.50,20",
                                   "A-2,Bolt Works,,,"))
    assert first.status_code == 200, first.text
    assert first.json() == {"created": 2, "updated": 0, "errors": []}
    found = await customers(api)
    assert found["A-1"].name == "Acme" and found["A-1"].credit_limit_minor == 100050
    assert found["A-1"].prior_sales_minor == 2000 and found["A-1"].currency == "USD"
    second = await post(api, csv_of("number,name", "A-1,Acme Ltd", "A-3,Cogs"))
    assert second.json() == {"created": 1, "updated": 1, "errors": []}
    found = await customers(api)
    assert found["A-1"].name == "Acme Ltd" and found["A-1"].email == "acme@example.com"
    assert found["A-1"].version == 2 and len(found) == 3


async def test_row_without_number_is_numbered(api: Api) -> None:
    answer = await post(api, csv_of("name", "Numbered"))
    assert answer.json()["created"] == 1
    assert list(await customers(api)) == ["C-000001"]


async def test_xlsx_headers_any_case_addresses_and_sales_rep(api: Api) -> None:
    async with api.database.write_session() as session:
        await access.create_user(session, fields=UserFields(email="rep@example.com", name="Rep", role=Role.SALES_REP), actor=SYSTEM)
    async with api.database.read_session() as session:
        rep = await session.scalar(select(User.id).where(User.email == "rep@example.com"))
        terms = await session.scalar(select(PaymentTerms).limit(1))
    body = xlsx_of([["NUMBER", "Name", "billingaddress.City", "BillingAddress.country", "SALESREP", "paymentTerms",
                     "creditCode", "creditLimit"],
                    [1001, "Xcel", "Leeds", "gb", "REP@example.com", terms.code, "new_account", 250]])
    answer = await post(api, body, XLSX)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 1, "updated": 0, "errors": []}
    customer = (await customers(api))["1001"]
    assert (customer.billing_city, customer.billing_country) == ("Leeds", "GB")
    assert customer.sales_rep_id == rep and customer.payment_terms_id == terms.id
    assert customer.credit_code.value == "NEW_ACCOUNT" and customer.credit_limit_minor == 25000
    again = await post(api, xlsx_of([["number", "shippingAddress.city"], ["1001", "York"]]), XLSX)
    assert again.json() == {"created": 0, "updated": 1, "errors": []}
    assert (await customers(api))["1001"].shipping_city == "York"


async def test_multipart_file_field(api: Api) -> None:
    answer = await api.client.post("/import/customers", files={"file": ("c.csv", csv_of("number,name", "M-1,Multi"),
                                                                        "text/csv")},
                                   headers={"Authorization": f"Bearer {api.token}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 1


async def test_dry_run_reports_and_writes_nothing(api: Api) -> None:
    await post(api, csv_of("number,name", "D-1,Old"))
    answer = await post(api, csv_of("number,name", "D-1,New", "D-2,Other"), dry_run=True)
    assert answer.status_code == 200
    assert answer.json() == {"created": 1, "updated": 1, "errors": []}
    found = await customers(api)
    assert list(found) == ["D-1"] and found["D-1"].name == "Old" and found["D-1"].version == 1
    bad = await post(api, csv_of("number,name,email", "D-3,X,not-an-email"), dry_run=True)
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"row": 2, "field": "email",
                                     "message": "email must be an email address like name@example.com"}]


async def test_one_bad_row_writes_nothing(api: Api) -> None:
    await post(api, csv_of("number,name", "R-01,Existing"))
    before = await count(api)
    lines = ["number,name,email,creditLimit"]
    for i in range(1, 51):
        if i == 37:
            lines.append(f"R-{i:02},,bad-email,-5")
        else:
            lines.append(f"R-{i:02},Row {i},r{i}@example.com,10")
    answer = await post(api, csv_of(*lines))
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert {(e["row"], e["field"]) for e in errors} == {(38, "name"), (38, "email"), (38, "creditLimit")}
    assert all("must" in e["message"] or "required" in e["message"] for e in errors)
    assert answer.json()["created"] == 48 and answer.json()["updated"] == 1
    assert await count(api) == before
    assert (await customers(api))["R-01"].name == "Existing"


async def test_unknown_reference_and_enum_are_row_errors(api: Api) -> None:
    answer = await post(api, csv_of("number,name,salesRep,status,paymentTerms",
                                    "E-1,Name,nobody@example.com,sleeping,NOPE"))
    assert answer.status_code == 422
    fields = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert set(fields) == {"salesRep", "status", "paymentTerms"}
    assert "nobody@example.com" in fields["salesRep"] and "ACTIVE" in fields["status"]
    assert await count(api) == 0


@pytest.mark.parametrize(("body", "content_type", "message"), [
    (b"number,name\r\nX,Y\r\n", "application/json", "unsupported content type"),
    (b"this is not a zip", XLSX, "not a readable XLSX"),
    (b"", "text/csv", "no header row"),
    (b"number,name,colour\r\nX,Y,red\r\n", "text/csv", "unknown columns: colour"),
    (b"number,name\r\nX,Y\r\nX,Z\r\n", "text/csv", "X appears more than once in the file (rows 2 and 3)"),
    (b"number,Number\r\nX,Y\r\n", "text/csv", "appears more than once in the header"),
    (b"number,name\r\n\xff\xfe,Y\r\n", "text/csv", "not UTF-8"),
])
async def test_bad_files_are_refused(api: Api, body: bytes, content_type: str, message: str) -> None:
    answer = await post(api, body, content_type)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert await count(api) == 0


async def test_empty_xlsx_has_no_header(api: Api) -> None:
    answer = await post(api, xlsx_of([]), XLSX)
    assert answer.status_code == 400 and "no header row" in answer.json()["error"]


async def test_token_required(api: Api) -> None:
    assert (await post(api, csv_of("number,name", "T,T"), token=None)).status_code == 401
    assert (await post(api, csv_of("number,name", "T,T"), token="wrong")).status_code == 401
    assert await count(api) == 0


async def test_body_over_the_limit(api: Api) -> None:
    app = create_app(settings_for(api.database, import_max_bytes=100), api.database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        body = csv_of("number,name", *[f"N-{i},Name {i}" for i in range(20)])
        answer = await client.post("/import/customers", content=body,
                                   headers={"Content-Type": "text/csv", "Authorization": f"Bearer {api.token}"})
    assert answer.status_code == 413
    assert "limit of 100 bytes" in answer.json()["error"]
    assert await count(api) == 0


@pytest.mark.parametrize("declared", ["9" * 5000, "0" * 4999 + "1" + "0" * 9])
async def test_body_declared_over_the_limit__of_any_length(api: Api, declared: str) -> None:
    # when: a Content-Length of thousands of digits (int() refuses 4,300), over the limit
    answer = await api.client.post("/import/customers", content=b"number,name\r\n",
                                   headers={"Content-Type": "text/csv", "Authorization": f"Bearer {api.token}",
                                            "Content-Length": declared})
    # then: refused as too large, before the body is read
    assert answer.status_code == 413
    assert await count(api) == 0


@pytest.mark.parametrize("content_type", ["text/csv", XLSX])
async def test_escaped_formula_imports_as_text(api: Api, content_type: str) -> None:
    rows = [["number", "name", "alias"], ["F-1", "'=HYPERLINK(\"x\")", "'Tis plain"]]
    if content_type == XLSX:
        body = xlsx_of(rows)
    else:
        body = csv_of(*(",".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows))
    answer = await post(api, body, content_type)
    assert answer.status_code == 200, answer.text
    customer = (await customers(api))["F-1"]
    assert customer.name == '=HYPERLINK("x")'
    assert customer.alias == "'Tis plain"


async def test_fifty_thousand_rows_in_bounded_memory(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    if not api.database.is_sqlite:
        pytest.skip("the memory test runs on SQLite: PostgreSQL adds time, not memory")
    rows = 50_000
    lines = ["number,name,email,phone,creditLimit,billingAddress.city,billingAddress.country"]
    lines += [f"B-{i:06},Customer number {i},c{i}@example.com,+1 555 {i:07},{i % 1000}.25,City {i % 97},US"
              for i in range(rows)]
    body = csv_of(*lines)
    del lines
    # What holding every row as a dict would take: the floor the importer must stay well under.
    header = ["number", "name", "email", "phone", "creditLimit", "billingAddress.city", "billingAddress.country"]
    tracemalloc.start()
    held = [dict(zip(header, line.split(","))) for line in body.decode().splitlines()[1:]]
    all_rows_bytes = tracemalloc.get_traced_memory()[0]
    del held
    tracemalloc.stop()

    tracemalloc.start()
    answer = await post(api, body)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json() == {"created": rows, "updated": 0, "errors": []}
    assert await count(api) == rows
    # the body itself (about 5 MB, spooled to disk past 1 MB) plus the number index and one batch
    print(f"import peak {peak / 1e6:.1f} MB; all rows as dicts {all_rows_bytes / 1e6:.1f} MB")
    assert peak < all_rows_bytes / 2, (peak, all_rows_bytes)
    assert imports_service.BATCH <= 1000


async def test_import__refused_for_a_read_only_token(api):
    # given
    from server.access.models import Role, TokenScope
    from tests.conftest import make_token
    reader = await make_token(api.database, Role.ADMIN, email="reader@example.com", scopes=(TokenScope.READ,))
    before = (await api.ok("{ customers { totalCount } }"))["customers"]["totalCount"]
    # when
    response = await api.client.post("/import/customers", content=b"name\nRead Only Ltd\n",
                                      headers={"Authorization": f"Bearer {reader}", "Content-Type": "text/csv"})
    # then
    assert response.status_code == 403
    assert (await api.ok("{ customers { totalCount } }"))["customers"]["totalCount"] == before


class _HeldFile(io.BytesIO):
    """A file whose third read (after the BOM's and the first chunk's) waits until `go` is set,
    having set `waiting`."""

    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        self.waiting, self.go, self.reads = threading.Event(), threading.Event(), 0

    def _hold(self) -> None:
        self.reads += 1
        if self.reads == 3:
            self.waiting.set()
            self.go.wait(timeout=60)

    def read(self, size: int | None = -1) -> bytes:
        self._hold()
        return super().read(size)

    def read1(self, size: int = -1) -> bytes:
        self._hold()
        return super().read1(size)


async def test_import__first_batch_read_before_the_write_transaction(api: Api) -> None:
    # given: an import whose file is still being read, its first batch unfinished
    async with api.database.read_session() as session:
        admin = await session.scalar(select(User.id).where(User.role == Role.ADMIN))
    file = _HeldFile(csv_of("number,name", *[f"H-{i:04},Held customer number {i:04}" for i in range(1_000)]))
    importing = asyncio.create_task(imports_service.import_customers(
        api.database, file, "csv", dry_run=False, actor=Actor(admin, Role.ADMIN), base_currency="USD"))
    try:
        await asyncio.to_thread(file.waiting.wait, 60)
        # when: someone else writes meanwhile
        async with api.database.write_session() as session:
            await access.create_user(session, fields=UserFields(email="meanwhile@example.com", name="Meanwhile", role=Role.VIEWER), actor=SYSTEM)
        wrote_while_reading = not file.go.is_set()
    finally:
        file.go.set()
        result = await importing
    # then: the write did not wait for the file (on SQLite it would wait for the write lock)
    assert wrote_while_reading
    assert (result.created, result.error_count) == (1_000, 0)
    assert await count(api) == 1_000
