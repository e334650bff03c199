"""Row readers for CSV and XLSX files that hold one row at a time, never the whole file, and stop
at the first import limit crossed (`Limits`, settings `CLIENTELE_IMPORT_*`)."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Generator, Iterable, Iterator
from typing import IO, Any

from server.imports import xlsx
from server.imports.limits import BadFile, Limits

__all__ = ["BadFile", "Limits", "kind_of", "rows"]

CSV_TYPES = {"text/csv", "application/csv", "text/plain"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A quoted cell that ends on the line: its opening quote starts a cell (at the line's start or
# after a comma), as only there does `csv` read a quote as opening one.
_CLOSED = re.compile(r'(?<![^,])"(?:[^"]|"")*+"')


def _lines(text: IO[str], limits: Limits) -> Iterator[str]:
    """The physical lines of a CSV file, refused once the record they make (a quoted cell may hold
    newlines) is longer than a row within the limits can be, or has more cells than the column
    limit, before `csv` holds it whole or builds its cells."""
    longest = limits.line_chars
    row, quoted, length, cells = 1, False, 0, 1
    while line := text.readline(longest + 1 - length):
        length += len(line)
        separators, quoted = _separators(line, quoted)
        cells += separators
        if (
            cells > limits.columns or length > longest
        ):  # past the columns, or past the length of a cell
            limits.check_column(row, cells)
            limits.check_cell(row, length)
        if not quoted:
            row, length, cells = row + 1, 0, 1
        yield line


def _separators(line: str, quoted: bool) -> tuple[int, bool]:
    """The commas that end cells on a line, as `csv` reads it, and whether the line ends inside a
    quoted cell (`quoted`: whether it starts inside one). Quoted cells closed on the line are
    taken out; what is left from a quote that opens a cell on is inside that cell:
    `a,"b,c",d,"e,f` has 3 separators and ends inside a quoted cell."""
    if not quoted and '"' not in line:
        return line.count(","), False
    bare = _CLOSED.sub("", '"' + line if quoted else line)
    if bare.startswith('"'):
        return 0, True
    opened = bare.find(',"')
    if opened < 0:
        return bare.count(","), False
    return bare.count(",", 0, opened) + 1, True


def _checked(rows: Iterable[list[str]], limits: Limits) -> Iterator[list[str]]:
    for number, row in enumerate(rows, start=1):
        limits.check_row(number)
        limits.check_column(number, len(row))
        for cell in row:
            limits.check_cell(number, len(cell))
        yield row


def _csv_rows(file: IO[bytes], limits: Limits) -> Generator[list[Any], None, None]:
    file.seek(0)
    head = file.read(3)
    if head != codecs.BOM_UTF8:
        file.seek(0)
    text = io.TextIOWrapper(file, encoding="utf-8", newline="")
    reader = csv.reader(_lines(text, limits))
    try:
        yield from _checked(reader, limits)
    except UnicodeDecodeError as error:
        raise BadFile(
            f"the CSV file is not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    except csv.Error as error:
        if "field larger than field limit" in str(error):  # the csv module's own, above ours
            limits.check_cell(reader.line_num, csv.field_size_limit() + 1)
        raise BadFile(f"the CSV file is malformed: {error}") from None
    finally:
        text.detach()


def rows(
    file: IO[bytes], kind: str, limits: Limits | None = None
) -> Generator[list[Any], None, None]:
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
