"""The client of the timed requests: the standard library's `http.client` on one keep-alive
connection, so that a request's latency is the server's and not the client's.

httpx spent about 1 ms of its own Python on every POST on the bench machine (a `{ __typename }`
request: 1.9 to 2.5 ms through httpx, 1.0 to 1.15 through `http.client`, 0.7 to 1.0 through a
bare socket; docs/performance.md), which is a tenth of `lead_list`'s latency and would count as
the server's overhead in the ratio. The replay side uses the leanest client too: the `sqlite3`
module and asyncpg, not SQLAlchemy.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class WireResponse:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class Wire:
    """POSTs to one server over one connection, opened again when the server has closed it (an
    idle keep-alive connection is closed after uvicorn's five seconds)."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float = 300) -> None:
        parts = urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname or "127.0.0.1", parts.port or 80, timeout
        self.headers = {**headers, "Content-Type": "application/json"}
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes) -> WireResponse:
        """The body is bytes, so that `http.client` sends it with the headers in one write."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.connection.request("POST", path, body, self.headers)
                response = self.connection.getresponse()
                return WireResponse(response.status, response.read())
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                self.close()  # closed by the server while idle: once more on a new connection
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
