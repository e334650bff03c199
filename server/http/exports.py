"""`GET /export/...`: the lists as XLSX or CSV (SPEC §7), to a user with a bearer token.

Query parameters: `filter`, `orderBy`, `columns` (JSON, as the GraphQL list inputs) or
`view=<list view id>`. Bad input answers 400 with `{"error": ..., "parameter": ..., "problems":
[{"error", "parameter"}, ...]}`, every problem found at once.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import tempfile
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from typing import Any, cast

from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse

from server.config import Settings
from server.customers.models import Customer
from server.db.engine import Database
from server.exports import service
from server.exports.service import ExportError, Source
from server.exports.writer import csv_chunks, write_xlsx
from server.http.auth import BadCredentials, identify
from server.http.graphql import ThenClose
from server.ids import pk_of
from server.lists.models import ListKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _error(error: ExportError) -> Response:
    problems = [{"error": message, "parameter": parameter} for parameter, message in error.problems]
    return JSONResponse(
        {"error": error.message, "parameter": error.parameter, "problems": problems},
        status_code=error.status,
    )


class ExportEndpoints:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database

    def _today(self) -> dt.date:
        return dt.datetime.now(self.settings.zone).date()

    async def _prepare(
        self,
        request: Request,
        kind: ListKind | None,
        make: Callable[[service.Request, dt.date], Any],
    ) -> Source | Response:
        try:
            identity = await identify(request, self.database)
        except BadCredentials as error:
            return JSONResponse(
                {"error": str(error)}, status_code=error.status, headers=error.headers
            )
        if identity.user is None:
            return JSONResponse(
                {"error": "sign in: send Authorization: Bearer <token>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            params = request.query_params
            depth = self.settings.max_json_depth
            parsed = service.Request(
                filter=service.parse_json(params, "filter", depth),
                order=service.parse_json(params, "orderBy", depth),
                columns=service.parse_json(params, "columns", depth),
            )
            if params.get("view") is not None:
                if kind is None:
                    raise ExportError("view", "view: this export has no list views")
                async with self.database.engine.connect() as connection:
                    parsed = await service.apply_view(
                        connection, params["view"], identity.user.id, kind, parsed
                    )
            source = make(parsed, self._today())
            return await source if inspect.isawaitable(source) else source
        except ExportError as error:
            return _error(error)

    async def _xlsx(self, source: Source, filename: str) -> Response:
        handle, path = tempfile.mkstemp(prefix="clientele-export-", suffix=".xlsx")
        os.close(handle)
        try:
            async with aclosing(_batches(self.database, source)) as batches:
                await write_xlsx(path, source.name, source.columns, batches, self.settings.zone)
        except BaseException:
            os.unlink(path)
            raise
        return FileResponse(
            path, media_type=XLSX, filename=filename, background=BackgroundTask(os.unlink, path)
        )

    def _csv(self, source: Source, filename: str) -> ThenClose:
        batches = _batches(self.database, source)
        chunks = csv_chunks(source.columns, batches, self.settings.zone)
        # A client gone mid-stream leaves the rows' generator suspended: closed once the stream ends.
        return ThenClose(
            StreamingResponse(
                chunks,
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            ),
            batches.aclose,
        )

    async def customers(self, request: Request) -> Response | ThenClose:
        fmt = request.path_params["format"]
        if fmt not in ("xlsx", "csv"):
            return JSONResponse(
                {"error": "exports of customers are .xlsx or .csv"}, status_code=404
            )
        source = await self._prepare(
            request,
            ListKind.CUSTOMERS,
            lambda p, today: service.customers_source(p, today, self.settings.zone),
        )
        if isinstance(source, Response):
            return source
        return (
            await self._xlsx(source, "customers.xlsx")
            if fmt == "xlsx"
            else self._csv(source, "customers.csv")
        )

    async def leads(self, request: Request) -> Response:
        source = await self._prepare(
            request,
            ListKind.LEADS,
            lambda p, today: service.leads_source(p, today, self.settings.zone),
        )
        return source if isinstance(source, Response) else await self._xlsx(source, "leads.xlsx")

    async def locations(self, request: Request) -> Response:
        source = await self._prepare(request, ListKind.LOCATIONS, service.locations_source)
        return (
            source if isinstance(source, Response) else await self._xlsx(source, "locations.xlsx")
        )

    async def invoices(self, request: Request) -> Response:
        customer_id = pk_of(request.path_params["id"], "Customer")
        found: Any = None

        async def make(parsed: service.Request, today: dt.date) -> Source:
            nonlocal found
            if customer_id is not None:
                async with self.database.engine.connect() as connection:
                    found = (
                        await connection.execute(
                            select(Customer.id, Customer.number).where(Customer.id == customer_id)
                        )
                    ).first()
            if found is None:
                raise ExportError("id", "id: no customer with that id", 404)
            return service.invoices_source(found.id, parsed, today)

        source = await self._prepare(request, None, make)
        if isinstance(source, Response):
            return source
        return await self._xlsx(source, f"invoices-{found.number}.xlsx")


def _batches(database: Database, source: Source) -> AsyncGenerator[list[list[Any]], None]:
    """The export's batches of rows: an async generator, which the response closes."""
    return cast(AsyncGenerator[list[list[Any]], None], service.batches(database, source))
