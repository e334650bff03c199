"""The `clientele` command line (also `python -m server`).

Results go to stdout (a token's secret, the printed schema); logs and errors go to stderr.
Exit codes: 0 done, 1 refused (bad input, a rule broken), 2 bad usage or not implemented yet.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sqlite3
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from sqlalchemy import make_url, select

from server.access import service as access
from server.access.commands import UserFields
from server.access.models import Role, TokenScope, User
from server.access.policy import SYSTEM
from server.config import Settings, load_settings
from server.db.engine import Database
from server.db.migrate import MigrationStopped, upgrade
from server.errors import DomainError

log = logging.getLogger("clientele")

DEMO_ADMIN_EMAIL = "admin@example.com"
SCALES = ("demo", "bench", "large")


class CommandError(Exception):
    """A command cannot do what was asked; the message says why and what to do instead."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def main(argv: list[str] | None = None) -> None:
    """Run one command and exit with its status."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the command, and turn refusals into messages on stderr."""
    args = build_parser().parse_args(argv)
    settings = load_settings().with_overrides(database_url=args.database_url)
    logging.basicConfig(
        stream=sys.stderr,
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.command(args, settings) or 0
    except DomainError as error:
        for problem in error.problems:
            print(f"error: {problem.message}", file=sys.stderr)
        return 1
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.code
    except MigrationStopped as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="clientele", description="Clientele: customer management."
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        help="SQLAlchemy URL (default: $CLIENTELE_DATABASE_URL or "
        "sqlite+aiosqlite:///./var/clientele.sqlite3)",
    )
    for name, add in _COMMANDS.items():
        handler, help_text, add_arguments = add
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        add_arguments(sub)
        sub.set_defaults(command=handler)
    return parser


# serve


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (they share only the database)"
    )
    parser.add_argument(
        "--debug-sql", action="store_true", help="add extensions.sql to every response"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="seed demo data into an empty database and create a demo admin",
    )


def serve(args: argparse.Namespace, settings: Settings) -> int:
    """Apply migrations, prepare the demo if asked, then run uvicorn."""
    import uvicorn

    settings = settings.with_overrides(debug_sql=True if args.debug_sql else None)
    asyncio.run(_prepare_serve(settings, demo=args.demo))
    # Workers are separate processes that build the app from the environment.
    os.environ["CLIENTELE_DATABASE_URL"] = settings.database_url
    os.environ["CLIENTELE_WORKERS"] = str(
        args.workers
    )  # picks the shared limits store (server/limits)
    if settings.debug_sql:
        os.environ["CLIENTELE_DEBUG_SQL"] = "1"
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    print(f"GraphiQL: http://{shown_host}:{args.port}/graphql", flush=True)
    # loop and http "auto": uvloop and httptools, dependencies of the project (docs/performance.md, item 22)
    uvicorn.run(
        "server.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        log_config=_uvicorn_log_config(),
    )
    return 0


class PathOnlyAccessLog(logging.Filter):
    """Drops the query string from uvicorn's access-log lines: a GET may carry a password or a
    token there (even a refused `login` over GET), and logs must never hold one (SPEC §8)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str)
        ):  # (client, method, path, ...)
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def _uvicorn_log_config() -> dict[str, object]:
    """uvicorn's own logging set-up (applied in every worker), with PathOnlyAccessLog on the access log."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"path_only": {"()": "server.cli.PathOnlyAccessLog"}}
    config["loggers"]["uvicorn.access"]["filters"] = ["path_only"]
    return config


async def _prepare_serve(settings: Settings, *, demo: bool) -> None:
    database = Database(settings.database_url)
    try:
        await upgrade(database)
        if demo:
            await _seed_demo_if_empty(database, settings)
            await _ensure_demo_admin(database)
    finally:
        await database.dispose()


async def _seed_demo_if_empty(database: Database, settings: Settings) -> None:
    from server.customers.models import Customer

    async with database.session() as session:
        if await session.scalar(select(Customer.id).limit(1)) is not None:
            return
    counts = await _seed_demo(database, seed=1, settings=settings)
    log.info("seeded demo data: %s", _format_counts(counts))


async def _ensure_demo_admin(database: Database) -> None:
    async with database.session() as session:
        if await session.scalar(select(User.id).where(User.email == DEMO_ADMIN_EMAIL)) is not None:
            return
    password = secrets.token_urlsafe(12)
    async with database.write_session() as session:
        fields = UserFields(
            email=DEMO_ADMIN_EMAIL, name="Demo Admin", role=Role.ADMIN, password=password
        )
        await access.create_user(session, fields=fields, actor=SYSTEM)
    print(
        f"Demo admin: {DEMO_ADMIN_EMAIL} / {password}  (shown once; not stored in clear)",
        flush=True,
    )


# migrate and seed


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Bring the database schema to the latest migration."""
    asyncio.run(_migrate(settings))
    log.info("database is up to date: %s", _safe_url(settings.database_url))
    return 0


async def _migrate(settings: Settings) -> None:
    database = Database(settings.database_url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


def _seed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale", choices=SCALES, default="demo", help="how much data (default: demo)"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed; the same seed makes the same data"
    )


def seed(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate, then fill an empty database with generated data."""
    if args.scale in ("bench", "large"):
        if args.scale == "large" and settings.is_sqlite:
            print(
                "warning: --scale large is meant for PostgreSQL; on SQLite it makes a file of several GB",
                file=sys.stderr,
            )
        counts = asyncio.run(_migrate_and_seed_bench(settings, scale=args.scale, seed=args.seed))
        print(f"Seeded: {_format_counts(counts)}")
        return 0
    if args.scale != "demo":
        raise CommandError(
            f"seed --scale {args.scale} is not implemented yet; use --scale demo", code=2
        )
    counts = asyncio.run(_migrate_and_seed(settings, seed=args.seed))
    print(f"Seeded: {_format_counts(counts)}")
    return 0


async def _migrate_and_seed(settings: Settings, *, seed: int) -> dict[str, int]:
    database = Database(settings.database_url)
    try:
        await upgrade(database)
        return await _seed_demo(database, seed=seed, settings=settings)
    finally:
        await database.dispose()


async def _migrate_and_seed_bench(settings: Settings, *, scale: str, seed: int) -> dict[str, int]:
    import datetime as dt

    from server.seed.bench import BenchProgress, seed_bench

    def report(progress: BenchProgress) -> None:
        print(
            f"seed --scale {scale}: batch {progress.batch}/{progress.batches}, "
            f"{progress.customers:,}/{progress.total_customers:,} customers, "
            f"{progress.counts['invoice_lines']:,} invoice lines, {progress.seconds:.0f} s",
            file=sys.stderr,
            flush=True,
        )

    database = Database(settings.database_url)
    try:
        await upgrade(database)
        today = dt.datetime.now(settings.zone).date()  # SPEC §1: today in the server's time zone
        return await seed_bench(
            database,
            seed=seed,
            scale=scale,
            today=today,
            base_currency=settings.base_currency,
            progress=report,
        )
    except (ValueError, RuntimeError) as error:  # e.g. the database already has customers
        raise CommandError(str(error)) from error
    finally:
        await database.dispose()


async def _seed_demo(database: Database, *, seed: int, settings: Settings) -> dict[str, int]:
    from server.seed.demo import seed_demo

    try:
        return await seed_demo(database, seed=seed, base_currency=settings.base_currency)
    except (ValueError, RuntimeError) as error:  # e.g. the database already has customers
        raise CommandError(str(error)) from error


def _format_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}={count}" for name, count in counts.items())


# users and tokens


def _user_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument(
        "--role", required=True, type=str.lower, choices=[r.name.lower() for r in Role]
    )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (otherwise: token login only)",
    )


def create_user(args: argparse.Namespace, settings: Settings) -> int:
    """Create an active user, with a password read from stdin when asked."""
    password = _read_password() if args.password_stdin else None
    asyncio.run(
        _create_user(
            settings,
            UserFields(
                email=args.email, name=args.name, role=Role[args.role.upper()], password=password
            ),
        )
    )
    print(f"Created user {args.email.strip().lower()} ({args.role.upper()})")
    return 0


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("--password-stdin: no password on stdin")
    return password


async def _create_user(settings: Settings, fields: UserFields) -> None:
    database = Database(settings.database_url)
    try:
        async with database.write_session() as session:
            await access.create_user(session, fields=fields, actor=SYSTEM)
    finally:
        await database.dispose()


def _token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True, help="the user the token acts as")
    parser.add_argument("--name", required=True, help="what the token is for, e.g. 'ERP sync'")
    parser.add_argument(
        "--scope",
        action="append",
        type=str.lower,
        choices=[s.name.lower() for s in TokenScope],
        help="read (always included) or write; repeat for both",
    )


def create_token(args: argparse.Namespace, settings: Settings) -> int:
    """Create an API token and print its secret alone on stdout; only its hash is stored."""
    scopes = [TokenScope[s.upper()] for s in args.scope or ["read"]]
    secret = asyncio.run(_create_token(settings, args.email, args.name, scopes))
    print(secret)
    return 0


async def _create_token(settings: Settings, email: str, name: str, scopes: list[TokenScope]) -> str:
    database = Database(settings.database_url)
    try:
        async with database.write_session() as session:
            _token, secret = await access.create_token(
                session, email=email, name=name, scopes=scopes
            )
        return secret
    finally:
        await database.dispose()


# schema and backup


def export_schema(args: argparse.Namespace, settings: Settings) -> int:
    """Print the GraphQL schema (SDL) on stdout."""
    from schema import printed_schema

    text = printed_schema()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the new file to write")


def backup(args: argparse.Namespace, settings: Settings) -> int:
    """Copy a SQLite database to PATH while it is in use (SQLite's online backup)."""
    source = _backup_source(settings)
    target: Path = args.path
    if target.exists():
        raise CommandError(f"{target} exists; choose a new path")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    print(f"Backed up {source} to {target}")
    return 0


def _backup_source(settings: Settings) -> Path:
    if not settings.is_sqlite:
        raise CommandError(
            "backup copies SQLite databases only; for PostgreSQL use pg_dump, "
            "e.g. pg_dump --format=custom --file=clientele.dump DBNAME"
        )
    source = settings.sqlite_path()
    if source is None or not source.exists():
        raise CommandError(f"no SQLite database file at {source or settings.database_url}")
    return source


def _safe_url(url: str) -> str:
    """The URL without its password, for logs."""
    return make_url(url).render_as_string(hide_password=True)


_COMMANDS: dict[
    str,
    tuple[
        Callable[[argparse.Namespace, Settings], int],
        str,
        Callable[[argparse.ArgumentParser], None],
    ],
] = {
    "serve": (serve, "migrate, then serve the API and web client", _serve_arguments),
    "migrate": (migrate, "apply database migrations", _no_arguments),
    "seed": (seed, "migrate, then fill an empty database with generated data", _seed_arguments),
    "create-user": (create_user, "create a user", _user_arguments),
    "create-token": (
        create_token,
        "create an API token; prints its secret alone on stdout",
        _token_arguments,
    ),
    "export-schema": (export_schema, "print the GraphQL schema (SDL)", _no_arguments),
    "backup": (backup, "copy the SQLite database to PATH while it is in use", _backup_arguments),
}
