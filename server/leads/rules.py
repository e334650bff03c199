"""The lead life cycle of SPEC §5, without I/O: which state may move to which."""

from __future__ import annotations

from server.leads.models import LeadState

S = LeadState

LEAD_MOVES: dict[LeadState, tuple[LeadState, ...]] = {
    S.PENDING_QUALIFICATION: (S.DEVELOPMENT, S.INACTIVE),
    S.DEVELOPMENT: (S.QUOTING, S.PENDING_QUALIFICATION, S.INACTIVE),
    S.QUOTING: (S.CUSTOMER, S.DEVELOPMENT, S.INACTIVE),
    S.INACTIVE: (S.PENDING_QUALIFICATION,),
    S.CUSTOMER: (),
}

INITIAL_STATE = S.PENDING_QUALIFICATION


def allowed_moves(state: LeadState) -> tuple[LeadState, ...]:
    """The states a lead in `state` may move to, in the order of SPEC §5's table."""
    return LEAD_MOVES[state]


def may_move(from_state: LeadState, to_state: LeadState) -> bool:
    return to_state in LEAD_MOVES[from_state]
