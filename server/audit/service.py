"""Writing the audit log, in the same transaction as the change it records."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.access import policy
from server.access.models import Role
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


def visible_changes(
    changes: dict[str, Any] | list[Any], entity_type: str | None, role: Role | None
) -> dict[str, Any] | list[Any]:
    """An event's changes as the role may read them: without the columns it may not read (costs
    for SALES_REP and VIEWER, `policy.hidden_columns`), in a one-record event and in each record
    of a bulk one. Nothing is left to say that a hidden column changed, so an event that changed
    only hidden columns shows `{}`."""
    hidden = policy.hidden_columns(role, entity_type or "")
    if not hidden:
        return changes
    if isinstance(
        changes, list
    ):  # a bulk change: [{"id", "version", "fields": {column: [before, after]}}]
        return [
            {**entry, "fields": _without(entry["fields"], hidden)}
            if isinstance(entry, dict) and "fields" in entry
            else entry
            for entry in changes
        ]
    return _without(changes, hidden)


def _without(changes: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
    return {column: change for column, change in changes.items() if column not in hidden}
