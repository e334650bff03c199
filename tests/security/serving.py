"""What the security tests share: the `clientele` command line and a real server with its log.

    database_url = f"sqlite+aiosqlite:///{tmp_path / 'clientele.sqlite3'}"
    clientele("seed", "--scale", "demo", database_url=database_url)
    with served(database_url, tmp_path / "server.log", CLIENTELE_LOG_LEVEL="DEBUG") as server:
        httpx.post(f"{server.base_url}/graphql", ...)

The server is `tests/bench/processes.Server` (`clientele serve` on a free loopback port, in its
own process group, always stopped); its stdout and stderr end up in the given log file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server.db.engine import Database
from tests.bench.processes import Server
from tests.conftest import _empty

# Buckets that never run dry, so that a run of many requests measures the server, not the limits.
BOTTOMLESS = {"CLIENTELE_BUCKET_SIZE": "1e15", "CLIENTELE_REFILL_RATE": "1e12"}


def clientele(*args: str, database_url: str, stdin: str | None = None) -> str:
    """Runs one `clientele` command on the database and returns its stdout; fails on a non-zero exit."""
    env = {**os.environ, "CLIENTELE_DATABASE_URL": database_url, "CLIENTELE_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "server", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"clientele {' '.join(args)} exited with {done.returncode}:\n{done.stderr}"
    return done.stdout


@contextmanager
def served(database_url: str, log: Path, **env: str) -> Iterator[Server]:
    """`clientele serve` on the database with these environment variables; its output goes to `log`."""
    server = Server(database_url, debug_sql=False, label="security")
    server.env.update(env)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if server.log_path is not None and server.log_path.exists():
            shutil.move(server.log_path, log)


async def emptied(url: str) -> None:
    """Empties a PostgreSQL test database (keeping its migrations and reference rows), as the
    `database` fixture does."""
    database = Database(url)
    try:
        await _empty(database)
    finally:
        await database.dispose()
