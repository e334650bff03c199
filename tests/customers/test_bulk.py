"""Bulk updates of customers and locations, and their revert, through `/graphql` (SPEC §7, §8).

Every refusal also checks that nothing was written: the customers, their versions and the
audit log are read again through the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.access.models import Role
from server.customers.models import CustomerStatus

from schema.base import global_id
from tests import factories
from tests.conftest import make_token

ERRORS = "userErrors { field message code }"
EVENT = "auditEvent { id action entityId changes revertible by { email } }"
BULK_CUSTOMERS = f"""
mutation($ids: [ID!], $filter: CustomerFilter, $set: CustomerBulkSet!) {{
  bulkUpdateCustomers(ids: $ids, filter: $filter, set: $set) {{ updatedCount {EVENT} {ERRORS} }}
}}"""
BULK_LOCATIONS = f"""
mutation($ids: [ID!]!, $salesRep: ID) {{
  bulkUpdateLocations(ids: $ids, salesRep: $salesRep) {{ updatedCount {EVENT} {ERRORS} }}
}}"""
REVERT = f"""
mutation($event: ID!) {{ revertChange(auditEvent: $event) {{ revertedCount {EVENT} {ERRORS} }} }}"""
CUSTOMERS = """
{ customers(filter: {includeInactive: true}, first: 100) { edges { node {
    number version billingStatus termsBasis creditCode status salesRep { email } paymentTerms { code } } } }
  auditEvents { totalCount } }"""
UPDATE_CUSTOMER = f"""
mutation($id: ID!, $input: CustomerInput!) {{
  updateCustomer(id: $id, input: $input) {{ customer {{ version }} {ERRORS} }}
}}"""
LOCATIONS = "{ locations(first: 100) { edges { node { code version salesRep { email } effectiveSalesRep { email } } } } }"


async def _customers(api: Any) -> tuple[dict[str, Any], int]:
    data = await api.ok(CUSTOMERS)
    return {e["node"]["number"]: e["node"] for e in data["customers"]["edges"]}, data["auditEvents"]["totalCount"]


async def _three(api: Any) -> list[Any]:
    created = []
    for number, name, region in (("C-1", "Alpha Tools", "CA"), ("C-2", "Beta Parts", "NY"), ("C-3", "Gamma Co", "CA")):
        created.append(await factories.customer(api.database, name, number=number,
                                                billingAddress={"city": "X", "region": region}))
    return created


def _ids(records: list[Any]) -> list[str]:
    return [global_id("Customer", r.id) for r in records]


async def _rep(api: Any, email: str = "rep@example.com") -> str:
    rep = await factories.user(api.database, email)
    return global_id("User", rep.id)


# ----------------------------------------------------------- bulkUpdateCustomers

async def test_bulk_update_customers__by_ids(api):
    # given
    a, _b, c = await _three(api)
    rep = await _rep(api)
    terms = (await api.ok("{ paymentTerms { id code } }"))["paymentTerms"][0]
    _, events_before = await _customers(api)
    # when
    data = await api.ok(BULK_CUSTOMERS, {"ids": _ids([a, c]), "set": {
        "salesRep": rep, "paymentTerms": terms["id"], "billingStatus": "PREPAY", "termsBasis": "END_OF_MONTH"}})
    # then
    payload = data["bulkUpdateCustomers"]
    assert payload["userErrors"] == []
    assert payload["updatedCount"] == 2
    event = payload["auditEvent"]
    assert event["action"] == "bulkUpdateCustomers"
    assert event["revertible"] is True
    assert event["by"]["email"] == "admin@example.com"
    assert [(e["id"], e["number"], e["version"]) for e in event["changes"]] == [
        (global_id("Customer", a.id), "C-1", 2), (global_id("Customer", c.id), "C-3", 2)]
    assert event["changes"][0]["fields"] == {
        "salesRep": [None, "rep@example.com"], "paymentTerms": [None, terms["code"]],
        "billingStatus": ["ON_ACCOUNT", "PREPAY"], "termsBasis": ["INVOICE_DATE", "END_OF_MONTH"]}
    customers, events_after = await _customers(api)
    assert events_after == events_before + 1
    for number in ("C-1", "C-3"):
        assert customers[number]["version"] == 2
        assert customers[number]["billingStatus"] == "PREPAY"
        assert customers[number]["termsBasis"] == "END_OF_MONTH"
        assert customers[number]["salesRep"] == {"email": "rep@example.com"}
        assert customers[number]["paymentTerms"] == {"code": terms["code"]}
    assert customers["C-2"]["version"] == 1
    assert customers["C-2"]["billingStatus"] == "ON_ACCOUNT"


async def test_bulk_update_customers__by_filter_changes_exactly_the_listed(api):
    # given
    await _three(api)
    inactive = await factories.customer(api.database, "Delta CA", number="C-4",
                                        billingAddress={"region": "CA"}, status=CustomerStatus.INACTIVE)
    listed = await api.ok('{ customers(filter: {region: "ca"}) { edges { node { number } } } }')
    assert [e["node"]["number"] for e in listed["customers"]["edges"]] == ["C-1", "C-3"]
    # when
    data = await api.ok(BULK_CUSTOMERS, {"filter": {"region": "ca"}, "set": {"creditCode": "PAST_DUE"}})
    # then
    assert data["bulkUpdateCustomers"]["updatedCount"] == 2
    customers, _ = await _customers(api)
    assert {n: (c["creditCode"], c["version"]) for n, c in customers.items()} == {
        "C-1": ("PAST_DUE", 2), "C-2": ("CURRENT_ACCOUNT", 1), "C-3": ("PAST_DUE", 2),
        "C-4": ("CURRENT_ACCOUNT", 1)}
    assert [e["number"] for e in data["bulkUpdateCustomers"]["auditEvent"]["changes"]] == ["C-1", "C-3"]
    assert global_id("Customer", inactive.id) not in str(data)


async def test_bulk_update_customers__by_search_filter(api):
    # given
    await _three(api)
    # when
    data = await api.ok(BULK_CUSTOMERS, {"filter": {"search": "beta"}, "set": {"billingStatus": "CASH_ON_DELIVERY"}})
    # then
    assert data["bulkUpdateCustomers"]["updatedCount"] == 1
    customers, _ = await _customers(api)
    assert [n for n, c in customers.items() if c["billingStatus"] == "CASH_ON_DELIVERY"] == ["C-2"]


async def test_bulk_update_customers__unchanged_records_keep_their_version(api):
    # given
    a, b, _c = await _three(api)
    await api.ok(BULK_CUSTOMERS, {"ids": _ids([a]), "set": {"billingStatus": "PREPAY"}})
    # when
    data = await api.ok(BULK_CUSTOMERS, {"ids": _ids([a, b]), "set": {"billingStatus": "PREPAY"}})
    # then
    payload = data["bulkUpdateCustomers"]
    assert payload["updatedCount"] == 1
    assert [e["number"] for e in payload["auditEvent"]["changes"]] == ["C-2"]
    customers, _ = await _customers(api)
    assert customers["C-1"]["version"] == 2
    assert customers["C-2"]["version"] == 2


async def test_bulk_update_customers__nothing_differs_no_event(api):
    # given
    a, *_ = await _three(api)
    _, events_before = await _customers(api)
    # when
    data = await api.ok(BULK_CUSTOMERS, {"ids": _ids([a]), "set": {"billingStatus": "ON_ACCOUNT"}})
    # then
    assert data["bulkUpdateCustomers"] == {"updatedCount": 0, "auditEvent": None, "userErrors": []}
    assert (await _customers(api))[1] == events_before


async def _refused(api: Any, variables: dict[str, Any], token: str | None = "admin") -> list[dict[str, Any]]:
    before = await _customers(api)
    data = await api.ok(BULK_CUSTOMERS, variables, token=token)
    payload = data["bulkUpdateCustomers"]
    assert payload["updatedCount"] == 0
    assert payload["auditEvent"] is None
    assert await _customers(api) == before
    return payload["userErrors"]


async def test_bulk_update_customers__refusals_change_nothing(api):
    # given
    a, b, _c = await _three(api)
    inactive = await factories.user(api.database, "gone@example.com")
    await factories.set_row(api.database, type(inactive), inactive.id, active=False)
    # when / then
    both = await _refused(api, {"ids": _ids([a]), "filter": {"region": "CA"}, "set": {"billingStatus": "PREPAY"}})
    assert [(e["code"], e["field"]) for e in both] == [("INVALID", ["ids"])]
    neither = await _refused(api, {"set": {"billingStatus": "PREPAY"}})
    assert [e["code"] for e in neither] == ["INVALID"]
    empty = await _refused(api, {"ids": _ids([a]), "set": {}})
    assert [(e["code"], e["field"]) for e in empty] == [("REQUIRED", ["set"])]
    cleared = await _refused(api, {"ids": _ids([a]), "set": {"billingStatus": None}})
    assert [(e["code"], e["field"]) for e in cleared] == [("REQUIRED", ["set", "billingStatus"])]
    gone = await _refused(api, {"ids": _ids([a]), "set": {"salesRep": global_id("User", inactive.id)}})
    assert [(e["code"], e["field"]) for e in gone] == [("NOT_FOUND", ["set", "salesRep"])]
    nobody = await _refused(api, {"ids": _ids([a]), "set": {"salesRep": global_id("User", 999)}})
    assert [(e["code"], e["field"]) for e in nobody] == [("NOT_FOUND", ["set", "salesRep"])]
    terms = await _refused(api, {"ids": _ids([a]), "set": {"paymentTerms": global_id("PaymentTerms", 999)}})
    assert [(e["code"], e["field"]) for e in terms] == [("NOT_FOUND", ["set", "paymentTerms"])]
    missing = await _refused(api, {"ids": [*_ids([a, b]), global_id("Customer", 999)],
                                   "set": {"billingStatus": "PREPAY"}})
    assert [(e["code"], e["field"]) for e in missing] == [("NOT_FOUND", ["ids", "2"])]
    wrong_kind = await _refused(api, {"ids": [global_id("Location", a.id)], "set": {"billingStatus": "PREPAY"}})
    assert [(e["code"], e["field"]) for e in wrong_kind] == [("NOT_FOUND", ["ids", "0"])]


async def test_bulk_update_customers__forbidden_for_viewer_and_sales_rep(api):
    # given
    a, *_ = await _three(api)
    viewer = await make_token(api.database, Role.VIEWER, email="viewer@example.com")
    rep = await make_token(api.database, Role.SALES_REP, email="sales@example.com")
    # when / then
    for token in (viewer, rep):
        errors = await _refused(api, {"ids": _ids([a]), "set": {"billingStatus": "PREPAY"}}, token=token)
        assert [e["code"] for e in errors] == ["FORBIDDEN"]
        errors = await _refused(api, {"filter": {}, "set": {"billingStatus": "PREPAY"}}, token=token)
        assert [e["code"] for e in errors] == ["FORBIDDEN"]


async def test_bulk_update_customers__manager_may(api):
    # given
    a, *_ = await _three(api)
    manager = await make_token(api.database, Role.MANAGER, email="manager@example.com")
    # when
    data = await api.ok(BULK_CUSTOMERS, {"ids": _ids([a]), "set": {"billingStatus": "PREPAY"}}, token=manager)
    # then
    assert data["bulkUpdateCustomers"]["updatedCount"] == 1
    assert data["bulkUpdateCustomers"]["auditEvent"]["by"]["email"] == "manager@example.com"


# ----------------------------------------------------------- bulkUpdateLocations

async def test_bulk_update_locations__sets_and_clears_the_override(api):
    # given
    a, *_ = await _three(api)
    rep = await _rep(api)
    one = await factories.location(api.database, a.id, "L1")
    two = await factories.location(api.database, a.id, "L2")
    ids = [global_id("Location", one.id), global_id("Location", two.id)]
    # when
    data = await api.ok(BULK_LOCATIONS, {"ids": ids, "salesRep": rep})
    # then
    payload = data["bulkUpdateLocations"]
    assert payload["updatedCount"] == 2
    assert payload["auditEvent"]["action"] == "bulkUpdateLocations"
    assert [(c["code"], c["fields"]) for c in payload["auditEvent"]["changes"]] == [
        ("L1", {"salesRep": [None, "rep@example.com"]}), ("L2", {"salesRep": [None, "rep@example.com"]})]
    locations = {e["node"]["code"]: e["node"] for e in (await api.ok(LOCATIONS))["locations"]["edges"]}
    assert locations["L1"]["salesRep"] == {"email": "rep@example.com"}
    assert locations["L1"]["version"] == 2
    # when cleared
    cleared = await api.ok(BULK_LOCATIONS, {"ids": ids[:1], "salesRep": None})
    # then
    assert cleared["bulkUpdateLocations"]["updatedCount"] == 1
    locations = {e["node"]["code"]: e["node"] for e in (await api.ok(LOCATIONS))["locations"]["edges"]}
    assert locations["L1"]["salesRep"] is None
    assert locations["L1"]["version"] == 3
    assert locations["L2"]["salesRep"] == {"email": "rep@example.com"}


async def test_bulk_update_locations__refusals_change_nothing(api):
    # given
    a, *_ = await _three(api)
    one = await factories.location(api.database, a.id, "L1")
    viewer = await make_token(api.database, Role.VIEWER, email="viewer@example.com")
    rep = await _rep(api)
    before = await api.ok(LOCATIONS)
    ids = [global_id("Location", one.id)]
    # when / then
    cases = [({"ids": ids, "salesRep": rep}, viewer, [("FORBIDDEN", None)]),
             ({"ids": [*ids, global_id("Location", 999)], "salesRep": rep}, "admin", [("NOT_FOUND", ["ids", "1"])]),
             ({"ids": ids, "salesRep": global_id("User", 999)}, "admin", [("NOT_FOUND", ["salesRep"])]),
             ({"ids": [], "salesRep": rep}, "admin", [("REQUIRED", ["ids"])])]
    for variables, token, expected in cases:
        data = await api.ok(BULK_LOCATIONS, variables, token=token)
        payload = data["bulkUpdateLocations"]
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == expected
        assert payload["updatedCount"] == 0
        assert await api.ok(LOCATIONS) == before


# ----------------------------------------------------------------- revertChange

async def test_revert_change__restores_every_field(api):
    # given
    a, b, c = await _three(api)
    rep = await _rep(api)
    original, _ = await _customers(api)
    bulk = await api.ok(BULK_CUSTOMERS, {"ids": _ids([a, b, c]), "set": {"salesRep": rep, "billingStatus": "PREPAY"}})
    event_id = bulk["bulkUpdateCustomers"]["auditEvent"]["id"]
    # when
    data = await api.ok(REVERT, {"event": event_id})
    # then
    payload = data["revertChange"]
    assert payload["userErrors"] == []
    assert payload["revertedCount"] == 3
    assert payload["auditEvent"]["action"] == "revertChange"
    assert payload["auditEvent"]["revertible"] is False
    assert payload["auditEvent"]["changes"][0]["fields"] == {
        "salesRep": ["rep@example.com", None], "billingStatus": ["PREPAY", "ON_ACCOUNT"]}
    customers, _ = await _customers(api)
    for number, customer in customers.items():
        assert customer["version"] == 3
        assert {**customer, "version": 1} == original[number]
    reverted = await api.ok(f'{{ node(id: "{event_id}") {{ ... on AuditEvent {{ revertible }} }} }}')
    assert reverted["node"] == {"revertible": False}
    # and a second revert is refused
    again = await api.ok(REVERT, {"event": event_id})
    assert [e["code"] for e in again["revertChange"]["userErrors"]] == ["INVALID"]


async def test_revert_change__locations(api):
    # given
    a, *_ = await _three(api)
    one = await factories.location(api.database, a.id, "L1")
    bulk = await api.ok(BULK_LOCATIONS, {"ids": [global_id("Location", one.id)], "salesRep": await _rep(api)})
    # when
    data = await api.ok(REVERT, {"event": bulk["bulkUpdateLocations"]["auditEvent"]["id"]})
    # then
    assert data["revertChange"]["revertedCount"] == 1
    locations = (await api.ok(LOCATIONS))["locations"]["edges"]
    assert [(e["node"]["salesRep"], e["node"]["version"]) for e in locations] == [(None, 3)]


async def test_revert_change__refused_after_a_later_change(api):
    # given
    a, b, _c = await _three(api)
    bulk = await api.ok(BULK_CUSTOMERS, {"ids": _ids([a, b]), "set": {"billingStatus": "PREPAY"}})
    event_id = bulk["bulkUpdateCustomers"]["auditEvent"]["id"]
    await api.ok(UPDATE_CUSTOMER, {"id": global_id("Customer", b.id), "input": {"phone": "555"}})
    before = await _customers(api)
    # when
    data = await api.ok(REVERT, {"event": event_id})
    # then
    payload = data["revertChange"]
    assert payload["revertedCount"] == 0
    assert payload["auditEvent"] is None
    [error] = payload["userErrors"]
    assert error["code"] == "INVALID"
    assert error["field"] == ["auditEvent"]
    assert "C-2" in error["message"] and "changed" in error["message"]
    assert await _customers(api) == before
    assert before[0]["C-1"]["billingStatus"] == "PREPAY"


async def test_revert_change__later_bulk_change_also_blocks(api):
    # given
    a, *_ = await _three(api)
    first = await api.ok(BULK_CUSTOMERS, {"ids": _ids([a]), "set": {"billingStatus": "PREPAY"}})
    await api.ok(BULK_CUSTOMERS, {"ids": _ids([a]), "set": {"billingStatus": "CASH_ON_DELIVERY"}})
    before = await _customers(api)
    # when
    data = await api.ok(REVERT, {"event": first["bulkUpdateCustomers"]["auditEvent"]["id"]})
    # then
    assert [e["code"] for e in data["revertChange"]["userErrors"]] == ["INVALID"]
    assert await _customers(api) == before


async def test_revert_change__refusals(api):
    # given
    a, *_ = await _three(api)
    update = await api.ok(UPDATE_CUSTOMER, {"id": global_id("Customer", a.id), "input": {"phone": "555"}})
    assert update["updateCustomer"]["userErrors"] == []
    events = await api.ok("{ auditEvents(first: 1) { edges { node { id action } } } }")
    [single] = [e["node"] for e in events["auditEvents"]["edges"]]
    assert single["action"] == "updateCustomer"
    bulk = await api.ok(BULK_CUSTOMERS, {"ids": _ids([a]), "set": {"billingStatus": "PREPAY"}})
    bulk_id = bulk["bulkUpdateCustomers"]["auditEvent"]["id"]
    viewer = await make_token(api.database, Role.VIEWER, email="viewer@example.com")
    before = await _customers(api)
    # when / then
    not_bulk = await api.ok(REVERT, {"event": single["id"]})
    assert [(e["code"], e["message"]) for e in not_bulk["revertChange"]["userErrors"]] == [
        ("INVALID", "only bulk changes can be reverted")]
    missing = await api.ok(REVERT, {"event": global_id("AuditEvent", 999)})
    assert [e["code"] for e in missing["revertChange"]["userErrors"]] == ["NOT_FOUND"]
    wrong_kind = await api.ok(REVERT, {"event": global_id("Customer", a.id)})
    assert [e["code"] for e in wrong_kind["revertChange"]["userErrors"]] == ["NOT_FOUND"]
    forbidden = await api.ok(REVERT, {"event": bulk_id}, token=viewer)
    assert [e["code"] for e in forbidden["revertChange"]["userErrors"]] == ["FORBIDDEN"]
    assert await _customers(api) == before



async def test_bulk_update_customers__by_engagement_filter(api):
    # given one customer that ordered last month, two that never ordered
    a, _b, _c = await _three(api)
    await factories.order(api.database, a.id, "10.00", on=factories.TODAY - dt.timedelta(days=30))
    listed = await api.ok('{ customers(filter: {engagement: [NEVER_ORDERED]}) { edges { node { number } } } }')
    shown = sorted(e["node"]["number"] for e in listed["customers"]["edges"])
    # when
    data = await api.ok(BULK_CUSTOMERS, {"filter": {"engagement": ["NEVER_ORDERED"]},
                                         "set": {"billingStatus": "PREPAY"}})
    # then
    assert data["bulkUpdateCustomers"]["updatedCount"] == len(shown)
    customers, _ = await _customers(api)
    assert sorted(n for n, c in customers.items() if c["billingStatus"] == "PREPAY") == shown
    assert "C-1" not in shown


async def test_bulk_update_and_revert__are_in_each_touched_records_history(api):
    # given: two of three customers updated at once, then the change reverted
    a, b, c = await _three(api)
    bulk = await api.ok(BULK_CUSTOMERS, {"ids": _ids([a, c]), "set": {"billingStatus": "PREPAY"}})
    bulk_id = bulk["bulkUpdateCustomers"]["auditEvent"]["id"]
    revert_id = (await api.ok(REVERT, {"event": bulk_id}))["revertChange"]["auditEvent"]["id"]
    history = "query($id: ID!) { auditEvents(entityId: $id) { totalCount edges { node { id action } } } }"
    # when
    seen = {r.number: (await api.ok(history, {"id": global_id("Customer", r.id)}))["auditEvents"] for r in (a, b, c)}
    # then: newest first, the bulk change and its revert beside the record's own creation
    for number in ("C-1", "C-3"):
        actions = [(e["node"]["id"], e["node"]["action"]) for e in seen[number]["edges"]]
        assert actions[:2] == [(revert_id, "revertChange"), (bulk_id, "bulkUpdateCustomers")]
        assert seen[number]["totalCount"] == len(actions)
    assert all(e["node"]["id"] not in (bulk_id, revert_id) for e in seen["C-2"]["edges"])
