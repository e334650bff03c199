"""The input of the lead commands, typed (see server/commands.py): references are primary
keys; a field left out is `UNSET` (an update keeps it), None clears it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from server.commands import UNSET, Command, Maybe


@dataclass(frozen=True, kw_only=True)
class LeadFields(Command):
    """`LeadInput`: createLead, updateLead (where `customer` may not change)."""

    customer: Maybe[int | None] = UNSET
    program: Maybe[int | None] = UNSET
    source: Maybe[int | None] = UNSET
    inside_sales_rep: Maybe[int | None] = UNSET
    outside_sales_rep: Maybe[int | None] = UNSET
    assigned_to: Maybe[int | None] = UNSET
    probability: Maybe[int | None] = UNSET
    estimated_conversion_date: Maybe[dt.date | None] = UNSET
    potential_value: Maybe[Decimal | None] = UNSET
