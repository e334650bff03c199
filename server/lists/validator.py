"""One validator per list (customers, locations, leads): a filter, a sort and columns, checked
and decoded the same way for the list query, `saveListView` and the export, every problem at
once (`DomainError`, each problem's field the input path: `["filter", "engagement", "0"]`).

Sorts and columns are named in one vocabulary, the columns' field names (`lifetimeValue`); a
sort also takes the list's sort-enum name (`LIFETIME_VALUE`), read as its field name.

>>> check(ListKind.LEADS, sort=[{"field": "POTENTIAL_VALUE", "direction": "DESC"}]).stored_sort
[{'field': 'potentialValue', 'direction': 'DESC'}]
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from server import bounds, money
from server.customers import listing as customer_listing
from server.customers.models import BillingStatus, CreditCode
from server.errors import ErrorCode, Problems
from server.exports.columns import CUSTOMER_COLUMNS, LEAD_COLUMNS, LOCATION_COLUMNS, ExportColumn
from server.figures.customer_list import Engagement
from server.ids import pk_of
from server.leads.models import LeadState
from server.lists.models import ListKind
from server.sorting import CustomerSortField, LeadSortField, SortDirection

MAX_LABEL = 200
WIDTHS = (24, 2000)  # a column's width in pixels, at least and at most
UTC = ZoneInfo("UTC")

# What a list shows and exports, by field name: what a view's columns may name.
COLUMNS: dict[ListKind, Mapping[str, ExportColumn]] = {
    ListKind.CUSTOMERS: CUSTOMER_COLUMNS,
    ListKind.LOCATIONS: LOCATION_COLUMNS,
    ListKind.LEADS: LEAD_COLUMNS,
}

# What a list sorts by, by the field name of the column it sorts (locations: a fixed order).
SORTS: dict[ListKind, dict[str, enum.Enum]] = {
    ListKind.CUSTOMERS: {
        "number": CustomerSortField.NUMBER,
        "name": CustomerSortField.NAME,
        "lifetimeValue": CustomerSortField.LIFETIME_VALUE,
        "orderCount": CustomerSortField.ORDER_COUNT,
        "orderTotal": CustomerSortField.ORDER_TOTAL,
        "averageOrderValue": CustomerSortField.AVERAGE_ORDER_VALUE,
        "lastOrderDate": CustomerSortField.LAST_ORDER_DATE,
        "newestNoteAt": CustomerSortField.NEWEST_NOTE_AT,
        "createdAt": CustomerSortField.CREATED_AT,
        "billingAddress.region": CustomerSortField.REGION,
        "creditLimit": CustomerSortField.CREDIT_LIMIT,
        "priorSales": CustomerSortField.PRIOR_SALES,
        "lastPaymentDate": CustomerSortField.LAST_PAYMENT_DATE,
        "lastInvoiceDate": CustomerSortField.LAST_INVOICE_DATE,
        "alias": CustomerSortField.ALIAS,
        "email": CustomerSortField.EMAIL,
        "billingAddress.city": CustomerSortField.CITY,
        "balances.openOrders": CustomerSortField.OPEN_ORDERS,
        "balances.currentInvoices": CustomerSortField.CURRENT_INVOICES,
        "balances.unappliedPayments": CustomerSortField.UNAPPLIED_PAYMENTS,
        "balances.availableCredit": CustomerSortField.AVAILABLE_CREDIT,
        "aging.overdue": CustomerSortField.OVERDUE,
        "invoiceStats.ytdThisYear": CustomerSortField.YTD_SALES,
    },
    ListKind.LEADS: {
        "number": LeadSortField.NUMBER,
        "customer.name": LeadSortField.CUSTOMER_NAME,
        "state": LeadSortField.STATE,
        "probability": LeadSortField.PROBABILITY,
        "potentialValue": LeadSortField.POTENTIAL_VALUE,
        "estimatedConversionDate": LeadSortField.ESTIMATED_CONVERSION_DATE,
        "newestNoteAt": LeadSortField.NEWEST_NOTE_AT,
    },
    ListKind.LOCATIONS: {},
}

# What a customer range filters on, by field name: every sort of a money, count, date or time.
CUSTOMER_RANGES: dict[str, CustomerSortField] = {
    name: f for name, f in SORTS[ListKind.CUSTOMERS].items() if f in customer_listing.RANGE_KINDS
}

# What the customer list's totals sum, by field name: every money range but the average.
CUSTOMER_SUMS: dict[str, CustomerSortField] = {
    name: f
    for name, f in CUSTOMER_RANGES.items()
    if customer_listing.RANGE_KINDS[f] == customer_listing.MONEY
    and f is not CustomerSortField.AVERAGE_ORDER_VALUE
}

# The enum names a sort also takes on input (and that views saved before field names hold).
SORT_NAMES: dict[ListKind, dict[str, str]] = {
    kind: {member.name: name for name, member in fields.items()} for kind, fields in SORTS.items()
}


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    visible: bool = True
    width: int | None = None  # pixels; None: the client's own

    def stored(self) -> dict[str, Any]:
        """As a view stores it (no width key when none was given, as views saved before)."""
        found: dict[str, Any] = {"field": self.field, "label": self.label, "visible": self.visible}
        return found if self.width is None else {**found, "width": self.width}


@dataclass(frozen=True)
class LocationFilter:
    customer_id: int | None = None
    search: str | None = None


@dataclass
class Checked:
    """The typed values: the list's filter, its sort as (enum, direction), the columns (None: not
    given), and the sort as a view stores it (field names)."""

    filter: Any
    sort: list[tuple[Any, SortDirection]] = field(default_factory=list)
    columns: list[Column] | None = None
    stored_sort: list[dict[str, str]] = field(default_factory=list)


def check(kind: ListKind, **given: Any) -> Checked:
    """The list's filter, sort and columns decoded; DomainError with every problem found."""
    problems = Problems(())
    checked = collect(problems, kind, **given)
    problems.raise_if_any()
    return checked


def collect(
    problems: Problems,
    kind: ListKind,
    *,
    filter: Any = None,
    sort: Any = None,
    columns: Any = None,
    sort_name: str = "sort",
    filter_name: str = "filter",
    today: dt.date | None = None,
    zone: ZoneInfo = UTC,
) -> Checked:
    """As `check`, adding the problems to `problems` (for a caller with more to check). The
    names are the entry point's: the export and the query sort by `orderBy`."""
    order, stored = _sort(problems, kind, sort, sort_name)
    return Checked(
        filter=_filter(problems, kind, filter, today or dt.date.today(), zone, filter_name),
        sort=order,
        columns=None
        if columns is None
        else check_columns(problems, kind.name.lower(), COLUMNS[kind], columns),
        stored_sort=stored,
    )


def stored_sort(kind: ListKind, sort: Any) -> list[dict[str, str]]:
    """A view's sort as stored, in field names: views saved with enum names are read as field
    names, and a sort saved before the list could refuse it (locations: it was ignored) is
    left out, as it always was."""
    names = SORT_NAMES[kind]
    read = [
        {
            "field": names.get(item["field"], item["field"]),
            "direction": item.get("direction") or "ASC",
        }
        for item in sort or []
    ]
    return [item for item in read if item["field"] in SORTS[kind]]


# ---------------------------------------------------------------- columns


def check_columns(
    problems: Problems, list_name: str, known: Mapping[str, Any], given: Any
) -> list[Column]:
    """Columns by field name, each a name or a `{field, label, visible, width}` object, at least
    one visible, none twice; a blank label is the field name, a width whole pixels in WIDTHS."""
    if not isinstance(given, list) or not given:
        problems.add(
            ErrorCode.REQUIRED,
            "columns: a non-empty list of column names or {field, label, visible} objects",
            "columns",
        )
        return []
    result: list[Column] = []
    seen: set[str] = set()
    for index, item in enumerate(given):
        column = _column(problems, list_name, known, item, index, seen)
        if column is not None:
            result.append(column)
    if result and not any(c.visible for c in result):
        problems.add(ErrorCode.INVALID, "columns: at least one column must be visible", "columns")
    return result


def _column(
    problems: Problems,
    list_name: str,
    known: Mapping[str, Any],
    item: Any,
    index: int,
    seen: set[str],
) -> Column | None:
    at = ("columns", str(index))
    item = {"field": item} if isinstance(item, str) else item
    if not isinstance(item, dict):
        problems.add(
            ErrorCode.INVALID,
            f"columns[{index}]: a column name or a {{field, label, visible}} object",
            *at,
        )
        return None
    name = item.get("field")
    if not isinstance(name, str) or name not in known:
        problems.add(
            ErrorCode.INVALID,
            f"columns[{index}]: {bounds.shown(name)} is not a column of the {list_name} "
            f"list (known: {', '.join(known)})",
            *at,
            "field",
        )
        return None
    if name in seen:
        problems.add(ErrorCode.DUPLICATE, f"columns[{index}]: {name} is listed twice", *at, "field")
        return None
    seen.add(name)
    label, visible = item.get("label"), item.get("visible")
    if label is not None and not isinstance(label, str):
        problems.add(
            ErrorCode.INVALID, f"columns[{index}]: the label must be a string", *at, "label"
        )
        return None
    label = label.strip() if label and label.strip() else name
    if len(label) > MAX_LABEL:
        problems.add(
            ErrorCode.INVALID,
            f"columns[{index}]: the label is longer than {MAX_LABEL} characters",
            *at,
            "label",
        )
    if visible is not None and not isinstance(visible, bool):
        problems.add(
            ErrorCode.INVALID, f"columns[{index}]: visible must be true or false", *at, "visible"
        )
    width = item.get("width")
    if width is not None and (
        isinstance(width, bool) or not isinstance(width, int) or not WIDTHS[0] <= width <= WIDTHS[1]
    ):
        problems.add(
            ErrorCode.INVALID,
            f"columns[{index}]: the width must be whole pixels from {WIDTHS[0]} to {WIDTHS[1]}, "
            f"not {bounds.shown(width)}",
            *at,
            "width",
        )
        width = None
    return Column(name, label, visible is not False, width)


# ---------------------------------------------------------------- sort


def _sort(
    problems: Problems, kind: ListKind, given: Any, name: str
) -> tuple[list[tuple[Any, SortDirection]], list[dict[str, str]]]:
    if given is None:
        return [], []
    items = [given] if isinstance(given, dict) else given
    if not isinstance(items, list):
        problems.add(ErrorCode.INVALID, f"{name}: a list of {{field, direction}} objects", name)
        return [], []
    order: list[tuple[Any, SortDirection]] = []
    stored: list[dict[str, str]] = []
    for index, item in enumerate(items):
        found = _sort_item(problems, kind, item, f"{name}[{index}]", (name, str(index)))
        if found is None:
            continue
        field_name, direction = found
        order.append((SORTS[kind][field_name], direction))
        stored.append({"field": field_name, "direction": direction.name})
    return order, stored


def _sort_item(
    problems: Problems, kind: ListKind, item: Any, where: str, at: tuple[str, str]
) -> tuple[str, SortDirection] | None:
    if not isinstance(item, dict):
        problems.add(ErrorCode.INVALID, f"{where}: a {{field, direction}} object", *at)
        return None
    given, direction = item.get("field"), item.get("direction")
    given = given.name if isinstance(given, enum.Enum) else given
    known = SORTS[kind]
    name = SORT_NAMES[kind].get(given, given) if isinstance(given, str) else None
    ok = True
    if name not in known:
        sorts = (
            f"known: {', '.join(known)}" if known else "it has one order: customer name, then code"
        )
        problems.add(
            ErrorCode.INVALID,
            f"{where}: the {kind.name.lower()} list cannot be sorted by "
            f"{bounds.shown(given)} ({sorts})",
            *at,
            "field",
        )
        ok = False
    if (
        direction is not None
        and not isinstance(direction, SortDirection)
        and direction not in ("ASC", "DESC")
    ):
        problems.add(
            ErrorCode.INVALID,
            f"{where}: direction must be ASC or DESC, not {bounds.shown(direction)}",
            *at,
            "direction",
        )
        ok = False
    if not ok:
        return None
    return str(name), SortDirection[str(getattr(direction, "name", direction or "ASC"))]


# ---------------------------------------------------------------- filters


class _Fields:
    """Reads one list's filter, field by field, into typed values; each bad field is a problem at
    its path. Values come as JSON (an enum by name, a time as ISO 8601) or already typed (the
    GraphQL input's enum members and datetimes)."""

    def __init__(
        self, problems: Problems, data: dict[str, Any], zone: ZoneInfo, at: tuple[str, ...]
    ) -> None:
        self.problems, self.data, self.zone, self.at = problems, data, zone, at

    def where(self, name: str) -> str:
        return ".".join((*self.at, name))

    def bad(self, name: str, message: str, *path: str) -> None:
        self.problems.add(
            ErrorCode.INVALID, f"{self.where(name)}: {message}", *self.at, name, *path
        )

    def out_of_bounds(self, name: str, error: bounds.OutOfBounds) -> None:
        self.problems.add(ErrorCode.INVALID, str(error), *self.at, name)

    def text(self, name: str) -> str | None:
        try:
            return bounds.text(self.data.get(name), self.where(name))
        except bounds.OutOfBounds as error:
            self.out_of_bounds(name, error)
            return None

    def flag(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, bool):
            self.bad(name, "true or false")
            return None
        return value

    def enums(self, name: str, kind: type[enum.Enum]) -> list[Any]:
        values = self.data.get(name)
        values = (
            [] if values is None else [values] if isinstance(values, (str, enum.Enum)) else values
        )
        if not isinstance(values, list):
            self.bad(name, f"a list of {', '.join(kind.__members__)}")
            return []
        result = []
        for index, value in enumerate(values):
            if isinstance(value, kind):
                result.append(value)
            elif isinstance(value, str) and value in kind.__members__:
                result.append(kind[value])
            else:
                self.bad(
                    name,
                    f"{bounds.shown(value)} is not one of {', '.join(kind.__members__)}",
                    str(index),
                )
        return result

    def id(self, name: str, type_name: str, *, other_matches_nothing: bool = False) -> int | None:
        """The primary key of an ID of `type_name`; an ID of another kind is refused, or with
        `other_matches_nothing` (the lead filter) matches nothing, as 0."""
        value = self.data.get(name)
        if value is None:
            return None
        pk = pk_of(value, type_name)
        named = isinstance(value, str) or (
            isinstance(value, int) and not isinstance(value, bool)
        )  # as GraphQL's ID
        if pk is None and not (other_matches_nothing and named):
            self.bad(name, f"not a {type_name[0].lower()}{type_name[1:]} id")
        return pk if pk is not None else 0

    def ids(self, name: str, type_name: str) -> list[int]:
        """Primary keys of a list of IDs of `type_name`."""
        values = self.data.get(name)
        if values is None:
            return []
        if not isinstance(values, list):
            self.bad(name, f"a list of {type_name[0].lower()}{type_name[1:]} ids")
            return []
        each = _Fields(
            self.problems, {str(i): v for i, v in enumerate(values)}, self.zone, (*self.at, name)
        )
        return [pk for i in range(len(values)) if (pk := each.id(str(i), type_name)) is not None]

    def ranges(self, name: str, fields: Mapping[str, Any], kinds: Mapping[Any, str]) -> list[Any]:
        """`[{field, from, to}]`: each a field of `fields` once, read by its kind, an end at least."""
        values = self.data.get(name)
        if values is None:
            return []
        if not isinstance(values, list):
            self.bad(name, "a list of {field, from, to} objects")
            return []
        result, seen = [], set()
        for index, item in enumerate(values):
            found = self._range(name, index, item, fields, kinds)
            if found is not None and found.field in seen:
                self.problems.add(
                    ErrorCode.DUPLICATE,
                    f"{self.where(name)}.{index}.field: {item['field']} has a range already",
                    *self.at,
                    name,
                    str(index),
                    "field",
                )
            elif found is not None:
                seen.add(found.field)
                result.append(found)
        return result

    def _range(
        self, name: str, index: int, item: Any, fields: Mapping[str, Any], kinds: Mapping[Any, str]
    ) -> Any:
        if not isinstance(item, dict) or set(item) - {"field", "from", "to"}:
            self.problems.add(
                ErrorCode.INVALID,
                f"{self.where(name)}.{index}: a {{field, from, to}} object",
                *self.at,
                name,
                str(index),
            )
            return None
        at = _Fields(self.problems, item, self.zone, (*self.at, name, str(index)))
        if item.get("field") not in fields:
            known = ", ".join(fields)
            at.bad("field", f"{bounds.shown(item.get('field'))} has no range (known: {known})")
            return None
        if item.get("from") is None and item.get("to") is None:
            at.bad("from", "give from, to or both")
            return None
        field_ = fields[item["field"]]
        start, end = at.end("from", kinds[field_]), at.end("to", kinds[field_])
        if (start is None) != (item.get("from") is None) or (end is None) != (
            item.get("to") is None
        ):
            return None  # a bad end, already a problem
        if start is not None and end is not None and start > end:
            at.bad("from", "from is after to")
            return None
        return customer_listing.Range(field_, start, end)

    def end(self, name: str, kind: str) -> Any:
        """An end of a range, by its kind: money (a decimal text, in minor units), a whole number,
        a date or a time (ISO 8601)."""
        value = self.data.get(name)
        if value is None or kind == customer_listing.DATETIME:
            return self.moment(name)
        try:
            if isinstance(value, bool) or not isinstance(value, (str, int, dt.date)):
                raise TypeError
            if kind == customer_listing.MONEY:
                if isinstance(value, dt.date):
                    raise TypeError
                return money.to_minor(value)
            if kind == customer_listing.INT:
                text = str(value)
                if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 18):
                    raise ValueError
                return int(text)
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            return bounds.day(day, self.where(name))
        except bounds.OutOfBounds as error:
            self.out_of_bounds(name, error)
        except money.MoneyError as error:
            self.bad(name, str(error))
        except (TypeError, ValueError):
            self.bad(name, f"not {_KIND_NAMES[kind]}: {bounds.shown(value)}")
        return None

    def moment(self, name: str) -> dt.datetime | None:
        """A time; without an offset, read in the server's time zone."""
        value = self.data.get(name)
        if value is None:
            return None
        try:
            moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
            bounds.day(moment, self.where(name))
        except bounds.OutOfBounds as error:
            self.out_of_bounds(name, error)
            return None
        except (TypeError, ValueError):
            self.bad(name, f"not an ISO 8601 date and time: {bounds.shown(value)}")
            return None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self.zone)


_KIND_NAMES = {
    customer_listing.MONEY: 'an amount such as "1234.50"',
    customer_listing.INT: "a whole number",
    customer_listing.DATE: "an ISO 8601 date",
}


def _customers(f: _Fields, today: dt.date) -> customer_listing.CustomerFilter:
    return customer_listing.CustomerFilter(
        search=f.text("search"),
        include_inactive=bool(f.flag("includeInactive")),
        sales_rep_id=f.id("salesRep", "User"),
        sales_rep_ids=f.ids("salesReps", "User"),
        inside_sales_rep_id=f.id("insideSalesRep", "User"),
        region=f.text("region"),
        credit_codes=f.enums("creditCode", CreditCode),
        billing_statuses=f.enums("billingStatus", BillingStatus),
        engagements=f.enums("engagement", Engagement),
        as_of=today,
        newest_note_from=f.moment("newestNoteFrom"),
        newest_note_to=f.moment("newestNoteTo"),
        ranges=f.ranges("ranges", CUSTOMER_RANGES, customer_listing.RANGE_KINDS),
    )


_LEAD_IDS = {
    "program": "LeadProgram",
    "source": "LeadSource",
    "insideSalesRep": "User",
    "outsideSalesRep": "User",
    "assignedTo": "User",
}


def _leads(f: _Fields, _today: dt.date) -> dict[str, Any]:
    """The lead filter by GraphQL name, as `server.listing.leads` reads it; an ID of another type
    matches nothing."""
    data: dict[str, Any] = {
        "search": f.text("search"),
        "region": f.text("region"),
        "open": f.flag("open"),
        "noteFrom": f.moment("noteFrom"),
        "noteTo": f.moment("noteTo"),
    }
    if f.data.get("state") is not None:
        data["state"] = f.enums("state", LeadState)
    for name, type_name in _LEAD_IDS.items():
        data[name] = f.id(name, type_name, other_matches_nothing=True)
    return data


def _locations(f: _Fields, _today: dt.date) -> LocationFilter:
    return LocationFilter(customer_id=f.id("customer", "Customer"), search=f.text("search"))


Decoder = Callable[[_Fields, dt.date], Any]
FILTERS: dict[ListKind, tuple[tuple[str, ...], Decoder]] = {
    ListKind.CUSTOMERS: (
        (
            "search",
            "includeInactive",
            "salesRep",
            "insideSalesRep",
            "region",
            "creditCode",
            "billingStatus",
            "engagement",
            "newestNoteFrom",
            "newestNoteTo",
            "salesReps",
            "ranges",
        ),
        _customers,
    ),
    ListKind.LEADS: (
        (
            "search",
            "state",
            "open",
            "program",
            "source",
            "insideSalesRep",
            "outsideSalesRep",
            "assignedTo",
            "region",
            "noteFrom",
            "noteTo",
        ),
        _leads,
    ),
    ListKind.LOCATIONS: (("search", "customer"), _locations),
}


def _filter(
    problems: Problems, kind: ListKind, given: Any, today: dt.date, zone: ZoneInfo, name: str
) -> Any:
    """The filter named `name` (the locations query's arguments have none: "")."""
    known, decode = FILTERS[kind]
    at = (name,) if name else ()
    if given is not None and not isinstance(given, dict):
        problems.add(
            ErrorCode.INVALID, f"{name}: a JSON object (the list's filter input) or null", *at
        )
        given = None
    data = given or {}
    for key in data:
        if key not in known:
            problems.add(
                ErrorCode.INVALID,
                f"{name}: {bounds.shown(key)} is not a filter of the "
                f"{kind.name.lower()} list (known: {', '.join(known)})",
                *at,
                str(key),
            )
    return decode(_Fields(problems, data, zone, at), today)


# ---------------------------------------------------------------- how each column filters


class FilterKind(enum.Enum):
    VALUES = "values"
    RANGE = "range"
    TEXT = "text"
    FLAG = "flag"


VALUES, RANGE, TEXT, FLAG = FilterKind


@dataclass(frozen=True)
class ColumnFilter:
    """How the list's filter (FILTERS) narrows one column: a value list, a text or a flag given
    in `field`, or a range whose bounds are `start` and `end` (either may be left out), or a
    range keyed by the column's field name in the list `field` names (`ranges: [{field, from,
    to}]`, the customer list's ranges: no `start` or `end` then). The
    values of a value list are the column's enum names (its `values` in the registry), or ids of
    `reference` records; `many`: the field takes a list of them."""

    kind: FilterKind
    field: str | None = None
    start: str | None = None
    end: str | None = None
    many: bool = False
    reference: str | None = None


def _one_of(field: str, reference: str | None = None, *, many: bool = False) -> ColumnFilter:
    return ColumnFilter(VALUES, field, many=many, reference=reference)


def _people(*fields: str) -> dict[str, ColumnFilter]:
    """Rep columns each filtered by the user id in the filter field of its name."""
    return {field: _one_of(field, "User") for field in fields}


# By column field name; a filter field named here is one of the list's FILTERS (a test checks),
# and the list-wide ones (search, includeInactive, a lead's customer region) filter no column.
COLUMN_FILTERS: dict[ListKind, dict[str, ColumnFilter]] = {
    ListKind.CUSTOMERS: {
        # every money, count, date and time the list sorts by, as `ranges: [{field, from, to}]`
        **{name: ColumnFilter(RANGE, "ranges") for name in CUSTOMER_RANGES},
        **_people("insideSalesRep"),
        "salesRep": _one_of("salesReps", "User", many=True),
        "billingAddress.region": ColumnFilter(TEXT, "region"),
        "creditCode": _one_of("creditCode", many=True),
        "billingStatus": _one_of("billingStatus", many=True),
        "engagement": _one_of("engagement", many=True),
        "newestNoteAt": ColumnFilter(RANGE, start="newestNoteFrom", end="newestNoteTo"),
    },
    ListKind.LEADS: {
        "state": _one_of("state", many=True),
        "open": ColumnFilter(FLAG, "open"),
        "program": _one_of("program", "LeadProgram"),
        "source": _one_of("source", "LeadSource"),
        **_people("insideSalesRep", "outsideSalesRep", "assignedTo"),
        "newestNoteAt": ColumnFilter(RANGE, start="noteFrom", end="noteTo"),
    },
    ListKind.LOCATIONS: {"customer.name": _one_of("customer", "Customer")},
}
