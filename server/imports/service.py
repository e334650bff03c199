"""`POST /import/customers`: rows of a CSV or XLSX file checked with the customer service's own
rules and upserted by customer number, all in one transaction (or, with `dry_run`, none).

Its columns are the customer list's (`server/exports/columns.py`): the importable ones are
written, the read-only ones (figures) ignored and listed, so any export imports back; a file
changes only the fields it names (an address part it does not name stays).

Rows are read, checked and written in batches, so memory stays bounded however long the file;
the file is read in a worker thread, never on the event loop, under the import limits
(`readers.Limits`), and at most the first `MAX_ERRORS` row errors are kept, with their count.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import records, spreadsheets, validate
from server.access import policy
from server.access.models import User
from server.audit import service as audit
from server.audit.models import AuditEvent
from server.customers import service as customers
from server.customers.models import (
    BillingStatus,
    CreditCode,
    Customer,
    CustomerStatus,
    PaymentTerms,
    TermsBasis,
)
from server.db.engine import Database
from server.db.identity import fold, folded
from server.db.sequences import next_number
from server.errors import ErrorCode, Problems
from server.exports import service as exports
from server.exports.columns import CUSTOMER_COLUMNS
from server.imports import readers
from server.lists.models import ListKind

BATCH = 500
MAX_ERRORS = 1000
Batch = list[tuple[int, dict[str, Any]]]  # (row number, the row as CustomerInput data)
ENUMS: dict[str, type[enum.Enum]] = {
    "status": CustomerStatus,
    "creditCode": CreditCode,
    "billingStatus": BillingStatus,
    "termsBasis": TermsBasis,
}


REP_COLUMNS = {"salesRep": "sales_rep_id", "insideSalesRep": "inside_sales_rep_id"}


class ImportRefused(Exception):
    """A file the importer cannot take at all (answered with `status`, 400 unless a limit was
    crossed, and this message; `limit` names the limit)."""

    def __init__(self, message: str, status: int = 400, limit: str | None = None) -> None:
        super().__init__(message)
        self.status, self.limit = status, limit


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first MAX_ERRORS
    error_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)  # read-only, as the file names them

    def add_errors(self, errors: list[dict[str, Any]]) -> None:
        self.error_count += len(errors)
        self.errors.extend(errors[: MAX_ERRORS - len(self.errors)])

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "created": self.created,
            "updated": self.updated,
            "errors": self.errors,
        }
        if self.error_count:
            answer["errorCount"] = self.error_count
        if self.ignored_columns:
            answer["ignoredColumns"] = self.ignored_columns
        return answer


class _OffLoop:
    """Runs the blocking steps of reading a file in a worker thread, one at a time. A step goes on
    when its caller is cancelled; `finish` waits for it, so the file is never closed under it."""

    def __init__(self) -> None:
        self._step: asyncio.Future[Any] | None = None

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        self._step = asyncio.ensure_future(asyncio.to_thread(function, *args))
        return await asyncio.shield(self._step)

    async def finish(self) -> None:
        if self._step is not None and not self._step.done():
            await asyncio.wait([self._step])


Column = tuple[int, str, str | None]  # (cell index, CustomerInput field, address part)


@dataclass
class Header:
    """What the header row names: the columns to read, the read-only ones it ignores (as the file
    names them), and the model columns of the address parts it does not name (left as they are)."""

    columns: list[Column]
    ignored: list[str]
    unnamed_parts: set[str]


def _field_of(name: str) -> tuple[str, str | None]:
    """`billingAddress.city` → ("billingAddress", "city"); `name` → ("name", None)."""
    address, _dot, part = name.partition(".")
    return (address, part) if part else (name, None)


def _model_column(address: str, part: str) -> str:
    return f"{address.removesuffix('Address')}_{validate.ADDRESS_FIELDS[part]}"


# The customer list's columns (server/exports/columns.py), by field name and by default label,
# each in lower case: the importable ones are written, the others ignored.
KNOWN = {
    **{column.label.lower(): name for name, column in CUSTOMER_COLUMNS.items()},
    **{name.lower(): name for name in CUSTOMER_COLUMNS},
}
ADDRESS_PARTS: set[tuple[str, str]] = {
    (address, part)
    for address, _dot, part in (
        name.partition(".") for name, column in CUSTOMER_COLUMNS.items() if column.importable
    )
    if part
}


def header_columns(header: list[Any], labels: dict[str, str | None] | None = None) -> Header:
    """The header's columns, named by field or default label (any case), or by a label of the
    view `labels` (label in lower case → field, None for a label of more than one column);
    unknown, repeated or ambiguous names refuse the file."""
    labels = labels or {}
    columns: list[Column] = []
    ignored: list[str] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(header):
        name = "" if cell is None else str(cell).strip()
        if not name:
            continue
        key = name.lower()
        if key in labels and labels[key] is None:
            raise ImportRefused(f"the label {name} names more than one column of the view")
        known = labels.get(key) or KNOWN.get(key)
        if known is None:
            unknown.append(name)
            continue
        if known in seen:
            raise ImportRefused(f"the column {name} appears more than once in the header row")
        seen.add(known)
        if CUSTOMER_COLUMNS[known].importable:
            columns.append((index, *_field_of(known)))
        else:
            ignored.append(name)
    if unknown:
        writable = [name for name, column in CUSTOMER_COLUMNS.items() if column.importable]
        raise ImportRefused(
            f"unknown columns: {', '.join(unknown)}; column names are the customer list's "
            f"columns (by field name or label), written: {', '.join(writable)}; read-only and ignored: "
            f"{', '.join(name for name in CUSTOMER_COLUMNS if name not in writable)}"
        )
    if not columns and not ignored:
        raise ImportRefused("the header row names no columns")
    named = {(name, part) for _index, name, part in columns}
    return Header(
        columns,
        ignored,
        {_model_column(address, part) for address, part in ADDRESS_PARTS - named},
    )


def view_labels(columns: list[dict[str, Any]] | None) -> dict[str, str | None]:
    """A saved view's labels in lower case → field (None for a label two columns share)."""
    labels: dict[str, str | None] = {}
    for column in columns or []:
        if column["field"] not in CUSTOMER_COLUMNS:
            continue
        key = str(column.get("label") or column["field"]).strip().lower()
        labels[key] = (
            column["field"] if labels.get(key, column["field"]) == column["field"] else None
        )
    return labels


def cell_text(value: Any) -> str | None:
    """A cell as trimmed text, or None when empty; the `'` an export puts before text that starts
    with =, +, -, @, tab or carriage return is removed, so such text stays text."""
    if value is None:
        return None
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, float):
        value = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, (int, Decimal)):
        value = str(value)
    elif isinstance(value, (dt.datetime, dt.date)):
        value = value.isoformat()
    elif not isinstance(value, str):
        value = str(value)
    return spreadsheets.unescaped(value).strip() or None


def row_data(row: list[Any], columns: list[Column]) -> dict[str, Any]:
    """A row as CustomerInput data: empty cells are left out; an address with any part given is
    given with the parts the file names (its empty ones cleared; see `Header.unnamed_parts`)."""
    data: dict[str, Any] = {}
    for index, name, part in columns:
        value = cell_text(row[index]) if index < len(row) else None
        if value is None:
            continue
        if part is None:
            data[name] = value
        else:
            data.setdefault(name, {})[part] = value
    return data


@dataclass
class _Lookups:
    """Payment terms by code, and active and inactive users by email, read once per import."""

    terms: dict[str, int]
    users: dict[str, int]
    inactive: dict[str, int]

    @classmethod
    async def load(cls, session: AsyncSession) -> _Lookups:
        terms = {
            code.lower(): id_
            for id_, code in (await session.execute(select(PaymentTerms.id, PaymentTerms.code)))
        }
        users: dict[bool, dict[str, int]] = {True: {}, False: {}}
        for id_, email, active in await session.execute(select(User.id, User.email, User.active)):
            users[bool(active)][email.lower()] = id_
        return cls(terms, users[True], users[False])


def _resolve(
    data: dict[str, Any], lookups: _Lookups, problems: Problems, customer: Customer | None
) -> None:
    """Turns the file's text for enums, payment terms and sales reps into what the service takes.
    A sales rep must be an active user, unless the file keeps the customer's own (an export of a
    customer whose rep has left imports back unchanged)."""
    for name, kind in ENUMS.items():
        if name in data:
            try:
                data[name] = kind(data[name].upper())
            except ValueError:
                problems.add(
                    ErrorCode.INVALID,
                    f"{name} must be one of {', '.join(member.value for member in kind)}",
                    name,
                )
                del data[name]
    if "paymentTerms" in data:
        code = data["paymentTerms"]
        found = lookups.terms.get(code.lower())
        if found is None:
            problems.add(
                ErrorCode.NOT_FOUND,
                f"paymentTerms: no payment terms with the code {code}",
                "paymentTerms",
            )
            del data["paymentTerms"]
        else:
            data["paymentTerms"] = found
    for name in REP_COLUMNS:
        if name in data:
            email = data[name]
            found = lookups.users.get(email.lower())
            kept = lookups.inactive.get(email.lower())
            if kept is not None and customer is not None:  # the customer's own, though inactive
                found = kept if kept == getattr(customer, REP_COLUMNS[name]) else None
            if found is None:
                problems.add(
                    ErrorCode.NOT_FOUND, f"{name}: no active user with the email {email}", name
                )
                del data[name]
            else:
                data[name] = found


def _errors(row: int, problems: Problems) -> list[dict[str, Any]]:
    """One error per field at fault, the first message found for it."""
    found: dict[str, str] = {}
    for problem in problems.items:
        name = ".".join(problem.field or []) or "row"
        found.setdefault(name, problem.message)
    return [{"row": row, "field": name, "message": message} for name, message in found.items()]


def _batches(
    rows: Iterator[list[Any]], columns: list[Column], numbers: dict[str, int]
) -> Iterator[Batch]:
    """Data rows in batches, numbered as the spreadsheet numbers them (the header is row 1);
    blank rows are skipped and a customer number given twice, in any case, refuses the file."""
    batch: list[tuple[int, dict[str, Any]]] = []
    for row_number, row in enumerate(rows, start=2):
        data = row_data(row, columns)
        if not data:
            continue
        number = data.get("number")
        if number is not None:
            key = fold(number)
            if key in numbers:
                raise ImportRefused(
                    f"the customer number {number} appears more than once in the file "
                    f"(rows {numbers[key]} and {row_number}); each number may appear once, "
                    f"in upper or lower case alike"
                )
            numbers[key] = row_number
        batch.append((row_number, data))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _header(rows: Iterator[list[Any]], labels: dict[str, str | None]) -> Header:
    header = next(rows, None)
    if header is None or all(
        cell_text(cell) is None for cell in header
    ):  # none, or a blank first row
        raise ImportRefused("the file has no header row; the first row must name the columns")
    return header_columns(header, labels)


async def import_customers(
    database: Database,
    file: IO[bytes],
    kind: str,
    *,
    dry_run: bool,
    actor: policy.Actor,
    base_currency: str,
    limits: readers.Limits | None = None,
    view_id: str | None = None,
) -> Result:
    """Checks every row and, unless `dry_run` or any row is at fault, upserts them all in one
    transaction; raises ImportRefused for a file that cannot be read as customers or is past a
    limit, or a view (`view_id`, whose labels name columns too) that is not the actor's own view
    of customers, and a FORBIDDEN DomainError, before reading it, for an actor who may not import
    (server/access/policy.py)."""
    async with database.read_session() as session, session.begin():
        actor_id = await policy.require(session, actor, "importCustomers")
    labels = await _labels(database, view_id, actor_id)
    rows = readers.rows(file, kind, limits)
    worker = _OffLoop()
    try:
        header = await worker.run(_header, rows, labels)
        numbers: dict[str, int] = {}  # folded customer number → row, of the rows read so far
        return await _import(
            database,
            worker,
            _batches(rows, header.columns, numbers),
            numbers,
            header,
            dry_run=dry_run,
            actor_id=actor_id,
            base_currency=base_currency,
        )
    except readers.BadFile as error:
        raise ImportRefused(str(error), error.status, error.limit) from None
    finally:
        await worker.finish()
        rows.close()


async def _labels(
    database: Database, view_id: str | None, actor_id: int | None
) -> dict[str, str | None]:
    """The labels of the actor's own customers view `view_id` (none without one)."""
    if view_id is None:
        return {}
    async with database.engine.connect() as connection:
        try:
            view = await exports.apply_view(
                connection, view_id, actor_id or 0, ListKind.CUSTOMERS, exports.Request()
            )
        except exports.ExportError as error:
            raise ImportRefused(error.message, error.status) from None
    return view_labels(view.columns)


async def _import(
    database: Database,
    worker: _OffLoop,
    batches: Iterator[Batch],
    numbers: dict[str, int],
    header: Header,
    *,
    dry_run: bool,
    actor_id: int | None,
    base_currency: str,
) -> Result:
    result = Result(ignored_columns=header.ignored)
    # The first batch is read before the transaction opens: on SQLite a write transaction takes
    # the database's write lock (BEGIN IMMEDIATE), which no one should wait on while a file is read.
    first = await worker.run(next, batches, None)
    batches = itertools.chain([] if first is None else [first], batches)
    maker = database.read_session if dry_run else database.write_session
    async with maker() as session:
        transaction = await session.begin()
        try:
            await _run(
                session,
                worker,
                batches,
                numbers,
                header.unnamed_parts,
                result,
                dry_run=dry_run,
                actor_id=actor_id,
                base_currency=base_currency,
            )
        except BaseException:
            await transaction.rollback()
            raise
        if dry_run or result.error_count:
            await transaction.rollback()
        else:
            await transaction.commit()
    return result


async def _run(
    session: AsyncSession,
    worker: _OffLoop,
    batches: Iterator[Batch],
    numbers: dict[str, int],
    unnamed_parts: set[str],
    result: Result,
    *,
    dry_run: bool,
    actor_id: int | None,
    base_currency: str,
) -> None:
    lookups = await _Lookups.load(session)
    while (batch := await worker.run(next, batches, None)) is not None:
        given = [fold(data["number"]) for _row, data in batch if "number" in data]
        query = select(Customer).where(folded(Customer.number).in_(given))
        if not dry_run:
            query = query.with_for_update()
        existing = (
            {fold(customer.number): customer for customer in (await session.scalars(query))}
            if given
            else {}
        )
        created: list[dict[str, Any]] = []
        for row_number, data in batch:
            problems = Problems(prefix=())
            customer = existing.get(fold(data["number"])) if "number" in data else None
            _resolve(data, lookups, problems, customer)
            if customer is not None:
                data["number"] = (
                    customer.number
                )  # the match key: an import does not re-case a number
            columns_ = customers.customer_columns(
                problems, data, creating=customer is None, base_currency=base_currency
            )
            for column in unnamed_parts:  # an address part the file does not name stays
                columns_.pop(column, None)
            if problems:
                result.add_errors(_errors(row_number, problems))
                continue
            if customer is None:
                result.created += 1
            else:
                result.updated += 1
            if dry_run or result.error_count:
                continue  # nothing will be written: only check the rest
            if customer is None:
                # numbered in sequence, skipping numbers this file gives to other rows
                while columns_.get("number") is None or (
                    "number" not in data and fold(columns_["number"]) in numbers
                ):
                    columns_["number"] = await next_number(
                        session, "customer", taken=Customer.number
                    )
                created.append(columns_)
            else:
                await records.save_changes(session, customer, columns_, actor_id, "updateCustomer")
        if created:
            await _insert(session, created, actor_id)
        await session.flush()
        session.expunge_all()  # the batch is written: let its objects go


async def _insert(
    session: AsyncSession, created: list[dict[str, Any]], actor_id: int | None
) -> None:
    """New customers of a batch and their audit events, in a few executemany statements (one
    INSERT per row would make a 50,000-row file take minutes)."""
    await session.execute(insert(Customer), created)
    ids = dict(
        (
            await session.execute(
                select(Customer.number, Customer.id).where(
                    Customer.number.in_([columns["number"] for columns in created])
                )
            )
        ).all()
    )
    await session.execute(
        insert(AuditEvent),
        [
            {
                "by_id": actor_id,
                "action": "createCustomer",
                "entity_type": "Customer",
                "entity_id": ids[columns["number"]],
                "changes": audit.created(None, columns),
                "revertible": False,
            }
            for columns in created
        ],
    )
