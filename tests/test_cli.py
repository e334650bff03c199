"""The `clientele` command line, run as people run it: in a subprocess, against a SQLite file."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from server import cli
from server.access.passwords import verify_password
from server.db.engine import Database
from server.db.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


def clientele(*args: str, url: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `python -m server ARGS --database-url URL` from the repository root."""
    return subprocess.run([sys.executable, "-m", "server", *args, "--database-url", url], cwd=REPO,
                          input=stdin, capture_output=True, text=True, timeout=timeout)


def require(module: str, name: str) -> None:
    """Skip the test until `module` defines `name` (work in progress elsewhere).

    Reads the source instead of importing it, so that this test process imports nothing the
    subprocess under test would not, and warnings on import stay the business of other tests.
    """
    spec = importlib.util.find_spec(module)
    source = Path(spec.origin).read_text() if spec and spec.origin else ""
    if f"def {name}(" not in source:
        pytest.skip(f"{module}.{name} does not exist yet")


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "var" / "clientele.sqlite3"


@pytest.fixture
def url(db_file: Path) -> str:
    return f"sqlite+aiosqlite:///{db_file}"


@pytest.fixture
def migrated(url: str) -> str:
    result = clientele("migrate", url=url)
    assert result.returncode == 0, result.stderr
    return url


def add_user(url: str, email: str = "ann@example.com") -> None:
    result = clientele("create-user", "--email", email, "--name", "Ann Admin", "--role", "admin",
                       "--password-stdin", url=url, stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr


def test_migrate_creates_the_database_file(migrated: str, db_file: Path) -> None:
    with closing(sqlite3.connect(db_file)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"users", "api_tokens", "customers"} <= tables


def test_create_user_reads_the_password_from_stdin(migrated: str, db_file: Path) -> None:
    add_user(migrated, "Ann@Example.com")
    with closing(sqlite3.connect(db_file)) as db:
        email, role, password_hash = db.execute("SELECT email, role, password_hash FROM users").fetchone()
    assert (email, role) == ("ann@example.com", "ADMIN")
    assert PASSWORD not in password_hash
    assert verify_password(password_hash, PASSWORD)


def test_create_user_twice_is_refused_with_a_message(migrated: str) -> None:
    add_user(migrated)
    result = clientele("create-user", "--email", "ann@example.com", "--name", "Ann", "--role", "viewer",
                       url=migrated)
    assert result.returncode == 1
    assert "a user with email ann@example.com exists" in result.stderr


def test_create_token_prints_only_the_secret_and_stores_only_its_hash(migrated: str, db_file: Path) -> None:
    add_user(migrated)
    result = clientele("create-token", "--email", "ann@example.com", "--name", "ERP sync",
                       "--scope", "read", "--scope", "write", url=migrated)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("clt_")
    secret = lines[0]
    with closing(sqlite3.connect(db_file)) as db:
        rows = db.execute("SELECT token_hash, scopes FROM api_tokens").fetchall()
    assert len(rows) == 1
    token_hash, scopes = rows[0]
    assert secret not in token_hash
    assert token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert scopes == "READ,WRITE"


def test_create_token_for_an_unknown_user_is_refused(migrated: str) -> None:
    result = clientele("create-token", "--email", "nobody@example.com", "--name", "x", url=migrated)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no active user with email nobody@example.com" in result.stderr


def test_backup_writes_a_readable_copy(migrated: str, tmp_path: Path) -> None:
    add_user(migrated)
    target = tmp_path / "backups" / "copy.sqlite3"
    result = clientele("backup", str(target), url=migrated)
    assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(target)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT email FROM users").fetchall() == [("ann@example.com",)]


def test_backup_does_not_overwrite_a_file(migrated: str, tmp_path: Path) -> None:
    target = tmp_path / "existing.sqlite3"
    target.write_text("keep me")
    result = clientele("backup", str(target), url=migrated)
    assert result.returncode == 1
    assert "exists" in result.stderr
    assert target.read_text() == "keep me"


def test_backup_of_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    result = clientele("backup", str(tmp_path / "copy"), url="postgresql+asyncpg://user:secret@localhost/x")
    assert result.returncode == 1
    assert "pg_dump" in result.stderr


def test_seed_demo_fills_an_empty_database_once(url: str, db_file: Path) -> None:
    require("server.seed.demo", "seed_demo")
    result = clientele("seed", "--scale", "demo", "--seed", "7", url=url)
    assert result.returncode == 0, result.stderr
    assert "customers=" in result.stdout
    with closing(sqlite3.connect(db_file)) as db:
        assert db.execute("SELECT count(*) FROM customers").fetchone()[0] > 0
    again = clientele("seed", "--scale", "demo", url=url)
    assert again.returncode == 1
    assert "already has customers" in again.stderr


@pytest.mark.parametrize("scale", ["bench", "large"])
def test_seed_at_larger_scales_refuses_a_database_with_customers(url: str, scale: str) -> None:
    # given: a database with demo data
    assert clientele("seed", "--scale", "demo", url=url).returncode == 0
    # when
    result = clientele("seed", "--scale", scale, url=url)
    # then: refused at once, nothing added
    assert result.returncode == 1
    assert "already has customers" in result.stderr


def test_unknown_role_is_a_usage_error(url: str) -> None:
    result = clientele("create-user", "--email", "a@example.com", "--name", "A", "--role", "owner", url=url)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


async def test_demo_admin_is_created_once_and_its_password_printed_once(tmp_path: Path, capsys) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        await upgrade(database)
        await cli._ensure_demo_admin(database)
        await cli._ensure_demo_admin(database)
    finally:
        await database.dispose()
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Demo admin:")]
    assert len(lines) == 1
    password = lines[0].split(" / ", 1)[1].split()[0]
    with closing(sqlite3.connect(tmp_path / "demo.sqlite3")) as db:
        (password_hash,) = db.execute("SELECT password_hash FROM users WHERE email = 'admin@example.com'").fetchone()
    assert verify_password(password_hash, password)


def test_export_schema_prints_the_sdl(url: str) -> None:
    require("schema", "printed_schema")
    result = clientele("export-schema", url=url)
    assert result.returncode == 0, result.stderr
    assert "type Query" in result.stdout


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_demo_prints_the_admin_and_answers_healthz(url: str, tmp_path: Path) -> None:
    require("schema", "printed_schema")
    require("server.app", "app_from_env")
    require("server.seed.demo", "seed_demo")
    port = free_port()
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "server", "serve", "--demo", "--port", str(port),
                                    "--database-url", url], cwd=REPO, stdout=stdout, stderr=stderr,
                                   stdin=subprocess.DEVNULL)
    try:
        # a bound, not a speed test: the demo seed and start-up on a loaded 2-core CI machine
        status = wait_for_health(process, f"http://127.0.0.1:{port}/healthz", seconds=120)
        assert status == 200, err.read_text()
        assert f"Demo admin: {cli.DEMO_ADMIN_EMAIL} / " in out.read_text()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_health(process: subprocess.Popen, address: str, *, seconds: float) -> int | None:
    """Poll `address` until it answers or the server exits; the last status, or None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return httpx.get(address, timeout=2).status_code
        except httpx.TransportError:
            time.sleep(0.2)
    return None


def test_migrate_stopped_by_clashing_numbers_lists_them(url: str, db_file: Path) -> None:
    # given: a database at 0004 holding two numbers that differ only in case
    async def at_0004() -> None:
        database = Database(url)
        await upgrade(database, "0004")
        await database.dispose()
    asyncio.run(at_0004())
    row = {"name": "A", "status": "ACTIVE", "currency": "USD", "credit_code": "CURRENT_ACCOUNT",
           "billing_status": "ON_ACCOUNT", "terms_basis": "INVOICE_DATE", "prior_sales_minor": 0,
           "created_at": "2026-01-01 00:00:00", "updated_at": "2026-01-01 00:00:00", "version": 1}
    with closing(sqlite3.connect(db_file)) as connection, connection:
        for id_, number in ((1, "C-1"), (2, "c-1")):
            values = {**row, "id": id_, "number": number}
            connection.execute(f"INSERT INTO customers ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                               list(values.values()))
    # when
    result = clientele("migrate", url=url)
    # then: a message for a person, not a traceback, and the database still at 0004
    assert result.returncode == 1
    assert "customer numbers: 'C-1' (id 1), 'c-1' (id 2)" in result.stderr
    assert "Traceback" not in result.stderr
    with closing(sqlite3.connect(db_file)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0004",)
