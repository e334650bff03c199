"""Who may do what (SPEC §8): one table, read by every service that writes and by the schema's
cost and margin fields. `docs/api.md` prints the same table; `tests/access/test_roles.py`
checks that it does.

A service calls `require` first thing inside its transaction:

    actor_id = await policy.require(session, actor, "updateCustomer", customers=[customer_id])

`actor` is an `Actor`, the one way services are told who asks: the API builds one from the
request's user (`Actor.of(user)`), and the system itself (seeds, the CLI, imports run by an
operator, tests' factories) is `SYSTEM`, an admin without a user. A request without a user acts
as `ANONYMOUS`, which may do nothing but the public operations. `require` answers the actor's
id, for the audit trail (None for the system), or raises a FORBIDDEN `DomainError`.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.access.models import Role, User
from server.customers.models import Customer
from server.errors import DomainError, ErrorCode


class Access(enum.Enum):
    YES = "yes"
    OWN = "own customers"  # SALES_REP: customers where they are salesRep or insideSalesRep (see `_owns`)
    SELF = "own"  # one's own records: list views, tokens, one's name and password
    NO = "—"


Y, OWN, SELF, N = Access.YES, Access.OWN, Access.SELF, Access.NO
ROLES = (Role.ADMIN, Role.MANAGER, Role.SALES_REP, Role.VIEWER)

# operation: access of ADMIN, MANAGER, SALES_REP, VIEWER
TABLE: dict[str, tuple[Access, Access, Access, Access]] = {
    # customers and what hangs off them
    "createCustomer": (Y, Y, OWN, N),
    "updateCustomer": (Y, Y, OWN, N),
    "createLocation": (Y, Y, OWN, N),
    "updateLocation": (Y, Y, OWN, N),
    "createContact": (Y, Y, OWN, N),
    "updateContact": (Y, Y, OWN, N),
    "deleteContact": (Y, Y, OWN, N),
    # catalogue
    "createItem": (Y, Y, N, N),
    "updateItem": (Y, Y, N, N),
    # orders
    "createOrder": (Y, Y, OWN, N),
    "setOrderStatus": (Y, Y, OWN, N),
    "approveOrder": (Y, Y, N, N),
    # invoices, credit notes, payments: money owed and received is the back office's
    "createInvoice": (Y, Y, N, N),
    "invoiceOrder": (Y, Y, N, N),
    "issueInvoice": (Y, Y, N, N),
    "voidInvoice": (Y, Y, N, N),
    "recordPayment": (Y, Y, N, N),
    "applyPayment": (Y, Y, N, N),
    # notes: anywhere
    "addNote": (Y, Y, Y, N),
    # leads and their set-up
    "createLead": (Y, Y, OWN, N),
    "updateLead": (Y, Y, OWN, N),
    "changeLeadState": (Y, Y, OWN, N),
    "createLeadProgram": (Y, Y, N, N),
    "setLeadProgramActive": (Y, Y, N, N),
    "createLeadSource": (Y, Y, N, N),
    "setLeadSourceActive": (Y, Y, N, N),
    # bulk changes, their reverts, imports
    "bulkUpdateCustomers": (Y, Y, N, N),
    "bulkUpdateLocations": (Y, Y, N, N),
    "revertChange": (Y, Y, N, N),
    "importCustomers": (Y, Y, N, N),
    # one's own list views
    "saveListView": (SELF, SELF, SELF, SELF),
    "deleteListView": (SELF, SELF, SELF, SELF),
    # users and tokens
    "login": (Y, Y, Y, Y),
    "logout": (Y, Y, Y, Y),
    "createUser": (Y, N, N, N),
    "updateUser": (Y, SELF, SELF, SELF),
    "createApiToken": (SELF, SELF, SELF, SELF),
    "revokeApiToken": (Y, SELF, SELF, SELF),
    # fields: Item.unitCost, InvoiceLine.unitCost, Invoice.costAmount, margins (null + FORBIDDEN otherwise)
    "readCosts": (Y, Y, N, N),
}
PUBLIC = frozenset({"login", "logout"})  # answer without a user (SPEC §8)
MUTATIONS_ONLY_ELSEWHERE = frozenset({"importCustomers", "readCosts"})  # an HTTP endpoint, a field
READ_RIGHTS = frozenset(
    {"readCosts"}
)  # rows that read rather than write: a read-only token has them


@dataclass(frozen=True)
class Actor:
    """Who asks: a user's id and role. ANONYMOUS (no id, no role) may do only PUBLIC operations."""

    id: int | None
    role: Role | None

    @classmethod
    def of(cls, user: User | None) -> Actor:
        return cls(user.id, user.role) if user is not None and user.active else ANONYMOUS


ANONYMOUS = Actor(None, None)
SYSTEM = Actor(None, Role.ADMIN)
"""The system itself (seeds, the CLI, imports run by an operator, tests' factories) as an
`Actor`: an admin's rights, and no user to record in the audit log."""


def access(role: Role | None, action: str) -> Access:
    """The table's cell; an unknown action is a bug (KeyError), never a silent yes."""
    row = TABLE[action]
    return Access.NO if role is None else row[ROLES.index(role)]


def permissions(role: Role | None, *, writes: bool = True) -> list[tuple[str, Access]]:
    """The rows of TABLE the role is not refused, each with its cell, in the table's order:
    what `viewer { permissions }` answers. Without `writes` (a read-only token) only READ_RIGHTS."""
    return [
        (action, cell)
        for action in TABLE
        if (writes or action in READ_RIGHTS) and (cell := access(role, action)) is not Access.NO
    ]


def allows(role: Role | None, action: str) -> bool:
    """Whether the role may always do the action (no ownership to check): O(1), no SQL."""
    return access(role, action) is Access.YES


@functools.cache
def hidden_columns(role: Role | None, model: str) -> frozenset[str]:
    """The columns of the model (by class name, as the audit log names entities) that the role may
    not read: those whose `read_needs` row refuses it (costs, for SALES_REP and VIEWER)."""
    return frozenset(
        column
        for column, action in guarded_columns().get(model, {}).items()
        if not allows(role, action)
    )


@functools.cache
def hidden_fields(role: Role | None, model: str) -> frozenset[str]:
    """The API fields of the model that the role may not read, as its tagged columns name them
    (`read_needs(action, field=...)`): what the audit log, which speaks field names, leaves out."""
    hidden = hidden_columns(role, model)
    if not hidden:
        return frozenset()
    return frozenset(
        attribute.columns[0].info["field"]
        for attribute in _mapper(model).column_attrs
        if attribute.key in hidden
    )


def _mapper(model: str) -> Any:
    from server.models import Base  # imported late: the models import nothing of ours

    return next(m for m in Base.registry.mappers if m.class_.__name__ == model)


@functools.cache
def guarded_columns() -> dict[str, dict[str, str]]:
    """{model: {column: action}} for every column that names the row of TABLE reading it needs
    (`server.db.base.read_needs`): the one list of what some roles may not read."""
    from server.models import (
        Base,  # every model registered; imported late: the models import nothing of ours
    )

    found: dict[str, dict[str, str]] = {}
    for mapper in Base.registry.mappers:
        for attribute in mapper.column_attrs:
            action = attribute.columns[0].info.get("read")
            if action is not None:
                if action not in TABLE:  # a bug: refused at once, rather than a column shown to all
                    raise KeyError(
                        f"{mapper.class_.__name__}.{attribute.key} needs {action!r}, not a row of TABLE"
                    )
                found.setdefault(mapper.class_.__name__, {})[attribute.key] = action
    return found


def forbidden(message: str, *field: str) -> DomainError:
    return DomainError.one(ErrorCode.FORBIDDEN, message, list(field) or None)


def refuse_early(actor: Actor, action: str) -> None:
    """FORBIDDEN before any validation when the role alone refuses the action."""
    if action not in PUBLIC and access(actor.role, action) is Access.NO:
        raise forbidden(_refusal(actor, action, Access.NO))


async def require(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    customers: Iterable[int | None] = (),
    people: Iterable[int | None] | None = None,
    owner_id: int | None = None,
) -> int | None:
    """The actor's id when it may do `action`, else FORBIDDEN. Call inside the transaction.

    OWN (a SALES_REP's cell) needs every id of `customers` to be a customer of theirs, and, when
    `people` is given, the actor among `people` (a lead's reps, a customer's reps after the change).
    SELF needs `owner_id` to be the actor's id.
    """
    who = actor
    cell = Access.YES if action in PUBLIC else access(who.role, action)
    if cell is Access.YES or (cell is Access.SELF and who.id is not None and owner_id == who.id):
        return who.id
    if cell is Access.OWN and await _owns(session, who, customers, people):
        return who.id
    raise forbidden(_refusal(who, action, cell))


async def _owns(
    session: AsyncSession,
    who: Actor,
    customers: Iterable[int | None],
    people: Iterable[int | None] | None,
) -> bool:
    """A SALES_REP's customers: those naming them as salesRep or insideSalesRep (either)."""
    ids = {c for c in customers if c is not None}
    if not ids and people is None:
        return False
    if people is not None and who.id not in set(people):
        return False
    if not ids:
        return True
    mine = or_(Customer.sales_rep_id == who.id, Customer.inside_sales_rep_id == who.id)
    count = await session.scalar(
        select(func.count()).select_from(Customer).where(Customer.id.in_(ids), mine)
    )
    return count == len(ids)


def _refusal(who: Actor, action: str, cell: Access) -> str:
    if who.role is None:
        return f"sign in first: {action} needs a signed-in user"
    if cell is Access.OWN:
        return (
            f"{action}: a {who.role.name} may do this only for customers where they are the sales rep "
            "or the inside sales rep"
        )
    if cell is Access.SELF:
        return f"{action}: a {who.role.name} may do this only for their own records"
    allowed = [r.name for r in ROLES if access(r, action) is not Access.NO]
    return f"{action} is for {' and '.join(allowed) or 'nobody'}: a {who.role.name} may not do it"


LABELS = {
    "importCustomers": "`POST /import/customers` (HTTP 403 when refused)",
    "readCosts": "Read `Item.unitCost`, `InvoiceLine.unitCost`, `Invoice.costAmount`, `Customer.margins`",
}


def markdown_table() -> str:
    """The table as `docs/api.md` prints it (a test checks that the two agree)."""
    lines = [
        "| Operation | " + " | ".join(r.name for r in ROLES) + " |",
        "|---" * (len(ROLES) + 1) + "|",
    ]
    for action, row in TABLE.items():
        label = LABELS.get(action, f"`{action}`")
        lines.append(f"| {label} | " + " | ".join(cell.value for cell in row) + " |")
    return "\n".join(lines) + "\n"
