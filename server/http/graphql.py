"""`/graphql` over HTTP (the GraphQL over HTTP specification, both media types).

Parses and validates once, refuses what a caller without a user may not run, executes on the
Strawberry schema through graphql-core, and masks unexpected errors with an id that the log
shows beside the traceback.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import orjson
from graphql import (
    BREAK,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    Visitor,
    execute,
    get_operation_ast,
    validate,
    visit,
)
from graphql.execution.values import get_variable_values
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from schema.fastpath.lean import Unsupported
from schema.fastpath.rendered import RenderedList, plain
from server import bounds
from server.config import Settings
from server.context import RequestContext
from server.db.engine import Database, PoolTimeout, StatementLog, current_log
from server.errors import NotImplementedYet
from server.http.auth import (
    REQUESTED_WITH,
    BadCredentials,
    MissingRequestedWith,
    identify,
    set_cookies,
)
from server.limits import (
    LimitError,
    Limits,
    StoreUnavailable,
    bucket_key,
    check_document,
    parse_document,
)

log = logging.getLogger("clientele.graphql")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_TYPE = "application/json"
MAX_MESSAGE = 300  # characters of a refusal's message (`_bad`)
# What answers without a user (SPEC §8): `viewer` is then null, `logout` true.
PUBLIC_FIELDS = frozenset(
    {"serverInfo", "viewer", "login", "logout", "__schema", "__type", "__typename"}
)
NODE_MODULES = Path(__file__).resolve().parents[2] / "webclient" / "node_modules"
GRAPHIQL_ASSETS = {  # served from the web client's packages when installed, else from a CDN
    "graphiql/graphiql.min.css": "https://unpkg.com/graphiql@3.8.3/graphiql.min.css",
    "graphiql/graphiql.min.js": "https://unpkg.com/graphiql@3.8.3/graphiql.min.js",
    "react/umd/react.production.min.js": "https://unpkg.com/react@18.2.0/umd/react.production.min.js",
    "react-dom/umd/react-dom.production.min.js": "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js",
}
OFFLINE = all((NODE_MODULES / name).is_file() for name in GRAPHIQL_ASSETS)
# GraphiQL's first tab: how to sign in, and one customer's whole graph (docs/api.md "GraphiQL").
GRAPHIQL_FIRST_TAB = (Path(__file__).parent / "graphiql_tab.graphql").read_text()
GRAPHIQL = (
    (Path(__file__).parent / "graphiql.html")
    .read_text()
    .replace(  # JSON inside a <script>: "</" written as "<\/" so that no text ends the element
        "{{DEFAULT_TABS}}",
        orjson.dumps([{"query": GRAPHIQL_FIRST_TAB}]).decode().replace("</", "<\\/"),
    )
    .replace("{{ASSETS}}", "/graphiql" if OFFLINE else "https://unpkg.com")
    .replace("https://unpkg.com/graphiql/", "https://unpkg.com/graphiql@3.8.3/")
    .replace("https://unpkg.com/react/", "https://unpkg.com/react@18.2.0/")
    .replace("https://unpkg.com/react-dom/", "https://unpkg.com/react-dom@18.2.0/")
)


async def graphiql_asset(request: Request) -> Response:
    """GraphiQL's scripts and styles, from the web client's installed packages."""
    name = request.path_params["name"]
    if name not in GRAPHIQL_ASSETS or not OFFLINE:
        return Response("not found", status_code=404)
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(
        NODE_MODULES / name, media_type=media, headers={"Cache-Control": "public, max-age=86400"}
    )


EXPECTED = (NotImplementedYet,)


class LeanMismatch(AssertionError):
    """The lean executor and graphql-core disagreed (only checked with `lean_check`)."""


class HttpError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        code: str = "BAD_USER_INPUT",
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}


def unavailable(what: str, cause: BaseException) -> HttpError:
    """A 503 for a resource that is missing right now (the pool's connections, the limits' store):
    masked, with an error id that the log repeats beside the cause."""
    error_id = uuid.uuid4().hex[:16]
    log.error("%s %s: %s", what, error_id, cause)
    return HttpError(
        503,
        f"{what} right now (error {error_id}); try again shortly",
        "SERVICE_UNAVAILABLE",
        {"Retry-After": "1"},
    )


NO_CONNECTION = "the server has no free database connection"


class ThenClose:
    """An answer that ends the request's read connection once it is sent: the client does not
    wait for the end of the transaction and the return of the connection to the pool (0.2 to
    0.4 ms). In a `finally`, not a background task, which a client gone before the end would
    skip, keeping the connection from the pool."""

    def __init__(self, response: Response, close: Callable[[], Awaitable[None]]) -> None:
        self.response, self.close = response, close

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.response(scope, receive, send)
        finally:
            await self.close()


class GraphQLEndpoint:
    def __init__(
        self,
        schema: GraphQLSchema,
        executor_class: Any,
        settings: Settings,
        database: Database,
        lean: Any = None,
        figures: frozenset[str] = frozenset(),
    ) -> None:
        self.schema, self.executor_class = schema, executor_class
        self.settings, self.database = settings, database
        self.lean = lean if settings.lean_executor else None
        self._parse = lru_cache(maxsize=512)(self._parse_and_validate)
        self._compile = lru_cache(maxsize=512)(self._compile_lean)
        self.limits = Limits(settings, schema, database, figures=figures)  # SPEC §9: server/limits

    async def handle(self, request: Request) -> Response | ThenClose:
        media = _response_media(request.headers.get("accept", ""))
        if request.method == "GET" and "query" not in request.query_params and _wants_html(request):
            return HTMLResponse(GRAPHIQL)
        try:
            params = await self._params(request)
            return await self._run(request, params, media)
        except HttpError as error:
            body = {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
            return _json(body, error.status, media, error.headers)

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            params: dict[str, Any] = dict(request.query_params)
            for key in ("variables", "extensions"):
                if isinstance(params.get(key), str):
                    params[key] = _loads(params[key], f"`{key}`", self.settings.max_json_depth)
        else:
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != JSON_TYPE:
                raise HttpError(415, "send the request as application/json")
            body = await _read_body(request, self.settings.max_body_bytes)
            params = _loads(body, "the request body", self.settings.max_json_depth, envelope=True)
        if not isinstance(params, dict):
            raise HttpError(400, "the request body must be a JSON object")
        if not isinstance(params.get("query"), str) or not params["query"].strip():
            raise HttpError(400, "`query` must be a non-empty string")
        for key in ("variables", "extensions"):
            if params.get(key) is not None and not isinstance(params[key], dict):
                raise HttpError(400, f"`{key}` must be a JSON object")
        if params.get("operationName") is not None and not isinstance(params["operationName"], str):
            raise HttpError(400, "`operationName` must be a string")
        if _has_nul(params.get("variables")):
            raise HttpError(400, NUL_MESSAGE.format(where="`variables`"))
        return params

    def _parse_and_validate(
        self, query: str, operation_name: str | None
    ) -> DocumentNode | list[GraphQLError]:
        """Refusals and the document, cached per query and operation: a document over a limit is
        refused before validation, which costs more than reading it (docs/api.md "Limits and cost")."""
        try:
            document = parse_document(query, self.settings)  # within the size and token limits
            check_document(document, operation_name, self.settings)
        except GraphQLError as error:
            return [error]
        except LimitError as error:
            return [GraphQLError(error.message)]
        errors = validate(self.schema, document)
        if not errors and "\\u" in query:  # only an escape puts U+0000 into a string literal
            errors = _nul_literals(document)
        return errors if errors else document

    async def _run(
        self, request: Request, params: dict[str, Any], media: str
    ) -> Response | ThenClose:
        parsed = self._parse(params["query"], params.get("operationName"))
        if isinstance(parsed, list):
            return _json(
                {"errors": [_bad(e) for e in parsed]},
                400 if media == GRAPHQL_RESPONSE else 200,
                media,
            )
        operation = get_operation_ast(parsed, params.get("operationName"))
        if operation is None:
            raise HttpError(
                400,
                "name the operation to run with `operationName`"
                if params.get("operationName") is None
                else f"no operation named {params['operationName']!r}",
            )
        if request.method == "GET" and operation.operation is not OperationType.QUERY:
            raise HttpError(405, "mutations only run on POST", headers={"Allow": "POST"})
        context = RequestContext(
            self.settings, self.database
        )  # its read connection serves identify too
        try:
            response = await self._answer(request, params, media, parsed, operation, context)
        except BaseException as error:
            await context.close()
            if isinstance(error, PoolTimeout):  # every connection busy for CLIENTELE_POOL_TIMEOUT
                raise unavailable(NO_CONNECTION, error) from None
            raise
        return ThenClose(response, context.close)

    async def _answer(
        self,
        request: Request,
        params: dict[str, Any],
        media: str,
        parsed: DocumentNode,
        operation: OperationDefinitionNode,
        context: RequestContext,
    ) -> Response:
        try:
            identity = await identify(request, self.database, self.settings, context.reader)
        except MissingRequestedWith as error:
            raise HttpError(403, str(error), "FORBIDDEN") from None
        except BadCredentials as error:
            raise HttpError(
                401, str(error), "UNAUTHENTICATED", {"WWW-Authenticate": "Bearer"}
            ) from None
        if operation.operation is not OperationType.QUERY:
            # A mutation writes in a session of its own: holding the read connection while it
            # waits for one would let concurrent mutations take every connection of the pool.
            await context.reader.end()
        if identity.user is None and not _is_public(operation, parsed):
            raise HttpError(
                401,
                "sign in or send `Authorization: Bearer <token>`",
                "UNAUTHENTICATED",
                {"WWW-Authenticate": "Bearer"},
            )
        if (
            identity.token is None
            and operation.operation is OperationType.MUTATION
            and not request.headers.get(REQUESTED_WITH)
        ):  # login and logout too: see docs/api.md
            raise HttpError(
                403,
                "a mutation without a bearer token must carry the header X-Requested-With",
                "FORBIDDEN",
            )
        if (
            identity.token is not None
            and operation.operation is OperationType.MUTATION
            and "WRITE" not in identity.token.scopes.split(",")
        ):
            raise HttpError(
                403, "this token is read-only: mutations need the WRITE scope", "FORBIDDEN"
            )
        problems = _variable_problems(self.schema, operation, params.get("variables") or {})
        if problems:
            return _json(
                {"errors": [_bad(e) for e in problems]},
                400 if media == GRAPHQL_RESPONSE else 200,
                media,
            )
        context.user, context.token, context.web_session = (
            identity.user,
            identity.token,
            identity.web_session,
        )
        statement_log = StatementLog(keep_texts=self.settings.bench_capture)
        context.log = statement_log
        reset = current_log.set(statement_log)
        try:
            try:
                charge = await self.limits.charge(
                    bucket_key(
                        identity.user, identity.token, request.client and request.client.host
                    ),
                    params["query"],
                    parsed,
                    operation,
                    params.get("variables") or {},
                )
            except StoreUnavailable as error:  # refused, not let through unlimited (docs/api.md)
                raise unavailable("the request limits cannot be checked", error) from None
            if charge.refusal is not None:  # over a limit, or throttled: nothing runs
                return _json(
                    charge.refusal,
                    charge.refusal_status(media == GRAPHQL_RESPONSE),
                    media,
                    charge.headers,
                )
            result = await self._execute(parsed, params, context)
        finally:
            current_log.reset(reset)
        starved = _pool_timeout(result)
        if (
            starved is not None and not context.wrote
        ):  # nothing written: the whole request is refused
            await self.limits.settle(charge, None, {})  # and costs what an empty answer costs
            raise starved
        body = self._shape(result, statement_log)
        await self.limits.settle(
            charge, result.data, body
        )  # gives back the unused cost; extensions.cost
        return set_cookies(
            _json(body, 200, media), context.response_cookies, request, self.settings
        )

    def _compile_lean(self, query: str, operation_name: str | None) -> Any:
        document = self._parse(query, operation_name)
        assert isinstance(document, DocumentNode)  # `_run` answers a refused query first
        assert self.lean is not None  # `_execute` compiles only with the lean executor on
        operation = get_operation_ast(document, operation_name)
        return self.lean.compile(document, operation)

    async def _execute(
        self, document: DocumentNode, params: dict[str, Any], context: RequestContext
    ) -> ExecutionResult:
        compiled = (
            self._compile(params["query"], params.get("operationName")) if self.lean else None
        )
        fallback = compiled if isinstance(compiled, Unsupported) else None
        if compiled is not None and fallback is None:
            try:
                data = await compiled.execute(context, params.get("variables") or {})
            except Unsupported as unsupported:  # graphql-core answers it, with the standard errors
                fallback = unsupported
                if unsupported.database_failed:
                    # PostgreSQL has aborted the read transaction: start a new one, so that the
                    # standard executor meets (and the log shows) the error itself.
                    await context.after_write()
            else:
                if self.settings.lean_check:
                    await self._check(data, document, params, context)
                return ExecutionResult(data=data, extensions={"executor": "lean"})
        reason = None if fallback is None else _fell_back(fallback)
        result = await self._standard(document, params, context)
        result.extensions = (
            {"executor": "standard"}
            if reason is None
            else {"executor": "standard", "fallback": reason}
        )
        return result

    async def _standard(
        self, document: DocumentNode, params: dict[str, Any], context: RequestContext
    ) -> ExecutionResult:
        result = execute(
            self.schema,
            document,
            context_value=context,
            variable_values=params.get("variables"),
            operation_name=params.get("operationName"),
            executor_class=self.executor_class,
        )
        if not isinstance(result, ExecutionResult):
            result = await result
        return result

    async def _check(
        self,
        data: dict[str, Any],
        document: DocumentNode,
        params: dict[str, Any],
        context: RequestContext,
    ) -> None:
        """Runs graphql-core too, outside the statement log, and fails on any difference."""
        reset = current_log.set(None)
        try:
            standard = await self._standard(document, params, context)
        finally:
            current_log.reset(reset)
        if standard.errors or standard.data != plain(data):
            raise LeanMismatch(
                f"lean executor answered {data!r}\nstandard executor {standard.data!r} "
                f"{standard.errors!r}\nfor {params['query']}"
            )

    def _shape(self, result: ExecutionResult, statement_log: StatementLog) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [self._error(e) for e in result.errors]
        body["data"] = result.data
        if self.settings.debug_sql:
            body["extensions"] = {
                "sql": {
                    "statements": statement_log.statements,
                    "durationMs": round(statement_log.seconds * 1000, 3),
                },
                **(result.extensions or {}),
            }
            if self.settings.bench_capture:  # scripts/bench replays these directly
                body["extensions"]["sql"]["captured"] = [
                    [text, _tagged(params)]
                    for text, params in zip(statement_log.texts, statement_log.params, strict=True)
                ]
        return body

    def _error(self, error: GraphQLError) -> dict[str, Any]:
        original = error.original_error
        if original is None or isinstance(original, (GraphQLError, *EXPECTED)):
            formatted = cast(dict[str, Any], error.formatted)  # a TypedDict: a dict, filled in
            formatted.setdefault("extensions", {}).setdefault("code", "BAD_USER_INPUT")
            return formatted
        if isinstance(
            original, PoolTimeout
        ):  # after a write that committed: not a bug, not retried whole
            refusal = unavailable(NO_CONNECTION, original)
            return {
                "message": refusal.message,
                "locations": error.formatted.get("locations"),
                "path": error.path,
                "extensions": {"code": refusal.code},
            }
        error_id = uuid.uuid4().hex[:16]
        log.error("unexpected error %s at %s", error_id, error.path, exc_info=original)
        return {
            "message": "Internal server error",
            "locations": error.formatted.get("locations"),
            "path": error.path,
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        }


# The queries that the lean executor left to graphql-core since the process started, by reason
# (`Unsupported.reason`): what tests read, and `extensions.fallback` shows per request.
FALLBACKS: Counter[str] = Counter()


def _fell_back(unsupported: Unsupported) -> str:
    reason = unsupported.reason
    FALLBACKS[reason] += 1
    log.debug("lean executor fell back to graphql-core (%s): %s", reason, unsupported)
    return reason


NUL_MESSAGE = "{where}: text must not contain the NUL character (U+0000); no database stores it"


def _has_nul(value: Any) -> bool:
    """Whether a JSON value holds U+0000 in any string (PostgreSQL refuses it in text)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class _NulFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[GraphQLError] = []

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> Any:
        if "\x00" in node.value:
            self.found.append(GraphQLError(NUL_MESSAGE.format(where="a string literal"), node))
            return BREAK
        return None


def _nul_literals(document: DocumentNode) -> list[GraphQLError]:
    """String literals holding U+0000, refused like any bad input (the visit is iterative)."""
    finder = _NulFinder()
    visit(document, finder)
    return finder.found


def _pool_timeout(result: ExecutionResult) -> PoolTimeout | None:
    """The pool's timeout, when a field failed for want of a connection."""
    for error in result.errors or ():
        if isinstance(error.original_error, PoolTimeout):
            return error.original_error
    return None


def _variable_problems(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> list[GraphQLError]:
    """Variables that cannot be coerced make a bad request: refused before anything runs."""
    coerced = get_variable_values(schema, operation.variable_definitions or [], variables)
    return coerced if isinstance(coerced, list) else []


def _tagged(value: Any) -> Any:
    """A driver parameter as JSON that `tests/bench` turns back into the same Python value.

    JSON types pass as they are; dates, times, decimals and bytes become `{"$": type, "v": text}`.
    """
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_tagged(v) for v in value]
    if isinstance(value, dict):
        return {"$": "dict", "v": {k: _tagged(v) for k, v in value.items()}}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$": "bytes", "v": bytes(value).hex()}
    if hasattr(value, "isoformat"):
        return {"$": type(value).__name__, "v": value.isoformat()}
    return {"$": type(value).__name__, "v": str(value)}


def _bad(error: GraphQLError) -> dict[str, Any]:
    """A refusal before execution. Validation quotes the literal it refuses (`found: 999…`) whole:
    the message is cut at MAX_MESSAGE characters, so that an answer is not the size of the
    document that was refused."""
    formatted = cast(dict[str, Any], error.formatted)  # a TypedDict: a dict, filled in
    if len(formatted["message"]) > MAX_MESSAGE:
        formatted["message"] = formatted["message"][: MAX_MESSAGE - 1] + "…"
    formatted.setdefault("extensions", {})["code"] = "BAD_USER_INPUT"
    return formatted


def _is_public(operation: OperationDefinitionNode, document: DocumentNode) -> bool:
    """True when the operation asks for nothing but the public fields (`PUBLIC_FIELDS`). Each
    fragment is looked at once, without recursion: linear in the document."""
    if operation.operation is OperationType.SUBSCRIPTION:
        return False
    fragments = {
        f.name.value: f for f in document.definitions if isinstance(f, FragmentDefinitionNode)
    }
    seen: set[str] = set()
    stack = [operation.selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                if selection.name.value not in PUBLIC_FIELDS:
                    return False
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
            elif (
                not isinstance(selection, FragmentSpreadNode)
                or selection.name.value not in fragments
            ):
                return False
            elif selection.name.value not in seen:
                seen.add(selection.name.value)
                stack.append(fragments[selection.name.value].selection_set)
    return True


def _response_media(accept: str) -> str:
    """graphql-response+json when the client accepts it (the spec's preference), else application/json."""
    accept = accept.lower()
    if GRAPHQL_RESPONSE in accept:
        return GRAPHQL_RESPONSE
    return JSON_TYPE


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def _read_body(request: Request, limit: int) -> bytes:
    if bounds.declared_over(request.headers.get("content-length"), limit):
        raise HttpError(413, f"the request body is over the limit of {limit} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HttpError(413, f"the request body is over the limit of {limit} bytes")
    return body


def _loads(raw: str | bytes, what: str, max_depth: int, *, envelope: bool = False) -> Any:
    try:
        return bounds.loads(raw, what, max_depth, envelope=envelope)
    except bounds.OutOfBounds as error:
        raise HttpError(400, str(error)) from None


def _json(
    body: dict[str, Any], status: int, media: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body, default=_default), status_code=status, media_type=media, headers=headers
    )


def _default(value: Any) -> Any:
    if type(value) is RenderedList:  # a list the database wrote (schema/fastpath/rendered.py)
        return value.fragment
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")
