"""`listColumns`, the one catalogue of a list's columns, through HTTP: every column it names can be
exported, saved in a view, sorted when it says `sortable` (and refused when it does not) and
filtered as its filter says; a name it does not give is refused by each. Visibility follows the
one rule of what a role may read (decision 44)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.access.models import Role, User
from server.documents.models import Invoice
from server.exports.columns import MONEY, ExportColumn
from server.lists import catalogue
from server.lists.validator import COLUMN_FILTERS, COLUMNS, FILTERS, ColumnFilter, FilterKind
from server.sorting import CustomerSortField, LeadSortField

from schema.base import global_id
from tests.conftest import Api, make_token
from tests.lists.test_list_validation import BY_VIEW, SAVE, exported, seed, views_count

KINDS = ("CUSTOMERS", "LEADS", "LOCATIONS")
SORT_ENUM_NAMES = {"CUSTOMERS": CustomerSortField.__members__, "LEADS": LeadSortField.__members__, "LOCATIONS": {}}
CATALOGUE = """query($kind: ListKind!) { listColumns(kind: $kind) { field label type values sortable
  filter { kind field from to multiple reference } inDefaultView visible } }"""
BOUNDS = {"DATE_TIME": ("2024-01-01T00:00:00", "2024-12-31T23:59:59"), "DATE": ("2024-01-01", "2024-12-31"),
          "MONEY": ("0.00", "1000.00"), "INTEGER": (0, 100)}


async def columns_of(api: Api, kind: str, token: str = "admin") -> list[dict[str, Any]]:
    return (await api.ok(CATALOGUE, {"kind": kind}, token=token))["listColumns"]


async def a_filter(api: Api, column: dict[str, Any]) -> dict[str, Any]:
    """A filter on the column, built from nothing but what the catalogue says of it."""
    how = column["filter"]
    if how["kind"] == "RANGE":
        low, high = BOUNDS[column["type"]]
        if how["field"] is not None:  # keyed by the column's field name
            return {how["field"]: [{"field": column["field"], "from": str(low), "to": str(high)}]}
        return {how["from"]: low, how["to"]: high}
    if how["kind"] == "TEXT":
        return {how["field"]: "oh"}
    if how["kind"] == "FLAG":
        return {how["field"]: True}
    if how["reference"] == "User":
        async with api.database.read_session() as session:
            value: Any = global_id("User", await session.scalar(select(User.id).limit(1)))
    elif how["reference"] is not None:
        value = global_id(how["reference"], 1)
    else:
        value = column["values"][-1]
    return {how["field"]: [value] if how["multiple"] else value}


async def save(api: Api, kind: str, **values: Any) -> dict[str, Any]:
    before = await views_count(api)
    saved = (await api.ok(SAVE, {"kind": kind, "name": f"View {before}", **values}))["saveListView"]
    if saved["userErrors"]:
        assert await views_count(api) == before  # a refusal stores nothing
    return saved


async def test_list_columns__each_column_exports_saves_sorts_and_filters_as_named(api: Api) -> None:
    # given
    await seed(api)
    for kind in KINDS:
        found = await columns_of(api, kind)
        assert found and len({c["field"] for c in found}) == len(found)
        assert any(c["inDefaultView"] for c in found) and all(c["visible"] for c in found)
        for column in found:
            field = column["field"]
            # when / then: exported under its field name, and saved in a view with its label
            assert await exported(api, kind, columns=[field]) is not None, field
            view = await save(api, kind, columns=[{"field": field, "label": column["label"]}])
            assert view["userErrors"] == [], (field, view)
            # sorted exactly when it says so, by the view and by the export
            sort = [{"field": field, "direction": "DESC"}]
            sorted_view = await save(api, kind, columns=[{"field": field}], sort=sort)
            assert (sorted_view["userErrors"] == []) is column["sortable"], (field, sorted_view)
            assert (await exported(api, kind, columns=[field], orderBy=sort) is not None) is column["sortable"]
            # filtered as its filter says: saved, exported and listed with it
            if column["filter"] is not None:
                flt = await a_filter(api, column)
                filtered = await save(api, kind, columns=[{"field": field}], filter=flt)
                assert filtered["userErrors"] == [], (field, flt, filtered)
                assert await exported(api, kind, columns=[field], filter=flt) is not None, (field, flt)
                listed = await api.gql(BY_VIEW[kind], {"view": filtered["listView"]["id"]})
                assert "errors" not in listed, (field, flt, listed)
            if column["type"] == "ENUM":
                assert column["values"], field


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(KINDS), name=st.text(st.characters(blacklist_characters="\x00"), min_size=1, max_size=20) | st.sampled_from(
    ["shoeSize", "lifetime_value", "Lifetime value", "LIFETIME_VALUE", "billingAddress", "customer", "cost"]))
async def test_list_columns__a_name_it_does_not_give_is_refused_by_each(api: Api, kind: str, name: str) -> None:
    # given: a name that is no column of the list
    named = {c["field"] for c in await columns_of(api, kind)}
    if name in named:
        return
    # when / then: refused as a view's column and sort, as the export's column and order
    view = await save(api, kind, columns=[{"field": name}])
    assert [e["field"] for e in view["userErrors"]] == [["columns", "0", "field"]]
    assert await exported(api, kind, columns=[name]) is None
    if name in SORT_ENUM_NAMES[kind]:
        return  # the list's sort enum names the sorts too (`LIFETIME_VALUE`), read as their field
    sorted_view = await save(api, kind, columns=[{"field": sorted(named)[0]}], sort=[{"field": name}])
    assert [e["field"] for e in sorted_view["userErrors"]] == [["sort", "0", "field"]]
    assert await exported(api, kind, orderBy=[{"field": name}]) is None


async def test_list_columns__one_answer_for_every_role_while_no_column_reads_costs(api: Api) -> None:
    # given
    tokens = {role: await make_token(api.database, role, f"{role.name.lower()}@example.com")
              for role in (Role.MANAGER, Role.SALES_REP, Role.VIEWER)}
    # when
    for kind in KINDS:
        answers = [await columns_of(api, kind, token) for token in tokens.values()]
        # then
        admin = await columns_of(api, kind)
        assert answers == [admin] * len(tokens)


async def test_list_columns__needs_a_signed_in_user(api: Api) -> None:
    # when
    answer = await api.gql(CATALOGUE, {"kind": "CUSTOMERS"}, token=None)
    # then
    assert answer.get("data") is None and answer["errors"]


def test_visible__a_column_reading_costs_is_hidden_from_who_may_not_read_them() -> None:
    # given: a column whose SQL reads a cost (read_needs("readCosts"))
    cost = ExportColumn("costAmount", MONEY, lambda _day: [Invoice.cost_minor])
    plain = ExportColumn("totalAmount", MONEY, lambda _day: [Invoice.total_minor])
    columns = {"costAmount": cost, "totalAmount": plain}
    filters = {"totalAmount": ColumnFilter(FilterKind.RANGE, start="totalFrom", end="totalTo")}
    # when
    seen = {role: catalogue.entries(columns, {"totalAmount": 1}, filters, ["totalAmount"], role) for role in Role}
    # then
    for role, entries in seen.items():
        assert [(e.field, e.visible) for e in entries] == [
            ("costAmount", role in (Role.ADMIN, Role.MANAGER)), ("totalAmount", True)]
    assert [(e.sortable, e.in_default_view, e.filter is not None) for e in seen[Role.ADMIN]] == [
        (False, False, False), (True, True, True)]


def test_column_filters__name_columns_and_filter_fields_of_their_list() -> None:
    # each entry is a column of its list, filtered by fields its list's filter takes
    for kind, by_column in COLUMN_FILTERS.items():
        known, _decode = FILTERS[kind]
        for field, how in by_column.items():
            assert field in COLUMNS[kind], (kind, field)
            named = [f for f in (how.field, how.start, how.end) if f is not None]
            assert named and set(named) <= set(known), (kind, field, named)
            bounds = how.start is not None or how.end is not None
            assert (how.kind is FilterKind.RANGE) == (bounds or how.field == "ranges"), (kind, field)
            assert not (bounds and how.field is not None), (kind, field)
