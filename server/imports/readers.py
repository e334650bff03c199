"""Row readers for CSV and XLSX files that hold one row at a time, never the whole file."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from typing import IO, Any

CSV_TYPES = {"text/csv", "application/csv", "text/plain"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BadFile(Exception):
    """A file that cannot be read as the kind it claims to be (answered with 400)."""


def _csv_rows(file: IO[bytes]) -> Iterator[list[Any]]:
    file.seek(0)
    head = file.read(3)
    if head != codecs.BOM_UTF8:
        file.seek(0)
    text = io.TextIOWrapper(file, encoding="utf-8", newline="")
    try:
        yield from csv.reader(text)
    except UnicodeDecodeError as error:
        raise BadFile(f"the CSV file is not UTF-8 text ({error.reason} at byte {error.start})") from None
    except csv.Error as error:
        raise BadFile(f"the CSV file is malformed: {error}") from None
    finally:
        text.detach()


def _xlsx_rows(file: IO[bytes]) -> Iterator[list[Any]]:
    import openpyxl  # imported on first use: a large package

    file.seek(0)
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise BadFile(f"the file is not a readable XLSX workbook ({error})") from None
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise BadFile(f"the file is not a readable XLSX workbook ({type(error).__name__})") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


def rows(file: IO[bytes], kind: str) -> Iterator[list[Any]]:
    """The rows of a file of kind "csv" or "xlsx", as lists of cell values."""
    return _csv_rows(file) if kind == "csv" else _xlsx_rows(file)


def kind_of(content_type: str) -> str | None:
    """ "csv", "xlsx", or None for a content type the importer does not read."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in CSV_TYPES:
        return "csv"
    if media == XLSX_TYPE:
        return "xlsx"
    return None
