"""Imports in bounded time and memory, off the event loop (issue 15, item 3), and the import's
refusal of a session cookie without X-Requested-With (item 8).

Each hostile file is small on the wire and inflates when read: rows, cells, shared strings or
bytes by the million, built here in a fraction of a second from repeated deflate blocks. A real
`clientele serve` must refuse each with the limit named (413 for a size, 422 for a count, 400 for
a file that is not a workbook), within a bound, while `/healthz` answers within a second and the
process stays within a generous memory bound.
"""

from __future__ import annotations

import shutil
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from server.access import service as access
from server.access.commands import UserFields
from server.access.models import Role, TokenScope
from server.access.policy import SYSTEM
from server.access.sessions import SESSION_COOKIE
from tests.bench.processes import Server
from tests.conftest import run_async
from tests.security.serving import BOTTOMLESS, Watch, emptied, opened, served

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ROOT_RELS = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             b'<Relationship Id="rId1" Type="' + RELATIONSHIPS.encode() + b'/officeDocument" '
             b'Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (b'<workbook ' + MAIN + b' xmlns:r="' + RELATIONSHIPS.encode() + b'"><sheets>'
            b'<sheet name="Customers" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 b'<Relationship Id="rId1" Type="' + RELATIONSHIPS.encode() + b'/worksheet" '
                 b'Target="worksheets/sheet1.xml"/>'
                 b'<Relationship Id="rId2" Type="' + RELATIONSHIPS.encode() + b'/sharedStrings" '
                 b'Target="sharedStrings.xml"/></Relationships>')
HEADER = b'<row r="1"><c t="inlineStr"><is><t>number</t></is></c><c t="inlineStr"><is><t>name</t></is></c></row>'
ONE_ROW = b'<row r="2"><c t="inlineStr"><is><t>W-1</t></is></c><c t="inlineStr"><is><t>Wide Ltd</t></is></c></row>'
ENTITIES = (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY %c "%s">' % (ord("b") + i, b"&%c;" % (ord("a") + i) * 10) for i in range(8))
            + b"]><sst " + MAIN + b"><si><t>&i;</t></si></sst>")
ANSWER_WITHIN = 30.0  # seconds: a liveness bound on a shared, busy machine, not a speed test
HEALTHZ_WITHIN = 1.0
RSS_WITHIN = 400 * 1024 * 1024  # the server, its libraries and one import (about 130 MB): reproductions took 2.25 GB
Pieces = list[tuple[bytes, int]]  # (bytes, how many times in a row)


def _block(data: bytes) -> bytes:
    """`data` as raw deflate blocks that end on a byte boundary, so that copies can be concatenated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _deflated(pieces: Pieces) -> tuple[bytes, int, int]:
    """The pieces, each repeated, as one deflate stream: (stream, CRC-32, unpacked size)."""
    stream, crc, size = [], 0, 0
    for piece, times in pieces:
        stream.append(_block(piece) * times)
        for _ in range(times):
            crc = zlib.crc32(piece, crc)
        size += len(piece) * times
    stream.append(zlib.compressobj(9, zlib.DEFLATED, -15).flush())  # the final, empty block
    return b"".join(stream), crc, size


def _zip(parts: dict[str, Pieces], declared: dict[str, int]) -> bytes:
    """A zip of deflated parts, each declaring its unpacked size, or the size in `declared`."""
    body, directory = bytearray(), bytearray()
    for name, pieces in parts.items():
        data, crc, size = _deflated(pieces)
        size = declared.get(name, size)
        encoded = name.encode()
        fields = (20, 0, 8, 0, 0, crc, len(data), size, len(encoded))
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, len(body)) + encoded
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + encoded + data
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), len(body), 0)
    return bytes(body + directory + end)


def workbook(*rows: tuple[bytes, int], strings: Pieces | None = None, declared: dict[str, int] | None = None,
             dimension: bytes = b"") -> bytes:
    """An XLSX file whose sheet holds the header row and then `rows`; its shared strings are
    `strings` (as XML pieces) when given."""
    sheet = [(b"<worksheet " + MAIN + b">" + dimension + b"<sheetData>" + HEADER, 1), *rows,
             (b"</sheetData></worksheet>", 1)]
    parts = {"_rels/.rels": [(ROOT_RELS, 1)], "xl/workbook.xml": [(WORKBOOK, 1)],
             "xl/_rels/workbook.xml.rels": [(WORKBOOK_RELS, 1)], "xl/worksheets/sheet1.xml": sheet}
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
    return _zip(parts, declared or {})


def strings(*pieces: tuple[bytes, int], count: int | None = None) -> Pieces:
    declared = b"" if count is None else b' uniqueCount="%d"' % count
    return [(b"<sst " + MAIN + declared + b">", 1), *pieces, (b"</sst>", 1)]


# Each hostile file: (what builds its body, status, limit, words of the message); built when its
# test runs.
Shape = tuple[Callable[[], bytes], int, str | None, str]
XLSX_SHAPES: dict[str, Shape] = {
    "twenty million empty rows": (
        lambda: workbook((b"<row/>" * 10_000, 2_000)), 422, "rows", "rows after the header"),
    "a row numbered twenty million": (
        lambda: workbook((b'<row r="20000000"><c><v>1</v></c></row>', 1)), 422, "rows", "CLIENTELE_IMPORT_MAX_ROWS"),
    "a million cells in a row": (
        lambda: workbook((b"<row>", 1), (b"<c/>" * 10_000, 100), (b"</row>", 1)), 422, "columns",
        "row 2 has more than"),
    "a row numbered 1, a million times": (
        lambda: workbook((b'<row r="1"/>' * 10_000, 100)), 422, "rows", "rows after the header"),
    "rows numbered 3 and 2 in turn": (
        lambda: workbook((b'<row r="3"/><row r="2"/>' * 5_000, 25)), 422, "rows", "CLIENTELE_IMPORT_MAX_ROWS"),
    "a cell numbered A2, a million times": (
        lambda: workbook((b'<row r="2">', 1), (b'<c r="A2"/>' * 10_000, 100), (b"</row>", 1)), 422, "columns",
        "row 2 has more than"),
    "cells numbered B2 and A2 in turn": (
        lambda: workbook((b'<row r="2">', 1), (b'<c r="B2"><v>1</v></c><c r="A2"/>' * 5_000, 100), (b"</row>", 1)),
        422, "columns", "CLIENTELE_IMPORT_MAX_COLUMNS"),
    "a cell in the last column": (
        lambda: workbook((b'<row><c r="XFD2"><v>1</v></c></row>', 1)), 422, "columns", "CLIENTELE_IMPORT_MAX_COLUMNS"),
    "five million shared strings": (
        lambda: workbook(strings=strings((b"<si><t>s</t></si>" * 5_000, 1_000))), 422, "sharedStrings",
        "CLIENTELE_IMPORT_MAX_SHARED_STRINGS"),
    "five million shared strings declared": (
        lambda: workbook(strings=strings((b"<si><t>s</t></si>", 1), count=5_000_000)), 422, "sharedStrings",
        "shared strings"),
    "a 50 MB inline string": (
        lambda: workbook((b'<row><c t="inlineStr"><is><t>', 1), (b"a" * 65_536, 800), (b"</t></is></c></row>", 1)),
        422, "cellLength", "row 2 has a cell longer"),
    "a 50 MB number": (
        lambda: workbook((b"<row><c><v>", 1), (b"1" * 65_536, 800), (b"</v></c></row>", 1)), 422, "cellLength",
        "CLIENTELE_IMPORT_MAX_CELL_CHARS"),
    "a 50 MB shared string": (
        lambda: workbook(strings=strings((b"<si><t>", 1), (b"b" * 65_536, 800), (b"</t></si>", 1))), 422,
        "cellLength", "shared string longer"),
    "a part that unpacks to 300 MB": (
        lambda: workbook((b" " * 65_536, 4_600)), 413, "uncompressedBytes", "CLIENTELE_IMPORT_MAX_UNCOMPRESSED_BYTES"),
    "a part that declares 3 GB": (
        lambda: workbook(declared={"xl/workbook.xml": 3_000_000_000}), 413, "uncompressedBytes",
        "unpacks to more than"),
    "a part that unpacks past what it declares": (
        lambda: workbook((b" " * 65_536, 4_600), declared={"xl/worksheets/sheet1.xml": 10_000}), 400, None,
        "not a readable XLSX workbook"),
    "entities that expand": (lambda: workbook(strings=[(ENTITIES, 1)]), 400, None, "declares a DTD"),
    "twenty thousand parts": (
        lambda: _zip({f"{i}": [] for i in range(20_000)}, {}), 400, None, "more than 10000 parts"),
}
CSV_SHAPES: dict[str, Shape] = {
    "ten million empty rows": (lambda: b"number,name\r\n" + b",\n" * 10_000_000, 422, "rows", "rows after the header"),
    "a line of twenty million commas": (
        lambda: b"number,name\r\n" + b"," * 20_000_000 + b"\r\n", 422, "columns", "row 2 has more than"),
    "a 20 MB cell": (
        lambda: b"number,name\r\nL-1," + b"a" * 20_000_000 + b"\r\n", 422, "cellLength", "row 2 has a cell"),
    "a 20 MB quoted cell over many lines": (
        lambda: b'number,name\r\nL-1,"' + (b"a" * 999 + b"\n") * 20_000 + b'"\r\n', 422, "cellLength",
        "CLIENTELE_IMPORT_MAX_CELL_CHARS"),
    "a record of 6 million cells, each over two lines": (
        lambda: b"number,name\n" + b'"\nx",' * 6_000_000, 422, "columns", "row 2 has more than"),
    "a record of unquoted cells and quoted line ends": (
        lambda: b"number,name\r\n" + b'a,"\r\n",' * 4_000_000, 422, "columns", "CLIENTELE_IMPORT_MAX_COLUMNS"),
}

SHAPES = {**{name: (XLSX, *shape) for name, shape in XLSX_SHAPES.items()},
          **{name: ("text/csv", *shape) for name, shape in CSV_SHAPES.items()}}
PASSWORD = "a long enough password"


async def _admin(url: str) -> str:
    """An admin with a password, and a read and write token of theirs (its secret)."""
    async with opened(url) as database:
        async with database.write_session() as session:
            await access.create_user(session, fields=UserFields(email="root@example.com", name="Root", role=Role.ADMIN,
                                     password=PASSWORD), actor=SYSTEM)
        async with database.write_session() as session:
            _token, secret = await access.create_token(session, email="root@example.com", name="tests",
                                                       scopes=(TokenScope.READ, TokenScope.WRITE))
        return secret


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served_imports(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                   sqlite_template: Path) -> Iterator[tuple[Server, str, str]]:
    """A server on a migrated database with an admin who has a password and a token: (server,
    token, session cookie)."""
    tmp_path = tmp_path_factory.mktemp("imports")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'clientele.sqlite3'}"
        shutil.copy(sqlite_template, tmp_path / "clientele.sqlite3")
    else:
        url = request.getfixturevalue("postgres_url")
        run_async(emptied(url))
    token = run_async(_admin(url))
    try:
        with served(url, tmp_path / "server.log", **BOTTOMLESS) as server:
            login = httpx.post(f"{server.base_url}/graphql", headers={"X-Requested-With": "test"}, json={
                "query": "mutation ($p: String!) { login(email: \"root@example.com\", password: $p) "
                         "{ userErrors { message } } }", "variables": {"p": PASSWORD}})
            assert login.json()["data"]["login"]["userErrors"] == [], login.text
            yield server, token, login.cookies[SESSION_COOKIE]
    finally:
        if request.param == "postgresql":
            run_async(emptied(url))


def on_sqlite(request: pytest.FixtureRequest) -> None:
    """Reading a file touches no database: its shapes run on SQLite's server only, for time."""
    if "postgresql" in request.node.callspec.id:
        pytest.skip("file reading is the same on every database")


def post(server: Server, body: bytes, content_type: str, headers: dict[str, str], *,
         dry_run: bool = False) -> tuple[httpx.Response, Watch, float]:
    """Posts the file while watching the server: (answer, watch, seconds it took)."""
    started = time.monotonic()
    with Watch(server) as watch:
        answer = httpx.post(f"{server.base_url}/import/customers" + ("?dryRun=true" if dry_run else ""),
                            content=body, headers={"Content-Type": content_type, **headers}, timeout=120)
    return answer, watch, time.monotonic() - started


def customers(server: Server, token: str) -> int:
    answer = httpx.post(f"{server.base_url}/graphql", json={"query": "{ customers { totalCount } }"},
                        headers={"Authorization": f"Bearer {token}"})
    return answer.json()["data"]["customers"]["totalCount"]


def assert_refused(answer: httpx.Response, watch: Watch, took: float, status: int, limit: str | None,
                   words: str) -> None:
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"] == "application/json"
    assert words in answer.json()["error"], answer.json()
    assert answer.json().get("limit") == limit
    assert took < ANSWER_WITHIN
    assert watch.answers > 0 and watch.slowest < HEALTHZ_WITHIN, (watch.answers, watch.slowest)
    assert watch.rss < RSS_WITHIN, watch.rss


@pytest.mark.parametrize("shape", list(SHAPES))
def test_inflating_file__refused_with_its_limit(served_imports: tuple[Server, str, str], shape: str,
                                                request: pytest.FixtureRequest) -> None:
    # given
    on_sqlite(request)
    server, token, _cookie = served_imports
    content_type, build, status, limit, words = SHAPES[shape]
    body = build()
    assert content_type == "text/csv" or len(body) < 2_000_000  # a workbook is small: it inflates when read
    before = customers(server, token)
    # when
    answer, watch, took = post(server, body, content_type, {"Authorization": f"Bearer {token}"})
    # then
    assert_refused(answer, watch, took, status, limit, words)
    assert customers(server, token) == before


def test_declared_dimension_is_not_read(served_imports: tuple[Server, str, str]) -> None:
    # given: a sheet that claims every cell Excel has, and holds one customer
    server, token, _cookie = served_imports
    body = workbook((ONE_ROW, 1), dimension=b'<dimension ref="A1:XFD1048576"/>')
    # when
    answer, watch, took = post(server, body, XLSX, {"Authorization": f"Bearer {token}"}, dry_run=True)
    # then
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 1, "updated": 0, "errors": []}
    assert watch.slowest < HEALTHZ_WITHIN and took < ANSWER_WITHIN


def test_large_import__server_answers_meanwhile(served_imports: tuple[Server, str, str],
                                                request: pytest.FixtureRequest) -> None:
    # given: a good file, as large as a test may take (the 50,000-row one is tests/imports')
    on_sqlite(request)
    server, token, _cookie = served_imports
    rows = [b"N-%06d,Customer %d,c%d@example.com,%d.25,US" % (i, i, i, i % 1000) for i in range(20_000)]
    body = b"\r\n".join([b"number,name,email,creditLimit,billingAddress.country", *rows]) + b"\r\n"
    # when
    answer, watch, took = post(server, body, "text/csv", {"Authorization": f"Bearer {token}"}, dry_run=True)
    # then
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json() == {"created": 20_000, "updated": 0, "errors": []}
    assert watch.answers > 1 and watch.slowest < HEALTHZ_WITHIN, (watch.answers, watch.slowest)
    assert took < ANSWER_WITHIN


def test_thousands_of_bad_rows__first_thousand_listed_with_their_count(
        served_imports: tuple[Server, str, str]) -> None:
    # given: a good row among 5,000 rows each with two faults
    server, token, _cookie = served_imports
    rows = [b"B-%05d,,not an email %d" % (i, i) for i in range(5_000)]
    body = b"\r\n".join([b"number,name,email", b"G-1,Good Ltd,good@example.com", *rows]) + b"\r\n"
    before = customers(server, token)
    # when
    answer, watch, took = post(server, body, "text/csv", {"Authorization": f"Bearer {token}"})
    # then
    assert answer.status_code == 422, answer.text[:500]
    found = answer.json()
    assert found["errorCount"] == 10_000 and len(found["errors"]) == 1_000
    assert found["errors"][0]["row"] == 3 and {e["field"] for e in found["errors"][:2]} == {"name", "email"}
    assert found["errors"][-1]["row"] == 502  # the first thousand, in file order
    assert (found["created"], found["updated"]) == (1, 0)
    assert len(answer.content) < 200_000
    assert customers(server, token) == before
    assert watch.slowest < HEALTHZ_WITHIN and took < ANSWER_WITHIN


def test_session_cookie_without_requested_with__refused_403_like_graphql(
        served_imports: tuple[Server, str, str]) -> None:
    # given
    server, token, cookie = served_imports
    cookies = {SESSION_COOKIE: cookie}
    body = b"number,name\r\nK-1,Cookie Ltd\r\n"
    before = customers(server, token)
    # when
    refused = httpx.post(f"{server.base_url}/import/customers", content=body, cookies=cookies,
                         headers={"Content-Type": "text/csv"})
    graphql = httpx.post(f"{server.base_url}/graphql", json={"query": "{ viewer { email } }"}, cookies=cookies)
    # then: the same status as /graphql, and nothing imported
    assert (refused.status_code, graphql.status_code) == (403, 403), refused.text
    assert "X-Requested-With" in refused.json()["error"]
    assert "www-authenticate" not in refused.headers
    assert customers(server, token) == before
    # and with the header the cookie is enough
    allowed = httpx.post(f"{server.base_url}/import/customers?dryRun=true", content=body, cookies=cookies,
                         headers={"Content-Type": "text/csv", "X-Requested-With": "test"})
    assert allowed.status_code == 200 and allowed.json()["created"] == 1, allowed.text


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_file_downloads_take_the_cookie_alone(served_imports: tuple[Server, str, str], method: str) -> None:
    # given: a download link, which cannot send X-Requested-With
    server, _token, cookie = served_imports
    cookies = {SESSION_COOKIE: cookie}
    # when
    export = httpx.request(method, f"{server.base_url}/export/customers.csv", cookies=cookies)
    reminder = httpx.request(method, f"{server.base_url}/reminders/Tm90ZTow.ics", cookies=cookies)
    # then: the cookie signs them in, whatever the method
    assert export.status_code == 200, export.text
    assert reminder.status_code == 404, reminder.text

