"""Migration 0014: the columns that records are looked up by ("this user's appointments", "this event's
sign-ups", "this notification's attempts") carry an index on both backends, so a booking's limit
checks and a user's listings do not read the whole table as it grows; and the SQLite upgrade keeps
every index the tables had (a table rebuild would silently drop them, the partial unique index too)."""
from __future__ import annotations

import sqlite3

import pytest
from tortoise import connections

from chuangye.db import migrate
from tests.support.migrations import sqlite_at

LOOKUP_COLUMNS = {
    "appointments": ["user_id", "window_id"],
    "loan_applications": ["user_id"],
    "training_applications": ["user_id", "session_id"],
    "carrier_applications": ["user_id", "carrier_id"],
    "event_registrations": ["user_id", "event_id"],
    "mentor_requests": ["user_id", "mentor_id"],
    "mentor_follow_ups": ["request_id"],
    "handoff_messages": ["session_id"],
    "notification_attempts": ["notification_id"],
}
PG_LEADING_COLUMNS = """
SELECT t.relname AS tbl, a.attname AS col FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
"""


def sqlite_leading_columns(db: sqlite3.Connection) -> set[tuple[str, str]]:
    out = set()
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for index in db.execute(f'PRAGMA index_list("{table}")').fetchall():
            first = db.execute(f'PRAGMA index_info("{index[1]}")').fetchone()
            if first is not None and first[2] is not None:  # a real column, not an expression
                out.add((table, first[2]))
    return out


def expected() -> set[tuple[str, str]]:
    return {(table, column) for table, columns in LOOKUP_COLUMNS.items() for column in columns}


async def test_lookup_columns_lead_an_index_on_this_backend(db, backend):
    conn = connections.get("default")
    if backend == "pg":
        have = {(r["tbl"], r["col"]) for r in await conn.execute_query_dict(PG_LEADING_COLUMNS)}
    else:
        have = sqlite_leading_columns(sqlite3.connect(db.database.url.removeprefix("sqlite://")))
    assert expected() - have == set()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_upgrade_from_0013_adds_them_and_keeps_every_index_it_had(tmp_path, backend):
    path, config = await sqlite_at(tmp_path, "0013_segment_questions")
    with sqlite3.connect(path) as old:
        before = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        before_columns = sqlite_leading_columns(old)
    assert "uniq_loan_open_per_person" in before and not expected() <= before_columns
    await migrate(config)
    with sqlite3.connect(path) as new:
        after = {r[0] for r in new.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert before <= after
        assert expected() <= sqlite_leading_columns(new)
