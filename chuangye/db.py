"""Tortoise ORM set-up: one config builder used by the app, the CLI and the tests."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import Tortoise, connections
import tortoise.backends.sqlite.executor  # noqa: F401  (registers Tortoise's adapters first)
from tortoise.backends.base.executor import EXECUTOR_CACHE

from chuangye.config import Config

TIMEZONE = "Asia/Shanghai"
_SHANGHAI = ZoneInfo(TIMEZONE)


def _sqlite_datetime(value: dt.datetime) -> str:
    """SQLite keeps datetimes as text and compares them as text: write every aware datetime
    in one offset (+08:00), so a UTC query value and a Shanghai stored value still compare
    by time, not by spelling. (Tortoise's own adapter keeps whatever offset it is given.)"""
    if value.tzinfo is not None:
        value = value.astimezone(_SHANGHAI)
    return value.isoformat(" ")


sqlite3.register_adapter(dt.datetime, _sqlite_datetime)

MODELS_MODULE = "orm_models"
MIGRATIONS_MODULE = "orm_models.migrations"


def normalize_db_url(url: str) -> str:
    """Accept the usual postgresql:// spelling; make sure SQLite's folder exists."""
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://"):]
    if url.startswith("sqlite://") and url not in ("sqlite://:memory:",):
        path = Path(url[len("sqlite://"):])
        if path.parent and str(path.parent) not in ("", "."):
            path.parent.mkdir(parents=True, exist_ok=True)
    return url


def tortoise_config(db_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": normalize_db_url(db_url)},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": TIMEZONE,
    }


def is_postgres(db_url: str) -> bool:
    """By scheme alone (no folder is made for a SQLite URL, unlike ``normalize_db_url``)."""
    return db_url.startswith(("postgres://", "postgresql://", "asyncpg://"))


async def init_db(config: Config) -> None:
    # The app's startup runs in another task than its request handlers, so Tortoise's
    # context must be reachable process-wide (the fallback exists for this very case).
    EXECUTOR_CACHE.clear()  # see close_db
    await Tortoise.init(config=tortoise_config(config.database.url), _enable_global_fallback=True)
    # Personal data in the database is encrypted: whoever opens the database gets the key too.
    from chuangye.pii import configure as configure_pii

    configure_pii(config.security.data_key)


async def close_db() -> None:
    await Tortoise.close_connections()
    # Tortoise caches SQL per connection *name*: a process that reopens "default" on another
    # dialect (tests run SQLite then PostgreSQL) must not reuse the other dialect's statements.
    EXECUTOR_CACHE.clear()


async def migrate(config: Config) -> None:
    """Apply Tortoise's built-in migrations from orm_models/migrations."""
    from tortoise.migrations.api.migrate import migrate as run_migrate

    try:
        await run_migrate(config=tortoise_config(config.database.url))
    finally:
        await Tortoise.close_connections()


async def db_ping() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
        return True
    except Exception:
        return False
