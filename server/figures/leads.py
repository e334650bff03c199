"""Lead statistics of programs and sources (SPEC §4 last row, seed 004 "stats & graphs"): open
and closed leads, leads in each of the five states, and leads by source (of a program) or by
program (of a source). One statement groups the leads of every program (or source) of the
request by (program, source, state); the rest is arithmetic in Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from schema.fastpath.reader import IDS, Reader, shape
from server.leads.models import CLOSED_LEAD_STATES, Lead, LeadProgram, LeadSource, LeadState


@dataclass(frozen=True, slots=True)
class Named:
    """A program or source as the statistics show it: enough to make its GraphQL object."""

    id: int
    name: str
    active: bool


@dataclass(frozen=True, slots=True)
class LeadCounts:
    """The leads of one program or one source."""

    by_state: dict[LeadState, int]  # every state, in LeadState's (the contract's) order
    by_other: list[tuple[Named | None, int]]  # by source (None: no source) or by program

    @classmethod
    def none(cls) -> LeadCounts:
        return cls(dict.fromkeys(LeadState, 0), [])

    @property
    def open(self) -> int:
        return sum(n for state, n in self.by_state.items() if state not in CLOSED_LEAD_STATES)

    @property
    def closed(self) -> int:
        return sum(n for state, n in self.by_state.items() if state in CLOSED_LEAD_STATES)


async def by_program(reader: Reader, program_ids: Sequence[int]) -> dict[int, LeadCounts]:
    """Each program's leads: by state, and by source (leads without a source under None)."""
    rows = await reader.rows(_statement("program_id"), {"ids": program_ids})
    return _counts(rows, key=lambda r: r.program_id, other=_source)


async def by_source(reader: Reader, source_ids: Sequence[int]) -> dict[int, LeadCounts]:
    """Each source's leads: by state, and by program."""
    rows = await reader.rows(_statement("source_id"), {"ids": source_ids})
    return _counts(rows, key=lambda r: r.source_id, other=_program)


@shape
def _statement(by: str) -> Any:
    """The leads whose `by` column (program_id or source_id) is one of the bind parameter `ids`."""
    columns = (
        Lead.program_id,
        LeadProgram.name.label("program_name"),
        LeadProgram.active.label("program_active"),
        Lead.source_id,
        LeadSource.name.label("source_name"),
        LeadSource.active.label("source_active"),
        Lead.state,
    )
    return (
        select(*columns, func.count().label("leads"))
        .join(LeadProgram, LeadProgram.id == Lead.program_id)
        .outerjoin(LeadSource, LeadSource.id == Lead.source_id)
        .where(getattr(Lead, by).in_(IDS))
        .group_by(*columns)
    )


def _source(row: Any) -> Named | None:
    return (
        None if row.source_id is None else Named(row.source_id, row.source_name, row.source_active)
    )


def _program(row: Any) -> Named:
    return Named(row.program_id, row.program_name, row.program_active)


def _counts(rows: Sequence[Any], *, key: Any, other: Any) -> dict[int, LeadCounts]:
    states: dict[int, Counter[LeadState]] = defaultdict(Counter)
    others: dict[int, Counter[Named | None]] = defaultdict(Counter)
    for row in rows:
        states[key(row)][row.state] += row.leads
        others[key(row)][other(row)] += row.leads
    return {
        k: LeadCounts({state: states[k][state] for state in LeadState}, _ranked(others[k]))
        for k in states
    }


def _ranked(counts: Counter[Named | None]) -> list[tuple[Named | None, int]]:
    """Most leads first; on a tie by name (case aside), "no source" after the named ones."""

    def key(entry: tuple[Named | None, int]) -> tuple[int, bool, str, int]:
        named, count = entry
        return (
            -count,
            named is None,
            named.name.casefold() if named else "",
            named.id if named else 0,
        )

    return sorted(counts.items(), key=key)
