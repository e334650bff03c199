"""What answers without a user (SPEC §8, issue 15 item 8): `serverInfo`, `login`, `logout` and
`viewer` (null), and nothing else. `logout` keeps the rule of every mutation sent without a
bearer token: it needs `X-Requested-With`.

The refusals are generated from the schema: every other root field, beside a public one, is
refused as a whole with 401, and nothing runs.
"""

from __future__ import annotations

from graphql import GraphQLField, GraphQLNonNull, get_named_type, is_composite_type

from server.access.sessions import SESSION_COOKIE
from schema import build_schema
from tests.access.web import VIEWER, XRW, add_user, browser, cookie_header, post, signed_in

SCHEMA = build_schema()._schema
PUBLIC = {"serverInfo", "viewer", "login", "logout"}
STALE = cookie_header("a-session-that-never-was")
COUNT = "{ auditEvents { totalCount } customers { totalCount } }"
CREATE_CUSTOMER = 'mutation { createCustomer(input: {name: "Acme Supply"}) { userErrors { code } } }'


def _call(name: str, field: GraphQLField) -> tuple[str, str]:
    """The variables to declare and the selection of a root field, with every required argument."""
    required = [(arg, str(spec.type)) for arg, spec in field.args.items() if isinstance(spec.type, GraphQLNonNull)]
    declared = ", ".join(f"${name}_{arg}: {kind}" for arg, kind in required)
    arguments = f"({', '.join(f'{arg}: ${name}_{arg}' for arg, _ in required)})" if required else ""
    selection = " { __typename }" if is_composite_type(get_named_type(field.type)) else ""
    return declared, f"{name}{arguments}{selection}"


def _beside_a_public_field() -> list[str]:
    cases = []
    for kind, root, public in (("query", SCHEMA.query_type, "viewer { email }"),
                               ("mutation", SCHEMA.mutation_type, "logout")):
        for name, field in root.fields.items():
            if name not in PUBLIC:
                declared, selection = _call(name, field)
                document = f"{kind}{f'({declared})' if declared else ''} {{ {public} {selection} }}"
                cases.append(document)
    return cases


SHAPES = [VIEWER, "{ serverInfo { baseCurrency } viewer { id email role } __typename }",
          "{ ... on Query { me: viewer { name } } }", "query Who { ...Me } fragment Me on Query { viewer { email } }"]


async def test_viewer__null_without_a_user(database):
    async with browser(database) as client:
        for shape, headers in ((shape, headers) for shape in SHAPES for headers in ({}, XRW, STALE, {**XRW, **STALE})):
            # when
            response = await post(client, shape, headers=headers)
            # then: no error, the viewer null, whatever else was asked answered
            assert response.status_code == 200, response.text
            answer = response.json()
            assert "errors" not in answer, answer
            assert [value for key, value in answer["data"].items() if key in ("viewer", "me")] == [None]


async def test_no_user__every_other_root_field_refused_beside_a_public_one(api):
    # given
    await api.ok(CREATE_CUSTOMER)
    before = await api.ok(COUNT)
    documents = _beside_a_public_field()
    assert len(documents) == len(SCHEMA.query_type.fields) + len(SCHEMA.mutation_type.fields) - len(PUBLIC)
    for document in documents:
        # when
        response = await api.post(document, token=None, headers=XRW)
        # then: refused as a whole, before anything ran
        assert response.status_code == 401, (document, response.text)
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]
        assert "data" not in response.json() and "Acme" not in response.text
    assert await api.ok(COUNT) == before


async def test_logout__without_a_session_answers_true_and_clears_the_cookie(database, api):
    async with browser(database) as client:
        for headers in (XRW, {**XRW, **STALE}):
            # when
            response = await post(client, "mutation { logout }", headers=headers)
            # then
            assert response.status_code == 200, response.text
            assert response.json()["data"] == {"logout": True} and "errors" not in response.json()
            cleared = response.headers["set-cookie"].lower()
            assert cleared.startswith(f'{SESSION_COOKIE}="";') and "max-age=0" in cleared
    # and with a bearer token, which has no session to end: true, the token still works
    signed_out = await api.post("mutation { logout }")
    assert signed_out.json()["data"] == {"logout": True}
    assert (await api.ok("{ viewer { email } }"))["viewer"] == {"email": "admin@example.com"}


async def test_logout__needs_x_requested_with_signed_in_or_not(database):
    await add_user(database, "ann@example.com")
    async with browser(database) as client:
        # when: nobody signed in, or a stale cookie, without the header
        for headers in ({}, STALE):
            refused = await post(client, "mutation { logout }", headers=headers)
            # then
            assert refused.status_code == 403, refused.text
            assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert "set-cookie" not in refused.headers
        # when: signed in, without the header (a cross-site form would be)
        secret = await signed_in(client, "ann@example.com")
        refused = await post(client, "mutation { logout }", headers=cookie_header(secret))
        # then: refused, and the session lives on
        assert refused.status_code == 403, refused.text
        still = await post(client, VIEWER, headers={**XRW, **cookie_header(secret)})
        assert still.json()["data"] == {"viewer": {"email": "ann@example.com"}}
