"""schema/enums.py: each `...Enum` is the domain's own enum, marked for the schema in place, so
that annotations naming it are real types to mypy."""

from __future__ import annotations

import enum

import pytest

import schema.enums as enums
from server.access.models import Role


def test_each_enum_is_the_domains_own_class_marked() -> None:
    exposed = {n: v for n, v in vars(enums).items() if n.endswith("Enum") and n != "Enum"}
    assert exposed["RoleEnum"] is Role
    for name, cls in exposed.items():
        assert issubclass(cls, enum.Enum), name
        assert cls.__module__.startswith("server."), name
        assert cls.__strawberry_definition__.name == name.removesuffix("Enum"), name


def test_described_answers_the_class_it_is_given() -> None:
    class Colour(enum.Enum):
        RED = "RED"
        BLUE = "BLUE"

    assert enums.described(Colour, "Colour", "A colour.", RED="Red.", BLUE="Blue.") is Colour


def test_described_refuses_a_member_left_undescribed() -> None:
    class Shade(enum.Enum):
        DARK = "DARK"
        LIGHT = "LIGHT"

    with pytest.raises(ValueError, match="describe exactly"):
        enums.described(Shade, "Shade", "A shade.", DARK="Dark.")
