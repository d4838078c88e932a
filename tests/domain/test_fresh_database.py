"""Each PostgreSQL test starts as after migrating: every table empty, every id from 1 again. The
fixture truncates only what the previous test touched (tests/conftest.py ``_truncate_pg``), so what
it skips must already be fresh."""
from __future__ import annotations

import asyncpg

from tests.conftest import _truncate_pg


_AUDIT = ("INSERT INTO audit_logs (username, action, object_type, detail, created_at) "
          "VALUES ('admin', 'view', 'loan', '{}', now())")


async def _state(conn: asyncpg.Connection) -> tuple[list[str], list[str]]:
    tables = [r["tablename"] for r in await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename NOT LIKE 'tortoise_%'")]
    filled = [t for t in tables if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{t}")')]
    used = [r["sequencename"] for r in await conn.fetch(
        "SELECT sequencename FROM pg_sequences WHERE schemaname='public' AND last_value IS NOT NULL")]
    return filled, used


async def test_rows_left_behind_and_ids_used_by_deleted_rows_are_both_reset(pg_database):
    conn = await asyncpg.connect(pg_database.replace("postgres://", "postgresql://", 1))
    try:
        await _truncate_pg(pg_database)
        assert await _state(conn) == ([], [])
        await conn.execute("INSERT INTO training_courses (key, kind, title, description, is_active) "
                           "VALUES ('c1', 'k', '中彝医药', '', true), ('c2', 'k', '民族药膳', '', true)")
        await conn.execute(_AUDIT)
        await conn.execute("DELETE FROM audit_logs")  # empty again, but its ids have moved on
        filled, used = await _state(conn)
        assert filled == ["training_courses"] and {"training_courses_id_seq", "audit_logs_id_seq"} <= set(used)

        await _truncate_pg(pg_database)
        assert await _state(conn) == ([], [])
        assert await conn.fetchval("INSERT INTO training_courses (key, kind, title, description, is_active) "
                                   "VALUES ('c3', 'k', '养老护理', '', true) RETURNING id") == 1
        assert await conn.fetchval(_AUDIT + " RETURNING id") == 1
    finally:
        await conn.close()
        await _truncate_pg(pg_database)
