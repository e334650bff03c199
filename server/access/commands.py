"""The input of the user commands, typed (see server/commands.py): a field left out is
`UNSET` (an update keeps it); None clears it, which only `name` … may not: see the service."""

from __future__ import annotations

from dataclasses import dataclass

from server.access.models import Role
from server.commands import UNSET, Command, Maybe


@dataclass(frozen=True, kw_only=True)
class UserFields(Command):
    """`UserInput`: createUser (email, name and role required; active unless said otherwise),
    updateUser."""

    email: Maybe[str | None] = UNSET
    name: Maybe[str | None] = UNSET
    role: Maybe[Role | None] = UNSET
    active: Maybe[bool | None] = UNSET
    password: Maybe[str | None] = UNSET
