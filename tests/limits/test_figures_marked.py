"""Every figure docs/figures.md describes is marked as a derived figure (costs 1), and only real fields are."""

from __future__ import annotations

import re
from pathlib import Path

from schema import build_schema
from schema.types import DERIVED_FIGURES
from server.limits.document import value_types

FIGURES_MD = Path(__file__).resolve().parents[2] / "docs" / "figures.md"
OWNERS = ("Customer", "Lead", "LeadProgram", "LeadSource")  # the records figures are asked of
NOT_FIGURES = {
    "Customer.creditLimit": "stored on the customer",
    "Customer.priorSales": "stored on the customer",
    "Customer.itemSalesHistory": "a connection: costs as one (2 + first x its selection)",
    "Customer.orderedItems": "a connection: costs as one (2 + first x its selection)",
}


def test_every_documented_figure_is_marked():
    # given
    schema = build_schema()._schema
    named = set(re.findall(r"`(?:[A-Z]\w*\.)?([a-z]\w*)(?:\([^`]*\))?`", FIGURES_MD.read_text()))
    # when
    documented = {f"{owner}.{name}" for owner in OWNERS for name in named if name in schema.type_map[owner].fields}
    # then
    unmarked = documented - DERIVED_FIGURES - NOT_FIGURES.keys()
    assert not unmarked, f"figures in docs/figures.md not in schema.types.DERIVED_FIGURES: {sorted(unmarked)}"
    assert len(documented & DERIVED_FIGURES) >= 20


def test_every_marked_figure_is_a_field():
    schema = build_schema()._schema
    for name in DERIVED_FIGURES:
        owner, field = name.split(".")
        assert field in schema.type_map[owner].fields, name


def test_value_types__the_list_docs_api_md_gives():
    assert value_types(build_schema()._schema) == {
        "Address", "Aging", "CatalogueColumn", "ColumnFilter", "ColumnSum", "CustomerBalances", "CustomerTotals", "DeletePayload", "InvoiceStats", "LifetimeValueDetail", "ListColumn", "Permission",
        "ListSort", "Margins", "Money", "PageInfo", "Reminder", "ServerInfo", "StateCount", "UserError"}
