"""The first worksheet of an XLSX workbook, row by row, read with expat under the import limits.

openpyxl, even in read-only mode, reads every shared string before the first row, builds a row
whole before it can be looked at, and fills a gap in row numbers with empty rows, so a 177 kB
file could ask for minutes and gigabytes. This reader sees each element as it arrives and stops at
the first limit crossed (`Limits`): parts' declared and actual unpacked sizes, rows, columns,
cell length and shared strings. A part that declares a DTD is refused: XLSX never has one, and
entities are how small XML grows large. Cells are converted as openpyxl converts them (numbers,
dates by their style, booleans, shared and inline strings, formulas as `=` and their text), so
an import reads as it did; the sheet's declared dimension is not used.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Generator, Iterator
from typing import IO, Any
from xml.parsers import expat

from server.imports.limits import BadFile, Limits

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
SST, SI, T, RPH = MAIN + "sst", MAIN + "si", MAIN + "t", MAIN + "rPh"
SHEET_DATA, ROW, C, V, F, IS = (
    MAIN + "sheetData",
    MAIN + "row",
    MAIN + "c",
    MAIN + "v",
    MAIN + "f",
    MAIN + "is",
)
RELATIONSHIP_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships Relationship"
CHUNK = 64 * 1024
MAX_PARTS = 10_000  # zip parts, relationships, number formats
MAX_STYLES = 70_000  # cell styles: Excel allows 64,000


class _Done(Exception):
    """Stops a parse that has read what it needs."""


class _Budget:
    """The workbook's parts, opened so that what they unpack to is counted against the limit,
    first as each part declares, then as it is read."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits) -> None:
        self.archive, self.limits, self.spent = archive, limits, 0

    def chunks(self, name: str) -> Iterator[bytes]:
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise BadFile(
                f"the file is not a readable XLSX workbook (it has no part {name})"
            ) from None
        self.limits.check_uncompressed(self.spent + info.file_size)
        with self.archive.open(info) as part:
            while chunk := part.read(CHUNK):
                self.spent += len(chunk)
                self.limits.check_uncompressed(self.spent)
                yield chunk

    def has(self, name: str) -> bool:
        return name in self.archive.NameToInfo


def _no_doctype(*_args: Any) -> None:
    raise BadFile("the file is not a readable XLSX workbook (an XML part declares a DTD)")


def _parser(
    start: Callable[..., None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> Any:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text, parser.buffer_size = True, CHUNK
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _feed(parser: Any, chunks: Iterator[bytes], name: str) -> Iterator[None]:
    """Parses the chunks, yielding after each, so that a caller can take what the handlers made."""
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
    except _Done:
        pass
    except expat.ExpatError as error:
        raise BadFile(f"the file is not a readable XLSX workbook ({name}: {error})") from None
    except zipfile.BadZipFile as error:
        raise BadFile(f"the file is not a readable XLSX workbook ({error})") from None
    yield


def _parse(
    budget: _Budget,
    name: str,
    start: Callable[..., None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    for _ in _feed(_parser(start, end, text), budget.chunks(name), name):
        pass


def _relationships(budget: _Budget, name: str) -> dict[str, tuple[str, str]]:
    """Id → (type, target) of a part's relationships, targets as paths in the archive."""
    folder = posixpath.dirname(posixpath.dirname(name))
    found: dict[str, tuple[str, str]] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == RELATIONSHIPS:
            if len(found) >= MAX_PARTS:
                raise BadFile(
                    f"the file is not a readable XLSX workbook (more than {MAX_PARTS} relationships)"
                )
            target = attrs.get("Target", "")
            path = (
                target[1:]
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), path)

    if budget.has(name):
        _parse(budget, name, start)
    return found


def _of_type(relationships: dict[str, tuple[str, str]], kind: str) -> str | None:
    return next(
        (path for type_, path in relationships.values() if type_.endswith("/" + kind)), None
    )


def _workbook(budget: _Budget) -> tuple[str | None, str | None, str | None, bool]:
    """The first worksheet's part, the shared strings' and the styles' parts, and whether dates
    count from 1904."""
    book = _of_type(_relationships(budget, "_rels/.rels"), "officeDocument") or "xl/workbook.xml"
    rels = _relationships(
        budget, posixpath.join(posixpath.dirname(book), "_rels", posixpath.basename(book) + ".rels")
    )
    found: dict[str, Any] = {"sheet": None, "1904": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == MAIN + "workbookPr":
            found["1904"] = attrs.get("date1904", "").lower() in {"1", "true"}
        elif tag == MAIN + "sheet":
            type_, path = rels.get(attrs.get(RELATIONSHIP_ID, ""), ("", ""))
            if type_.endswith("/worksheet"):
                found["sheet"] = path
                raise _Done

    _parse(budget, book, start)
    strings, styles = _of_type(rels, "sharedStrings"), _of_type(rels, "styles") or "xl/styles.xml"
    present = [
        part if part is not None and budget.has(part) else None for part in (strings, styles)
    ]
    return found["sheet"], present[0], present[1], found["1904"]


def _date_styles(budget: _Budget, name: str | None) -> tuple[set[int], set[int]]:
    """The cell styles that show a number as a date, and those of them that show a duration, as
    openpyxl's stylesheet finds them."""
    from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format

    dates: set[int] = set()
    durations: set[int] = set()
    if name is None:
        return dates, durations
    custom: dict[int, str] = {}
    state = {"in_xfs": False, "xf": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == MAIN + "numFmt":
            if len(custom) >= MAX_PARTS:
                raise BadFile(
                    f"the file is not a readable XLSX workbook (more than {MAX_PARTS} number formats)"
                )
            custom[_int(attrs.get("numFmtId", "0"), name)] = attrs.get("formatCode", "")
        elif tag == MAIN + "cellXfs":
            state["in_xfs"] = True
        elif tag == MAIN + "xf" and state["in_xfs"]:
            index = state["xf"]
            if index >= MAX_STYLES:
                raise BadFile(
                    f"the file is not a readable XLSX workbook (more than {MAX_STYLES} cell styles)"
                )
            number_format = _int(attrs.get("numFmtId", "0"), name)
            code = (
                custom[number_format]
                if number_format in custom
                else builtin_format_code(number_format)
            )
            if is_date_format(code):
                dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
            state["xf"] = index + 1

    def end(tag: str) -> None:
        if tag == MAIN + "cellXfs":
            raise _Done

    _parse(budget, name, start, end)
    return dates, durations


def _int(text: str, where: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadFile(
            f"the file is not a readable XLSX workbook ({where}: {text[:20]!r} is not a number)"
        ) from None


def _shared_strings(budget: _Budget, name: str | None, limits: Limits) -> list[str]:
    """The shared strings: each the text of its `t`, or of its runs' `t`, never of phonetic runs
    (`rPh`), as openpyxl reads them. Handlers are closures over locals: they run per element."""
    strings: list[str] = []
    if name is None:
        return strings
    parts: list[str] = []
    length, taking, phonetic = 0, False, False
    most, longest = limits.shared_strings, limits.cell_chars

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal parts, length, taking, phonetic
        if tag == T:
            taking = not phonetic
        elif tag == SI:
            if len(strings) >= most:
                limits.check_shared_strings(len(strings) + 1)
            parts, length = [], 0
        elif tag == RPH:
            phonetic = True
        elif tag == SST and attrs.get("uniqueCount", "").isdigit():
            limits.check_shared_strings(int(attrs["uniqueCount"]))  # what it declares, at once

    def end(tag: str) -> None:
        nonlocal taking, phonetic
        if tag == T:
            taking = False
        elif tag == SI:
            strings.append("".join(parts).replace("x005F_", ""))  # as openpyxl reads them
        elif tag == RPH:
            phonetic = False

    def data(chunk: str) -> None:
        nonlocal length
        if taking:
            length += len(chunk)
            if length > longest:
                limits.check_cell(None, length)
            parts.append(chunk)

    _parse(budget, name, start, end, data)
    return strings


class _Sheet:
    """Expat handlers that turn a worksheet's XML into rows: (row number, cell values)."""

    def __init__(
        self,
        limits: Limits,
        strings: list[str],
        dates: set[int],
        durations: set[int],
        mac_1904: bool,
    ) -> None:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self.limits, self.strings, self.dates, self.durations = limits, strings, dates, durations
        self.epoch = CALENDAR_MAC_1904 if mac_1904 else CALENDAR_WINDOWS_1900
        self.done: list[tuple[int, list[Any]]] = []
        self.row, self.column, self.cells = 0, 0, []  # type: tuple[int, int, list[Any]]
        self.rows_read, self.cells_read = 0, 0  # elements, whatever numbers they declare
        self.cell: dict[str, str] = {}
        self.capture: list[str] | None = (
            None  # where the text being read goes: `v`, `f`, an inline `t`
        )
        self.value: list[str] = []
        self.formula: list[str] | None = None
        self.inline: list[str] | None = None  # the parts of the inline string (`is`) being read
        self.phonetic = False
        self.length = 0  # of the cell's text so far

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == C:
            self.column = _column_number(attrs["r"]) if attrs.get("r") else self.column + 1
            self.cells_read += 1
            if self.column > self.limits.columns or self.cells_read > self.limits.columns:
                self.limits.check_column(self.row, max(self.column, self.cells_read))
            self.cell, self.value, self.formula, self.inline, self.length = attrs, [], None, None, 0
        elif tag == V:
            self.capture = self.value
        elif tag == ROW:
            self.row = _row_number(attrs["r"]) if "r" in attrs else self.row + 1
            self.rows_read += 1
            self.limits.check_row(max(self.row, self.rows_read))
            self.column, self.cells_read, self.cells = 0, 0, []
        elif tag == T:
            if self.inline is not None and not self.phonetic:
                self.capture = self.inline
        elif tag == F:
            self.capture = self.formula = []
        elif tag == IS:
            self.inline = []
        elif tag == RPH:
            self.phonetic = True

    def end(self, tag: str) -> None:
        if tag == C:
            cells = self.cells
            if len(cells) < self.column:
                cells.extend([None] * (self.column - len(cells)))
            cells[self.column - 1] = self._value()
        elif tag in (V, T, F):
            self.capture = None
        elif tag == ROW:
            self.done.append((self.row, self.cells))
        elif tag == RPH:
            self.phonetic = False
        elif tag == SHEET_DATA:
            raise _Done

    def data(self, chunk: str) -> None:
        if self.capture is not None:
            self.length += len(chunk)
            if self.length > self.limits.cell_chars:
                self.limits.check_cell(self.row, self.length)
            self.capture.append(chunk)

    def _value(self) -> Any:
        """The cell's value as openpyxl's WorkSheetParser.parse_cell makes it (data_only=False)."""
        kind = self.cell.get("t", "n")
        if self.formula is not None:
            return "=" + "".join(self.formula)
        if kind == "inlineStr":
            return None if self.inline is None else "".join(self.inline)
        text = "".join(self.value)
        if not text:
            return None
        try:
            return self._converted(kind, text)
        except (ValueError, IndexError, OverflowError):
            raise BadFile(
                f"the file is not a readable XLSX workbook (row {self.row}, column {self.column}: "
                f"{text[:20]!r} is not a valid {kind} value)"
            ) from None

    def _converted(self, kind: str, text: str) -> Any:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        if kind == "n":
            number: Any = float(text) if "." in text or "E" in text or "e" in text else int(text)
            style = int(self.cell.get("s") or 0)
            if style not in self.dates:
                return number
            try:
                return from_excel(number, self.epoch, timedelta=style in self.durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # str (a formula's text result), e (an error such as #N/A)


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text) if text.replace(".", "", 1).isdigit() else 0.5
        if not number.is_integer():
            raise BadFile(
                f"the file is not a readable XLSX workbook ({text[:20]!r} is not a row number)"
            ) from None
        return int(number)


def _column_number(reference: str) -> int:
    """The column of a cell reference: A1 → 1, AB7 → 28."""
    letters = reference.rstrip("0123456789$").lstrip("$")
    if not letters or not letters.isascii() or not letters.isalpha() or len(letters) > 3:
        raise BadFile(
            f"the file is not a readable XLSX workbook ({reference[:20]!r} is not a cell reference)"
        )
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _check_directory(file: IO[bytes]) -> None:
    """Refuses a zip whose central directory lists more parts than a workbook has, before
    ZipFile reads it: a 50 MB directory of a million empty parts takes ZipFile half a minute
    and 500 MB. The end record is read as ZipFile reads it first (zip64 included)."""
    end = zipfile._EndRecData(file)  # type: ignore[attr-defined]  # zipfile's private reader
    at = (zipfile._ECD_ENTRIES_TOTAL, zipfile._ECD_SIZE)  # type: ignore[attr-defined]  # its indexes
    parts, size = (end[at[0]], end[at[1]]) if end else (0, 0)
    if parts > MAX_PARTS or size > MAX_PARTS * 1024:
        raise BadFile(f"the file is not a readable XLSX workbook (more than {MAX_PARTS} parts)")


def rows(file: IO[bytes], limits: Limits) -> Generator[list[Any], None, None]:
    """The first worksheet's rows, numbered as the sheet numbers them: a missing row is an empty
    list, a row numbered lower than one already read is dropped (as openpyxl does)."""
    file.seek(0)
    try:
        _check_directory(file)
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise BadFile(f"the file is not a readable XLSX workbook ({error})") from None
    with archive:
        budget = _Budget(archive, limits)
        sheet_part, strings_part, styles_part, mac_1904 = _workbook(budget)
        if sheet_part is None:
            return
        dates, durations = _date_styles(budget, styles_part)
        sheet = _Sheet(
            limits, _shared_strings(budget, strings_part, limits), dates, durations, mac_1904
        )
        parser = _parser(sheet.start, sheet.end, sheet.data)
        last = 0
        for _ in _feed(parser, budget.chunks(sheet_part), sheet_part):
            done, sheet.done = sheet.done, []
            for number, cells in done:
                if number <= last:
                    continue
                for _gap in range(last + 1, number):
                    yield []
                yield cells
                last = number
