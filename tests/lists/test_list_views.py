"""Saved list views through `/graphql`: per user, columns in order with labels, sort, filter,
one default per list (SPEC §7)."""

from __future__ import annotations

from typing import Any

from server.access.models import Role

from schema.base import global_id
from tests.conftest import make_token

VIEW = "id kind name isDefault filter columns { field label visible } sort { field direction }"
ERRORS = "userErrors { field message code }"
SAVE = f"""
mutation($id: ID, $kind: ListKind!, $name: String!, $columns: [ListColumnInput!]!, $sort: [ListSortInput!],
         $filter: JSON, $isDefault: Boolean) {{
  saveListView(id: $id, kind: $kind, name: $name, columns: $columns, sort: $sort, filter: $filter,
               isDefault: $isDefault) {{ listView {{ {VIEW} }} {ERRORS} }}
}}"""
DELETE = f"mutation($id: ID!) {{ deleteListView(id: $id) {{ deletedId {ERRORS} }} }}"
VIEWS = f"query($kind: ListKind!) {{ listViews(kind: $kind) {{ {VIEW} }} }}"


def _view(name: str = "Mine", kind: str = "CUSTOMERS", **values: Any) -> dict[str, Any]:
    return {"kind": kind, "name": name, "columns": [{"field": "number"}, {"field": "name", "label": "Customer"},
                                                    {"field": "salesRep", "visible": False}], **values}


async def _save(api: Any, token: str = "admin", **variables: Any) -> dict[str, Any]:
    return (await api.ok(SAVE, variables, token=token))["saveListView"]


async def _views(api: Any, kind: str = "CUSTOMERS", token: str = "admin") -> list[dict[str, Any]]:
    return (await api.ok(VIEWS, {"kind": kind}, token=token))["listViews"]


async def test_save_list_view__creates_with_columns_sort_and_filter(api):
    # when
    payload = await _save(api, **_view(sort=[{"field": "LIFETIME_VALUE", "direction": "DESC"}, {"field": "NAME"}],
                                       filter={"region": "CA", "engagement": ["LAPSED"]}, isDefault=True))
    # then
    assert payload["userErrors"] == []
    view = payload["listView"]
    assert view["kind"] == "CUSTOMERS"
    assert view["name"] == "Mine"
    assert view["isDefault"] is True
    assert view["columns"] == [{"field": "number", "label": "number", "visible": True},
                               {"field": "name", "label": "Customer", "visible": True},
                               {"field": "salesRep", "label": "salesRep", "visible": False}]
    assert view["sort"] == [{"field": "lifetimeValue", "direction": "DESC"}, {"field": "name", "direction": "ASC"}]
    assert view["filter"] == {"region": "CA", "engagement": ["LAPSED"]}
    assert await _views(api) == [view]
    assert await _views(api, "LEADS") == []


async def test_save_list_view__updates_by_id(api):
    # given
    view = (await _save(api, **_view()))["listView"]
    # when
    payload = await _save(api, id=view["id"], **_view("Renamed", columns=[{"field": "billingAddress.city",
                                                                            "label": "City"}]))
    # then
    assert payload["userErrors"] == []
    assert payload["listView"]["id"] == view["id"]
    assert payload["listView"]["name"] == "Renamed"
    assert payload["listView"]["columns"] == [{"field": "billingAddress.city", "label": "City", "visible": True}]
    assert [v["name"] for v in await _views(api)] == ["Renamed"]


async def test_save_list_view__one_default_per_kind(api):
    # given
    first = (await _save(api, **_view("First", isDefault=True)))["listView"]
    leads = (await _save(api, **_view("Leads", kind="LEADS", columns=[{"field": "number"}], isDefault=True)))
    assert leads["userErrors"] == []
    # when
    second = (await _save(api, **_view("Second", isDefault=True)))["listView"]
    # then
    views = await _views(api)
    assert [(v["name"], v["isDefault"]) for v in views] == [("Second", True), ("First", False)]
    assert [v["isDefault"] for v in await _views(api, "LEADS")] == [True]
    # when the first is made the default again
    await _save(api, id=first["id"], **_view("First", isDefault=True))
    # then
    assert [(v["name"], v["isDefault"]) for v in await _views(api)] == [("First", True), ("Second", False)]
    assert second["id"] != first["id"]


async def test_list_views__per_user(api):
    # given
    other = await make_token(api.database, Role.VIEWER, email="viewer@example.com")
    mine = (await _save(api, **_view("Mine", isDefault=True)))["listView"]
    theirs = await _save(api, token=other, **_view("Mine", isDefault=True))
    # then the same name and a default each
    assert theirs["userErrors"] == []
    assert [v["id"] for v in await _views(api)] == [mine["id"]]
    assert [v["id"] for v in await _views(api, token=other)] == [theirs["listView"]["id"]]
    # another user's view is not found, for saving and deleting alike
    stolen = await _save(api, token=other, id=mine["id"], **_view("Stolen"))
    assert [(e["code"], e["field"]) for e in stolen["userErrors"]] == [("NOT_FOUND", ["id"])]
    deleted = (await api.ok(DELETE, {"id": mine["id"]}, token=other))["deleteListView"]
    assert [(e["code"], e["field"]) for e in deleted["userErrors"]] == [("NOT_FOUND", ["id"])]
    assert await _views(api) == [mine]


async def test_delete_list_view(api):
    # given
    view = (await _save(api, **_view()))["listView"]
    # when
    payload = (await api.ok(DELETE, {"id": view["id"]}))["deleteListView"]
    # then
    assert payload == {"deletedId": view["id"], "userErrors": []}
    assert await _views(api) == []
    again = (await api.ok(DELETE, {"id": view["id"]}))["deleteListView"]
    assert [e["code"] for e in again["userErrors"]] == ["NOT_FOUND"]
    wrong_kind = (await api.ok(DELETE, {"id": global_id("Customer", 1)}))["deleteListView"]
    assert [e["code"] for e in wrong_kind["userErrors"]] == ["NOT_FOUND"]


async def test_save_list_view__validation_paths_and_nothing_saved(api):
    # given
    existing = (await _save(api, **_view("Taken")))["listView"]
    cases = [
        (_view(columns=[{"field": "number"}, {"field": "name"}, {"field": "nonsense"}]),
         [("INVALID", ["columns", "2", "field"])]),
        (_view(columns=[{"field": "number"}, {"field": "number"}]), [("DUPLICATE", ["columns", "1", "field"])]),
        (_view(columns=[]), [("REQUIRED", ["columns"])]),
        (_view(sort=[{"field": "NAME"}, {"field": "STATE"}]), [("INVALID", ["sort", "1", "field"])]),
        (_view(kind="LOCATIONS", columns=[{"field": "code"}, {"field": "lifetimeValue"}]),
         [("INVALID", ["columns", "1", "field"])]),
        (_view(kind="LEADS", columns=[{"field": "state"}], sort=[{"field": "LIFETIME_VALUE"}]),
         [("INVALID", ["sort", "0", "field"])]),
        (_view(name="  "), [("REQUIRED", ["name"])]),
        (_view(name="x" * 201), [("INVALID", ["name"])]),
        (_view(name="taken"), [("DUPLICATE", ["name"])]),
        (_view(filter=[1, 2]), [("INVALID", ["filter"])]),
        (_view(id=global_id("ListView", 999)), [("NOT_FOUND", ["id"])]),
        (_view(id=existing["id"], kind="LEADS", columns=[{"field": "state"}]), [("INVALID", ["kind"])]),
        (_view(columns=[{"field": "number", "width": 23}, {"field": "name", "width": 2001}]),
         [("INVALID", ["columns", "0", "width"]), ("INVALID", ["columns", "1", "width"])]),
    ]
    # when / then
    for variables, expected in cases:
        payload = await _save(api, **variables)
        assert payload["listView"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == expected, variables
    for kind in ("CUSTOMERS", "LOCATIONS", "LEADS"):
        assert [v["name"] for v in await _views(api, kind)] == (["Taken"] if kind == "CUSTOMERS" else [])


async def test_save_list_view__locations_and_leads(api):
    # when
    locations = await _save(api, **_view("Sites", kind="LOCATIONS", columns=[
        {"field": "customer.name"}, {"field": "effectiveSalesRep", "label": "Rep"}]))
    leads = await _save(api, **_view("Open leads", kind="LEADS", columns=[{"field": "number"}, {"field": "state"}],
                                     sort=[{"field": "NEWEST_NOTE_AT", "direction": "DESC"}], filter={"open": True}))
    # then
    assert locations["userErrors"] == [] and leads["userErrors"] == []
    assert [v["name"] for v in await _views(api, "LOCATIONS")] == ["Sites"]
    assert (await _views(api, "LEADS"))[0]["sort"] == [{"field": "newestNoteAt", "direction": "DESC"}]


async def test_node__a_list_view_is_found_by_its_owner_only(api):
    # given: a view of the admin's, and a viewer
    other = await make_token(api.database, Role.VIEWER, email="viewer@example.com")
    mine = (await _save(api, **_view("Mine")))["listView"]
    query = "query($id: ID!) { node(id: $id) { __typename id ... on ListView { name } } }"
    # when
    as_owner = (await api.ok(query, {"id": mine["id"]}))["node"]
    as_other = (await api.ok(query, {"id": mine["id"]}, token=other))["node"]
    # then: the owner sees it; anyone else gets null, as for an id that names nothing
    assert as_owner == {"__typename": "ListView", "id": mine["id"], "name": "Mine"}
    assert as_other is None


async def test_save_list_view__column_widths_stored_and_answered(api):
    # given: widths at both bounds and one column without
    columns = [{"field": "number", "width": 24}, {"field": "name", "width": 2000}, {"field": "email"}]
    # when
    payload = await api.ok(SAVE.replace("visible }", "visible width }"), _view(columns=columns))
    # then
    view = payload["saveListView"]["listView"]
    assert [(c["field"], c["width"]) for c in view["columns"]] == [("number", 24), ("name", 2000), ("email", None)]
    listed = await api.ok(VIEWS.replace("visible }", "visible width }"), {"kind": "CUSTOMERS"})
    assert listed["listViews"] == [view]
    # when: saved again with other widths
    again = await api.ok(SAVE.replace("visible }", "visible width }"),
                         _view(id=view["id"], columns=[{"field": "number", "width": 300}]))
    # then
    assert again["saveListView"]["listView"]["columns"] == [
        {"field": "number", "label": "number", "visible": True, "width": 300}]
