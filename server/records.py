"""What every service does with a record: lock it, keep only the fields an input names, and
save a change with its version and audit event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.db.base import now
from server.errors import DomainError, ErrorCode, Problem, Problems

Data = dict[str, Any]


async def get_for_update(
    session: AsyncSession,
    model: type[Any],
    record_id: int,
    field: str,
    problems: Problems | None = None,
) -> Any:
    """The record, locked until the transaction ends (FOR UPDATE; SQLite holds the write lock).

    A missing record is NOT_FOUND, raised at once with the `problems` found so far: nothing else
    can be checked without it."""
    record = await session.scalar(select(model).where(model.id == record_id).with_for_update())
    if record is None:
        missing = Problem(ErrorCode.NOT_FOUND, f"no {model.__name__.lower()} with that id", [field])
        raise DomainError([missing, *(problems.items if problems is not None else [])])
    return record


def given_columns(columns: Data, names: dict[str, str], data: Data, creating: bool) -> Data:
    """On create, every value set; on update, only the fields the input names (null clears)."""
    if creating:
        return {column: value for column, value in columns.items() if value is not None}
    return {
        column: value
        for column, value in columns.items()
        if column not in names or names[column] in data
    }


async def save_changes(
    session: AsyncSession, record: Any, columns: Data, actor_id: int | None, action: str
) -> None:
    """Applies the columns that differ; a real change adds one to the version and is audited."""
    changes = audit.apply_changes(record, columns)
    if changes:
        record.version += 1
        if hasattr(record, "updated_at"):
            record.updated_at = now()
        audit.record(session, actor_id=actor_id, action=action, entity=record, changes=changes)
    await session.flush()
