"""The bench's client of timed requests (tests/bench/wire.py): one keep-alive connection, opened
again when the server has closed it while idle."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.bench.wire import Wire


class Echo(BaseHTTPRequestHandler):
    """Answers a POST with its body and the number of its connection; closes the connection after
    every second answer without saying so, as a server does with an idle keep-alive connection."""

    protocol_version = "HTTP/1.1"
    connections = 0

    def setup(self) -> None:
        super().setup()
        Echo.connections += 1
        self.number, self.answered = Echo.connections, 0

    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = json.dumps({"got": json.loads(body), "connection": self.number,
                             "type": self.headers["Content-Type"], "auth": self.headers["Authorization"]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        self.answered += 1
        self.close_connection = self.answered == 2

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_posts_json_on_one_connection_and_reconnects_when_closed(echo: str) -> None:
    Echo.connections = 0
    with Wire(echo, {"Authorization": "Bearer t"}) as wire:
        answers = [wire.post("/graphql", json.dumps({"n": n}).encode()).json() for n in range(5)]
    assert [a["got"] for a in answers] == [{"n": n} for n in range(5)]
    assert [a["connection"] for a in answers] == [1, 1, 2, 2, 3]
    assert {a["type"] for a in answers} == {"application/json"}
    assert {a["auth"] for a in answers} == {"Bearer t"}
