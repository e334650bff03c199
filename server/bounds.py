"""The documented bounds of what a request names besides money (docs/api.md "Bounds"): JSON
nesting, free text arguments and dates. Each check raises `OutOfBounds` with a message that
names the argument; the HTTP and GraphQL layers turn it into their BAD_USER_INPUT.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

MAX_TEXT = 200  # characters of a search or another free text argument (a number, a region)
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(
    2999, 12, 31
)  # windows go back two years, due dates forward: far from 1 and 9999


class OutOfBounds(ValueError):
    """A value past a documented bound; the message names it and says what is allowed."""


def loads(raw: str | bytes, what: str, max_depth: int, *, envelope: bool = False) -> Any:
    """JSON refused past `max_depth` levels of arrays and objects (`[1]` is 1 deep), checked
    before anything that recurses walks it. With `envelope`, the outer object does not count:
    its members are the parameters (a POST body's `variables` may nest `max_depth` deep).

    >>> loads('{"a": [1]}', "variables", 2)
    {'a': [1]}
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        if "depth limit" in str(error):  # orjson's own limit, past any setting worth having
            raise OutOfBounds(_too_deep(what, max_depth)) from None
        raise OutOfBounds(f"{what} is not valid JSON") from None
    if nesting_over(value, max_depth, start=0 if envelope else 1):
        raise OutOfBounds(_too_deep(what, max_depth))
    return value


def _too_deep(what: str, max_depth: int) -> str:
    return f"{what}: JSON nests more than {max_depth} levels deep (arrays and objects); at most {max_depth} are allowed"


def nesting_over(value: Any, max_depth: int, start: int = 1) -> bool:
    """Whether arrays and objects nest more than `max_depth` deep, without recursion; `value`
    itself counts as level `start`."""
    pending = [(value, start)]
    while pending:
        item, depth = pending.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        if depth > max_depth:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def declared_over(length: str | None, limit: int) -> bool:
    """Whether a request's `Content-Length` declares more than `limit` bytes: read as ASCII digits
    without `int()` meeting thousands of them (it refuses 4,300). Anything else is no declaration:
    the body is counted as it comes.

    >>> declared_over("1" + "0" * 5000, 100), declared_over("100", 100), declared_over("١٢", 1)
    (True, False, False)
    """
    if length is None or not (length.isascii() and length.isdigit()):
        return False
    digits = length.lstrip("0")
    return len(digits) > len(str(limit)) or int(digits or "0") > limit


def shown(value: Any, limit: int = 40) -> str:
    """A value a client sent, as an error message quotes it: its repr, cut short, so that a
    100 kB cursor is not sent back whole (nor written to the log).

    >>> shown("x" * 100, 10)
    "'xxxxxxxx…"
    """
    quoted = repr(value)
    return quoted if len(quoted) <= limit else quoted[: limit - 1] + "…"


def text(value: Any, name: str) -> str | None:
    """A free text argument of at most MAX_TEXT characters (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise OutOfBounds(f"{name} must be a string")
    if len(value) > MAX_TEXT:
        raise OutOfBounds(f"{name} is {len(value)} characters long: at most {MAX_TEXT} are allowed")
    return value


def day(value: dt.date, name: str = "a date") -> dt.date:
    """A date (or the date of a time) from FIRST_DAY to LAST_DAY."""
    found = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DAY <= found <= LAST_DAY:
        raise OutOfBounds(
            f"{name} must be between {FIRST_DAY} and {LAST_DAY}, not {value.isoformat()}"
        )
    return value
