"""The web client at `/`: the files `npm run build` leaves in webclient/dist (scripts/setup runs it).

Hashed assets (`/assets/<name>-<hash>.js`) are cached for a year, `index.html` is revalidated on
every load, and any other path that is not the API's answers `index.html`, so that the client's
router opens a pasted link (`/customers?q=acme`). Every answer here carries the client's security
headers: a Content-Security-Policy without inline script, no framing, `Referrer-Policy:
same-origin`, `nosniff`. Without a build, `/` answers 503 with a page that says how to make one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

DIST = Path(__file__).resolve().parents[2] / "webclient" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clientele: the web client is not built</title></head>
<body><main><h1>The web client is not built</h1>
<p>Run <code>scripts/setup</code> (it runs <code>npm ci</code> and <code>npm run build</code> in
<code>webclient/</code>), then reload this page. The API at <a href="/graphql">/graphql</a> works
without it.</p></main></body></html>
"""


class WebClient:
    """The endpoint for every GET that no API route took; `api` are the API's first path segments
    (`graphql`, `export`, …): a path under one of them answers 404, never the client's page."""

    def __init__(self, api: Iterable[str], dist: Path | None = None) -> None:
        self.api, self.dist = frozenset(api), (dist or DIST).resolve()

    async def page(self, request: Request) -> Response:
        response = self._answer(request.url.path)
        response.headers.update(SECURITY_HEADERS)
        return response

    def _answer(self, path: str) -> Response:
        first = path.strip("/").split("/")[0]
        if first in self.api:
            return PlainTextResponse("not found", status_code=404)
        index = self.dist / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
        file = (self.dist / path.lstrip("/")).resolve()
        # the build's own dotfiles (.vite/manifest.json, the build stamp) are not the client's
        hidden = first.startswith(".")
        if first != "" and not hidden and file.is_file() and file.is_relative_to(self.dist):
            cache = IMMUTABLE if first == "assets" else "no-cache"
            return FileResponse(file, headers={"Cache-Control": cache})
        if first == "assets":  # a stale hashed name: the page that asked for it must reload
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})
