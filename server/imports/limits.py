"""The limits of one import, and the errors of a file that cannot be imported."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import Settings

_DEFAULTS = Settings()


class BadFile(Exception):
    """A file that cannot be read as the kind it claims to be (answered with 400)."""

    status = 400
    limit: str | None = None


class OverLimit(BadFile):
    """A file past an import limit: 413 past a size limit, 422 past a count limit. `limit` names
    it for clients: bytes, uncompressedBytes, rows, columns, cellLength or sharedStrings."""

    def __init__(self, status: int, limit: str, message: str) -> None:
        super().__init__(message)
        self.status, self.limit = status, limit


@dataclass(frozen=True)
class Limits:
    """What one import may hold; each refusal names its setting, so that an administrator knows
    what to raise."""

    uncompressed_bytes: int = _DEFAULTS.import_max_uncompressed_bytes
    rows: int = _DEFAULTS.import_max_rows
    columns: int = _DEFAULTS.import_max_columns
    cell_chars: int = _DEFAULTS.import_max_cell_chars
    shared_strings: int = _DEFAULTS.import_max_shared_strings

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.import_max_uncompressed_bytes,
            settings.import_max_rows,
            settings.import_max_columns,
            settings.import_max_cell_chars,
            settings.import_max_shared_strings,
        )

    def check_row(self, number: int) -> None:
        """`number` as a spreadsheet numbers rows: the header is row 1."""
        if number - 1 > self.rows:
            raise OverLimit(
                422,
                "rows",
                f"the file has more than {self.rows} rows after the header, the limit "
                "(CLIENTELE_IMPORT_MAX_ROWS): split it into smaller files",
            )

    def check_column(self, row: int, column: int) -> None:
        if column > self.columns:
            raise OverLimit(
                422,
                "columns",
                f"row {row} has more than {self.columns} columns, the limit "
                "(CLIENTELE_IMPORT_MAX_COLUMNS)",
            )

    def check_cell(self, row: int | None, length: int) -> None:
        """`row` None: a shared string of a workbook, which any cell may show."""
        if length > self.cell_chars:
            where = "the workbook has a shared string" if row is None else f"row {row} has a cell"
            raise OverLimit(
                422,
                "cellLength",
                f"{where} longer than {self.cell_chars} characters, the limit "
                "(CLIENTELE_IMPORT_MAX_CELL_CHARS)",
            )

    def check_shared_strings(self, count: int) -> None:
        if count > self.shared_strings:
            raise OverLimit(
                422,
                "sharedStrings",
                f"the workbook has more than {self.shared_strings} shared "
                "strings, the limit (CLIENTELE_IMPORT_MAX_SHARED_STRINGS)",
            )

    def check_uncompressed(self, size: int) -> None:
        if size > self.uncompressed_bytes:
            raise OverLimit(
                413,
                "uncompressedBytes",
                f"the workbook unpacks to more than {self.uncompressed_bytes} "
                "bytes, the limit (CLIENTELE_IMPORT_MAX_UNCOMPRESSED_BYTES)",
            )

    @property
    def line_chars(self) -> int:
        """The longest CSV line a row within the limits can take: every cell at the longest, each
        of its characters a doubled quote, quoted, with its comma, and the line's end."""
        return self.columns * (2 * self.cell_chars + 3) + 2
