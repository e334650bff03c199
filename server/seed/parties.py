"""Who the demo business deals with: its staff, its customers, their locations and contacts.

Customers are planned before they are written: when each was created, whether it will order
(engaged, lapsed or never), how it pays, its credit code, its place and currency, and for a
few, the head office that pays for their orders. The document builders read those plans.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from server.access.models import Role
from server.customers.models import BillingStatus, CreditCode, CustomerStatus, TermsBasis
from server.db.base import ADDRESS_PARTS
from server.db.sequences import FORMATS
from server.seed import vocabulary as words
from server.seed.world import (
    CUSTOMER_YEARS,
    Books,
    CustomerPlan,
    Row,
    Terms,
    World,
    at,
    between,
    office_time,
    take,
    weighted,
)

CUSTOMER_COUNT = 150
NEWCOMERS = 10  # created in the last few months
USER_KEYS = ("admin", "manager", "rep_a", "rep_b", "viewer", "rep_gone")

# --------------------------------------------------------------------------- users


def user_email(name: str) -> str:
    """maria.lopez@example.com for Maria Lopez."""
    return name.lower().replace(" ", ".") + "@example.com"


SEEDED_ADMIN_EMAIL = user_email(words.USERS[0][0])  # the seeded ADMIN (no password: see the CLI)


def plan_users(existing: dict[str, int], today: dt.date) -> tuple[list[Row], dict[str, int]]:
    """The staff rows to insert and every staff key's user id (reusing users already there)."""
    rows: list[Row] = []
    ids: dict[str, int] = {}
    next_id = max(existing.values(), default=0) + 1
    for key, (name, role, active) in zip(USER_KEYS, words.USERS, strict=True):
        email = user_email(name)
        if email in existing:
            ids[key] = existing[email]
            continue
        ids[key] = next_id
        rows.append(
            {
                "id": next_id,
                "email": email,
                "name": name,
                "role": Role[role],
                "active": active,
                "password_hash": None,
                "version": 1,
                "created_at": at(
                    today - dt.timedelta(days=365 * CUSTOMER_YEARS + 30 - 7 * len(rows))
                ),
            }
        )
        next_id += 1
    return rows, ids


# ----------------------------------------------------------------------- customers


def build_parties(world: World) -> None:
    """Plan and write the customers, then their contacts and locations."""
    plans = [CustomerPlan(id=i + 1, created_on=day) for i, day in enumerate(_creation_days(world))]
    world.customers = plans
    _plan_roles(world, plans)
    for plan in plans:
        _plan_place_and_terms(world, plan)
    used: set[str] = set()
    for plan in plans:
        world.rows["customers"].append(_customer_row(world, plan, used))
    for plan in plans:
        _add_contacts(world, plan)
        _add_locations(world, plan)


def _creation_days(world: World) -> list[dt.date]:
    """When each customer was created: spread over four years, a few in the last months."""
    rng, first = world.rng, world.days_ago(365 * CUSTOMER_YEARS)
    older = [between(rng, first, world.days_ago(120)) for _ in range(CUSTOMER_COUNT - NEWCOMERS)]
    newer = [between(rng, world.days_ago(110), world.days_ago(3)) for _ in range(NEWCOMERS)]
    return sorted(older) + sorted(newer)


def _plan_roles(world: World, plans: list[CustomerPlan]) -> None:
    """Engagement, activity, chains, credit codes and paying habits."""
    rng = world.rng
    older = plans[:-NEWCOMERS]
    _plan_newcomers(world, plans[-NEWCOMERS:])
    pool = [p for p in older if p.created_on < world.days_ago(500)]
    lapsed = take(rng, pool, 22)
    never = take(rng, pool, 8)
    for plan in lapsed:
        plan.engagement = "lapsed"
    for plan in never:
        plan.engagement = "never"
    for plan in take(rng, list(lapsed), 5) + take(rng, list(never), 2):
        plan.active = False
    bad_debt = next(p for p in lapsed if not p.active)
    bad_debt.credit_code = CreditCode.CREDIT_HOLD
    engaged = [p for p in older if p.engagement == "engaged"]
    _plan_chains(world, engaged)
    _plan_credit_and_payers(
        world, [p for p in engaged if p.head_office is None and p.chain is None]
    )


def _plan_newcomers(world: World, recent: list[CustomerPlan]) -> None:
    """New accounts: some wait for their first order's approval, some have not ordered yet."""
    pool = list(recent)
    new_accounts = take(world.rng, pool, 6)
    for i, plan in enumerate(new_accounts):
        plan.credit_code = CreditCode.NEW_ACCOUNT
        plan.engagement = "engaged" if i < 3 else "never"
    for i, plan in enumerate(pool):
        plan.engagement = "engaged" if i < 2 else "never"
    new_accounts[0].billing_status = BillingStatus.PREPAY


def _plan_chains(world: World, engaged: list[CustomerPlan]) -> None:
    """Four head offices, each paying for the orders of two or three branches."""
    rng = world.rng
    pool = [p for p in engaged if p.created_on < world.days_ago(900)]
    heads = sorted(take(rng, pool, len(words.CHAINS)), key=lambda p: p.id)
    for chain, head in zip(words.CHAINS, heads, strict=False):
        head.chain, head.trade, head.interval = chain, chain[2], rng.choice((30, 45, 60))
        later = [
            p
            for p in engaged
            if p.id > head.id and p.head_office is None and p.chain is None and p not in heads
        ]
        for branch in take(rng, later, rng.randint(2, 3)):
            branch.head_office, branch.trade, branch.interval = (
                head,
                chain[2],
                rng.choice((21, 30, 45)),
            )


def _plan_credit_and_payers(world: World, plans: list[CustomerPlan]) -> None:
    """Foreign customers, past-due and held accounts, prepaying and cash customers."""
    rng, pool = world.rng, list(plans)
    for place, plan in zip(
        words.FOREIGN_PLACES, take(rng, pool, len(words.FOREIGN_PLACES)), strict=False
    ):
        plan.place = place
    for plan in take(rng, pool, 8):
        plan.credit_code, plan.payer = CreditCode.PAST_DUE, "slow"
        plan.stop_paying_on = world.days_ago(rng.randint(45, 110))
    for plan in take(rng, pool, 4):
        plan.credit_code, plan.payer = CreditCode.CREDIT_HOLD, "slow"
    for plan in take(rng, pool, 6):
        plan.billing_status = BillingStatus.PREPAY
    for plan in take(rng, pool, 5):
        plan.billing_status = BillingStatus.CASH_ON_DELIVERY
    for plan in world.customers:
        if (
            plan.credit_code is CreditCode.CURRENT_ACCOUNT
            or plan.credit_code is CreditCode.NEW_ACCOUNT
        ):
            plan.payer = weighted(rng, (("prompt", 30), ("steady", 50), ("slow", 20)))


def _plan_place_and_terms(world: World, plan: CustomerPlan) -> None:
    """City, currency, sales tax, payment terms, trade and ordering rhythm."""
    rng = world.rng
    if plan.head_office is not None:
        plan.city = _branch_city(world, plan.head_office)
    elif plan.place is None:
        plan.city = weighted(rng, [(c, c.weight) for c in words.US_CITIES])
    if plan.place is not None and world.currency_known(plan.place.currency):
        plan.currency = plan.place.currency
    else:
        plan.currency = world.base_currency
    plan.tax_rate_e4 = plan.city.tax_rate_e4 if plan.city and rng.random() < 0.45 else 0
    plan_terms(rng, world.terms, plan)
    if plan.chain is None and plan.head_office is None:
        plan.trade = weighted(rng, [(name, trade.weight) for name, trade in words.TRADES.items()])
        plan.interval = rng.choice((14, 21, 30, 30, 45, 60, 90, 120))


def _branch_city(world: World, head: CustomerPlan) -> words.City:
    """A city in the head office's state without a branch of the chain yet (else anywhere new)."""
    taken = [p.city for p in world.customers if p.head_office is head and p.city is not None]
    fresh = [c for c in words.US_CITIES if c not in taken]
    near = [c for c in fresh if c.region == head.home.region]
    return world.rng.choice(near or fresh)


def plan_terms(rng: random.Random, terms: dict[str, Terms], plan: CustomerPlan) -> None:
    """Payment terms (mostly NET30; none or DUE for prepaying and cash customers) and basis."""
    if plan.billing_status is BillingStatus.ON_ACCOUNT:
        code = weighted(
            rng,
            (
                ("NET30", 50),
                ("NET15", 12),
                ("NET45", 10),
                ("NET60", 6),
                ("DUE", 6),
                ("NET7", 5),
                ("NET90", 3),
                (None, 8),
            ),
        )
    else:
        code = rng.choice(("DUE", None))
    plan.terms = terms.get(code) if code else None
    plan.basis = weighted(
        rng,
        (
            (TermsBasis.INVOICE_DATE, 75),
            (TermsBasis.END_OF_MONTH, 18),
            (TermsBasis.DELIVERY_DATE, 7),
        ),
    )


def _sales_reps(world: World, plan: CustomerPlan) -> tuple[int | None, int | None]:
    """The (outside) sales rep and the inside sales rep; branches share their head office's."""
    if plan.head_office is not None:
        head = plan.head_office.row
        return head["sales_rep_id"], head["inside_sales_rep_id"]
    rng = world.rng
    rep = weighted(rng, (("rep_a", 45), ("rep_b", 45), ("rep_gone", 6), (None, 4)))
    inside = rng.choice(("rep_a", "rep_b", None, None))
    return (world.user(rep) if rep else None), (
        world.user(inside) if inside and inside != rep else None
    )


def _customer_row(world: World, plan: CustomerPlan, used: set[str]) -> Row:
    """The customers row of a plan (credit limit comes last, once its balances are known)."""
    rng = world.rng
    name, alias = _name(world, plan, used)
    billing = address(world.rng, plan)
    shipping = billing if rng.random() < 0.75 else address(world.rng, plan)
    rep, inside = _sales_reps(world, plan)
    created = office_time(rng, plan.created_on)
    row = {
        "id": plan.id,
        "number": FORMATS["customer"].format(plan.id),
        "name": name,
        "alias": alias,
        "status": CustomerStatus.ACTIVE if plan.active else CustomerStatus.INACTIVE,
        "currency": plan.currency,
        "credit_code": plan.credit_code,
        "credit_limit_minor": None,
        "billing_status": plan.billing_status,
        "payment_terms_id": plan.terms.id if plan.terms else None,
        "terms_basis": plan.basis,
        "sales_rep_id": rep,
        "inside_sales_rep_id": inside,
        "email": f"{mailbox(world.rng, plan)}@{plan.domain}",
        "phone": phone(world.rng, plan),
        "prior_sales_minor": _prior_sales(world, plan),
        "created_at": created,
        "updated_at": max(created, office_time(rng, between(rng, plan.created_on, world.last_day))),
        "version": 1,
    }
    row.update(prefixed("billing", billing))
    row.update(prefixed("shipping", shipping))
    plan.row = row
    return row


def mailbox(rng: random.Random, plan: CustomerPlan) -> str:
    """A shared mailbox; a branch's is named after its city at the head office's domain."""
    if plan.head_office is not None:
        return slug(plan.home.name)
    return rng.choice(words.MAILBOXES)


def _prior_sales(world: World, plan: CustomerPlan) -> int:
    """Sales before the system was adopted, for some customers that are older than it."""
    if plan.created_on >= world.history_start or world.rng.random() < 0.3:
        return 0
    return world.rng.randint(10, 800) * 25_000  # 2,500.00 .. 200,000.00


# --------------------------------------------------------------------------- names


def _name(world: World, plan: CustomerPlan, used: set[str]) -> tuple[str, str | None]:
    """A unique business name and its alias (the trade name, without the legal suffix)."""
    rng = world.rng
    for attempt in range(50):
        plan.words = (rng.choice(words.PLACE_WORDS), rng.choice(words.SURNAMES))
        plan.template = rng.choice(words.TRADES[plan.trade].templates)
        base = base_name(plan) if attempt < 49 else f"{base_name(plan)} #{plan.id}"
        suffix = "" if plan.head_office is not None else weighted(rng, words.LEGAL_SUFFIXES)
        if base + suffix not in used:
            break
    used.add(base + suffix)
    plan.domain = plan.head_office.domain if plan.head_office is not None else mail_domain(base)
    return base + suffix, (base if suffix and rng.random() < 0.7 else None)


def base_name(plan: CustomerPlan) -> str:
    """The name without legal suffix: a chain's branch, a head office, or a trade's pattern."""
    if plan.head_office is not None:
        place, surname = plan.words = plan.head_office.words
        return plan.head_office.chain_names[1].format(P=place, S=surname, city=plan.home.name)
    place, surname = plan.words
    if plan.chain is not None:
        return plan.chain[0].format(P=place, S=surname)
    return plan.template.format(P=place, S=surname)


def mail_domain(name: str) -> str:
    """A mail domain made of the name's words (dropping trailing ones to keep it short)."""
    parts = [slug(part) for part in name.split() if slug(part) not in ("", "and")]
    while len(parts) > 1 and len("".join(parts)) > 24:
        parts.pop()
    return "".join(parts) + ".example"


def slug(text: str) -> str:
    """Lower-case letters and digits only: "O'Brien & Sons" -> "obrienandsons"."""
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))


# ------------------------------------------------------------------------- places


def address(
    rng: random.Random, plan: CustomerPlan, city: words.City | None = None
) -> tuple[str | None, ...]:
    """(line1, line2, city, region, postal_code, country) in the customer's city or abroad."""
    if plan.place is not None and city is None:
        place = plan.place
        return (
            f"{place.street} {rng.randint(1, 180)}",
            None,
            place.city,
            place.region,
            place.postal,
            place.country,
        )
    city = city or plan.home
    line2 = weighted(
        rng, ((None, 70), (f"Suite {rng.randint(1, 9)}00", 15), (f"Unit {rng.choice('ABCDE')}", 15))
    )
    postal = f"{city.postal}{rng.randint(1, 99):02d}"
    return (
        f"{rng.randint(100, 9899)} {rng.choice(words.STREETS)}",
        line2,
        city.name,
        city.region,
        postal,
        "US",
    )


def prefixed(prefix: str, address: tuple[str | None, ...] | None) -> Row:
    """The six address columns `<prefix>_line1` .. `<prefix>_country` (all None without one)."""
    parts = address or (None,) * len(ADDRESS_PARTS)
    return {f"{prefix}_{part}": value for part, value in zip(ADDRESS_PARTS, parts, strict=True)}


def phone(rng: random.Random, plan: CustomerPlan) -> str:
    """A number in the fictional 555-01xx range, or in the customer's country format."""
    digits = f"{rng.randint(0, 99):02d}"
    if plan.place is not None:
        return plan.place.phone.format(n=digits)
    return f"({plan.home.area_code}) 555-01{digits}"


# ---------------------------------------------------------------- contacts, locations


def _add_contacts(world: World, plan: CustomerPlan) -> None:
    """One to three people; the first is the primary contact."""
    for position in range(weighted(world.rng, ((1, 50), (2, 35), (3, 15)))):
        world.rows["contacts"].append(contact_row(world, plan, position))


def contact_row(books: Books, plan: CustomerPlan, position: int, extensions: int = 49) -> Row:
    """A person at the customer (the primary contact at position 0), with an office phone
    extension from 10 to `extensions`."""
    rng = books.rng
    first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.SURNAMES)
    plan.contacts.append(f"{first} {last}")
    row = {
        "id": books.next_id("contacts"),
        "customer_id": plan.id,
        "first_name": first,
        "last_name": last,
        "email": f"{slug(first)}.{slug(last)}@{plan.domain}",
        "office_phone": f"{plan.row['phone']} ext. {rng.randint(10, extensions)}",
        "mobile_phone": phone(rng, plan) if rng.random() < 0.6 else None,
        "fax": phone(rng, plan) if rng.random() < 0.1 else None,
        "is_primary": position == 0,
        "version": 1,
        "created_at": office_time(
            rng,
            between(
                rng,
                plan.created_on,
                min(books.last_day, plan.created_on + dt.timedelta(days=60 * position)),
            ),
        ),
    }
    primary_address = position == 0 and rng.random() < 0.3
    row.update(prefixed("address", address_of(plan, "billing") if primary_address else None))
    return row


def address_of(plan: CustomerPlan, prefix: str) -> tuple[str | None, ...]:
    """The customer's billing or shipping address, as `_address` gives one."""
    return tuple(plan.row[f"{prefix}_{part}"] for part in ADDRESS_PARTS)


def _add_locations(world: World, plan: CustomerPlan) -> None:
    """One to four delivery sites, the first at the customer's shipping address."""
    rng = world.rng
    count = 1 if plan.chain is not None else weighted(rng, ((1, 45), (2, 30), (3, 15), (4, 10)))
    names = rng.sample(words.LOCATION_NAMES, count)
    for position in range(count):
        world.rows["locations"].append(_location_row(world, plan, position, names[position]))


def _location_row(world: World, plan: CustomerPlan, position: int, alias: str) -> Row:
    """A delivery site: its own contact now and then, and sometimes its own sales rep."""
    rng, rows = world.rng, world.rows["locations"]
    row_id = len(rows) + 1
    plan.location_ids.append(row_id)
    contact = rng.choice(plan.contacts) if rng.random() < 0.5 else person(world.rng)
    since = plan.created_on if position == 0 else between(rng, plan.created_on, world.last_day)
    row = {
        "id": row_id,
        "customer_id": plan.id,
        "code": f"LOC-{position + 1:02d}",
        "alias": alias,
        "contact_name": contact if rng.random() < 0.8 else None,
        "contact_email": f"{slug(contact.split()[0])}@{plan.domain}"
        if rng.random() < 0.6
        else None,
        "contact_phone": phone(world.rng, plan) if rng.random() < 0.6 else None,
        "alt_email": f"receiving@{plan.domain}" if rng.random() < 0.15 else None,
        "sales_rep_id": _location_rep(world, plan, position),
        "version": 1,
        "created_at": office_time(rng, since),
    }
    shipping = (
        address_of(plan, "shipping")
        if position == 0
        else address(world.rng, plan, _nearby_city(world, plan))
    )
    own_billing = position > 0 and rng.random() < 0.1
    row.update(prefixed("shipping", shipping))
    row.update(prefixed("billing", address_of(plan, "billing") if own_billing else None))
    return row


def person(rng: random.Random) -> str:
    """Someone's full name."""
    return f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.SURNAMES)}"


def _nearby_city(world: World, plan: CustomerPlan) -> words.City | None:
    """Another site is in the same city or state (None abroad: the customer's own place)."""
    if plan.city is None:
        return None
    return world.rng.choice([c for c in words.US_CITIES if c.region == plan.city.region])


def _location_rep(world: World, plan: CustomerPlan, position: int) -> int | None:
    """Some secondary sites are looked after by another rep than the customer's."""
    if position == 0 or world.rng.random() >= 0.25:
        return None
    own = plan.row["sales_rep_id"]
    return next(world.user(k) for k in ("rep_a", "rep_b") if world.user(k) != own)


# -------------------------------------------------------------------- credit limits


def assign_credit_limits(world: World, exposure: dict[int, int]) -> None:
    """Limits for most account customers, a handful of whom are over theirs.

    `exposure` is each customer's base-currency exposure (current invoices + open orders -
    unapplied payments); limits are in the base currency, in whole thousands.
    """
    rng = world.rng
    accounts = [
        p
        for p in world.customers
        if p.billing_status is BillingStatus.ON_ACCOUNT and p.head_office is None
    ]
    exposed = [p for p in accounts if exposure.get(p.id, 0) >= 300_000]
    for plan in take(rng, exposed, 6):
        share = exposure[plan.id] * rng.randint(40, 80) // 100
        plan.row["credit_limit_minor"] = max(100_000, share // 100_000 * 100_000)
    for plan in accounts:
        if plan.row["credit_limit_minor"] is None and rng.random() < 0.6:
            headroom = max(0, exposure.get(plan.id, 0)) * 2 + rng.randint(2, 40) * 250_000
            plan.row["credit_limit_minor"] = -(-headroom // 100_000) * 100_000
