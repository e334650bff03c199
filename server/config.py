"""Settings, from arguments or `CLIENTELE_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, overload
from zoneinfo import ZoneInfo

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/clientele.sqlite3"


@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: None = None) -> str | None: ...
def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"CLIENTELE_{name}", default)


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    base_currency: str = "USD"
    time_zone: str = "UTC"
    debug_sql: bool = False
    bench_capture: bool = False
    smtp_url: str | None = None
    mail_from: str = "clientele@localhost"  # the sender of reminder invitations
    outbox_poll_seconds: float = 1.0  # how often the outbox sender looks for due mail
    outbox_backoff_seconds: float = (
        30.0  # first retry delay; doubles per attempt, capped at an hour
    )
    max_page_size: int = 250
    max_body_bytes: int = 100_000
    max_document_bytes: int = (
        100_000  # SPEC §9 limits: server/limits/, docs/api.md "Limits and cost"
    )
    max_tokens: int = 10_000
    max_depth: int = 12
    max_aliases: int = 30
    max_fields: int = 2_000  # of a document's operations, each fragment counted where it is spread
    max_merged_fields: int = (
        20  # fields under one response name in one selection (validation compares them in pairs)
    )
    max_fragments: int = (
        100  # fragment definitions of a document (validation compares them in pairs)
    )
    max_json_depth: int = 64  # arrays and objects nested in a request's JSON (server/bounds.py)
    max_cost: int = 5_000
    cost_list_size: int = 10  # what a plain (not paginated) list of objects counts as, in cost
    bucket_size: float = 10_000.0
    refill_rate: float = 500.0  # points a second
    limits_store: str = (
        ""  # memory, database or redis; empty: redis with redis_url, else database for
    )
    redis_url: str | None = None  # PostgreSQL with several workers, else memory
    redis_prefix: str = "clientele:"  # of the Redis keys, for several installations on one Redis
    workers: int = 1
    pool_size: int = 10  # database connections each worker keeps; as many again opened under load
    pool_timeout: float = 2.0  # seconds a request waits for a free connection, then 503
    log_level: str = "INFO"
    lean_executor: bool = True  # answer plain queries without graphql-core's per-field cost
    lean_check: bool = False  # also run graphql-core and fail on any difference (the tests do)
    session_idle_minutes: float = 480.0  # a web session unused this long no longer signs in
    login_max_failures: int = (
        10  # failed logins for one email within the window that pause its sign-in
    )
    login_window_minutes: float = 15.0
    login_lockout_minutes: float = 15.0
    trusted_proxies: tuple[str, ...] = (
        "127.0.0.1",
        "::1",
    )  # whose X-Forwarded-Proto counts; "*": anyone's
    import_max_bytes: int = (
        50 * 1024 * 1024
    )  # import limits: server/imports/limits.py, docs/api.md "Import limits"
    import_max_uncompressed_bytes: int = 200 * 1024 * 1024
    import_max_rows: int = 200_000
    import_max_columns: int = 200
    import_max_cell_chars: int = 10_000
    import_max_shared_strings: int = 1_000_000
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def sqlite_path(self) -> Path | None:
        """The database file of a SQLite URL, or None for another database or `:memory:`."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split("///", 1)[1] if "///" in self.database_url else ""
        return Path(path) if path and path != ":memory:" else None


def load_settings() -> Settings:
    return Settings(
        database_url=_env("DATABASE_URL", DEFAULT_DATABASE_URL),
        base_currency=_env("BASE_CURRENCY", "USD").upper(),
        time_zone=_env("TIME_ZONE", "UTC"),
        debug_sql=_env_bool("DEBUG_SQL"),
        bench_capture=_env_bool("BENCH_CAPTURE"),
        smtp_url=_env("SMTP_URL"),
        mail_from=_env("MAIL_FROM", "clientele@localhost"),
        outbox_poll_seconds=float(_env("OUTBOX_POLL_SECONDS", "1")),
        outbox_backoff_seconds=float(_env("OUTBOX_BACKOFF_SECONDS", "30")),
        max_page_size=int(_env("MAX_PAGE_SIZE", "250")),
        max_body_bytes=int(_env("MAX_BODY_BYTES", "100000")),
        max_document_bytes=int(_env("MAX_DOCUMENT_BYTES", "100000")),
        max_tokens=int(_env("MAX_TOKENS", "10000")),
        max_depth=int(_env("MAX_DEPTH", "12")),
        max_aliases=int(_env("MAX_ALIASES", "30")),
        max_fields=int(_env("MAX_FIELDS", "2000")),
        max_merged_fields=int(_env("MAX_MERGED_FIELDS", "20")),
        max_fragments=int(_env("MAX_FRAGMENTS", "100")),
        max_json_depth=int(_env("MAX_JSON_DEPTH", "64")),
        max_cost=int(_env("MAX_COST", "5000")),
        cost_list_size=int(_env("COST_LIST_SIZE", "10")),
        bucket_size=float(_env("BUCKET_SIZE", "10000")),
        refill_rate=float(_env("REFILL_RATE", "500")),
        limits_store=_env("LIMITS_STORE", "").strip().lower(),
        redis_url=_env("REDIS_URL") or None,
        redis_prefix=_env("REDIS_PREFIX", "clientele:"),
        workers=int(_env("WORKERS", "1")),
        pool_size=int(_env("POOL_SIZE", "10")),
        pool_timeout=float(_env("POOL_TIMEOUT", "2")),
        log_level=_env("LOG_LEVEL", "INFO").upper(),
        lean_executor=_env_bool("LEAN_EXECUTOR", True),
        lean_check=_env_bool("LEAN_CHECK"),
        session_idle_minutes=float(_env("SESSION_IDLE_MINUTES", "480")),
        login_max_failures=int(_env("LOGIN_MAX_FAILURES", "10")),
        login_window_minutes=float(_env("LOGIN_WINDOW_MINUTES", "15")),
        login_lockout_minutes=float(_env("LOGIN_LOCKOUT_MINUTES", "15")),
        import_max_bytes=int(_env("IMPORT_MAX_BYTES", str(50 * 1024 * 1024))),
        import_max_uncompressed_bytes=int(
            _env("IMPORT_MAX_UNCOMPRESSED_BYTES", str(200 * 1024 * 1024))
        ),
        import_max_rows=int(_env("IMPORT_MAX_ROWS", "200000")),
        import_max_columns=int(_env("IMPORT_MAX_COLUMNS", "200")),
        import_max_cell_chars=int(_env("IMPORT_MAX_CELL_CHARS", "10000")),
        import_max_shared_strings=int(_env("IMPORT_MAX_SHARED_STRINGS", "1000000")),
        trusted_proxies=tuple(
            p.strip() for p in _env("TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()
        ),
    )
