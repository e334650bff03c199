"""The request's read connection ends after its answer is sent (server/http/graphql.py
`ThenClose`), and also when sending fails (a client gone)."""

from __future__ import annotations

import pytest
from starlette.responses import Response

from server.http.graphql import ThenClose


async def _receive() -> dict[str, object]:
    return {"type": "http.disconnect"}


async def test_the_answer_is_sent_before_the_connection_ends() -> None:
    events: list[str] = []

    async def send(message: dict[str, object]) -> None:
        events.append(str(message["type"]))

    async def close() -> None:
        events.append("closed")

    await ThenClose(Response(b"{}", media_type="application/json"), close)({"type": "http"}, _receive, send)
    assert events == ["http.response.start", "http.response.body", "closed"]


async def test_the_connection_ends_when_the_client_is_gone() -> None:
    closed: list[bool] = []

    async def send(message: dict[str, object]) -> None:
        raise OSError("the client is gone")

    async def close() -> None:
        closed.append(True)

    with pytest.raises(OSError):
        await ThenClose(Response(b"{}"), close)({"type": "http"}, _receive, send)
    assert closed == [True]
