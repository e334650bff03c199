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
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx

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


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    """The database at `url`, for set-up outside a test's own fixtures; disposed of afterwards."""
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()


async def emptied(url: str) -> None:
    """Empties a PostgreSQL test database (keeping its migrations and reference rows), as the
    `database` fixture does."""
    async with opened(url) as database:
        await _empty(database)


class Watch:
    """Polls a served server while a request runs: `/healthz`'s slowest answer, in seconds, and the
    server process's largest resident memory, in bytes (from /proc). Polling starts before the
    block runs and ends with one more answer after it."""

    def __init__(self, server: Server) -> None:
        assert server.process is not None
        self.url, self.pid = f"{server.base_url}/healthz", server.process.pid
        self.slowest, self.rss, self.answers = 0.0, 0, 0
        self._stop, self._polling = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _probe(self, client: httpx.Client) -> None:
        started = time.monotonic()
        self.answers += client.get(self.url).status_code == 200
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.rss = max(self.rss, resident_bytes(self.pid))

    def _poll(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                self._probe(client)
                self._polling.set()
                self._stop.wait(0.05)
            self._probe(client)

    def __enter__(self) -> Watch:
        self._thread.start()
        self._polling.wait(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def resident_bytes(pid: int) -> int:
    """A process's resident memory (VmRSS), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0
