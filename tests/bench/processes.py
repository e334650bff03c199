"""`clientele serve` as a child process on a free loopback port, always stopped again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

import httpx

START_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0


class ServerError(Exception):
    """The server did not come up."""


class Server:
    """One `clientele serve` (with its workers) in its own process group, so that stop() ends them all."""

    def __init__(self, url: str, *, workers: int = 1, debug_sql: bool = True, capture: bool = False,
                 label: str = "serve") -> None:
        self.database_url, self.workers, self.label = url, workers, label
        self.env = {**os.environ, "CLIENTELE_DATABASE_URL": url, "CLIENTELE_LOG_LEVEL": "WARNING",
                    "CLIENTELE_DEBUG_SQL": "1" if debug_sql else "0",
                    "CLIENTELE_BENCH_CAPTURE": "1" if capture else "0",
                    # The cost limit per request stays as published; the bucket is made bottomless
                    # so that repeating requests measures them, not the rate limit.
                    "CLIENTELE_BUCKET_SIZE": "1e15", "CLIENTELE_REFILL_RATE": "1e12"}
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self.port = free_port()
        handle, name = tempfile.mkstemp(prefix=f"clientele-bench-{self.label}-", suffix=".log")
        self.log_path = Path(name)
        command = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(self.workers)]
        with os.fdopen(handle, "wb") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise ServerError(f"{self.label} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2.0).status_code == 200:
                    if self.workers > 1:
                        time.sleep(1.0)  # let every worker bind before the load starts
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise ServerError(f"{self.label} was not ready within {START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the server's process group (uvicorn and its workers), SIGKILL if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self.log_path is not None and exc[0] is None:
            self.log_path.unlink(missing_ok=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
