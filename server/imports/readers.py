"""Row readers for CSV and XLSX files that hold one row at a time, never the whole file, and stop
at the first import limit crossed (`Limits`, settings `CLIENTELE_IMPORT_*`)."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

from server.imports import xlsx
from server.imports.limits import BadFile, Limits

__all__ = ["BadFile", "Limits", "kind_of", "rows"]

CSV_TYPES = {"text/csv", "application/csv", "text/plain"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _lines(text: IO[str], limits: Limits) -> Iterator[str]:
    """The physical lines of a CSV file, refused past the longest a row within the limits takes, so
    that no line is held whole before its cells are counted. Quotes are counted to know whether a
    line starts inside a quoted cell, and which row it belongs to."""
    longest = limits.line_chars
    row, quoted = 1, False
    while line := text.readline(longest + 1):
        if len(line) > longest:  # past the columns, or past the length of a cell: which?
            limits.check_column(row, len(_fields(('"' if quoted else "") + line[:longest])))
            limits.check_cell(row, len(line))
        quoted ^= line.count('"') % 2 == 1
        row += not quoted
        yield line


def _fields(text: str) -> list[str]:
    try:
        return next(csv.reader([text]), [])
    except csv.Error:  # a field longer than the csv module's own limit
        return []


def _checked(rows: Iterable[list[str]], limits: Limits) -> Iterator[list[str]]:
    for number, row in enumerate(rows, start=1):
        limits.check_row(number)
        limits.check_column(number, len(row))
        for cell in row:
            limits.check_cell(number, len(cell))
        yield row


def _csv_rows(file: IO[bytes], limits: Limits) -> Iterator[list[Any]]:
    file.seek(0)
    head = file.read(3)
    if head != codecs.BOM_UTF8:
        file.seek(0)
    text = io.TextIOWrapper(file, encoding="utf-8", newline="")
    reader = csv.reader(_lines(text, limits))
    try:
        yield from _checked(reader, limits)
    except UnicodeDecodeError as error:
        raise BadFile(f"the CSV file is not UTF-8 text ({error.reason} at byte {error.start})") from None
    except csv.Error as error:
        if "field larger than field limit" in str(error):  # the csv module's own, above ours
            limits.check_cell(reader.line_num, csv.field_size_limit() + 1)
        raise BadFile(f"the CSV file is malformed: {error}") from None
    finally:
        text.detach()


def rows(file: IO[bytes], kind: str, limits: Limits | None = None) -> Iterator[list[Any]]:
    """The rows of a file of kind "csv" or "xlsx", as lists of cell values. Blocking: run it off the
    event loop. Raises BadFile for a file it cannot read, OverLimit past a limit."""
    limits = limits or Limits()
    return _csv_rows(file, limits) if kind == "csv" else xlsx.rows(file, limits)


def kind_of(content_type: str) -> str | None:
    """ "csv", "xlsx", or None for a content type the importer does not read."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in CSV_TYPES:
        return "csv"
    if media == XLSX_TYPE:
        return "xlsx"
    return None
