"""What the staff wrote down and chased: notes (some with reminders) and sales leads.

Every lead's history walks the transition table of SPEC §5 from PENDING_QUALIFICATION to
its current state, one recorded change per move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from server.leads.models import LeadState
from server.notes.models import NoteType
from server.seed import vocabulary as words
from server.seed.world import (
    Books,
    CustomerPlan,
    Row,
    World,
    at,
    between,
    office_time,
    take,
    weighted,
)

PQ, DEV, QUO = LeadState.PENDING_QUALIFICATION, LeadState.DEVELOPMENT, LeadState.QUOTING
WON, DEAD = LeadState.CUSTOMER, LeadState.INACTIVE

TRANSITIONS = {  # SPEC §5
    PQ: (DEV, DEAD),
    DEV: (QUO, PQ, DEAD),
    QUO: (WON, DEV, DEAD),
    DEAD: (PQ,),
    WON: (),
}

# Histories that end in each state, each a walk through TRANSITIONS.
PATHS = {
    PQ: ((PQ,), (PQ,), (PQ, DEV, PQ), (PQ, DEAD, PQ)),
    DEV: ((PQ, DEV), (PQ, DEV), (PQ, DEV, QUO, DEV)),
    QUO: ((PQ, DEV, QUO), (PQ, DEV, QUO, DEV, QUO)),
    WON: ((PQ, DEV, QUO, WON),),
    DEAD: ((PQ, DEAD), (PQ, DEV, DEAD), (PQ, DEV, QUO, DEAD)),
}
LEAD_STATES = (PQ,) * 8 + (DEV,) * 9 + (QUO,) * 8 + (WON,) * 8 + (DEAD,) * 7
PROBABILITY = {PQ: (10, 20), DEV: (25, 50), QUO: (50, 85), WON: (100, 100), DEAD: (0, 0)}
FUTURE_REMINDERS = 8

# --------------------------------------------------------------------------- notes


def build_notes(world: World) -> None:
    """Notes on customers (more on busy ones), a few with reminders still ahead."""
    notes = world.rows["notes"]
    counts = {"engaged": (1, 6), "lapsed": (0, 3), "never": (0, 2)}
    for plan in world.customers:
        for _ in range(world.rng.randint(*counts[plan.engagement])):
            day = between(world.rng, plan.created_on, world.last_day)
            notes.append(_customer_note(world, plan, day, _note_type(world)))
    for plan in _reminded(world):
        day = between(world.rng, world.days_ago(10), world.last_day)
        note = _customer_note(world, plan, day, NoteType.FOLLOW_UP)
        note["reminder_due_at"] = at(world.today + dt.timedelta(days=world.rng.randint(1, 21)), 14)
        notes.append(note)


def _note_type(world: World) -> NoteType:
    """Mostly calls, general notes and emails; now and then a complaint."""
    return NoteType[weighted(world.rng, words.NOTE_TYPE_WEIGHTS)]


def _reminded(world: World) -> list[CustomerPlan]:
    """The customers with a follow-up reminder still ahead."""
    pool = [p for p in world.customers if p.active and p.engagement == "engaged"]
    return sorted(take(world.rng, pool, FUTURE_REMINDERS), key=lambda plan: plan.id)


def _customer_note(world: World, plan: CustomerPlan, day: dt.date, note_type: NoteType) -> Row:
    """A note on a customer; follow-ups carry a reminder a few days after they were written."""
    rng = world.rng
    fill = _fillers(world, plan)
    created = office_time(rng, day)
    note = note_row(
        note_type,
        rng.choice(words.NOTE_BODIES[note_type.name]).format(**fill),
        author(world, plan, day),
        created,
    )
    note["customer_id"] = plan.id
    if note_type is NoteType.FOLLOW_UP:
        note["reminder_due_at"] = at(day + dt.timedelta(days=rng.randint(3, 14)), 14)
        note["reminder_title"] = rng.choice(words.REMINDER_TITLES).format(**fill)
    return note


def note_row(note_type: NoteType, body: str, author: int, created: dt.datetime) -> Row:
    """A notes row on nothing yet: the caller sets its customer or lead (the id comes last)."""
    return {
        "id": 0,
        "customer_id": None,
        "lead_id": None,
        "type": note_type,
        "body": body,
        "author_id": author,
        "created_at": created,
        "reminder_due_at": None,
        "reminder_title": None,
    }


def _fillers(world: World, plan: CustomerPlan) -> dict[str, str]:
    """Words to fill a note's template: a contact, an item, a site, the customer."""
    rng = world.rng
    location = world.rows["locations"][rng.choice(plan.location_ids) - 1]["alias"]
    item = rng.choice(plan.favourites)["description"].split(",")[0]
    return {
        "contact": rng.choice(plan.contacts),
        "item": item.lower(),
        "location": location.lower(),
        "customer": plan.row["alias"] or plan.row["name"],
    }


def author(books: Books, plan: CustomerPlan, day: dt.date) -> int:
    """Mostly the customer's rep; a rep who left only wrote notes before leaving."""
    rep = plan.row["sales_rep_id"]
    recent = day >= books.days_ago(400)
    if rep is not None and not (books.left(rep) and recent) and books.rng.random() < 0.5:
        return rep
    return books.user(
        weighted(books.rng, (("rep_a", 30), ("rep_b", 30), ("manager", 25), ("admin", 15)))
    )


def number_notes(world: World) -> None:
    """Note ids in the order they were written."""
    world.rows["notes"].sort(
        key=lambda n: (n["created_at"], n["customer_id"] or 0, n["lead_id"] or 0, n["body"])
    )
    for note_id, note in enumerate(world.rows["notes"], start=1):
        note["id"] = note_id


# --------------------------------------------------------------------------- leads


def build_leads(world: World) -> None:
    """Programs, sources, and leads in every state with their recorded history."""
    for table, names in (
        ("lead_programs", words.LEAD_PROGRAMS),
        ("lead_sources", words.LEAD_SOURCES),
    ):
        world.rows[table] = [
            {"id": i, "name": name, "active": True, "version": 1} for i, name in enumerate(names, 1)
        ]
    states = list(LEAD_STATES)
    world.rng.shuffle(states)
    leads = sorted(
        (_lead(world, state) for state in states), key=lambda lead: lead[0]["created_at"]
    )
    for number, (row, changes) in enumerate(leads, start=1):
        row.update(id=number, number=number)
        world.rows["leads"].append(row)
        for change in changes:
            world.rows["lead_state_changes"].append(
                {"id": len(world.rows["lead_state_changes"]) + 1, "lead_id": number, **change}
            )
        _lead_notes(world, row)
    world.sequences["lead"] = len(leads)


def _lead(world: World, state: LeadState) -> tuple[Row, list[Row]]:
    """A lead that ends in `state`, and the changes that brought it there."""
    rng = world.rng
    program = rng.randint(1, len(words.LEAD_PROGRAMS))
    plan = _lead_customer(world, win_back=words.LEAD_PROGRAMS[program - 1].startswith("Win-back"))
    path = rng.choice(PATHS[state])
    changes = _history(world, path, _lead_start(world, state, len(path)))
    low, high = PROBABILITY[state]
    row = {
        "customer_id": plan.id,
        "program_id": program,
        "source_id": rng.randint(1, len(words.LEAD_SOURCES)) if rng.random() < 0.9 else None,
        "state": state,
        "inside_sales_rep_id": world.user(rng.choice(("rep_a", "rep_b"))),
        "outside_sales_rep_id": plan.row["sales_rep_id"],
        "assigned_to_id": changes[-1]["assigned_to_id"],
        "probability": rng.randint(low // 5, high // 5) * 5,
        "estimated_conversion_on": _conversion(world, state, changes),
        "potential_value_minor": rng.randint(4, 120) * 50_000,
        "created_at": changes[0]["at"],
        "version": 1,
    }
    return row, changes


def _lead_customer(world: World, *, win_back: bool) -> CustomerPlan:
    """An active customer: a lapsed one for a win-back program, an engaged one otherwise."""
    wanted = "lapsed" if win_back else "engaged"
    return world.rng.choice([p for p in world.customers if p.active and p.engagement == wanted])


def _lead_start(world: World, state: LeadState, steps: int) -> dt.date:
    """Closed leads started long ago; open ones recently, leaving room for their moves."""
    if state in (WON, DEAD):
        return between(world.rng, world.days_ago(720), world.days_ago(80))
    return between(world.rng, world.days_ago(240), world.days_ago(15 * steps + 1))


def _history(world: World, path: tuple[LeadState, ...], start: dt.date) -> list[Row]:
    """A lead's moves, assigned to the two demo reps and sometimes the manager."""
    return history(
        world,
        path,
        start,
        first=lambda: world.user(world.rng.choice(("rep_a", "rep_b"))),
        reassign=lambda: world.user(world.rng.choice(("rep_a", "rep_b", "manager"))),
    )


def history(
    books: Books,
    path: tuple[LeadState, ...],
    start: dt.date,
    *,
    first: Callable[[], int],
    reassign: Callable[[], int],
) -> list[Row]:
    """One change per move, days apart, sometimes handing the lead to someone else: the `first`
    assignee, then whom it is handed to (`reassign`), or now and then moved by the manager."""
    rng, changes = books.rng, []
    assignee, day, previous = first(), start, None
    for state in path:
        assert previous is None or state in TRANSITIONS[previous], (previous, state)
        if previous is not None and rng.random() < 0.2:
            assignee = reassign()
        by = assignee if rng.random() < 0.8 else books.user("manager")
        changes.append(
            {
                "from_state": previous,
                "to_state": state,
                "by_id": by,
                "at": office_time(rng, day),
                "assigned_to_id": assignee,
            }
        )
        previous, day = state, day + dt.timedelta(days=rng.randint(2, 14))
    return changes


def _conversion(world: World, state: LeadState, changes: list[Row]) -> dt.date | None:
    """When it converted (won), is expected to (open), or None (inactive)."""
    if state is WON:
        return changes[-1]["at"].date()
    if state is DEAD:
        return None
    return world.today + dt.timedelta(days=world.rng.randint(14, 180))


def _lead_notes(world: World, lead: Row) -> None:
    """A note or two on most leads, by whoever has the lead."""
    rng = world.rng
    plan = world.customers[lead["customer_id"] - 1]
    for _ in range(rng.choice((0, 1, 1, 2))):
        day = between(rng, lead["created_at"].date(), world.last_day)
        note_type = NoteType[rng.choice(("CALL", "MEETING", "EMAIL", "FOLLOW_UP"))]
        body = rng.choice(words.LEAD_NOTE_BODIES).format(**_fillers(world, plan))
        note = note_row(note_type, body, lead["assigned_to_id"], office_time(rng, day))
        note["lead_id"] = lead["id"]
        world.rows["notes"].append(note)
