"""Settings, from arguments or `CLIENTELE_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/clientele.sqlite3"


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
    outbox_backoff_seconds: float = 30.0  # first retry delay; doubles per attempt, capped at an hour
    max_page_size: int = 250
    max_body_bytes: int = 100_000
    log_level: str = "INFO"
    lean_executor: bool = True  # answer plain queries without graphql-core's per-field cost
    lean_check: bool = False  # also run graphql-core and fail on any difference (the tests do)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_overrides(self, **changes: object) -> Settings:
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
        log_level=_env("LOG_LEVEL", "INFO").upper(),
        lean_executor=_env_bool("LEAN_EXECUTOR", True),
        lean_check=_env_bool("LEAN_CHECK"),
    )
