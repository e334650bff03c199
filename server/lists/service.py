"""Saved list views (SPEC §7): a user's own columns (in order, with labels, visibility and widths),
sort and filter for one list; one default per user and list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.access import policy
from server.errors import DomainError, ErrorCode, Problems
from server.lists import validator
from server.lists.commands import ListViewFields
from server.lists.models import ListKind, ListView

Data = dict[str, Any]

MAX_NAME = 200


def views_of(user_id: int, kind: ListKind) -> Select[Any]:
    """The user's views of one list: the default first, then by name."""
    return (
        select(ListView.__table__)
        .where(ListView.user_id == user_id, ListView.kind == kind)
        .order_by(ListView.is_default.desc(), ListView.name, ListView.id)
    )


def applied(row: Any, user_id: int | None, kind: ListKind) -> Any:
    """A view a list or an export is asked to apply: the user's own, of that list. Another
    user's view is NOT_FOUND, as one that never was."""
    if row is None or user_id is None or row.user_id != user_id:
        raise DomainError.one(
            ErrorCode.NOT_FOUND, "view: no list view of yours with that id", ["view"]
        )
    view_kind = row.kind if isinstance(row.kind, ListKind) else ListKind(row.kind)
    if view_kind is not kind:
        raise DomainError.one(
            ErrorCode.INVALID,
            f"view: that view belongs to the {view_kind.name.lower()} list, "
            f"not {kind.name.lower()}",
            ["view"],
        )
    return row


async def _own(session: AsyncSession, view_id: int | None, user_id: int) -> ListView:
    """The user's view, locked; another user's view is as missing as one that never was."""
    view = None
    if view_id is not None:
        view = await session.scalar(
            select(ListView).where(ListView.id == view_id).with_for_update()
        )
    if view is None or view.user_id != user_id:
        raise DomainError.one(ErrorCode.NOT_FOUND, "id: no list view of yours with that id", ["id"])
    return view


async def _owner(session: AsyncSession, actor: policy.Actor, action: str) -> int:
    """List views are one user's own: the system has none, and nobody touches another's."""
    user_id = await policy.require(session, actor, action, owner_id=actor.id)
    if user_id is None:
        raise policy.forbidden(f"{action}: list views belong to a signed-in user")
    return user_id


async def save_list_view(
    session: AsyncSession, *, view_id: int | None, fields: ListViewFields, actor: policy.Actor
) -> ListView:
    """Creates a view, or replaces the one of `view_id` (version + 1); with `is_default` the
    user's other views of the list stop being the default, in the same transaction. Columns,
    sort and filter pass the list's own validator (what the list and its export take); the sort
    is stored by field name."""
    kind, filter, is_default = fields.kind, fields.filter, fields.is_default
    columns = [column.given() for column in fields.columns]
    sort = [key.given() for key in fields.sort]
    problems = Problems(())
    name = (fields.name or "").strip()
    if not name:
        problems.add(ErrorCode.REQUIRED, "name is required", "name")
    elif len(name) > MAX_NAME:
        problems.add(ErrorCode.INVALID, f"name is longer than {MAX_NAME} characters", "name")
    checked = validator.collect(problems, kind, filter=filter, sort=sort or [], columns=columns)
    values: Data = {
        "name": name,
        "filter": filter,
        "sort": checked.stored_sort,
        "columns": [c.stored() for c in checked.columns or []],
    }
    async with session.begin():
        user_id = await _owner(session, actor, "saveListView")
        view = None
        if view_id is not None:
            with problems.gathering():
                view = await _own(session, view_id, user_id)
        if view is not None and view.kind is not kind:
            problems.add(
                ErrorCode.INVALID,
                f"this view belongs to the {view.kind.name} list, not {kind.name}",
                "kind",
            )
        taken = select(ListView.id).where(
            ListView.user_id == user_id,
            ListView.kind == kind,
            func.lower(ListView.name) == name.lower(),
        )
        if view is not None:
            taken = taken.where(ListView.id != view.id)
        if name and await session.scalar(taken) is not None:
            problems.add(
                ErrorCode.DUPLICATE,
                f"you already have a {kind.name.lower()} view named {name!r}",
                "name",
            )
        problems.raise_if_any()
        if is_default is not None or view is None:
            values["is_default"] = bool(is_default)
        if values.get("is_default"):
            others = update(ListView).where(
                ListView.user_id == user_id, ListView.kind == kind, ListView.is_default.is_(True)
            )
            if view is not None:
                others = others.where(ListView.id != view.id)
            await session.execute(others.values(is_default=False, version=ListView.version + 1))
        if view is None:
            view = ListView(user_id=user_id, kind=kind, **values)
            session.add(view)
        else:
            changed = False
            for column, value in values.items():
                if getattr(view, column) != value:
                    setattr(view, column, value)
                    changed = True
            if changed:
                view.version += 1
        await session.flush()
    return view


async def delete_list_view(session: AsyncSession, *, view_id: int, actor: policy.Actor) -> None:
    async with session.begin():
        user_id = await _owner(session, actor, "deleteListView")
        view = await _own(session, view_id, user_id)
        await session.delete(view)
