"""Exact money: integers underneath, half-even rounding once, floats refused."""

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server import money

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=4)
tax_rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=4)
rates = st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("1000"), places=8)
cents = Decimal("0.01")


@given(quantities, prices, tax_rates)
def test_line_amounts__match_decimal_arithmetic(quantity, price, tax_rate):
    # given: the rule of SPEC §1 in plain Decimal arithmetic
    net = (quantity * price).quantize(cents, ROUND_HALF_EVEN)
    tax = (net * tax_rate / 100).quantize(cents, ROUND_HALF_EVEN)
    # when
    amounts = money.line_amounts(money.scaled(quantity, 3), money.scaled(price, 4), money.scaled(tax_rate, 4),
                                 money.scaled(price, 4))
    # then
    assert money.from_minor(amounts.net_minor) == net
    assert money.from_minor(amounts.tax_minor) == tax
    assert money.from_minor(amounts.cost_minor) == net


@given(st.integers(min_value=-10**12, max_value=10**12), rates)
def test_base_amount__rounds_half_even_per_document(minor, rate):
    expected = (money.from_minor(minor) * rate).quantize(cents, ROUND_HALF_EVEN)
    assert money.from_minor(money.to_base_minor(minor, money.scaled(rate, 8))) == expected


@pytest.mark.parametrize(("price", "net"), [("1.005", "1.00"), ("1.015", "1.02"), ("1.025", "1.02"),
                                             ("0.125", "0.12"), ("2.675", "2.68")])
def test_half_even__on_the_cent(price, net):
    amounts = money.line_amounts(1000, money.scaled(price, 4), 0, None)
    assert str(money.from_minor(amounts.net_minor)) == net


def test_floats_are_refused():
    with pytest.raises(TypeError):
        money.to_minor(0.1)


def test_extra_places_are_refused_not_rounded():
    with pytest.raises(money.MoneyError):
        money.to_minor("1.005")
    assert money.to_minor("0.10") + money.to_minor("0.20") == money.to_minor("0.30")


def test_unit_price__two_places_unless_it_needs_more():
    assert str(money.from_price(125000)) == "12.50"
    assert str(money.from_price(125)) == "0.0125"
