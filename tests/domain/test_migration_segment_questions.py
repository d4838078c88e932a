"""Migration 0013: the similar-questions column is added to a kb_segments table that already holds
segments (the upgrade every running deployment makes), and those segments read an empty list."""
from __future__ import annotations

import sqlite3

import pytest

from chuangye.db import close_db, init_db, migrate
from orm_models import KbSegment
from tests.support.migrations import sqlite_at


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_segments_stored_before_the_column_existed_get_an_empty_list(tmp_path, backend):
    path, config = await sqlite_at(tmp_path, "0012_team_webhook")
    with sqlite3.connect(path) as db:  # the rows as the code before 0013 wrote them
        db.execute("INSERT INTO kb_documents (id, title, issuer, doc_number, source_url, confidence, status, version, "
                   "origin, staff_edited, needs_check, kind, caveat, note, filename, created_at, updated_at) "
                   "VALUES (1, '通知', '', '', '', '已确认', 'published', 1, 'uploaded', 0, 0, '', '', '', 'a.md', "
                   "'2026-01-01 00:00:00+08:00', '2026-01-01 00:00:00+08:00')")
        db.execute("INSERT INTO kb_segments (id, document_id, position, heading, text, enabled, used_count, useless_count) "
                   "VALUES (1, 1, 1, '报名', '三月报名。', 1, 0, 0)")
    await migrate(config)
    await init_db(config)
    try:
        segment = await KbSegment.get(id=1)
        assert (segment.text, segment.questions) == ("三月报名。", [])
    finally:
        await close_db()
