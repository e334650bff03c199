"""Small checks shared by the services: each adds a Problem naming the input field."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from server import money
from server.errors import ErrorCode, Problems

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


def text(
    problems: Problems,
    data: dict[str, Any],
    name: str,
    *,
    max_length: int,
    required: bool = False,
    path: tuple[str, ...] = (),
) -> str | None:
    """A trimmed string, or None when left out or blank; too long or missing adds a problem."""
    value = data.get(name)
    if isinstance(value, str):
        value = value.strip() or None
    if value is None:
        if required:
            problems.add(ErrorCode.REQUIRED, f"{name} is required", *path, name)
        return None
    if len(value) > max_length:
        problems.add(
            ErrorCode.INVALID, f"{name} must be at most {max_length} characters", *path, name
        )
    if "\x00" in value:  # PostgreSQL stores no U+0000 in text: refused here, not failed there
        problems.add(
            ErrorCode.INVALID, f"{name} must not contain the NUL character (U+0000)", *path, name
        )
    return value


def email(
    problems: Problems,
    data: dict[str, Any],
    name: str,
    *,
    path: tuple[str, ...] = (),
    required: bool = False,
) -> str | None:
    value = text(problems, data, name, max_length=254, required=required, path=path)
    if value is not None and not EMAIL.match(value):
        problems.add(
            ErrorCode.INVALID, f"{name} must be an email address like name@example.com", *path, name
        )
    return value


def amount(
    problems: Problems,
    data: dict[str, Any],
    name: str,
    *,
    places: int = money.MINOR,
    minimum: Decimal | None = Decimal(0),
    positive: bool = False,
    path: tuple[str, ...] = (),
) -> int | None:
    """A decimal as integer units of 10**-places; refuses extra places and values below the minimum."""
    value = data.get(name)
    if value is None:
        return None
    try:
        units = money.scaled(value, places)
    except money.MoneyError as error:
        problems.add(ErrorCode.INVALID, f"{name}: {error}", *path, name)
        return None
    if positive and units <= 0:
        problems.add(ErrorCode.INVALID, f"{name} must be more than zero", *path, name)
    elif minimum is not None and units < money.scaled(minimum, places):
        problems.add(ErrorCode.INVALID, f"{name} must be {minimum} or more", *path, name)
    return units


def currency(problems: Problems, data: dict[str, Any], name: str = "currency") -> str | None:
    value = data.get(name)
    if value is None:
        return None
    value = value.strip().upper()
    if not CURRENCY.match(value):
        problems.add(
            ErrorCode.INVALID, f"{name} must be a three-letter ISO 4217 code such as USD", name
        )
    return value


ADDRESS_FIELDS = {
    "line1": "line1",
    "line2": "line2",
    "city": "city",
    "region": "region",
    "postalCode": "postal_code",
    "country": "country",
}


def address(
    problems: Problems, data: dict[str, Any], name: str, prefix: str
) -> dict[str, str | None]:
    """An address input as model columns `<prefix>_line1` ..; a part left out is cleared, and so is
    the whole address when it is null."""
    if name not in data:
        return {}
    given = data[name]
    if given is None:  # null clears the whole address
        return {f"{prefix}_{column}": None for column in ADDRESS_FIELDS.values()}
    columns: dict[str, str | None] = {}
    for field, column in ADDRESS_FIELDS.items():
        value = text(problems, given, field, max_length=200, path=(name,))
        if field == "country" and value is not None:
            value = value.upper()
            if not COUNTRY.match(value):
                problems.add(
                    ErrorCode.INVALID,
                    "country must be a two-letter ISO 3166-1 code such as US",
                    name,
                    field,
                )
        columns[f"{prefix}_{column}"] = value
    return columns
