"""Query limits and cost buckets (SPEC §9) for the GraphQL endpoint.

`Limits.charge` runs after parsing, validation and identification and before execution: it
refuses a document over a static limit (BAD_USER_INPUT) or over the cost limit
(QUERY_TOO_COMPLEX), then takes the requested cost from the caller's bucket or refuses
(THROTTLED, HTTP 429 with Retry-After). `Limits.settle` runs after execution: it gives back
what the answer did not use and adds `extensions.cost` to the answer.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode

from server.config import Settings
from server.db.engine import Database
from server.limits.buckets import Store, StoreUnavailable, make_store
from server.limits.document import Analyser, Analysis, LimitError, check_document, parse_document

__all__ = [
    "Charge",
    "Limits",
    "LimitError",
    "StoreUnavailable",
    "bucket_key",
    "check_document",
    "parse_document",
]
CACHED = 512  # documents whose analysis is kept, like the endpoint's parse cache


@dataclass
class Charge:
    """One request's dealings with the limits: a refusal to send, or the cost taken."""

    key: str = ""
    requested: int | None = None
    available: float = 0.0
    analysis: Analysis | None = None
    refusal: dict[str, Any] | None = None
    status: int = 200  # of a refusal: 429 when throttled, else 400 (200 for application/json)
    headers: dict[str, str] = field(default_factory=dict)

    def refusal_status(self, graphql_response: bool) -> int:
        if self.status == 429:
            return 429
        return 400 if graphql_response else 200


class Limits:
    def __init__(
        self,
        settings: Settings,
        schema: GraphQLSchema,
        database: Database,
        figures: frozenset[str] = frozenset(),
        store: Store | None = None,
    ) -> None:
        self.settings = settings
        self.analyser = Analyser(schema, settings, figures)
        self.store = store or make_store(settings, database)
        self._cache: OrderedDict[tuple[str, str | None], Analysis | LimitError] = OrderedDict()

    def analyse(
        self, query: str, document: DocumentNode, operation: OperationDefinitionNode
    ) -> Analysis:
        """The operation's static analysis, worked out once per (document, operation) and kept for the
        512 latest; raises LimitError when it is over a static limit."""
        key = (query, operation.name.value if operation.name else None)
        found = self._cache.get(key)
        if found is None:
            try:
                found = self.analyser.analyse(document, operation)
            except LimitError as error:
                found = error
            self._cache[key] = found
            if len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        if isinstance(
            found, LimitError
        ):  # a fresh one: a cached exception would keep every traceback
            raise LimitError(found.message, found.code, **found.extensions)
        return found

    async def charge(
        self,
        key: str,
        query: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> Charge:
        try:
            analysis = self.analyse(query, document, operation)
            self.analyser.check_variables(analysis, variables)
        except LimitError as error:  # refused unexecuted and not charged; the bucket as it stands
            return Charge(
                key,
                refusal=_refusal(
                    error.message,
                    error.code,
                    error.extensions,
                    self._cost(0, 0, await self.store.peek(key)),
                ),
            )
        requested = analysis.requested(variables)
        limit = min(self.settings.max_cost, int(self.settings.bucket_size))
        if requested > limit:
            available = await self.store.peek(key)
            which = (
                "the cost limit" if requested > self.settings.max_cost else "what a bucket holds"
            )
            message = f"The query costs {requested}: at most {limit} are allowed ({which})."
            return Charge(
                key,
                requested,
                available,
                analysis,
                refusal=_refusal(
                    message,
                    "QUERY_TOO_COMPLEX",
                    {"cost": requested, "maximumCost": limit},
                    self._cost(requested, 0, available),
                ),
            )
        take = await self.store.take(key, requested)
        if not take.taken:
            wait = take.retry_after(requested, self.settings.refill_rate)
            message = (
                f"Too many requests: the query costs {requested} and {int(take.available)} points are "
                f"available; retry in {wait} s."
            )
            return Charge(
                key,
                requested,
                take.available,
                analysis,
                refusal=_refusal(
                    message,
                    "THROTTLED",
                    {"retryAfter": wait},
                    self._cost(requested, 0, take.available),
                ),
                status=429,
                headers={"Retry-After": str(wait)},
            )
        return Charge(key, requested, take.available, analysis)

    async def settle(self, charge: Charge, data: Any, body: dict[str, Any]) -> None:
        """Gives back what the answer did not use; adds `extensions.cost` to `body`."""
        assert charge.analysis is not None and charge.requested is not None
        actual = charge.analysis.actual(data)
        refund = max(0, charge.requested - actual)
        available = await self.store.give_back(charge.key, refund, charge.available)
        body.setdefault("extensions", {})["cost"] = self._cost(charge.requested, actual, available)

    def _cost(self, requested: int, actual: int, available: float) -> dict[str, Any]:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "maximumAvailable": _number(self.settings.bucket_size),
            "currentlyAvailable": int(available),
            "restoreRate": _number(self.settings.refill_rate),
        }

    async def close(self) -> None:
        await self.store.close()


def bucket_key(user: Any, token: Any, client_host: str | None) -> str:
    """The token's bucket when the request used one, else its user's, else its client address's."""
    if token is not None:
        return f"token:{token.id}"
    if user is not None:
        return f"user:{user.id}"
    return f"ip:{client_host or 'unknown'}"


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _refusal(
    message: str, code: str, details: Mapping[str, Any], cost: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "errors": [{"message": message, "extensions": {"code": code, **details}}]
    }
    if cost is not None:
        body["extensions"] = {"cost": cost}
    return body
