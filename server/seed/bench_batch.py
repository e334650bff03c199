"""One batch of bench customers and everything they did, built in memory and turned into rows.

The generators are the demo seed's (server/seed/demo.py and its modules), called with the
batch as their `world.Books` (its random source, calendar, rates, staff, ids and numbers):
addresses, phones, names, terms and contacts (`parties`), order and invoice headers and order
statuses (`documents`), lead histories (`activity`), payments, their applications and the kept
totals (`ledger`, by the payments rules). What differs is the volume and shape: customers come
in sizes (a few very busy accounts, many small ones), with more history, more reps, more items
and more sites; lines are plain tuples, because a batch makes tens of thousands of them.

A batch draws from its own `random.Random`, continues the ids and numbers of the batches before
it (`Counters`) and is dropped once written, so memory holds one batch whatever the scale.
Ids and numbers are in date order within a batch; batches follow customer ids (the customers'
creation order), so one customer's documents are near each other in id order.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, TypeVar

from server.customers.models import (
    BillingStatus,
    CreditCode,
    CustomerStatus,
)
from server.db.sequences import FORMATS
from server.documents.models import (
    OPEN_ORDER_STATUSES,
    InvoiceClassification,
    InvoiceStatus,
    LineType,
    OrderClassification,
    OrderStatus,
)
from server.leads.models import LeadState
from server.money import RATE, line_amounts, round_div
from server.notes.models import NoteType
from server.payments.models import PaymentStyle
from server.seed import activity, documents, ledger, parties
from server.seed import vocabulary as words
from server.seed.activity import LEAD_STATES, PATHS, PROBABILITY
from server.seed.documents import LINE_KEYS, QUANTITIES
from server.seed.ledger import PaymentDraft
from server.seed.world import (
    CustomerPlan,
    Dated,
    Doc,
    Row,
    Terms,
    at,
    between,
    cents,
    draw,
    drifted_rate,
    office_time,
    random_walk,
    weighted,
)

T = TypeVar("T")
HISTORY_YEARS = 5  # orders, invoices and payments go back this far
CUSTOMER_YEARS = 6  # customers were created over this many years
NEWCOMER_SHARE = 0.03  # created in the last few months
EXTRA_LINES = (
    0.08 + 0.2 + 0.05
)  # labour on job orders, freight, a delivery note (see `order_lines`)
INVOICED_SHARE = 0.95  # of ordered lines end up on an invoice (the rest are open or cancelled)

ITEM, TASK, DESCRIPTOR = LineType.ITEM, LineType.TASK, LineType.DESCRIPTOR
ORDER_LINE_COLUMNS = ("id", "order_id", *LINE_KEYS)
INVOICE_LINE_COLUMNS = ("id", "invoice_id", *LINE_KEYS)
# A line "body" is a tuple in LINE_KEYS order without the position (added when numbered).
NET, TAX, COST, QTY, PRICE, UNIT_COST, TAX_RATE = 8, 9, 10, 4, 5, 6, 7


CUSTOMERS_PER_CHAIN = 60
DEPOSIT_DECK = (True,) * 3 + (
    False,
) * 22  # 12% of open orders got a deposit (prepaying customers': all)
# What an engaged customer that pays its own bills is like, per hundred such customers.
ROLE_DECK = (
    ("foreign",) * 3
    + ("past due",) * 3
    + ("held",) * 1
    + ("prepay",) * 4
    + ("cash",) * 3
    + (None,) * 86
)


class Size(NamedTuple):
    """A kind of account: how often it orders, how big its orders are, how much there is of it."""

    name: str
    share: float  # of customers
    orders_per_year: float  # before calibration to the wanted number of invoice lines
    lines: tuple[int, int]  # item lines per order, uniformly
    favourites: tuple[int, int]  # items it keeps buying
    locations: float  # relative number of delivery sites
    contacts: float  # relative number of contacts
    notes: tuple[int, int]


SIZES = (
    Size("small", 0.600, 2.5, (1, 4), (4, 10), 1.0, 1.5, (0, 4)),
    Size("medium", 0.298, 8.0, (2, 7), (8, 18), 2.5, 4.0, (1, 8)),
    Size("large", 0.080, 24.0, (3, 12), (14, 30), 6.0, 9.0, (3, 15)),
    Size("key", 0.020, 60.0, (5, 20), (24, 50), 14.0, 18.0, (8, 30)),
    Size("anchor", 0.002, 150.0, (8, 25), (40, 80), 30.0, 30.0, (20, 50)),
)


def lines_per_order(size: Size) -> float:
    """The expected number of lines of one of this size's orders."""
    return (size.lines[0] + size.lines[1]) / 2 + EXTRA_LINES


class Sketch(NamedTuple):
    """What is decided about a customer before batches are built: enough to calibrate volumes."""

    id: int
    created_on: dt.date
    size: int  # index into SIZES
    engagement: str  # "engaged", "lapsed" or "never"
    credit_code: CreditCode
    start: dt.date  # the first and last day it could order
    end: dt.date


@dataclass(kw_only=True)
class BenchCustomer(CustomerPlan):
    """A demo customer plan with the bench's extras."""

    size: Size
    start: dt.date  # the first and last day it could order (`Sketch`)
    end: dt.date
    location_aliases: list[str] = field(default_factory=list)
    order_count: int = 0
    current_favourites: list[Row] = field(default_factory=list)  # the favourites still sold


class Rates:
    """Base units per unit of a currency by month: a bounded random walk around a fixed value,
    the same for every batch (see World.rate in the demo)."""

    def __init__(self, rng: random.Random, today: dt.date, base_currency: str) -> None:
        self.today, self.base_currency = today, base_currency
        self.drift: dict[str, list[int]] = {}
        for currency in sorted(words.USD_VALUE_E8):
            self.drift[currency] = random_walk(rng, CUSTOMER_YEARS)
        self._cache: dict[tuple[str, int], int] = {}

    def known(self, currency: str) -> bool:
        return currency in words.USD_VALUE_E8 and self.base_currency in words.USD_VALUE_E8

    def rate(self, currency: str, day: dt.date) -> int | None:
        if currency == self.base_currency:
            return None
        month = (self.today.year - day.year) * 12 + self.today.month - day.month
        key = (currency, month)
        rate = self._cache.get(key)
        if rate is None:
            rate = drifted_rate(currency, self.base_currency, self.drift[currency], self.today, day)
            self._cache[key] = rate
        return rate


@dataclass
class Context(Dated):
    """What every batch shares."""

    today: dt.date
    base_currency: str
    staff: dict[str, int]  # the demo's staff keys ("admin", "manager", "rep_a", ...) -> user id
    reps: list[int]  # active sales reps
    gone_reps: list[int]  # reps who left
    terms: dict[str, Terms]
    items: list[Row]
    rates: Rates
    intervals: list[float]  # mean days between orders, by size (calibrated)
    names: set[str] = field(default_factory=set)  # customer names taken so far
    decks: dict[str, list[Any]] = field(default_factory=dict)  # see `draw`
    chains_due: float = (
        0.0  # chains owed so far (one per CUSTOMERS_PER_CHAIN customers), across batches
    )

    history_years: ClassVar[int] = HISTORY_YEARS

    def draw(self, rng: random.Random, name: str, cards: Sequence[T]) -> T:
        """The next card of a shuffled deck kept across batches: exact shares, whatever the batch size."""
        return draw(rng, self.decks, name, cards)


@dataclass
class Counters:
    """The last id used per table and the last value per number sequence, across batches."""

    ids: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sequences: dict[str, int] = field(default_factory=lambda: {name: 0 for name in FORMATS})

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def next_number(self, sequence: str) -> str:
        self.sequences[sequence] += 1
        return FORMATS[sequence].format(self.sequences[sequence])


# ------------------------------------------------------------------- global sketches


def sketch_customers(rng: random.Random, ctx: Context, count: int) -> list[Sketch]:
    """Every customer's creation day (ids in that order), size, engagement and ordering window."""
    newcomers = round(count * NEWCOMER_SHARE)
    first = ctx.days_ago(365 * CUSTOMER_YEARS)
    days = sorted(between(rng, first, ctx.days_ago(120)) for _ in range(count - newcomers))
    days += sorted(between(rng, ctx.days_ago(110), ctx.days_ago(3)) for _ in range(newcomers))
    size_weights = list(itertools.accumulate(size.share for size in SIZES))
    sketches = []
    for customer_id, created_on in enumerate(days, start=1):
        size = rng.choices(range(len(SIZES)), cum_weights=size_weights)[0]
        engagement, credit_code = _engagement(rng, ctx, created_on, customer_id > count - newcomers)
        start = min(
            ctx.last_day, max(created_on + dt.timedelta(days=rng.randint(1, 20)), ctx.history_start)
        )
        end = _window_end(rng, ctx, engagement, credit_code, start)
        sketches.append(Sketch(customer_id, created_on, size, engagement, credit_code, start, end))
    return sketches


def _engagement(
    rng: random.Random, ctx: Context, created_on: dt.date, newcomer: bool
) -> tuple[str, CreditCode]:
    """Newcomers are new accounts or have not ordered yet; older customers lapse or never order."""
    if newcomer:
        if rng.random() < 0.6:
            return rng.choice(("engaged", "never")), CreditCode.NEW_ACCOUNT
        return ("engaged" if rng.random() < 0.6 else "never"), CreditCode.CURRENT_ACCOUNT
    roll = rng.random()
    if created_on < ctx.days_ago(500) and roll < 0.15:
        return "lapsed", (
            CreditCode.CREDIT_HOLD if rng.random() < 0.03 else CreditCode.CURRENT_ACCOUNT
        )
    if roll > 0.95:
        return "never", CreditCode.CURRENT_ACCOUNT
    held = created_on < ctx.days_ago(400) and rng.random() < 0.02
    return "engaged", CreditCode.CREDIT_HOLD if held else CreditCode.CURRENT_ACCOUNT


def _window_end(
    rng: random.Random, ctx: Context, engagement: str, credit_code: CreditCode, start: dt.date
) -> dt.date:
    """The last day a customer could order (see the demo's `_order_end`)."""
    if engagement == "lapsed":
        end = between(rng, max(start, ctx.days_ago(365 * HISTORY_YEARS - 60)), ctx.days_ago(400))
    elif credit_code is CreditCode.CREDIT_HOLD:
        end = ctx.days_ago(rng.randint(80, 180))
    else:
        end = ctx.last_day
    return max(start, end)


def calibrate(sketches: list[Sketch], invoice_lines: int) -> list[float]:
    """Mean days between orders per size, so that the expected invoice lines come to the target."""
    expected = 0.0
    for sketch in sketches:
        if sketch.engagement != "never" and sketch.credit_code is not CreditCode.NEW_ACCOUNT:
            size = SIZES[sketch.size]
            years = ((sketch.end - sketch.start).days + 1) / 365
            expected += years * size.orders_per_year * lines_per_order(size) * INVOICED_SHARE
    factor = invoice_lines / expected if expected else 1.0
    return [365 / (size.orders_per_year * factor) for size in SIZES]


def allot(rng: random.Random, weights: list[float], total: int, minimum: int = 1) -> list[int]:
    """Split `total` over the weights, at least `minimum` each; exact, with random tie-breaks."""
    count = len(weights)
    spare = max(0, total - minimum * count)
    whole = sum(weights) or 1.0
    shares = [spare * w / whole for w in weights]
    result = [minimum + int(share) for share in shares]
    left = total - sum(result)
    order = sorted(
        range(count), key=lambda i: (shares[i] - int(shares[i]), rng.random()), reverse=True
    )
    for i in order[: max(0, left)]:
        result[i] += 1
    return result


# ----------------------------------------------------------------------------- batch


class Batch:
    """The rows of one batch of customers, ready to insert in foreign-key order."""

    def __init__(
        self,
        ctx: Context,
        rng: random.Random,
        sketches: list[Sketch],
        counters: Counters,
        *,
        locations: int,
        contacts: int,
        leads: int,
    ) -> None:
        self.ctx, self.rng, self.counters = ctx, rng, counters
        self.rows: dict[str, list[Any]] = defaultdict(list)
        self.customers = [self._plan(sketch) for sketch in sketches]
        self.by_id = {c.id: c for c in self.customers}
        self.orders: list[Doc] = []
        self.invoices: list[Doc] = []
        self._decks: dict[str, list[Any]] = {}  # decks of this batch's own (see `draw`)
        self._plan_roles()
        for c in self.customers:
            self._place_and_terms(c)
        for c in self.customers:
            self.rows["customers"].append(self._customer_row(c))
            counters.sequences["customer"] = max(counters.sequences["customer"], c.id)
        self._contacts(contacts)
        self._locations(locations)
        for c in self.customers:
            self._favourites(c)
            self._orders_of(c)
        self._number_orders()
        self._invoices()
        self._payments()
        self._credit_limits()
        self._notes()
        self._leads(leads)
        self._number_notes()
        self.sequences = dict(counters.sequences)  # the last numbers once this batch is written

    # ------------------------------------------------ what `ledger.Books` asks

    @property
    def today(self) -> dt.date:
        return self.ctx.today

    @property
    def last_day(self) -> dt.date:
        return self.ctx.last_day

    def draw(self, name: str, cards: Sequence[T]) -> T:
        return draw(self.rng, self._decks, name, cards)

    def days_ago(self, days: int) -> dt.date:
        return self.ctx.days_ago(days)

    def rate(self, currency: str, day: dt.date) -> int | None:
        return self.ctx.rates.rate(currency, day)

    def user(self, key: str) -> int:
        return self.ctx.staff[key]

    def left(self, user_id: int) -> bool:
        return user_id in self.ctx.gone_reps

    def next_id(self, table: str) -> int:
        return self.counters.next_id(table)

    def next_number(self, sequence: str) -> str:
        return self.counters.next_number(sequence)

    # ---------------------------------------------------------------- parties

    def _plan(self, sketch: Sketch) -> BenchCustomer:
        return BenchCustomer(
            id=sketch.id,
            created_on=sketch.created_on,
            engagement=sketch.engagement,
            credit_code=sketch.credit_code,
            size=SIZES[sketch.size],
            start=sketch.start,
            end=sketch.end,
        )

    def _plan_roles(self) -> None:
        """Activity, chains, credit codes, billing and paying habits (the demo's mix, in shares)."""
        rng, ctx = self.rng, self.ctx
        for c in self.customers:
            if c.engagement != "engaged" and rng.random() < 0.25:
                c.active = False
            if c.credit_code is CreditCode.CREDIT_HOLD:
                c.payer = "slow"
                c.stop_paying_on = c.end - dt.timedelta(days=rng.randint(20, 50))
        self._plan_chains()
        for c in self.customers:
            if c.head_office is not None or c.chain is not None or c.engagement != "engaged":
                continue
            if c.credit_code is CreditCode.NEW_ACCOUNT:
                if rng.random() < 0.15:
                    c.billing_status = BillingStatus.PREPAY
                continue
            if c.credit_code is CreditCode.CREDIT_HOLD:
                continue
            role = ctx.draw(rng, "role", ROLE_DECK)
            if role == "foreign":
                c.place = rng.choice(words.FOREIGN_PLACES)
            elif role == "past due":
                c.credit_code, c.payer = CreditCode.PAST_DUE, "slow"
                c.stop_paying_on = ctx.days_ago(rng.randint(45, 110))
            elif role == "held":
                c.credit_code, c.payer = CreditCode.CREDIT_HOLD, "slow"
                c.stop_paying_on = ctx.days_ago(rng.randint(20, 50))
            elif role == "prepay":
                c.billing_status = BillingStatus.PREPAY
            elif role == "cash":
                c.billing_status = BillingStatus.CASH_ON_DELIVERY
        for c in self.customers:
            if c.credit_code in (CreditCode.CURRENT_ACCOUNT, CreditCode.NEW_ACCOUNT):
                c.payer = weighted(rng, (("prompt", 30), ("steady", 50), ("slow", 20)))

    def _plan_chains(self) -> None:
        """Head offices that pay for most orders of two to four branches (one per 60 customers)."""
        rng, ctx = self.rng, self.ctx
        settled = [
            c
            for c in self.customers
            if c.engagement == "engaged"
            and c.credit_code is CreditCode.CURRENT_ACCOUNT
            and c.created_on < ctx.days_ago(900)
        ]
        ctx.chains_due += len(self.customers) / CUSTOMERS_PER_CHAIN
        chains, ctx.chains_due = int(ctx.chains_due), ctx.chains_due - int(ctx.chains_due)
        for _ in range(chains):
            heads = [c for c in settled if c.chain is None and c.head_office is None]
            if not heads:
                return
            head = heads.pop(rng.randrange(len(heads)))
            later = [
                c for c in settled if c.id > head.id and c.chain is None and c.head_office is None
            ]
            if not later:
                continue
            head.chain = rng.choice(words.CHAINS)
            head.trade = head.chain[2]
            for branch in rng.sample(later, min(len(later), rng.randint(2, 4))):
                branch.head_office, branch.trade = head, head.chain[2]

    def _place_and_terms(self, c: BenchCustomer) -> None:
        rng = self.rng
        if c.head_office is not None:
            near = [city for city in words.US_CITIES if city.region == c.head_office.home.region]
            c.city = rng.choice(near if near and rng.random() < 0.7 else words.US_CITIES)
        elif c.place is None:
            c.city = weighted(rng, [(city, city.weight) for city in words.US_CITIES])
        c.currency = (
            c.place.currency
            if c.place is not None and self.ctx.rates.known(c.place.currency)
            else self.ctx.base_currency
        )
        c.tax_rate_e4 = c.city.tax_rate_e4 if c.city and rng.random() < 0.45 else 0
        parties.plan_terms(rng, self.ctx.terms, c)
        if c.chain is None and c.head_office is None:
            c.trade = weighted(rng, [(name, trade.weight) for name, trade in words.TRADES.items()])
        c.discount_pct = rng.choice((0, 0, 0, 2, 3, 5, 5, 8, 10))

    def _customer_row(self, c: BenchCustomer) -> Row:
        rng, ctx = self.rng, self.ctx
        name, alias = self._name(c)
        billing = parties.address(rng, c)
        shipping = billing if rng.random() < 0.75 else parties.address(rng, c)
        rep, inside = self._reps(c)
        created = office_time(rng, c.created_on)
        prior = 0
        if c.created_on < ctx.history_start and rng.random() >= 0.3:
            prior = rng.randint(10, 800) * 25_000 * max(1, int(c.size.orders_per_year // 8))
        row = {
            "id": c.id,
            "number": FORMATS["customer"].format(c.id),
            "name": name,
            "alias": alias,
            "status": CustomerStatus.ACTIVE if c.active else CustomerStatus.INACTIVE,
            "currency": c.currency,
            "credit_code": c.credit_code,
            "credit_limit_minor": None,
            "billing_status": c.billing_status,
            "payment_terms_id": c.terms.id if c.terms else None,
            "terms_basis": c.basis,
            "sales_rep_id": rep,
            "inside_sales_rep_id": inside,
            "email": f"{parties.mailbox(rng, c)}@{c.domain}",
            "phone": parties.phone(self.rng, c),
            "prior_sales_minor": prior,
            "created_at": created,
            "updated_at": max(created, office_time(rng, between(rng, c.created_on, ctx.last_day))),
            "version": 1,
        }
        row.update(parties.prefixed("billing", billing))
        row.update(parties.prefixed("shipping", shipping))
        c.row = row
        return row

    def _reps(self, c: BenchCustomer) -> tuple[int | None, int | None]:
        if c.head_office is not None:
            return c.head_office.row["sales_rep_id"], c.head_office.row["inside_sales_rep_id"]
        rng, ctx = self.rng, self.ctx
        roll = rng.random()
        rep = (
            rng.choice(ctx.reps)
            if roll < 0.9
            else rng.choice(ctx.gone_reps)
            if roll < 0.96
            else None
        )
        inside = rng.choice(ctx.reps) if rng.random() < 0.5 else None
        return rep, (inside if inside != rep else None)

    def _name(self, c: BenchCustomer) -> tuple[str, str | None]:
        """A unique business name (the city is added, then the id, when the plain name is taken)."""
        rng, used = self.rng, self.ctx.names
        for attempt in range(6):
            c.words = (rng.choice(words.PLACE_WORDS), rng.choice(words.SURNAMES))
            c.template = rng.choice(words.TRADES[c.trade].templates)
            base = parties.base_name(c)
            if attempt >= 3 and c.head_office is None:
                base = f"{base} {c.town}"
            suffix = "" if c.head_office is not None else weighted(rng, words.LEGAL_SUFFIXES)
            if base + suffix not in used:
                break
        else:
            base = f"{base} #{c.id}"
        used.add(base + suffix)
        c.domain = c.head_office.domain if c.head_office is not None else parties.mail_domain(base)
        return base + suffix, (base if suffix and rng.random() < 0.7 else None)

    def _contacts(self, total: int) -> None:
        """Exactly `total` people over the batch, more at bigger accounts; the first is primary."""
        rng, rows = self.rng, self.rows["contacts"]
        counts = allot(
            rng, [c.size.contacts * rng.uniform(0.5, 1.5) for c in self.customers], total
        )
        for c, count in zip(self.customers, counts, strict=True):
            for position in range(count):
                rows.append(parties.contact_row(self, c, position, extensions=99))

    def _locations(self, total: int) -> None:
        """Exactly `total` delivery sites over the batch, the first at the customer's shipping address."""
        rng, ctx, rows = self.rng, self.ctx, self.rows["locations"]
        counts = allot(
            rng,
            [
                (0.3 if c.chain else c.size.locations) * rng.uniform(0.5, 1.5)
                for c in self.customers
            ],
            total,
        )
        for c, count in zip(self.customers, counts, strict=True):
            for position in range(count):
                alias = words.LOCATION_NAMES[position % len(words.LOCATION_NAMES)]
                if position >= len(words.LOCATION_NAMES):
                    alias = f"{alias} {position // len(words.LOCATION_NAMES) + 1}"
                row_id = self.counters.next_id("locations")
                c.location_ids.append(row_id)
                c.location_aliases.append(alias)
                contact = rng.choice(c.contacts) if rng.random() < 0.5 else parties.person(rng)
                since = c.created_on if position == 0 else between(rng, c.created_on, ctx.last_day)
                rep = None
                if position > 0 and rng.random() < 0.25:
                    rep = rng.choice(ctx.reps)
                row = {
                    "id": row_id,
                    "customer_id": c.id,
                    "code": f"LOC-{position + 1:02d}",
                    "alias": alias,
                    "contact_name": contact if rng.random() < 0.8 else None,
                    "contact_email": f"{parties.slug(contact.split()[0])}@{c.domain}"
                    if rng.random() < 0.6
                    else None,
                    "contact_phone": parties.phone(self.rng, c) if rng.random() < 0.6 else None,
                    "alt_email": f"receiving@{c.domain}" if rng.random() < 0.15 else None,
                    "sales_rep_id": rep if rep != c.row["sales_rep_id"] else None,
                    "version": 1,
                    "created_at": office_time(rng, since),
                }
                if position == 0:
                    shipping = parties.address_of(c, "shipping")
                else:
                    nearby = (
                        None
                        if c.city is None
                        else rng.choice(
                            [city for city in words.US_CITIES if city.region == c.city.region]
                        )
                    )
                    shipping = parties.address(rng, c, nearby)
                own_billing = position > 0 and rng.random() < 0.1
                row.update(parties.prefixed("shipping", shipping))
                row.update(
                    parties.prefixed(
                        "billing", parties.address_of(c, "billing") if own_billing else None
                    )
                )
                rows.append(row)

    # ----------------------------------------------------------------- orders

    def _favourites(self, c: BenchCustomer) -> None:
        categories = words.TRADES[c.trade].categories
        candidates = [item for item in self.ctx.items if item["code"][:3] in categories]
        low, high = c.size.favourites
        c.favourites = self.rng.sample(
            candidates, min(len(candidates), self.rng.randint(low, high))
        )
        c.current_favourites = [item for item in c.favourites if item["active"]] or c.favourites

    def _orders_of(self, c: BenchCustomer) -> None:
        """The customer's orders at its (calibrated) rhythm, from its start until it stopped."""
        rng, ctx = self.rng, self.ctx
        if c.engagement == "never":
            return
        if c.credit_code is CreditCode.NEW_ACCOUNT:
            days = sorted(
                between(rng, max(c.start, ctx.days_ago(30)), ctx.last_day)
                for _ in range(rng.randint(1, 2))
            )
        else:
            interval = self.ctx.intervals[SIZES.index(c.size)]
            days, offset, span = [], rng.uniform(0, interval), (c.end - c.start).days
            while offset <= span:
                days.append(c.start + dt.timedelta(days=int(offset)))
                offset += rng.uniform(0.5, 1.5) * interval
            if c.engagement == "engaged" and (not days or days[-1] < ctx.days_ago(300)):
                days.append(
                    between(rng, max(c.start, ctx.days_ago(300)), min(c.end, ctx.days_ago(5)))
                )
            days = days or [c.start]
        c.order_count = len(days)
        for position, day in enumerate(days):
            self.orders.append(self._order(c, day, is_last=position == len(days) - 1))

    def _order(self, c: BenchCustomer, day: dt.date, *, is_last: bool) -> Doc:
        return documents.order(
            self,
            c,
            day,
            is_last=is_last,
            make_lines=lambda rate, job: self._order_lines(c, day, rate, job),
            totals=_totals,
        )

    def _order_lines(
        self, c: BenchCustomer, day: dt.date, rate: int | None, job: bool
    ) -> list[tuple]:
        """Item lines at the day's prices less the customer's discount; labour, freight, a note."""
        rng, tax_rate = self.rng, c.tax_rate_e4
        age = (self.ctx.today - day).days
        available = c.favourites if age > 365 else c.current_favourites
        low, high = c.size.lines
        chosen = rng.sample(available, min(rng.randint(low, high), len(available)))
        years = age // 365  # list prices rise about 3.5% a year
        price_factor, cost_factor = (1000 - 35 * years) * (100 - c.discount_pct), 1000 - 35 * years
        lines: list[tuple[Any, ...]] = []
        if rng.random() < 0.05:
            lines.append(
                (
                    DESCRIPTOR,
                    "NOTE",
                    "Deliver to the rear entrance; call ahead",
                    None,
                    0,
                    0,
                    None,
                    0,
                    0,
                    0,
                    None,
                    None,
                )
            )
        if job:
            lines.append(
                _task(
                    tax_rate,
                    "LABOR",
                    "Assembly and packing labour",
                    "HR",
                    rng.randint(2, 16) * 1000,
                    cents(_convert(650_000, rate)),
                    _convert(380_000, rate),
                )
            )
        for item in chosen:
            low_q, high_q, step = QUANTITIES[item["unit"]]
            quantity = rng.randint(low_q, high_q) * step
            price = cents(_convert(round_div(item["unit_price_e4"] * price_factor, 100_000), rate))
            cost = _convert(round_div(item["unit_cost_e4"] * cost_factor, 1000), rate)
            amounts = line_amounts(quantity, price, tax_rate, cost)
            lines.append(
                (
                    ITEM,
                    item["code"],
                    item["description"],
                    item["unit"],
                    quantity,
                    price,
                    cost,
                    tax_rate,
                    amounts.net_minor,
                    amounts.tax_minor,
                    amounts.cost_minor,
                    item["id"],
                )
            )
        if rng.random() < 0.2:
            lines.append(
                _task(
                    tax_rate,
                    "FREIGHT",
                    "Freight and delivery",
                    None,
                    1000,
                    cents(_convert(rng.randint(25, 95) * 10_000, rate)),
                    None,
                )
            )
        return lines

    def _number_orders(self) -> None:
        """Ids in date order; SO- and JO- numbers each in their own sequence."""
        self.orders.sort(
            key=lambda doc: (
                doc.row["order_on"],
                doc.row["created_at"],
                doc.row["order_customer_id"],
            )
        )
        counters, rows, line_rows = self.counters, self.rows["orders"], self.rows["order_lines"]
        for doc in self.orders:
            order_id = counters.next_id("orders")
            job = doc.row["classification"] is OrderClassification.JOB_ORDER
            doc.row = {
                "id": order_id,
                "number": counters.next_number("job_order" if job else "sales_order"),
                **doc.row,
            }
            rows.append(doc.row)
            for position, line in enumerate(doc.lines, start=1):
                line_rows.append((counters.next_id("order_lines"), order_id, position, *line))

    # --------------------------------------------------------------- invoices

    def _invoices(self) -> None:
        """Invoices of invoiced orders, credit notes (3%), a few voided invoices and drafts."""
        rng, ctx = self.rng, self.ctx
        for order in self.orders:
            if order.row["status"] is OrderStatus.INVOICED:
                self.invoices.append(self._invoice_for(order))
        credited = [
            doc
            for doc in self.invoices
            if doc.row["invoice_on"] <= ctx.days_ago(12) and rng.random() < 0.03
        ]
        self.invoices += [self._credit_note(original) for original in credited]
        for c in self.customers:
            if (
                c.engagement == "engaged"
                and c.active
                and c.head_office is None
                and c.credit_code is CreditCode.CURRENT_ACCOUNT
            ):
                for _ in range(
                    c.order_count
                ):  # about one in 400 orders each, more at busy accounts
                    roll = rng.random()
                    if roll < 0.0025:
                        self.invoices.append(self._standalone(c, "void"))
                    elif roll < 0.005:
                        self.invoices.append(self._standalone(c, "draft"))
        self.invoices.sort(
            key=lambda doc: (
                doc.kind == "draft",
                doc.row["invoice_on"],
                doc.row["created_at"],
                doc.row["bill_customer_id"],
            )
        )
        counters, rows, line_rows = self.counters, self.rows["invoices"], self.rows["invoice_lines"]
        for doc in self.invoices:
            invoice_id = counters.next_id("invoices")
            sequence = {"credit": "credit", "draft": "draft"}.get(doc.kind, "invoice")
            doc.row = {"id": invoice_id, "number": counters.next_number(sequence), **doc.row}
            rows.append(doc.row)
            for position, line in enumerate(doc.lines, start=1):
                line_rows.append((counters.next_id("invoice_lines"), invoice_id, position, *line))

    def _invoice_for(self, order: Doc) -> Doc:
        header = documents.order_invoice_header(self, order, _totals(order.lines))
        return Doc(row=header, lines=order.lines, bill=order.bill, kind="order", order=order)

    def _credit_note(self, original: Doc) -> Doc:
        """A small credit against one invoice: goods returned or a price allowance."""
        rng, ctx = self.rng, self.ctx
        day = min(ctx.last_day, original.row["invoice_on"] + dt.timedelta(days=rng.randint(3, 45)))
        rate = ctx.rates.rate(original.bill.currency, day)
        items = [line for line in original.lines if line[0] is ITEM]
        if items and rng.random() < 0.6:
            line = rng.choice(items)
            quantity = min(line[QTY], rng.randint(1, 5) * 1000)
            amounts = line_amounts(quantity, line[PRICE], line[TAX_RATE], line[UNIT_COST])
            line = (
                *line[:QTY],
                quantity,
                *line[PRICE:NET],
                amounts.net_minor,
                amounts.tax_minor,
                amounts.cost_minor,
                line[-1],
            )
        else:
            reason = rng.choice(
                ("Price adjustment", "Short shipment allowance", "Damaged goods allowance")
            )
            allowance = max(100, min(original.row["net_minor"] // 5, rng.randint(10, 250) * 100))
            buyer = self.by_id[original.row["order_customer_id"]]
            line = _task(buyer.tax_rate_e4, "ADJ", reason, None, 1000, allowance * 100, None)
        header = documents.invoice_header(
            self, original.bill, InvoiceClassification.CREDIT, day, _totals([line]), rate
        )
        header["order_customer_id"] = original.row["order_customer_id"]
        return Doc(row=header, lines=[line], bill=original.bill, kind="credit")

    def _standalone(self, c: BenchCustomer, kind: str) -> Doc:
        """An invoice without an order: a voided mistake, or a draft still being prepared."""
        rng, ctx = self.rng, self.ctx
        if kind == "draft":
            day = between(rng, ctx.days_ago(6), ctx.last_day)
        else:
            day = between(rng, max(c.created_on, ctx.days_ago(700)), ctx.days_ago(30))
        rate = ctx.rates.rate(c.currency, day)
        lines = self._order_lines(c, day, rate, job=False)
        header = documents.invoice_header(
            self, c, InvoiceClassification.INVOICE, day, _totals(lines), rate
        )
        header["status"] = InvoiceStatus.PLANNED if kind == "draft" else InvoiceStatus.VOID
        return Doc(row=header, lines=lines, bill=c, kind=kind)

    # --------------------------------------------------------------- payments

    def _payments(self) -> None:
        """Payments of issued invoices and open deposits, as the demo's (`ledger.record_payments`)."""
        ledger.record_payments(self, self.invoices, self._open_deposits)

    def _open_deposits(self) -> list[PaymentDraft]:
        """Deposits against orders not invoiced yet: unapplied money on account."""
        drafts = []
        for doc in self.orders:
            if doc.row["status"] not in OPEN_ORDER_STATUSES:
                continue
            if doc.bill.billing_status is BillingStatus.PREPAY:
                drafts.append(
                    PaymentDraft(
                        doc.bill, doc.row["order_on"], PaymentStyle.DEPOSIT, doc.row["total_minor"]
                    )
                )
            elif self.ctx.draw(self.rng, "deposit", DEPOSIT_DECK):
                part = max(
                    100, doc.row["total_minor"] * self.rng.randint(30, 50) // 100 // 100 * 100
                )
                drafts.append(
                    PaymentDraft(doc.bill, doc.row["order_on"], PaymentStyle.DEPOSIT, part)
                )
        return drafts

    def _credit_limits(self) -> None:
        """Limits for most account customers, a few of whom are over theirs (see the demo)."""
        rng = self.rng
        exposure = ledger.exposure(self.rows)
        for c in self.customers:
            if c.billing_status is not BillingStatus.ON_ACCOUNT or c.head_office is not None:
                continue
            owed = exposure.get(c.id, 0)
            if owed >= 300_000 and rng.random() < 0.04:
                c.row["credit_limit_minor"] = max(
                    100_000, owed * rng.randint(40, 80) // 100 // 100_000 * 100_000
                )
            elif rng.random() < 0.6:
                headroom = max(0, owed) * 2 + rng.randint(2, 40) * 250_000
                c.row["credit_limit_minor"] = -(-headroom // 100_000) * 100_000

    # ---------------------------------------------------------- notes, leads

    def _notes(self) -> None:
        rng, ctx, notes = self.rng, self.ctx, self.rows["notes"]
        for c in self.customers:
            low, high = c.size.notes
            count = rng.randint(low, high)
            if c.engagement != "engaged":
                count //= 2
            for _ in range(count):
                day = between(rng, c.created_on, ctx.last_day)
                note_type = NoteType[weighted(rng, words.NOTE_TYPE_WEIGHTS)]
                notes.append(self._customer_note(c, day, note_type))
            if c.active and c.engagement == "engaged" and rng.random() < 0.05:
                note = self._customer_note(
                    c, between(rng, ctx.days_ago(10), ctx.last_day), NoteType.FOLLOW_UP
                )
                note["reminder_due_at"] = at(ctx.today + dt.timedelta(days=rng.randint(1, 21)), 14)
                notes.append(note)

    def _customer_note(self, c: BenchCustomer, day: dt.date, note_type: NoteType) -> Row:
        rng = self.rng
        fill = self._fillers(c)
        note = activity.note_row(
            note_type,
            rng.choice(words.NOTE_BODIES[note_type.name]).format(**fill),
            activity.author(self, c, day),
            office_time(rng, day),
        )
        note["customer_id"] = c.id
        if note_type is NoteType.FOLLOW_UP:
            note["reminder_due_at"] = at(day + dt.timedelta(days=rng.randint(3, 14)), 14)
            note["reminder_title"] = rng.choice(words.REMINDER_TITLES).format(**fill)
        return note

    def _fillers(self, c: BenchCustomer) -> dict[str, str]:
        rng = self.rng
        return {
            "contact": rng.choice(c.contacts) if c.contacts else parties.person(rng),
            "item": rng.choice(c.favourites)["description"].split(",")[0].lower(),
            "location": rng.choice(c.location_aliases).lower()
            if c.location_aliases
            else "warehouse",
            "customer": c.row["alias"] or c.row["name"],
        }

    def _leads(self, count: int) -> None:
        """`count` leads in every state with their recorded history (see the demo's activity)."""
        rng, leads = self.rng, []
        engaged = [c for c in self.customers if c.active and c.engagement == "engaged"]
        lapsed = [c for c in self.customers if c.active and c.engagement == "lapsed"]
        for _ in range(count):
            state = rng.choice(LEAD_STATES)
            program = rng.randint(1, len(words.LEAD_PROGRAMS))
            win_back = words.LEAD_PROGRAMS[program - 1].startswith("Win-back")
            pool = (lapsed if win_back else engaged) or engaged or lapsed or self.customers
            leads.append(self._lead(state, program, rng.choice(pool)))
        leads.sort(key=lambda lead: lead[0]["created_at"])
        for row, changes, c in leads:
            lead_id = self.counters.next_id("leads")
            self.counters.sequences["lead"] += 1
            row.update(id=lead_id, number=self.counters.sequences["lead"])
            self.rows["leads"].append(row)
            for change in changes:
                self.rows["lead_state_changes"].append(
                    {
                        "id": self.counters.next_id("lead_state_changes"),
                        "lead_id": lead_id,
                        **change,
                    }
                )
            self._lead_notes(row, c)

    def _lead(
        self, state: LeadState, program: int, c: BenchCustomer
    ) -> tuple[Row, list[Row], BenchCustomer]:
        rng, ctx = self.rng, self.ctx
        path = rng.choice(PATHS[state])
        if state in (LeadState.CUSTOMER, LeadState.INACTIVE):
            start = between(rng, ctx.days_ago(720), ctx.days_ago(80))
        else:
            start = between(rng, ctx.days_ago(240), ctx.days_ago(15 * len(path) + 1))
        changes = self._history(path, start)
        low, high = PROBABILITY[state]
        if state is LeadState.CUSTOMER:
            conversion = changes[-1]["at"].date()
        elif state is LeadState.INACTIVE:
            conversion = None
        else:
            conversion = ctx.today + dt.timedelta(days=rng.randint(14, 180))
        row = {
            "customer_id": c.id,
            "program_id": program,
            "source_id": rng.randint(1, len(words.LEAD_SOURCES)) if rng.random() < 0.9 else None,
            "state": state,
            "inside_sales_rep_id": rng.choice(ctx.reps),
            "outside_sales_rep_id": c.row["sales_rep_id"],
            "assigned_to_id": changes[-1]["assigned_to_id"],
            "probability": rng.randint(low // 5, high // 5) * 5,
            "estimated_conversion_on": conversion,
            "potential_value_minor": rng.randint(4, 120) * 50_000,
            "created_at": changes[0]["at"],
            "version": 1,
        }
        return row, changes, c

    def _history(self, path: tuple[LeadState, ...], start: dt.date) -> list[Row]:
        rng, ctx = self.rng, self.ctx
        return activity.history(
            self,
            path,
            start,
            first=lambda: rng.choice(ctx.reps),
            reassign=lambda: rng.choice(ctx.reps) if rng.random() < 0.7 else ctx.staff["manager"],
        )

    def _lead_notes(self, lead: Row, c: BenchCustomer) -> None:
        rng = self.rng
        for _ in range(rng.choice((0, 1, 1, 2))):
            day = between(rng, lead["created_at"].date(), self.ctx.last_day)
            note_type = NoteType[rng.choice(("CALL", "MEETING", "EMAIL", "FOLLOW_UP"))]
            body = rng.choice(words.LEAD_NOTE_BODIES).format(**self._fillers(c))
            note = activity.note_row(note_type, body, lead["assigned_to_id"], office_time(rng, day))
            note["lead_id"] = lead["id"]
            self.rows["notes"].append(note)

    def _number_notes(self) -> None:
        notes = self.rows["notes"]
        notes.sort(
            key=lambda n: (n["created_at"], n["customer_id"] or 0, n["lead_id"] or 0, n["body"])
        )
        for note in notes:
            note["id"] = self.counters.next_id("notes")


# --------------------------------------------------------------------------- helpers


def _task(
    tax_rate_e4: int,
    code: str,
    description: str,
    unit: str | None,
    quantity_e3: int,
    price_e4: int,
    cost_e4: int | None,
) -> tuple:
    """A service line body (labour, freight, an allowance): no item, priced in whole cents."""
    price = cents(price_e4)
    amounts = line_amounts(quantity_e3, price, tax_rate_e4, cost_e4)
    return (
        TASK,
        code,
        description,
        unit,
        quantity_e3,
        price,
        cost_e4,
        tax_rate_e4,
        amounts.net_minor,
        amounts.tax_minor,
        amounts.cost_minor,
        None,
    )


def _convert(base_e4: int, rate: int | None) -> int:
    """A base-currency unit price in the document's currency (same precision)."""
    return base_e4 if rate is None else round_div(base_e4 * 10**RATE, rate)


def _totals(lines: list[tuple[Any, ...]]) -> documents.Totals:
    """The net, tax and cost of line tuples (see `documents.line_totals` for line rows)."""
    net = sum(line[NET] for line in lines)
    tax = sum(line[TAX] for line in lines)
    return net, tax, sum(line[COST] or 0 for line in lines)
