"""The input of `saveListView`, typed (see server/commands.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.commands import Command
from server.lists.models import ListKind
from server.sorting import SortDirection


@dataclass(frozen=True, kw_only=True)
class ListColumnFields(Command):
    """`ListColumnInput`: a column of the view, by field name, with its label, visibility and
    width in pixels (None: the client's own)."""

    field: str
    label: str | None = None
    visible: bool | None = True
    width: int | None = None


@dataclass(frozen=True, kw_only=True)
class ListSortFields(Command):
    """`ListSortInput`: a sort key, by field name (or, on input, the list's sort enum name)."""

    field: str
    direction: SortDirection | None = SortDirection.ASC


@dataclass(frozen=True, kw_only=True)
class ListViewFields(Command):
    """saveListView's arguments: the view's list, name, columns, sort, filter, and whether it
    is the user's default for the list (None: as it was; a new view is not)."""

    kind: ListKind
    name: str
    columns: list[ListColumnFields] = field(default_factory=list)
    sort: list[ListSortFields] = field(default_factory=list)
    filter: Any = None
    is_default: bool | None = None
