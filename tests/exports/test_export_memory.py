"""Exports stream: 100,000 customers need no more memory than 1,000 (SPEC §7)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import tracemalloc
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from server.customers.models import Customer
from server.db.engine import Database
from server.exports import service
from server.exports.writer import csv_chunks, write_xlsx

COLUMNS = ["number", "name", "creditLimit", "lifetimeValue"]
UTC = ZoneInfo("UTC")


async def add_customers(database: Database, start: int, stop: int) -> None:
    """Bulk Core inserts: fast, and not what is measured."""
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    async with database.engine.begin() as connection:
        for first in range(start, stop, 10_000):
            await connection.execute(insert(Customer.__table__), [
                {"number": f"M{n:07d}", "name": f"=Customer {n}", "currency": "USD", "prior_sales_minor": n * 7,
                 "credit_limit_minor": n if n % 2 else None, "created_at": moment, "updated_at": moment}
                for n in range(first, min(first + 10_000, stop))])


def _source() -> service.Source:
    return service.customers_source(service.Request(columns=COLUMNS), dt.date(2026, 11, 24), UTC)


async def xlsx_peak(database: Database) -> tuple[int, int]:
    """Peak bytes traced while writing the XLSX export (fetching included), and its rows."""
    source = _source()
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        tracemalloc.start()
        rows = await write_xlsx(path, "Customers", source.columns, service.batches(database, source), UTC)
        return tracemalloc.get_traced_memory()[1], rows
    finally:
        tracemalloc.stop()
        os.unlink(path)


async def csv_peak(database: Database) -> tuple[int, int]:
    """Peak bytes traced while streaming the CSV export (each chunk dropped as a client would), and its lines."""
    source = _source()
    lines = 0
    try:
        tracemalloc.start()
        async for chunk in csv_chunks(source.columns, service.batches(database, source), UTC):
            lines += chunk.count(b"\r\n")
        return tracemalloc.get_traced_memory()[1], lines - 1
    finally:
        tracemalloc.stop()


async def test_100_000_rows_need_no_more_memory_than_1_000(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("the memory bound is the same code on PostgreSQL; measured on SQLite for speed")
    mb = 1024 * 1024
    await add_customers(database, 0, 1_000)
    small_xlsx, rows = await xlsx_peak(database)
    assert rows == 1_000
    small_csv, rows = await csv_peak(database)
    assert rows == 1_000
    # CSV is the same batches with a lighter writer: 25,000 rows (25 batches) show it is flat, and
    # keep the test's time (tracemalloc slows Python about threefold) under a minute.
    await add_customers(database, 1_000, 25_000)
    large_csv, rows = await csv_peak(database)
    assert rows == 25_000
    assert large_csv < 2 * small_csv + 4 * mb, (small_csv, large_csv)
    await add_customers(database, 25_000, 100_000)
    large_xlsx, rows = await xlsx_peak(database)
    assert rows == 100_000
    assert large_xlsx < 2 * small_xlsx + 4 * mb, (small_xlsx, large_xlsx)
