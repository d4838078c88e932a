"""Tortoise ORM set-up: one config builder used by the app, the CLI and the tests."""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
import itertools
import logging
import re
import sqlite3
import time
from pathlib import Path
from types import TracebackType
from typing import Any, AsyncIterator
from zoneinfo import ZoneInfo

from tortoise import Tortoise, connections
import tortoise.backends.sqlite.executor  # noqa: F401  (registers Tortoise's adapters first)
from tortoise.backends.base.executor import EXECUTOR_CACHE

from chuangye.config import Config

log = logging.getLogger("chuangye.db")

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
    OUTAGE.reset()
    global _generation
    _generation += 1
    _quiet_pool_log()
    # The app's startup runs in another task than its request handlers, so Tortoise's
    # context must be reachable process-wide (the fallback exists for this very case).
    EXECUTOR_CACHE.clear()  # see close_db
    await Tortoise.init(config=tortoise_config(config.database.url), _enable_global_fallback=True)
    # Personal data in the database is encrypted: whoever opens the database gets the key too.
    from chuangye.pii import configure as configure_pii

    configure_pii(config.security.data_key)


async def close_db() -> None:
    OUTAGE.reset()
    await Tortoise.close_connections()
    # Tortoise caches SQL per connection *name*: a process that reopens "default" on another
    # dialect (tests run SQLite then PostgreSQL) must not reuse the other dialect's statements.
    EXECUTOR_CACHE.clear()


@functools.lru_cache(maxsize=256)
def dialect_sql(sql: str, dialect: str) -> str:
    """``sql`` written with ``?`` placeholders, in the dialect's own (``$1``, ``$2``… on PostgreSQL).
    For the few hand-written statements of a hot path (no ``?`` inside their string literals)."""
    if dialect != "postgres":
        return sql
    numbers = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(numbers)}", sql)


async def fetch_rows(conn: Any, sql: str, values: list[Any]) -> list[dict[str, Any]]:
    """Rows of a hand-written SELECT (``?`` placeholders) as dicts, on ``conn``'s dialect."""
    return await conn.execute_query_dict(dialect_sql(sql, conn.capabilities.dialect), values)


async def execute_counted(conn: Any, sql: str, values: list[Any]) -> int:
    """Run a hand-written UPDATE or DELETE (``?`` placeholders); the number of rows it changed."""
    return (await conn.execute_query(dialect_sql(sql, conn.capabilities.dialect), values))[0]


# INSERT ... ON CONFLICT DO NOTHING per (model, dialect): tortoise's bulk_create(ignore_conflicts=True)
# builds two statements through pypika on every call.
_INSERT_IGNORING: dict[tuple[type, str], tuple[str, list[str]]] = {}


async def insert_ignoring_conflicts(obj: Any, using_db: Any) -> None:
    """Store one unsaved model instance unless it conflicts with a unique row, as
    ``type(obj).bulk_create([obj], ignore_conflicts=True, using_db=using_db)`` does (every regular
    column, each through its field's ``to_db_value``; the generated id is not read back), with the
    statement built once. Never raises a unique violation, so a PostgreSQL transaction stays usable."""
    model = type(obj)
    key = (model, using_db.capabilities.dialect)
    cached = _INSERT_IGNORING.get(key)
    if cached is None:
        executor = using_db.executor_class(model=model, db=using_db)
        columns = list(executor.regular_columns)
        statement = executor._prepare_insert_statement(columns, has_generated=False, ignore_conflicts=True)
        cached = _INSERT_IGNORING[key] = (statement.get_sql(), columns)
    sql, columns = cached
    fields_map = model._meta.fields_map
    await using_db.execute_query(sql, [fields_map[c].to_db_value(getattr(obj, c), obj) for c in columns])


async def migrate(config: Config) -> None:
    """Apply Tortoise's built-in migrations from orm_models/migrations."""
    from tortoise.migrations.api.migrate import migrate as run_migrate

    try:
        await run_migrate(config=tortoise_config(config.database.url))
    finally:
        await Tortoise.close_connections()


async def db_ping() -> bool:
    """Whether the database answers; also tells OUTAGE (an outage starts or ends here too)."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:
        note_db_unavailable(exc)
        return False
    OUTAGE.ended()
    return True


# ---------------------------------------------------------------- the database being unreachable

# Connection-level failures of the PostgreSQL driver (SQLSTATE class 08 and the server shutting
# down or starting up). A query error (bad SQL, a constraint, a statement timeout) is not one.
_PG_UNREACHABLE_NAMES = ("PostgresConnectionError", "CannotConnectNowError", "AdminShutdownError",
                         "CrashShutdownError")
# sqlite3/aiosqlite messages for a database file that cannot be reached (folder gone, disk failing).
_SQLITE_UNREACHABLE = ("unable to open database file", "disk i/o error")
# Where a plain socket error must come from to mean "the database": its driver or Tortoise's client.
_DB_MODULES = ("asyncpg", "tortoise.backends", "aiosqlite", "sqlite3")


def _pg_unreachable_types() -> tuple[type[BaseException], ...]:
    try:
        import asyncpg.exceptions as pg
    except ImportError:  # pragma: no cover (asyncpg comes with tortoise-orm[asyncpg])
        return ()
    return tuple(getattr(pg, name) for name in _PG_UNREACHABLE_NAMES)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it was raised from or while handling, each once."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [item.__cause__, item.__context__]
    return seen


def _raised_in_db_code(tb: TracebackType | None) -> bool:
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.startswith(_DB_MODULES):
            return True
        tb = tb.tb_next
    return False


def is_db_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) means the database cannot be reached.

    The one place that knows the shapes of "the database is down": Tortoise's DBConnectionError;
    asyncpg's connection errors (closed in the middle of an operation, server shutting down or
    starting up) and its "connection is closed" interface error; a socket error (refused, reset,
    timed out, unknown host) raised inside the database driver; SQLite's "unable to open database
    file". A socket error from elsewhere (WeChat, Redis) is not the database's.
    """
    from tortoise.exceptions import DBConnectionError

    pg_types = _pg_unreachable_types()
    for item in _chain(exc):
        if isinstance(item, DBConnectionError) or (pg_types and isinstance(item, pg_types)):
            return True
        name = type(item).__name__
        if name == "InterfaceError" and type(item).__module__.startswith("asyncpg") and "closed" in str(item):
            return True
        if isinstance(item, sqlite3.Error) and str(item).lower().startswith(_SQLITE_UNREACHABLE):
            return True
        if name == "OperationalError" and str(item).lower().startswith(_SQLITE_UNREACHABLE):
            return True  # Tortoise's wrapper around sqlite3's, same message
        if isinstance(item, OSError) and _raised_in_db_code(item.__traceback__):
            return True  # refused, reset, timed out (TimeoutError is an OSError), unknown host...
    return False


class DbOutage:
    """The database being unreachable, said once: one ERROR when it starts, one INFO when it ends.

    Whoever meets an error that ``is_db_unavailable`` recognises calls ``note_db_unavailable``
    instead of logging it; ``db_ping`` (the health check and ``watch_ctx``) reports the end.
    """

    def __init__(self) -> None:
        self.since: float | None = None

    @property
    def down(self) -> bool:
        return self.since is not None

    def started(self, exc: BaseException) -> None:
        if self.since is not None:
            return
        self.since = time.monotonic()
        log.error("数据库无法连接（%s）：提交和需要数据库的查询暂时回答 503，恢复后自动继续",
                  _describe(exc))

    def ended(self) -> None:
        if self.since is None:
            return
        seconds = time.monotonic() - self.since
        self.since = None
        log.info("数据库已恢复连接（中断约 %.0f 秒）", seconds)

    def reset(self) -> None:
        self.since = None


OUTAGE = DbOutage()
WATCH_SECONDS = 1.0  # how often watch_ctx asks a database that is down whether it is back
_generation = 0


def note_db_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database is unreachable (the outage is then noted, once)."""
    if not is_db_unavailable(exc):
        return False
    OUTAGE.started(exc)
    return True


def db_generation() -> int:
    """Changes with every ``init_db``: in-memory copies of database rows are only good within one."""
    return _generation


async def watch_ctx(app: Any) -> AsyncIterator[None]:
    """aiohttp cleanup context: while the database is down, ask it every WATCH_SECONDS whether it
    is back, so the outage's end is logged even when nothing else would touch the database."""
    async def watch() -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if OUTAGE.down:
                await db_ping()

    task = asyncio.create_task(watch())
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


class _QuietPoolLog(logging.Filter):
    """asyncpg's pool logs every failed reconnection with a traceback; during an outage OUTAGE
    has said it already."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (exc is not None and note_db_unavailable(exc))


def _quiet_pool_log() -> None:
    pool_log = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, _QuietPoolLog) for f in pool_log.filters):
        pool_log.addFilter(_QuietPoolLog())
