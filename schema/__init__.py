"""The GraphQL schema, code-first in Strawberry; `schema.graphql` beside this file is its print.

The schema's modules are imported when it is built, not with this package: `server/` reads
through `schema.fastpath.reader`, and the schema's types import `server/` (a circle otherwise).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import strawberry

PRINTED = Path(__file__).parent / "schema.graphql"


@cache
def build_schema() -> strawberry.Schema:
    import strawberry
    from strawberry.schema.config import StrawberryConfig

    from schema.base import SCALARS, SettlingExecutionContext
    from schema.mutations import Mutation
    from schema.queries import Query
    from schema.types import NODE_TYPES

    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=list(NODE_TYPES.values()),
        config=StrawberryConfig(relay_max_results=250, scalar_map=SCALARS),
        execution_context_class=SettlingExecutionContext,
    )


def printed_schema() -> str:
    return build_schema().as_str() + "\n"


__all__ = ["PRINTED", "build_schema", "printed_schema"]
