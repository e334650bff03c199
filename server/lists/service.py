"""Saved list views (SPEC §7): a user's own columns (in order, with labels and visibility),
sort and filter for one list; one default per user and list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.access import policy
from server.errors import DomainError, ErrorCode, Problems
from server.lists.models import ListKind, ListView
from server.sorting import CustomerSortField, LeadSortField, SortDirection

Data = dict[str, Any]

# The fields a list shows, by GraphQL path: what a view's columns may name.
COLUMNS: dict[ListKind, tuple[str, ...]] = {
    ListKind.CUSTOMERS: (
        "number", "name", "alias", "status", "currency", "creditCode", "creditLimit", "billingStatus",
        "paymentTerms", "termsBasis", "salesRep", "insideSalesRep", "email", "phone",
        "billingAddress.city", "billingAddress.region", "billingAddress.country",
        "shippingAddress.city", "shippingAddress.region", "priorSales", "createdAt", "lifetimeValue",
        "orderCount", "orderTotal", "averageOrderValue", "engagement", "lastOrderDate", "lastInvoiceDate",
        "lastPaymentDate", "newestNoteAt", "balances.openOrders", "balances.currentInvoices",
        "balances.unappliedPayments", "balances.availableCredit"),
    ListKind.LOCATIONS: (
        "code", "alias", "customer.name", "contactName", "contactEmail", "contactPhone",
        "shippingAddress.city", "shippingAddress.region", "salesRep", "effectiveSalesRep"),
    ListKind.LEADS: (
        "number", "customer.name", "customer.number", "state", "open", "program", "source", "probability",
        "potentialValue", "estimatedConversionDate", "insideSalesRep", "outsideSalesRep", "assignedTo",
        "createdAt", "newestNoteAt"),
}

# What a view may sort by: the list's sort-field enum names (locations: their columns).
SORTS: dict[ListKind, tuple[str, ...]] = {
    ListKind.CUSTOMERS: tuple(f.name for f in CustomerSortField),
    ListKind.LEADS: tuple(f.name for f in LeadSortField),
    ListKind.LOCATIONS: COLUMNS[ListKind.LOCATIONS],
}

MAX_NAME = 200
MAX_LABEL = 200


def views_of(user_id: int, kind: ListKind) -> Select[Any]:
    """The user's views of one list: the default first, then by name."""
    return (select(ListView.__table__).where(ListView.user_id == user_id, ListView.kind == kind)
            .order_by(ListView.is_default.desc(), ListView.name, ListView.id))


def _columns(problems: Problems, kind: ListKind, columns: list[Data]) -> list[Data]:
    known = COLUMNS[kind]
    result: list[Data] = []
    seen: set[str] = set()
    if not columns:
        problems.add(ErrorCode.REQUIRED, "a view shows at least one column", "columns")
    for index, column in enumerate(columns):
        at = ("columns", str(index))
        field = column.get("field")
        if field not in known:
            problems.add(ErrorCode.INVALID, f"columns[{index}]: {field!r} is not a field of the {kind.name.lower()} "
                         f"list (known: {', '.join(known)})", *at, "field")
            continue
        if field in seen:
            problems.add(ErrorCode.DUPLICATE, f"columns[{index}]: {field} is listed twice", *at, "field")
            continue
        seen.add(field)
        label = column.get("label")
        label = label.strip() if isinstance(label, str) and label.strip() else field
        if len(label) > MAX_LABEL:
            problems.add(ErrorCode.INVALID, f"columns[{index}]: the label is longer than {MAX_LABEL} characters",
                         *at, "label")
        visible = column.get("visible")
        result.append({"field": field, "label": label, "visible": True if visible is None else bool(visible)})
    return result


def _sort(problems: Problems, kind: ListKind, sort: list[Data]) -> list[Data]:
    known = SORTS[kind]
    result: list[Data] = []
    for index, item in enumerate(sort):
        field = item.get("field")
        if field not in known:
            problems.add(ErrorCode.INVALID, f"sort[{index}]: the {kind.name.lower()} list cannot be sorted by "
                         f"{field!r} (known: {', '.join(known)})", "sort", str(index), "field")
            continue
        direction = item.get("direction") or SortDirection.ASC
        result.append({"field": field, "direction": SortDirection(direction).name})
    return result


async def _own(session: AsyncSession, view_id: int | None, user_id: int) -> ListView:
    """The user's view, locked; another user's view is as missing as one that never was."""
    view = None
    if view_id is not None:
        view = await session.scalar(select(ListView).where(ListView.id == view_id).with_for_update())
    if view is None or view.user_id != user_id:
        raise DomainError.one(ErrorCode.NOT_FOUND, "id: no list view of yours with that id", ["id"])
    return view


async def _owner(session: AsyncSession, user: policy.Who, action: str) -> int:
    """List views are one user's own: the system has none, and nobody touches another's."""
    user_id = await policy.require(session, user, action, owner_id=policy.id_of(user))
    if user_id is None:
        raise policy.forbidden(f"{action}: list views belong to a signed-in user")
    return user_id


async def save_list_view(session: AsyncSession, *, user_id: policy.Who, list_kind: ListKind, view_id: int | None,
                         name: str, columns: list[Data], sort: list[Data] | None, filter: Any,
                         is_default: bool | None) -> ListView:
    """Creates a view, or replaces the one of `view_id` (version + 1); with `is_default` the
    user's other views of the list stop being the default, in the same transaction."""
    kind = list_kind
    problems = Problems(())
    name = (name or "").strip()
    if not name:
        problems.add(ErrorCode.REQUIRED, "name is required", "name")
    elif len(name) > MAX_NAME:
        problems.add(ErrorCode.INVALID, f"name is longer than {MAX_NAME} characters", "name")
    values: Data = {"name": name, "columns": _columns(problems, kind, columns),
                    "sort": _sort(problems, kind, sort or [])}
    if filter is not None and not isinstance(filter, dict):
        problems.add(ErrorCode.INVALID, "filter must be a JSON object (the list's filter input) or null", "filter")
    values["filter"] = filter
    problems.raise_if_any()
    async with session.begin():
        user_id = await _owner(session, user_id, "saveListView")
        view = await _own(session, view_id, user_id) if view_id is not None else None
        if view is not None and view.kind is not kind:
            raise DomainError.one(ErrorCode.INVALID, f"this view belongs to the {view.kind.name} list, "
                                  f"not {kind.name}", ["kind"])
        taken = select(ListView.id).where(ListView.user_id == user_id, ListView.kind == kind,
                                          func.lower(ListView.name) == name.lower())
        if view is not None:
            taken = taken.where(ListView.id != view.id)
        if await session.scalar(taken) is not None:
            raise DomainError.one(ErrorCode.DUPLICATE, f"you already have a {kind.name.lower()} view named {name!r}",
                                  ["name"])
        if is_default is not None or view is None:
            values["is_default"] = bool(is_default)
        if values.get("is_default"):
            others = update(ListView).where(ListView.user_id == user_id, ListView.kind == kind,
                                            ListView.is_default.is_(True))
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


async def delete_list_view(session: AsyncSession, *, user_id: policy.Who, view_id: int) -> None:
    async with session.begin():
        user_id = await _owner(session, user_id, "deleteListView")
        view = await _own(session, view_id, user_id)
        await session.delete(view)
