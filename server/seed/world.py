"""The state shared by the demo builders: the random source, the calendar, rates and plans.

Builders never touch the database. They fill `World.rows` (table name -> list of row dicts
with explicit ids) and keep small plan objects beside the rows for the builders that follow.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

from server.customers.models import BillingStatus, CreditCode, TermsBasis
from server.db.sequences import FORMATS
from server.money import RATE, round_div
from server.seed.vocabulary import USD_VALUE_E8, City, ForeignPlace

T = TypeVar("T")
Row = dict[str, Any]

HISTORY_YEARS = 3  # orders, invoices and payments go back this far
CUSTOMER_YEARS = 4  # customers were created over this many years


class Books(Protocol):
    """What the builders shared by the demo and the bench seed draw on: the demo's `World` or a
    bench batch (`bench_batch.Batch`)."""

    rng: random.Random
    rows: dict[str, list[Row]]

    @property
    def today(self) -> dt.date: ...

    @property
    def last_day(self) -> dt.date: ...

    def days_ago(self, days: int) -> dt.date: ...

    def rate(self, currency: str, day: dt.date) -> int | None: ...

    def user(self, key: str) -> int: ...

    def left(self, user_id: int) -> bool: ...

    def next_id(self, table: str) -> int: ...

    def next_number(self, sequence: str) -> str: ...

    def draw(self, name: str, cards: Sequence[T]) -> T: ...


@dataclass(frozen=True)
class Terms:
    """A payment terms row, as the seed needs it."""

    id: int
    code: str
    due_days: int


@dataclass
class CustomerPlan:
    """What the builders need to know about one customer beyond its row."""

    id: int
    created_on: dt.date
    engagement: str = "engaged"  # "engaged", "lapsed" or "never": what its orders will make it
    credit_code: CreditCode = CreditCode.CURRENT_ACCOUNT
    billing_status: BillingStatus = BillingStatus.ON_ACCOUNT
    active: bool = True
    payer: str = "steady"  # "prompt", "steady" or "slow"
    stop_paying_on: dt.date | None = None  # from then on, its invoices stay unpaid
    head_office: CustomerPlan | None = None  # who pays for this branch's orders
    chain: tuple[str, str, str] | None = None  # for head offices: see vocabulary.CHAINS
    city: City | None = None
    place: ForeignPlace | None = None
    currency: str = "USD"
    trade: str = "restaurant"
    tax_rate_e4: int = 0
    terms: Terms | None = None
    basis: TermsBasis = TermsBasis.INVOICE_DATE
    interval: int = 45  # mean days between its orders
    discount_pct: int = 0  # off list prices
    location_ids: list[int] = field(default_factory=list)
    words: tuple[str, str] = ("", "")  # the place word and surname its name was made of
    template: str = "{P}"  # the pattern of its trade its name was made with
    domain: str = ""
    contacts: list[str] = field(default_factory=list)
    favourites: list[Row] = field(default_factory=list)  # item rows it usually buys
    row: Row = field(default_factory=dict)

    @property
    def home(self) -> City:
        """Its city in the US, planned before any of its rows (customers abroad have none)."""
        if self.city is None:
            raise ValueError(f"customer {self.id} has no city in the US")
        return self.city

    @property
    def town(self) -> str:
        """The name of its city, in the US or else abroad."""
        if self.city is not None:
            return self.city.name
        if self.place is None:
            raise ValueError(f"customer {self.id} has no place yet")
        return self.place.city

    @property
    def chain_names(self) -> tuple[str, str, str]:
        """A head office's chain: the patterns of its own name and its branches', and its trade."""
        if self.chain is None:
            raise ValueError(f"customer {self.id} heads no chain")
        return self.chain


@dataclass
class Doc:
    """An order or invoice being built: its row, its lines and who pays for it."""

    row: Row
    lines: list[Any]  # line rows (the demo) or tuples in LINE_KEYS order (the bench)
    bill: CustomerPlan
    kind: str = "order"  # invoices: "order", "credit", "draft" or "void"
    order: Doc | None = None  # an invoice's order
    invoice_on: dt.date | None = None  # an order's (future) invoice date when it is invoiced


class Dated:
    """Days counted back from `today`, over `history_years` of recorded history."""

    today: dt.date
    history_years: ClassVar[int] = HISTORY_YEARS

    @property
    def last_day(self) -> dt.date:
        """The last day of recorded history: documents are dated up to yesterday."""
        return self.today - dt.timedelta(days=1)

    @property
    def history_start(self) -> dt.date:
        """The first day orders may be dated (when the business adopted the system)."""
        return self.today - dt.timedelta(days=365 * self.history_years)

    def days_ago(self, days: int) -> dt.date:
        """`today` minus `days`."""
        return self.today - dt.timedelta(days=days)


@dataclass
class World(Dated):
    """The seeded business under construction: inputs, rows so far, and the plans behind them."""

    rng: random.Random
    today: dt.date
    base_currency: str
    users: dict[str, int]  # "admin", "manager", "rep_a", "rep_b", "viewer", "rep_gone" -> id
    terms: dict[str, Terms]  # by code
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    customers: list[CustomerPlan] = field(default_factory=list)
    orders: list[Doc] = field(default_factory=list)
    invoices: list[Doc] = field(default_factory=list)
    drift: dict[str, list[int]] = field(default_factory=dict)  # per-mille rate drift by month
    sequences: dict[str, int] = field(default_factory=dict)  # last number used, by sequence name
    decks: dict[str, list[Any]] = field(default_factory=dict)  # see `draw`

    def currency_known(self, currency: str) -> bool:
        """Whether a rate between `currency` and the base currency can be made up."""
        return currency in USD_VALUE_E8 and self.base_currency in USD_VALUE_E8

    def rate(self, currency: str, day: dt.date) -> int | None:
        """Base units per unit of `currency` on `day`, in 1e-8; None for the base currency."""
        if currency == self.base_currency:
            return None
        if currency not in self.drift:
            self.drift[currency] = random_walk(self.rng, CUSTOMER_YEARS)
        return drifted_rate(currency, self.base_currency, self.drift[currency], self.today, day)

    def draw(self, name: str, cards: Sequence[T]) -> T:
        """The next card of a shuffled deck, reshuffled when used up: every card turns up soon."""
        return draw(self.rng, self.decks, name, cards)

    def user(self, key: str) -> int:
        """The user id of a staff key such as "rep_a"."""
        return self.users[key]

    def left(self, user_id: int) -> bool:
        """Whether that user has left the business (the departed rep)."""
        return user_id == self.users["rep_gone"]

    def next_id(self, table: str) -> int:
        """The id of the next row of `table`, whose rows are numbered from 1 in order."""
        return len(self.rows[table]) + 1

    def next_number(self, sequence: str) -> str:
        """The next number of a document sequence (`FORMATS`), kept in `sequences`."""
        self.sequences[sequence] = self.sequences.get(sequence, 0) + 1
        return FORMATS[sequence].format(self.sequences[sequence])


def random_walk(rng: random.Random, years: int) -> list[int]:
    """Monthly drift of an exchange rate over `years`, per mille, as a bounded random walk."""
    walk, level = [], 0
    for _ in range(12 * years + 2):
        level = max(-60, min(60, level + rng.randint(-12, 12)))
        walk.append(level)
    return walk


def drifted_rate(
    currency: str, base_currency: str, drift: list[int], today: dt.date, day: dt.date
) -> int:
    """Base units per unit of `currency` on `day`, in 1e-8: its value drifted by that month's
    `drift` (a `random_walk`)."""
    permille = 1000 + drift[_month_index(today, day) % len(drift)]
    return round_div(
        USD_VALUE_E8[currency] * 10**RATE * permille, USD_VALUE_E8[base_currency] * 1000
    )


def draw(rng: random.Random, decks: dict[str, list[Any]], name: str, cards: Sequence[T]) -> T:
    """The next card of the shuffled deck `name` in `decks`, reshuffled when used up: every card
    turns up soon, and a deck kept across batches gives exact shares."""
    deck = decks.setdefault(name, [])
    if not deck:
        deck.extend(cards)
        rng.shuffle(deck)
    return deck.pop()


def _month_index(today: dt.date, day: dt.date) -> int:
    """How many calendar months `day` lies before `today`."""
    return (today.year - day.year) * 12 + today.month - day.month


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An aware UTC datetime on `day`."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def office_time(rng: random.Random, day: dt.date) -> dt.datetime:
    """A believable moment in office hours on `day`."""
    return at(day, rng.randint(8, 17), rng.randint(0, 59))


def weighted(rng: random.Random, choices: Sequence[tuple[T, int]]) -> T:
    """One of the `(value, weight)` pairs' values, chosen by weight."""
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(values, weights=weights, k=1)[0]


def between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day from `start` to `end`, both included (`start` when the span is empty)."""
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def take(rng: random.Random, pool: list[T], count: int) -> list[T]:
    """Remove and return `count` random members of `pool` (fewer if it runs out)."""
    chosen = []
    for _ in range(min(count, len(pool))):
        chosen.append(pool.pop(rng.randrange(len(pool))))
    return chosen


def cents(e4: int) -> int:
    """A unit price in 1/10000 rounded (half-even) to whole cents, still in 1/10000."""
    return round_div(e4, 100) * 100
