"""The import's readers: the XLSX reader reads what openpyxl reads, and both readers stop at the
first limit crossed, naming it (issue 15, item 3; the server-level shapes are in
tests/security/test_imports.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from contextlib import nullcontext
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.imports import readers
from server.imports.limits import Limits, OverLimit

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
CELL = st.one_of(st.none(), TEXT, st.integers(-10**12, 10**12), st.booleans(),
                 st.floats(allow_nan=False, allow_infinity=False, width=32),
                 st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(2200, 1, 1)).map(lambda d: d.replace(microsecond=0)))
GRID = st.lists(st.lists(CELL, max_size=6), min_size=1, max_size=8)


def workbook(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def trimmed(rows: Any) -> list[list[Any]]:
    """Rows without their trailing empty cells, and without trailing empty rows."""
    found = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        found.append(row)
    while found and not found[-1]:
        found.pop()
    return found


def openpyxl_rows(body: bytes) -> list[list[Any]]:
    """What the importer read before it had a reader of its own."""
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=False)
    try:
        return trimmed(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GRID)
def test_xlsx_rows__as_openpyxl_reads_them(grid: list[list[Any]]) -> None:
    # given
    body = workbook(grid)
    # when
    found = trimmed(readers.rows(io.BytesIO(body), "xlsx"))
    # then
    assert found == openpyxl_rows(body)


def test_xlsx_rows__numbered_as_the_sheet_numbers_them() -> None:
    # given: rows 3 and 6 only, a formula, a shared string and rich text
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"] = "number", "=A1+1"
    sheet["A6"] = 5
    out = io.BytesIO()
    book.save(out)
    # when
    found = list(readers.rows(io.BytesIO(out.getvalue()), "xlsx"))
    # then
    assert found == [[], [], [None, "number", "=A1+1"], [], [], [5]]
    assert trimmed(found) == openpyxl_rows(out.getvalue())


def violated(number: int, row: list[str], limits: Limits) -> set[str]:
    """The limits a CSV row crosses."""
    crossed = {"rows"} if number - 1 > limits.rows else set()
    if len(row) > limits.columns:
        crossed.add("columns")
    if any(len(cell) > limits.cell_chars for cell in row):
        crossed.add("cellLength")
    return crossed


def assert_read_until_the_first_limit_crossed(text: str, limits: Limits) -> None:
    """Every row `csv` reads before the first at fault, as it reads them; that row refused for a
    limit it crosses."""
    expected = list(csv.reader(io.StringIO(text, newline="")))
    first = next((i for i, row in enumerate(expected) if violated(i + 1, row, limits)), None)
    found: list[list[str]] = []
    with pytest.raises(OverLimit) if first is not None else nullcontext() as refused:
        found.extend(readers.rows(io.BytesIO(text.encode()), "csv", limits))
    if first is None:
        assert found == expected
    else:
        assert found == expected[:first]
        assert refused.value.limit in violated(first + 1, expected[first], limits)
        assert refused.value.status == 422


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(st.sampled_from('ab ,"\n'), max_size=9), min_size=1, max_size=7), max_size=9),
       st.integers(0, 6), st.integers(1, 5), st.integers(1, 6))
def test_csv_rows__whole_until_the_first_limit_crossed(grid: list[list[str]], rows: int, columns: int,
                                                        cell_chars: int) -> None:
    # given: rows of commas, quotes and newlines, and small limits
    out = io.StringIO()
    csv.writer(out).writerows(grid)
    # when, then
    assert_read_until_the_first_limit_crossed(out.getvalue(), Limits(rows=rows, columns=columns,
                                                                      cell_chars=cell_chars))


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from('ab ,"\n\r'), max_size=40), st.integers(1, 5), st.integers(1, 6))
def test_csv_rows__any_text_cells_counted_as_csv_counts_them(text: str, columns: int, cell_chars: int) -> None:
    # given: text no CSV writer makes (quotes inside cells, after them, left open), cut into
    # records by csv's own rules, not by lines
    limits = Limits(rows=100, columns=columns, cell_chars=cell_chars)
    # when, then
    assert_read_until_the_first_limit_crossed(text, limits)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from('a ,"\n\r'), max_size=40))
def test_csv_rows__cells_counted_line_by_line_as_csv_counts_them(text: str) -> None:
    # given: what `csv` reads, a row that is an empty line counted as one empty cell
    expected = [max(len(row), 1) for row in csv.reader(io.StringIO(text, newline=""))]
    # when: the reader's count, a line at a time, of the cells of each record
    counted, cells, quoted = [], 1, False
    for line in io.StringIO(text, newline=""):
        separators, quoted = readers._separators(line, quoted)  # noqa: SLF001 - the early count itself
        cells += separators
        if not quoted:
            counted.append(cells)
            cells = 1
    # then
    assert counted + ([cells] if quoted else []) == expected


@pytest.mark.parametrize(("start", "repeated", "limit"), [
    ("n,m\n", '"\nx",', "columns"),  # many cells, each over two short lines
    ("n,m\r\n", 'a,"b""\r\n""",', "columns"),  # unquoted cells between, doubled quotes, CRLF
    ('n,m\nL-1,"', "\n", "cellLength"),  # one cell of short lines
])
def test_csv_rows__record_over_many_lines_refused_before_it_ends(start: str, repeated: str, limit: str) -> None:
    # given: a record of a megabyte, over lines each short
    lines = io.BytesIO((start + repeated * (1_000_000 // len(repeated))).encode())
    # when
    with pytest.raises(OverLimit) as refused:
        list(readers.rows(lines, "csv", Limits(columns=3, cell_chars=5)))
    # then: refused for its row, having read the little that crosses the limit, not the record
    assert refused.value.limit == limit and "row 2 " in str(refused.value)
    assert lines.tell() < 100_000


def parts(sheet: str, strings: str | None = None) -> bytes:
    """A workbook of XML written here: the sheet's `sheetData` content and the shared strings'."""
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", f'<workbook {main} xmlns:r="{rel}"><sheets>'
                                            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="/xl/strings.xml"/></Relationships>'))
        archive.writestr("xl/worksheets/sheet1.xml", f"<worksheet {main}><sheetData>{sheet}</sheetData></worksheet>")
        if strings is not None:
            archive.writestr("xl/strings.xml", f"<sst {main}>{strings}</sst>")
    return out.getvalue()


@pytest.mark.parametrize(("body", "limits", "limit", "status"), [
    (parts("<row/>" * 4), Limits(rows=2), "rows", 422),
    (parts('<row r="4"/>'), Limits(rows=2), "rows", 422),
    (parts("<row>" + "<c/>" * 4 + "</row>"), Limits(columns=3), "columns", 422),
    (parts('<row><c r="D1"/></row>'), Limits(columns=3), "columns", 422),
    (parts('<row r="1"/>' * 4), Limits(rows=2), "rows", 422),  # rows counted, whatever their numbers
    (parts('<row r="3"/><row r="2"/>' * 2), Limits(rows=2), "rows", 422),
    (parts("<row>" + '<c r="A1"/>' * 4 + "</row>"), Limits(columns=3), "columns", 422),  # and cells
    (parts('<row><c r="C1"/>' + '<c r="B1"/><c r="A1"/>' * 2 + "</row>"), Limits(columns=3), "columns", 422),
    (parts('<row><c t="inlineStr"><is><r><t>ab</t></r><r><t>cd</t></r></is></c></row>'), Limits(cell_chars=3),
     "cellLength", 422),
    (parts("<row><c><f>SUM(A2:A9)</f></c></row>"), Limits(cell_chars=3), "cellLength", 422),
    (parts("", "<si><t>abcd</t></si>"), Limits(cell_chars=3), "cellLength", 422),
    (parts("", "<si><t>a</t></si>" * 3), Limits(shared_strings=2), "sharedStrings", 422),
    (parts("<row><c><v>1</v></c></row>" * 50, "<si><t>a</t></si>" * 50), Limits(uncompressed_bytes=1_500),
     "uncompressedBytes", 413),
])
def test_xlsx_rows__refused_at_the_first_limit_crossed(body: bytes, limits: Limits, limit: str, status: int) -> None:
    # when
    with pytest.raises(OverLimit) as refused:
        list(readers.rows(io.BytesIO(body), "xlsx", limits))
    # then
    assert (refused.value.limit, refused.value.status) == (limit, status)
    assert "CLIENTELE_IMPORT_MAX_" in str(refused.value)


def test_xlsx_rows__within_the_limits_read_whole() -> None:
    # given: each part under the limit of their sum, a shared string and a phonetic run
    body = parts('<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>',
                 "<si><t>ab</t><rPh><t>ignored</t></rPh></si><si><t>cd</t></si>")
    # when
    found = list(readers.rows(io.BytesIO(body), "xlsx", Limits(rows=1, columns=2, cell_chars=2, shared_strings=2)))
    # then
    assert found == [["ab", "cd"]]


@pytest.mark.parametrize("sheet", ['<row><c t="s"><v>7</v></c></row>', '<row><c r="A1A"/></row>',
                                   '<row r="x"/>', "<row><c><v>1.2.3</v></c></row>", "<row>"])
def test_xlsx_rows__broken_sheet_is_a_bad_file(sheet: str) -> None:
    with pytest.raises(readers.BadFile) as refused:
        list(readers.rows(io.BytesIO(parts(sheet, "")), "xlsx"))
    assert refused.value.status == 400 and "not a readable XLSX workbook" in str(refused.value)
