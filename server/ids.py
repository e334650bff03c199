"""Global IDs: base64url of "<Type>:<primary key>", the one format the API gives out and reads back."""

from __future__ import annotations

import base64
import binascii
from typing import Any

MAX_PK = (
    2**31 - 1
)  # ids are 32-bit columns: a larger number names nothing (and would overflow a driver)
_PK_DIGITS = len(
    str(MAX_PK)
)  # longer is larger: never handed to int(), which refuses 4,300 digits and more


NOWHERE = 0
"""The key an ID that names nothing of its kind stands for in a command: no row has it, so the
service reports it NOT_FOUND inside its transaction, together with every other problem."""


def global_id_text(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def parse_global_id(value: Any) -> tuple[str, int] | None:
    """(type name, primary key) of an ID this server gave out, else None."""
    if not isinstance(value, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, _, pk = raw.partition(":")
    if (
        not type_name
        or not pk.isascii()
        or not pk.isdigit()
        or len(pk) > _PK_DIGITS
        or int(pk) > MAX_PK
    ):
        return None
    return type_name, int(pk)


def pk_of(value: Any, type_name: str) -> int | None:
    """The primary key of an ID of `type_name`; None for another type, garbage or None."""
    parsed = parse_global_id(value)
    return parsed[1] if parsed is not None and parsed[0] == type_name else None
