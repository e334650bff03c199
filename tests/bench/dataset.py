"""The bench-scale dataset: reuse it when complete, else build it with `clientele seed --scale bench`.

Also the bench user and its API token (through `clientele create-user` and `create-token`), and
the customer the single-customer queries look at: the one with the most invoice lines.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from server.db.engine import normalize_url
from server.seed.bench import BENCH

BENCH_EMAIL = "bench@example.com"
COUNTED = ("customers", "locations", "contacts", "invoices", "invoice_lines", "orders", "order_lines", "payments",
           "notes", "leads")
# The seed hits its invoice-line target within a few percent; far below it, a run was cut short.
MIN_INVOICE_LINES = int(BENCH.invoice_lines * 0.9)


class DatasetError(Exception):
    """The database holds something that is not a complete bench dataset."""


@dataclass
class Dataset:
    url: str
    database: str  # "sqlite" or "postgresql"
    counts: dict[str, int]
    built_seconds: float | None = None  # None: reused
    customer_number: str = ""
    customer_invoice_lines: int = 0

    def summary(self) -> dict[str, object]:
        return {"database": self.database, **self.counts, "built_seconds": self.built_seconds,
                "large_customer": self.customer_number, "large_customer_invoice_lines": self.customer_invoice_lines}


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def kind_of(url: str) -> str:
    return "sqlite" if normalize_url(url).startswith("sqlite") else "postgresql"


async def counts_of(url: str) -> dict[str, int]:
    """Row counts of the tables that make the dataset; empty when the schema is not there yet."""
    engine = create_async_engine(normalize_url(url))
    try:
        async with engine.connect() as connection:
            return {table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                    for table in COUNTED}
    except DBAPIError:  # no tables yet
        return {}
    finally:
        await engine.dispose()


def is_complete(counts: dict[str, int]) -> bool:
    return (counts.get("customers") == BENCH.customers and counts.get("locations") == BENCH.locations
            and counts.get("contacts") == BENCH.contacts and counts.get("invoice_lines", 0) >= MIN_INVOICE_LINES)


async def prepare(url: str, *, seed: int, sqlite_path: Path | None = None, rebuild_allowed: bool = False) -> Dataset:
    """The dataset at `url`, built first when the database is empty (or, for a file we own, incomplete)."""
    import time

    database = kind_of(url)
    counts = await counts_of(url)
    if is_complete(counts):
        return Dataset(url, database, counts)
    if counts.get("customers"):
        if not (sqlite_path is not None and rebuild_allowed):
            raise DatasetError(f"{_safe(url)} has {counts['customers']:,} customers and "
                               f"{counts.get('invoice_lines', 0):,} invoice lines, not a complete bench dataset; "
                               "give an empty database (or delete the file) and run again")
        print(f"bench: {sqlite_path} is incomplete (an interrupted seed?); building it again", file=sys.stderr)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    if sqlite_path is not None:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"bench: building the bench dataset on {_safe(url)} (clientele seed --scale bench --seed {seed}); "
          "this takes a minute or two, once", file=sys.stderr, flush=True)
    started = time.perf_counter()
    clientele(url, "seed", "--scale", "bench", "--seed", str(seed))
    built = time.perf_counter() - started
    counts = await counts_of(url)
    if not is_complete(counts):
        raise DatasetError(f"the seed finished but {_safe(url)} is still incomplete: {counts}")
    return Dataset(url, database, counts, built_seconds=round(built, 1))


async def pick_large_customer(dataset: Dataset) -> None:
    """The customer with the most invoice lines (as bill customer): the heaviest command center."""
    engine = create_async_engine(normalize_url(dataset.url))
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(text(
                "SELECT c.number, t.n FROM customers c JOIN ("
                " SELECT i.bill_customer_id AS customer_id, count(*) AS n"
                " FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id"
                " GROUP BY i.bill_customer_id ORDER BY n DESC, i.bill_customer_id LIMIT 1) t"
                " ON t.customer_id = c.id"))).one()
    finally:
        await engine.dispose()
    dataset.customer_number, dataset.customer_invoice_lines = row[0], row[1]


async def api_token(url: str) -> str:
    """A new read token of the bench user (an admin, so that margins and costs are readable)."""
    engine = create_async_engine(normalize_url(url))
    try:
        async with engine.connect() as connection:
            exists = (await connection.execute(text("SELECT 1 FROM users WHERE email = :email"),
                                               {"email": BENCH_EMAIL})).first() is not None
    finally:
        await engine.dispose()
    if not exists:
        clientele(url, "create-user", "--email", BENCH_EMAIL, "--name", "Bench", "--role", "admin")
    return clientele(url, "create-token", "--email", BENCH_EMAIL, "--name", "scripts/bench",
                     "--scope", "read").strip()


def clientele(url: str, *args: str) -> str:
    """Run a `clientele` command on the database; its stdout, or DatasetError with its stderr."""
    command = [sys.executable, "-m", "server", *args, "--database-url", url]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=None if args[0] == "seed" else subprocess.PIPE,
                          text=True, check=False)
    if done.returncode != 0:
        raise DatasetError(f"clientele {args[0]} failed ({done.returncode}): {(done.stderr or '').strip()[-2000:]}")
    return done.stdout


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(normalize_url(url)).render_as_string(hide_password=True)
