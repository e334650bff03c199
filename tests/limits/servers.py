"""Two real `clientele serve` processes on one database, for the tests that show what workers share.

    with two_servers(database_url, CLIENTELE_LIMITS_STORE="database") as (one, other):
        httpx.post(f"{one.base_url}/graphql", ...)

Each server is one process with one worker, on a free loopback port, started one after the other
(each applies the migrations first, so the second finds them done) and always stopped again. The
extra keyword arguments are environment variables for both (settings: `CLIENTELE_*`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from tests.bench.processes import Server


@contextmanager
def two_servers(database_url: str, **env: str) -> Iterator[tuple[Server, Server]]:
    with ExitStack() as stack:
        servers = []
        for label in ("one", "other"):
            server = Server(database_url, debug_sql=False, label=f"limits-{label}")
            server.env.update(env)
            servers.append(stack.enter_context(server))
        yield servers[0], servers[1]
