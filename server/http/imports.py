"""`POST /import/customers`: a CSV or XLSX file as the body or as the multipart field `file`.

`?view=<list view id>` (the user's own customers view) lets its labels name columns too.

Answers `{"created", "updated", "errors"}`, with `ignoredColumns` when the file has read-only
columns (figures: ignored): 200 when every row is good, 422 (nothing written)
when any row is at fault, with `errorCount` (only the first 1,000 errors are listed); 400 for a
file that cannot be imported, 401 without a valid bearer token, 403 for a read-only token, a
session cookie without `X-Requested-With`, or a user who may not import (MANAGER and ADMIN may,
see `server/access/policy.py`); past an import limit (`Settings.import_max_*`), 413 for a size
(the body, what an XLSX unpacks to) and 422 for a count (rows, columns, cell length, shared
strings), with `{"error", "limit"}`.
"""

from __future__ import annotations

import asyncio
import tempfile
from typing import IO, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server import bounds
from server.access import policy
from server.config import Settings
from server.db.engine import Database
from server.errors import DomainError
from server.http.auth import BadCredentials, identify
from server.imports import readers
from server.imports.service import ImportRefused, import_customers

SPOOL_BYTES = 1024 * 1024
CHUNK = 64 * 1024


class TooLarge(Exception):
    pass


def _error(status: int, message: str, limit: str | None = None) -> Response:
    return JSONResponse(
        {"error": message} if limit is None else {"error": message, "limit": limit},
        status_code=status,
    )


async def _spool(request: Request, limit: int) -> IO[bytes]:
    """The body in a temporary file (in memory while small), refused past `limit` bytes."""
    if bounds.declared_over(request.headers.get("content-length"), limit):
        raise TooLarge
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TooLarge
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


async def _multipart_file(request: Request, body: IO[bytes]) -> tuple[IO[bytes], str | None, Any]:
    """The field `file` of a multipart body already spooled: its file, its kind, and the form."""

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0)  # parsing a large body must not hold the event loop
        chunk = body.read(CHUNK)
        return {"type": "http.request", "body": chunk, "more_body": len(chunk) == CHUNK}

    replay = Request(request.scope, receive)
    try:
        form = await replay.form(max_files=1, max_fields=20)
    except Exception as error:  # noqa: BLE001 - a malformed multipart body
        raise ImportRefused(f"the multipart body cannot be read: {error}") from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        await form.close()
        raise ImportRefused("the multipart body has no file field named `file`")
    kind = readers.kind_of(upload.content_type or "")
    if kind is None and upload.filename:
        lower = upload.filename.lower()
        kind = "csv" if lower.endswith(".csv") else "xlsx" if lower.endswith(".xlsx") else None
    return upload.file, kind, form


def import_endpoint(settings: Settings, database: Database) -> Any:
    limit = settings.import_max_bytes
    limits = readers.Limits.of(settings)

    async def import_customers_endpoint(request: Request) -> Response:
        try:
            identity = await identify(request, database)
        except BadCredentials as error:
            return _error(error.status, str(error))
        if identity.user is None:
            return _error(401, "sign in: send `Authorization: Bearer <token>`")
        if identity.token is not None and "WRITE" not in identity.token.scopes.split(","):
            return _error(403, "this token is read-only: importing needs the WRITE scope")
        actor = policy.Actor.of(identity.user)
        try:
            policy.refuse_early(actor, "importCustomers")
        except DomainError as error:
            return _error(403, str(error))
        dry_run = request.query_params.get("dryRun", "false").strip().lower() in {
            "1",
            "true",
            "yes",
        }
        content_type = request.headers.get("content-type", "")
        multipart = content_type.lower().startswith("multipart/form-data")
        kind = readers.kind_of(content_type)
        if not multipart and kind is None:
            return _error(
                400,
                f"unsupported content type {content_type or '(none)'}: send text/csv, "
                f"{readers.XLSX_TYPE}, or multipart/form-data with a field `file`",
            )
        try:
            body = await _spool(request, limit)
        except TooLarge:
            return _error(
                413,
                f"the file is larger than the limit of {limit} bytes (CLIENTELE_IMPORT_MAX_BYTES)",
                "bytes",
            )
        form = None
        try:
            file: IO[bytes] = body
            if multipart:
                file, kind, form = await _multipart_file(request, body)
                if kind is None:
                    return _error(
                        400,
                        "the file must be CSV (text/csv, .csv) or XLSX "
                        f"({readers.XLSX_TYPE}, .xlsx)",
                    )
            result = await import_customers(
                database,
                file,
                kind or "csv",
                dry_run=dry_run,
                actor=actor,
                base_currency=settings.base_currency,
                limits=limits,
                view_id=request.query_params.get("view"),
            )
        except ImportRefused as error:
            return _error(error.status, str(error), error.limit)
        except DomainError as error:  # FORBIDDEN from the policy: nothing was written
            return _error(403, str(error))
        finally:
            if form is not None:
                await form.close()
            body.close()
        return JSONResponse(result.as_json(), status_code=422 if result.errors else 200)

    return import_customers_endpoint
