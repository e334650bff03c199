"""What every command's input shares: the one marker of a field left out, and the one rule that
names a command's attribute as its GraphQL input field.

A command is a frozen dataclass in its domain (`server/customers/commands.py`, …) with real
types: enums, `Decimal`, `date`, int primary keys. The API builds it from its input, the CLI,
the importer, the seed and the tests build it directly; services read it typed and report
problems by the input's field names, `snake_case` attribute to `camelCase` field:

    >>> field_name("credit_limit"), field_name("line1"), field_name("postal_code")
    ('creditLimit', 'line1', 'postalCode')

On an update, a field left out keeps its value and `None` clears it, so the two differ:

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True, kw_only=True)
    ... class Rename(Command):
    ...     name: Maybe[str | None] = UNSET
    ...     credit_limit: Maybe[Decimal | None] = UNSET
    >>> Rename(credit_limit=None).given()
    {'creditLimit': None}
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from decimal import Decimal  # noqa: F401 (the doctest's)
from typing import Any, TypeAlias, TypeVar, Union


class Unset(enum.Enum):
    """The type of `UNSET`: one member, so that `x is UNSET` narrows for the type checker."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET
"""A field the input leaves out (an update keeps its value), unlike None (an update clears it)."""

T = TypeVar("T")
Maybe: TypeAlias = Union[T, Unset]  # noqa: UP007 (a generic alias needs Union on 3.11)


def field_name(attribute: str) -> str:
    """The GraphQL input field of a command's attribute: `credit_limit` is `creditLimit`, as
    Strawberry names the input's fields."""
    head, *rest = attribute.split("_")
    return head + "".join(part.capitalize() for part in rest)


def attribute_name(field: str) -> str:
    """The attribute of a GraphQL input field: `creditLimit` is `credit_limit`."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in field)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Command:
    """A command's typed input. An enum field given anything but its enum is a bug (TypeError),
    never a silent default: the string "CREDIT" once numbered a credit note IN-."""

    def __post_init__(self) -> None:
        for name, kinds in _enum_fields(type(self)).items():
            value = getattr(self, name)
            if value is not None and value is not UNSET and not isinstance(value, kinds):
                raise TypeError(
                    f"{type(self).__name__}.{name} takes {kinds[0].__name__}, not {value!r}"
                )

    def given(self) -> dict[str, Any]:
        """The fields set, by GraphQL name, nested commands and lists of them included: the form
        the validators read, so that their messages and paths name the input's fields."""
        return {
            field_name(f.name): _given(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if getattr(self, f.name) is not UNSET
        }

    @classmethod
    def of(cls: type[C], data: dict[str, Any]) -> C:
        """The command of an input given by GraphQL name (what the schema's `given` answers);
        nested inputs become their commands, by the attribute's declared type."""
        hints = typing.get_type_hints(cls)
        values = {}
        for field, value in data.items():
            name = attribute_name(field)
            nested = _command_in(hints[name])
            if nested is not None and isinstance(value, dict):
                value = nested.of(value)
            elif nested is not None and isinstance(value, list):
                value = [nested.of(v) if isinstance(v, dict) else v for v in value]
            values[name] = value
        return cls(**values)


C = TypeVar("C", bound=Command)


def _given(value: Any) -> Any:
    if isinstance(value, Command):
        return value.given()
    if isinstance(value, list | tuple):
        return [_given(v) for v in value]
    return value


def _members(hint: Any) -> tuple[Any, ...]:
    """The types a hint allows: `Maybe[X | None]` is (X, NoneType, Unset); `list[X]` is (X,)."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return tuple(m for arg in typing.get_args(hint) for m in _members(arg))
    if origin in (list, tuple):
        return tuple(
            m for arg in typing.get_args(hint) if arg is not Ellipsis for m in _members(arg)
        )
    return (hint,)


def _command_in(hint: Any) -> type[Command] | None:
    return next((m for m in _members(hint) if isinstance(m, type) and issubclass(m, Command)), None)


_ENUM_FIELDS: dict[type[Command], dict[str, tuple[type[enum.Enum], ...]]] = {}


def _enum_fields(cls: type[Command]) -> dict[str, tuple[type[enum.Enum], ...]]:
    """The enum-typed attributes of a command and their enums, found once per class."""
    if cls in _ENUM_FIELDS:
        return _ENUM_FIELDS[cls]
    hints = typing.get_type_hints(cls)
    found = {}
    for f in dataclasses.fields(cls):
        kinds = tuple(
            m
            for m in _members(hints[f.name])
            if isinstance(m, type) and issubclass(m, enum.Enum) and m is not Unset
        )
        if kinds:
            found[f.name] = kinds
    _ENUM_FIELDS[cls] = found
    return found


@dataclasses.dataclass(frozen=True, kw_only=True)
class Address(Command):
    """An address of a customer, location or contact (`AddressInput`)."""

    line1: Maybe[str | None] = UNSET
    line2: Maybe[str | None] = UNSET
    city: Maybe[str | None] = UNSET
    region: Maybe[str | None] = UNSET
    postal_code: Maybe[str | None] = UNSET
    country: Maybe[str | None] = UNSET
