"""The ASGI application: `/graphql`, `/schema.graphql`, `/healthz`, `/readyz`, `/reminders/<id>.ics`,
the web client at `/` and every path the API does not take; and, with SMTP configured, the outbox
sender in the lifespan."""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema import build_schema, printed_schema
from schema.fastpath import selfcheck
from schema.fastpath.lean import LeanExecutor
from schema.types import DERIVED_FIGURES
from server.config import Settings, load_settings
from server.db.engine import Database, PoolTimeout
from server.http.exports import ExportEndpoints
from server.http.graphql import NO_CONNECTION, GraphQLEndpoint, graphiql_asset, unavailable
from server.http.imports import import_endpoint
from server.http.reminders import reminder
from server.http.webclient import WebClient
from server.limits import StoreUnavailable
from server.notes.outbox import OutboxSender

# A request's data is freed by reference counting when it ends (decision 39), so the collector
# has little to find; at CPython's default (a young collection every 700 objects) it walked a
# large answer's live objects 15 times a request, 2 to 3 ms of `partner_graph`'s. With a young
# generation of 50,000 (more than the largest answer's objects alive at once) it runs only when
# cycles do pile up (a mutation's ORM session, an error's traceback): at most some megabytes.
GC_THRESHOLDS = (50_000, 10, 10)


def create_app(settings: Settings, database: Database | None = None) -> Starlette:
    """The app on a database; the caller applies migrations first (`clientele serve` does)."""
    database = database or Database(
        settings.database_url, pool_size=settings.pool_size, pool_timeout=settings.pool_timeout
    )
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    schema = build_schema()
    graphql = GraphQLEndpoint(
        schema._schema,
        schema.execution_context_class,
        settings,
        database,
        lean=LeanExecutor(schema) if selfcheck.check() else None,  # else all on graphql-core
        figures=DERIVED_FIGURES,
    )
    sdl = printed_schema()

    async def schema_file(_request: Request) -> Response:
        return PlainTextResponse(sdl, media_type="application/graphql")

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_request: Request) -> Response:
        try:
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            logging.getLogger("clientele").exception("readiness check failed")
            return PlainTextResponse("database unavailable", status_code=503)
        try:
            await graphql.limits.store.ping()
        except StoreUnavailable as error:
            logging.getLogger("clientele").error("readiness check failed: %s", error)
            return PlainTextResponse("limits store unavailable", status_code=503)
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        outbox = OutboxSender(database, settings) if settings.smtp_url else None
        if outbox is not None:
            outbox.start()
        # What start-up made (the schema, the modules) lives as long as the process: moved out of
        # the collector's reach, full collections walk only what requests leave behind, which
        # took them from about 90 ms to 15 ms on the bench (docs/performance.md).
        gc.collect()
        gc.freeze()
        before = gc.get_threshold()
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            yield
        finally:
            # the process may go on (the tests run many apps in one): it gets its collector back
            gc.set_threshold(*before)
            gc.unfreeze()
            if outbox is not None:
                await outbox.stop()
            await graphql.limits.close()
        await database.dispose()

    routes = [
        Route("/graphql", graphql.handle, methods=["GET", "POST"]),
        Route("/graphiql/{name:path}", graphiql_asset),
        Route("/schema.graphql", schema_file),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *_export_routes(ExportEndpoints(settings, database)),
        Route("/import/customers", import_endpoint(settings, database), methods=["POST"]),
        Route("/reminders/{id}.ics", reminder, methods=["GET"]),
    ]
    # last: whatever the API does not take is the client's (its router opens the path)
    api = {route.path.split("/")[1] for route in routes}
    routes.append(Route("/{path:path}", WebClient(api).page, methods=["GET", "HEAD"]))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={PoolTimeout: _no_connection},
        middleware=[Middleware(MaskedErrors, reraise=settings.lean_check)],
    )
    app.state.database = database
    app.state.settings = settings
    return app


class MaskedErrors:
    """The last resort for a bug that escapes an endpoint: a JSON 500 saying "Internal server
    error" with an error id that the log shows beside the traceback (SPEC §9), instead of
    Starlette's text/plain 500 and a traceback without an id. Once an answer has begun, the
    connection is only ended, and the log says so with its id. With `reraise` (the tests run
    with `lean_check`) the error goes on after the answer, so that a test meets it."""

    def __init__(self, app: ASGIApp, reraise: bool = False) -> None:
        self.app, self.reraise = app, reraise

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            error_id = uuid.uuid4().hex[:16]
            logging.getLogger("clientele.http").exception(
                "unexpected error %s at %s %s", error_id, scope.get("method"), scope.get("path")
            )
            if not started:
                body = {
                    "errors": [
                        {
                            "message": "Internal server error",
                            "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
                        }
                    ]
                }
                await JSONResponse(body, status_code=500)(scope, receive, send)
            if self.reraise:
                raise


async def _no_connection(_request: Request, error: Exception) -> Response:
    """503 with Retry-After for an export, an import or a reminder that found no free connection
    within CLIENTELE_POOL_TIMEOUT (`/graphql` answers it in GraphQL's shape itself)."""
    refusal = unavailable(NO_CONNECTION, error)
    return JSONResponse({"error": refusal.message}, status_code=503, headers=refusal.headers)


def _export_routes(exports: ExportEndpoints) -> list[Route]:
    """`GET /export/...` (SPEC §7): server/http/exports.py."""
    return [
        Route("/export/customers.{format:str}", exports.customers, methods=["GET"]),
        Route("/export/leads.xlsx", exports.leads, methods=["GET"]),
        Route("/export/locations.xlsx", exports.locations, methods=["GET"]),
        Route("/export/customers/{id:str}/invoices.xlsx", exports.invoices, methods=["GET"]),
    ]


def app_from_env() -> Starlette:
    """For `uvicorn --factory` and several workers: settings from CLIENTELE_* variables."""
    return create_app(load_settings())
