"""The shipped Markdown documents become data: imported once, passage ids and answers unchanged,
an upgrade never silently overwrites a staff edit; every process follows the database's version."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import yaml

from handlers.knowledge_ops import documents, sync
from knowledge import KnowledgeBase
from knowledge.documents import load_directory
from knowledge.evaluate import QUESTIONS
from orm_models import KbDocument, KbRevision, KbSegment
from tests.support.staff import make_staff
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)


def _plain(passages):
    return [replace(p, segment_id=None, document_id=None) for p in passages]


async def test_shipped_files_are_imported_once_with_the_passage_ids_and_text_the_files_had(db):
    first = await sync.import_shipped(db.knowledge.dir)
    count, from_files = load_directory(db.knowledge.dir)
    assert first.created == count and await KbDocument.filter(origin="shipped", status="published").count() == count
    assert await sync.import_shipped(db.knowledge.dir) == sync.ShippedResult()  # idempotent
    from_db, documents_used = await sync.load_passages()
    assert documents_used == count
    assert _plain(from_db) == from_files
    assert await KbRevision.filter(action="shipped").count() == count


async def test_answers_from_the_database_are_the_answers_the_files_gave(db):
    await sync.import_shipped(db.knowledge.dir)
    files_kb = await KnowledgeBase.load_async(db.knowledge.dir)
    passages, n = await sync.load_passages()
    db_kb = await KnowledgeBase.from_passages_async(passages, n)
    questions = [case["q"] for case in yaml.safe_load(Path(QUESTIONS).read_text(encoding="utf-8"))]
    assert len(questions) > 20
    for q in questions:
        a, b = files_kb.answer(q), db_kb.answer(q)
        assert (a.text, a.confident, a.passage_id) == (b.text, b.confident, b.passage_id), q


async def test_an_upgrade_updates_an_unedited_document_but_keeps_a_staff_edit_and_says_so(db, tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(db.knowledge.dir, folder)
    await sync.import_shipped(folder)
    loan = await KbDocument.get(shipped_key="guaranteed-loan")
    plan = await KbDocument.get(shipped_key="plan-2024")
    staff = await make_staff("kb_pref", "prefecture")
    segment = await KbSegment.filter(document_id=plan.id).order_by("position").first()
    await documents.patch_segment(staff, segment.id, text="工作人员改过的段落（测试）。")

    for name in ("01-guaranteed-loan.md", "00-plan-2024.md"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8") + "\n## 新增小节\n升级带来的新内容（测试）。\n", encoding="utf-8")
    result = await sync.import_shipped(folder)
    assert (result.updated, result.waiting, result.created) == (1, 1, 0)

    loan_segments = await KbSegment.filter(document_id=loan.id).order_by("position")
    assert loan_segments[-1].heading == "新增小节" and (await KbDocument.get(id=loan.id)).version == 2
    plan_segments = await KbSegment.filter(document_id=plan.id).order_by("position")
    assert plan_segments[0].text == "工作人员改过的段落（测试）。"
    assert all(s.heading != "新增小节" for s in plan_segments)
    rows = {d["id"]: d for d in await documents.list_documents()}
    assert rows[plan.id]["upstream_changed"] is True and rows[loan.id]["upstream_changed"] is False
    assert await sync.import_shipped(folder) == sync.ShippedResult()  # and it is said once, not again


async def test_every_process_follows_a_change_through_the_database_without_any_shared_store(db):
    kb_a = KnowledgeBase.from_passages([], 0, directory=db.knowledge.dir)
    kb_b = KnowledgeBase.from_passages([], 0, directory=db.knowledge.dir)
    sync_a, sync_b = sync.KnowledgeSync(kb_a), sync.KnowledgeSync(kb_b)  # no Redis, no store at all
    assert await sync_a.refresh() and await sync_b.refresh()
    assert await sync_b.refresh() is False
    question = "创业担保贷款能贷多少"
    assert kb_b.answer(question).confident
    loan = await KbDocument.get(shipped_key="guaranteed-loan")
    await documents.disable(None, loan.id)
    assert await sync_b.refresh() is True
    assert not (kb_b.answer(question).passage_id or "").startswith("guaranteed-loan#")
    assert kb_b.document_count == kb_a.document_count - 1


async def test_documents_another_process_imported_meanwhile_are_left_to_it_and_the_rest_still_come_in(db, tmp_path, monkeypatch):
    """A first start-up imports every file in one transaction; when another process started at the
    same time got one in first, that transaction fails on it, and the files come in one by one."""
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(Path(db.knowledge.dir) / "01-guaranteed-loan.md", other)
    assert (await sync.import_shipped(other)).created == 1  # the other process
    version_before = await sync.version()
    real_filter = KbDocument.filter

    def read_before_the_other_process_committed(*args, **kwargs):
        if kwargs == {"origin": "shipped"}:
            return real_filter(id=-1)
        return real_filter(*args, **kwargs)

    count, _ = load_directory(db.knowledge.dir)
    with monkeypatch.context() as patched:
        patched.setattr(KbDocument, "filter", read_before_the_other_process_committed)
        result = await sync.import_shipped(db.knowledge.dir)
    assert result.created == count - 1
    assert await KbDocument.filter(origin="shipped").count() == count
    assert await KbDocument.filter(shipped_key="guaranteed-loan").count() == 1
    assert await KbRevision.filter(action="shipped").count() == count
    assert await sync.version() != version_before
