"""CSV and XLSX writers that take rows batch by batch and never hold more than one batch.

Money arrives as an exact Decimal. CSV writes its exact decimal string ("1234.50"). XLSX can
only store a double: the Decimal becomes a number at the cell and nowhere before
(`float(str(value))`, the double nearest the exact amount), shown with a two-decimal format, so
no float arithmetic ever touches an amount.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import anyio

from server.exports.columns import BOOL, DATE, DATETIME, INT, MONEY, Selected

Batch = Sequence[Sequence[Any]]


def _csv_text(kind: str, value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return f"{value:.2f}" if isinstance(value, Decimal) else str(value)
    if kind == BOOL:
        return "true" if value else "false"
    if kind == DATETIME:
        return value.astimezone(zone).isoformat()
    if kind == DATE:
        return value.isoformat()
    return str(value)


async def csv_chunks(
    columns: Sequence[Selected], batches: AsyncIterator[Batch], zone: ZoneInfo
) -> AsyncIterator[bytes]:
    """UTF-8 CSV (with a BOM, so that spreadsheets read it as UTF-8), one chunk per batch."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow([c.label for c in columns])
    yield ("\ufeff" + buffer.getvalue()).encode()
    async for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            out.writerow(
                [_csv_text(c.column.kind, v, zone) for c, v in zip(columns, row, strict=True)]
            )
        yield buffer.getvalue().encode()


async def write_xlsx(
    path: str,
    sheet: str,
    columns: Sequence[Selected],
    batches: AsyncIterator[Batch],
    zone: ZoneInfo,
) -> int:
    """Writes the workbook to `path` row by row (XlsxWriter's constant-memory mode flushes each
    row as the next begins); returns the number of data rows."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    try:
        worksheet = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for index, column in enumerate(columns):
            worksheet.write_string(0, index, column.label, bold)
            worksheet.set_column(index, index, max(10, min(40, len(column.label) + 2)))
        worksheet.freeze_panes(1, 0)
        written = 0

        def write(batch: Batch, first: int) -> None:
            for offset, row in enumerate(batch):
                row_number = first + offset
                for index, (column, value) in enumerate(zip(columns, row, strict=True)):
                    if value is None:
                        continue
                    kind = column.column.kind
                    if kind == MONEY:
                        # The one place an amount becomes a double: its exact decimal string, parsed.
                        worksheet.write_number(row_number, index, float(str(value)), money)
                    elif kind == INT:
                        worksheet.write_number(row_number, index, value)
                    elif kind == BOOL:
                        worksheet.write_boolean(row_number, index, bool(value))
                    elif kind == DATE:
                        worksheet.write_datetime(
                            row_number, index, dt.datetime.combine(value, dt.time()), date
                        )
                    elif kind == DATETIME:
                        local = value.astimezone(zone).replace(tzinfo=None)
                        worksheet.write_datetime(row_number, index, local, moment)
                    else:
                        worksheet.write_string(row_number, index, value)

        async for batch in batches:
            # In a worker thread, one batch at a time: the event loop keeps serving meanwhile.
            await anyio.to_thread.run_sync(write, batch, written + 1)
            written += len(batch)
    finally:
        await anyio.to_thread.run_sync(workbook.close)
    return written
