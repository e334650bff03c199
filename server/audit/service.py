"""Writing the audit log, in the same transaction as the change it records."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.models import AuditEvent
from server.errors import DomainError, ErrorCode


def plain(value: Any) -> Any:
    """A JSON-safe form of a column value."""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def apply_changes(record: Any, columns: dict[str, Any]) -> dict[str, list[Any]]:
    """Sets the columns that differ and returns them as {column: [before, after]}."""
    changes: dict[str, list[Any]] = {}
    for column, value in columns.items():
        before = getattr(record, column)
        if before != value:
            changes[column] = [plain(before), plain(value)]
            setattr(record, column, value)
    return changes


def check_version(record: Any, expected: int | None) -> None:
    if expected is not None and record.version != expected:
        raise DomainError.one(
            ErrorCode.STALE_VERSION,
            f"this record changed since you read it: version {record.version}, "
            f"not {expected}; reload it and try again",
            ["expectedVersion"],
        )


def record(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    entity: Any,
    changes: dict[str, Any] | list[Any],
    revertible: bool = False,
) -> AuditEvent:
    event = AuditEvent(
        by_id=actor_id,
        action=action,
        entity_type=type(entity).__name__ if entity is not None else None,
        entity_id=getattr(entity, "id", None),
        changes=changes,
        revertible=revertible,
    )
    session.add(event)
    return event


def created(record_: Any, columns: dict[str, Any]) -> dict[str, list[Any]]:
    return {column: [None, plain(value)] for column, value in columns.items() if value is not None}
