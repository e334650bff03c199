"""A field that only graphql-core answered wrongly, in every shape that sends a request there
(issue 15, item 2's first fault): a location's inherited sales rep under a directive, in a
fragment spread under one, in an inline fragment, in a mutation's payload.

One real `clientele serve` per database; a customer with a sales rep, one of its locations
without a rep of its own, another with one. Each shape is sent many times over (more than the
fifteen that once wedged the pool), while `/healthz` is asked in between: every answer must be
the right one, without errors, within a generous bound, and `/healthz` must answer within 2 s.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from schema.base import global_id
from server.access.models import Role
from server.customers.models import Customer, Location
from tests import factories
from tests.bench.processes import Server
from tests.conftest import make_token, run_async
from tests.security.serving import BOTTOMLESS, emptied, opened, served

REPEATS = 8  # of each shape: 40 requests, more than twice what once took every connection
ANSWER_BOUND, HEALTH_BOUND = 10.0, 2.0  # seconds: liveness, not speed


@dataclass
class Seeded:
    server: Server
    token: str
    customer: str  # the customer's number
    inherits: str  # the global id of the location without a sales rep of its own
    owns: str


async def _seed(url: str) -> tuple[str, str, str, str]:
    async with opened(url) as database:
        rep, own = [await factories.user(database, f"{name}@example.com") for name in ("rep", "own")]
        customer = await factories.customer(database, "Inheriting Supply")
        await factories.set_row(database, Customer, customer.id, sales_rep_id=rep.id)
        inherits = await factories.location(database, customer.id, "INH")
        owns = await factories.location(database, customer.id, "OWN")
        await factories.set_row(database, Location, owns.id, sales_rep_id=own.id)
        token = await make_token(database, Role.MANAGER, "manager@example.com")
        return token, customer.number, global_id("Location", inherits.id), global_id("Location", owns.id)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    folder = tmp_path_factory.mktemp("executors")
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), folder / "clientele.sqlite3")
        url = f"sqlite+aiosqlite:///{folder / 'clientele.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        run_async(emptied(url))
    token, customer, inherits, owns = run_async(_seed(url))
    try:
        with served(url, folder / "server.log", **BOTTOMLESS) as server:
            yield Seeded(server, token, customer, inherits, owns)
    finally:
        if request.param == "postgresql":
            run_async(emptied(url))


def _shapes(seeded: Seeded) -> dict[str, tuple[str, dict[str, Any]]]:
    """Documents that graphql-core answers (a directive, or a mutation), each asking for the
    locations' effective sales reps; the lean executor answers the fragment without directives."""
    rep = "code effectiveSalesRep { email }"
    return {
        "include on the page": (f"""query ($on: Boolean!, $c: String!) {{ customer(number: $c) {{
            locations(first: 5) @include(if: $on) {{ edges {{ node {{ {rep} }} }} }} }} }}""",
                                {"on": True, "c": seeded.customer}),
        "spread skipped if false": (f"""query ($id: ID!, $off: Boolean!) {{ node(id: $id) {{ ...L @skip(if: $off) }} }}
            fragment L on Location {{ {rep} }}""", {"id": seeded.inherits, "off": False}),
        "inline fragment twice": (f"""{{ customer(number: "{seeded.customer}") {{ locations(first: 5) {{
            edges {{ node {{ ... @include(if: true) {{ {rep} }} ... on Location {{ {rep} }} }} }} }} }} }}""", {}),
        "lean fragments": (f"""{{ customer(number: "{seeded.customer}") {{ locations(first: 5) {{
            edges {{ node {{ ...L ...L }} }} }} }} }} fragment L on Location {{ {rep} }}""", {}),
        "mutation payload": (f"""mutation ($id: ID!) {{ updateLocation(id: $id, input: {{contactName: "Dee"}}) {{
            location {{ {rep} }} userErrors {{ code }} }} }}""", {"id": seeded.inherits}),
    }


def _reps(data: Any) -> dict[str, str | None]:
    """Each location's code and its effective sales rep's email, wherever they are in the answer."""
    found: dict[str, str | None] = {}
    if isinstance(data, dict):
        if "code" in data and "effectiveSalesRep" in data:
            found[data["code"]] = (data["effectiveSalesRep"] or {}).get("email")
        for value in data.values():
            found |= _reps(value)
    elif isinstance(data, list):
        for value in data:
            found |= _reps(value)
    return found


def _post(seeded: Seeded, document: str, variables: dict[str, Any]) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = httpx.post(f"{seeded.server.base_url}/graphql", json={"query": document, "variables": variables},
                          headers={"Authorization": f"Bearer {seeded.token}"}, timeout=ANSWER_BOUND * 3)
    return time.monotonic() - started, response


def _health(seeded: Seeded) -> float:
    started = time.monotonic()
    assert httpx.get(f"{seeded.server.base_url}/healthz", timeout=HEALTH_BOUND * 5).status_code == 200
    return time.monotonic() - started


def test_inherited_sales_rep__right_in_every_shape_and_the_server_stays_up(seeded):
    # given
    shapes = _shapes(seeded)
    expected = {"INH": "rep@example.com", "OWN": "own@example.com"}
    # when: every shape, many times over, four at a time, /healthz asked meanwhile
    with ThreadPoolExecutor(4) as pool:
        sent = [(name, pool.submit(_post, seeded, *shapes[name])) for _ in range(REPEATS) for name in shapes]
        health = [_health(seeded) for _ in range(5)]
        answers = [(name, future.result()) for name, future in sent]
    health.append(_health(seeded))
    # then
    for name, (seconds, response) in answers:
        assert response.status_code == 200, (name, response.text)
        body = response.json()
        assert "errors" not in body, (name, body["errors"])
        reps = _reps(body["data"])
        assert reps and all(reps[code] == expected[code] for code in reps), (name, reps)
        assert seconds < ANSWER_BOUND, (name, seconds)
    assert max(health) < HEALTH_BOUND, health
    assert httpx.get(f"{seeded.server.base_url}/readyz", timeout=10).status_code == 200
