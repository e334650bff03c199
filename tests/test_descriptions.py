"""Every type, field, argument, input field and enum value of the served schema says what it is:
GraphiQL's Docs panel is the partners' manual."""

from __future__ import annotations

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema as from_sdl,
)

from schema import build_schema
from server.access import policy


def undescribed(schema: GraphQLSchema, skipped: frozenset[str] = frozenset()) -> list[str]:
    """Every named thing of the schema without a description (blank counts as none), as
    `Type`, `Type.field`, `Type.field(argument)` or `Enum.VALUE`; introspection's own and the
    built-in scalars aside."""
    found: list[str] = []
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in skipped:
            continue
        if not (kind.description or "").strip():
            found.append(name)
        if f"{name}.*" in skipped:
            continue
        if isinstance(kind, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field_name, field in kind.fields.items():
                if not (field.description or "").strip():
                    found.append(f"{name}.{field_name}")
                for argument_name, argument in getattr(field, "args", {}).items():
                    if not (argument.description or "").strip():
                        found.append(f"{name}.{field_name}({argument_name})")
        elif isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                if not (value.description or "").strip():
                    found.append(f"{name}.{value_name}")
    return found


def served() -> GraphQLSchema:
    return build_schema()._schema


def test_everything_served_is_described():
    assert undescribed(served()) == []


def test_each_mutation_names_the_roles_that_may_call_it():
    # given: the policy's table, by GraphQL name (one's own records aside: SELF reads "own")
    mutation = served().type_map["Mutation"]
    assert isinstance(mutation, GraphQLObjectType)
    for action, cells in policy.TABLE.items():
        if action not in mutation.fields or action in policy.PUBLIC:
            continue
        said = mutation.fields[action].description or ""
        for role, cell in zip(policy.ROLES, cells, strict=True):
            named = re.search(rf"\b{role.name}\b", said) is not None
            # then: a role that may call it is named, one that may not is not
            if cell in (policy.Access.YES, policy.Access.OWN):
                assert named, f"{action}: say that {role.name} may call it"
            elif cell is policy.Access.NO:
                assert not named, f"{action}: {role.name} may not call it"


def test_the_walk_finds_each_kind_of_missing_description():
    # given
    schema = from_sdl(
        """
        "A query." type Query { "Described." a(x: Int, "Described." y: Int): Int b(i: I): E }
        input I { "Described." p: Int q: Int }
        "An enum." enum E { "Described." ONE TWO }
        """
    )
    # when
    found = undescribed(schema)
    # then
    assert found == ["Query.a(x)", "Query.b", "Query.b(i)", "I", "I.q", "E.TWO"]
    assert undescribed(schema, frozenset({"I", "Query.*"})) == ["E.TWO"]
