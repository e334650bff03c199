"""Typed command inputs (server/commands.py): one naming rule, UNSET apart from None, enums refused
when they are not enums."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.commands import UNSET, attribute_name, field_name
from server.customers.commands import CustomerFields
from server.customers.models import CustomerStatus
from server.documents.commands import InvoiceFields, LineFields
from server.documents.models import InvoiceClassification

WORD = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)


@given(st.lists(WORD, min_size=1, max_size=4))
def test_field_name__round_trips_snake_case(words: list[str]) -> None:
    # given
    attribute = "_".join(words)
    # when
    field = field_name(attribute)
    # then: camelCase, and back to the attribute
    assert field == words[0] + "".join(w[0].upper() + w[1:] for w in words[1:])
    assert attribute_name(field) == attribute


def test_of__builds_nested_commands_and_given_answers_them_back() -> None:
    # given: an input as the schema hands it over (GraphQL names, IDs decoded)
    data = {"billCustomer": 7, "invoiceDate": dt.date(2026, 11, 24), "classification": InvoiceClassification.CREDIT,
            "lines": [{"quantity": Decimal("2"), "code": "X", "unitPrice": Decimal("1.50")}]}
    # when
    fields = InvoiceFields.of(data)
    # then
    assert fields.lines == [LineFields(quantity=Decimal("2"), code="X", unit_price=Decimal("1.50"))]
    assert fields.given()["lines"][0]["unitPrice"] == Decimal("1.50")
    assert fields.given()["classification"] is InvoiceClassification.CREDIT


def test_an_update_tells_left_out_from_null() -> None:
    # when
    fields = CustomerFields.of({"alias": None, "billingAddress": {"city": "Lyon"}})
    # then
    assert fields.name is UNSET and fields.alias is None
    assert fields.given() == {"alias": None, "billingAddress": {"city": "Lyon"}}


@pytest.mark.parametrize("make", [
    lambda: InvoiceFields(bill_customer=1, classification="CREDIT"),  # type: ignore[arg-type]  # the bug refused
    lambda: CustomerFields(status="ACTIVE"),  # type: ignore[arg-type]  # the bug refused
    lambda: CustomerFields.of({"status": "ACTIVE"}),
])
def test_an_enum_field_refuses_a_string(make: object) -> None:
    with pytest.raises(TypeError, match="takes"):
        make()  # type: ignore[operator]


def test_an_enum_field_takes_its_enum_or_none() -> None:
    assert CustomerFields(status=CustomerStatus.INACTIVE).status is CustomerStatus.INACTIVE
    assert CustomerFields(status=None).given() == {"status": None}
