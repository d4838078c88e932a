"""The database being unreachable, recognised in one place (chuangye.db.is_db_unavailable) from
the real errors of each driver, and the read-mostly lists served from their last copy meanwhile.

The unreachable database is a real client of the backend's own dialect pointed where nothing
answers: SQLite at a file in a folder that does not exist, PostgreSQL at a port nobody listens on.
"""
from __future__ import annotations

import logging
import threading
from datetime import date, timedelta
from typing import Any, Awaitable, Callable

import aiohttp
import pytest
from tortoise import connections
from tortoise.exceptions import DBConnectionError, IntegrityError

from chuangye.db import OUTAGE, db_ping, is_db_unavailable, is_postgres
from handlers.applications.training import course_listing
from handlers.appointments.windows import list_slots, window_listing
from tests.support.api import seed_windows_and_courses
from tests.support.resilience import free_port


def unreachable_client(db_url: str, tmp_path: Any) -> Any:
    if is_postgres(db_url):
        from tortoise.backends.asyncpg import AsyncpgDBClient

        return AsyncpgDBClient(user="postgres", database="nowhere", host="127.0.0.1", port=free_port(),
                               connection_name="default", minsize=1, maxsize=1)
    from tortoise.backends.sqlite import SqliteClient

    return SqliteClient(file_path=str(tmp_path / "gone" / "chuangye.db"), connection_name="default")


async def unreachable(db: Any, tmp_path: Any, call: Callable[[], Awaitable[Any]]) -> Any:
    """``call()`` with the database unreachable. One fresh client per call: Tortoise's SQLite client
    hangs on its second query after a failed open, and leaves aiosqlite's worker thread running
    (stopped here, while this test's event loop still runs, so it cannot fail in a later test)."""
    import aiosqlite.core

    before = set(threading.enumerate())
    client = unreachable_client(db.database.url, tmp_path)
    token = connections.set("default", client)
    try:
        return await call()
    finally:
        connections.reset(token)
        await client.close()
        for thread in set(threading.enumerate()) - before:
            if getattr(thread, "_target", None) is aiosqlite.core._connection_worker_thread:
                thread._args[0].put_nowait((None, lambda: aiosqlite.core._STOP_RUNNING_SENTINEL))
                thread.join(5)


async def raised_by(awaitable: Any) -> BaseException:
    try:
        await awaitable
    except Exception as exc:  # noqa: BLE001 (the point is to look at it)
        return exc
    raise AssertionError("nothing was raised")


async def test_the_drivers_own_errors_for_an_unreachable_database_are_recognised(db, tmp_path):
    exc = await unreachable(db, tmp_path, lambda: raised_by(list_slots(1, date.today() + timedelta(days=1))))
    assert is_db_unavailable(exc), repr(exc)


async def test_while_the_database_is_unreachable_windows_and_courses_come_from_their_last_copy(db, tmp_path):
    await seed_windows_and_courses()
    fresh, near, courses = await window_listing(), await window_listing(25.7, 101.87, 3), await course_listing()
    assert fresh.as_of is None and courses.as_of is None and fresh.value
    copy = await unreachable(db, tmp_path, window_listing)
    assert copy.as_of is not None and copy.value == fresh.value
    assert (await unreachable(db, tmp_path, lambda: window_listing(25.7, 101.87, 3))).value == near.value
    kept = await unreachable(db, tmp_path, course_listing)
    assert kept.as_of is not None and [c["id"] for c in kept.value] == [c["id"] for c in courses.value]
    # A county never read before has no copy: the error goes on to the caller (503 in the API).
    assert is_db_unavailable(await unreachable(db, tmp_path, lambda: raised_by(course_listing("永仁县"))))
    assert (await window_listing()).as_of is None


async def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(db, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="chuangye.db")
    assert [await unreachable(db, tmp_path, db_ping) for _ in range(3)] == [False, False, False]
    assert OUTAGE.down
    assert await db_ping() and not OUTAGE.down
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "chuangye.db"]
    assert [level for level, _ in lines] == ["ERROR", "INFO"], lines
    assert lines[0][1].startswith("数据库无法连接") and lines[1][1].startswith("数据库已恢复")
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_errors_that_are_not_the_database_being_unreachable_are_not_taken_for_it(backend):
    async with aiohttp.ClientSession() as session:  # WeChat (or any web service) refusing: not the database
        refused = await raised_by(session.get(f"http://127.0.0.1:{free_port()}/"))
    assert isinstance(refused, OSError) and not is_db_unavailable(refused)
    assert not is_db_unavailable(ConnectionResetError("raised by our own code"))
    assert not is_db_unavailable(IntegrityError("duplicate key value violates unique constraint"))
    assert not is_db_unavailable(ValueError("bad input"))
    try:
        try:
            raise DBConnectionError("can't connect")
        except DBConnectionError as inner:
            raise RuntimeError("while saving") from inner
    except RuntimeError as outer:
        assert is_db_unavailable(outer)  # recognised through the chain of causes
