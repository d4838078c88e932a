"""Question logs written behind (handlers/knowledge_ops/question_log.py), on both backends: ids from the
table's own sequence, a batch written after FLUSH_SECONDS or at shutdown, feedback on a row still
waiting here or in another process."""
from __future__ import annotations

import asyncio

from handlers.errors import NotFound
from handlers.knowledge_ops import question_log
from handlers.knowledge_ops.ask import Asking, answer_policy_question
from handlers.knowledge_ops.feedback import record_feedback
from handlers.knowledge_ops.question_log import QuestionLogWriter, allocate_ids, highest_allocated, wait_written
from knowledge import KnowledgeBase
from orm_models import KbDocument, KbSegment, QuestionLog

ROW = dict(channel="oa", openid="o-behind", question="创业担保贷款能贷多少", confident=False, top_passage=None,
           score=0.0, segment_id=None)


async def _segment() -> KbSegment:
    document = await KbDocument.create(title="彝绣创业大赛通知", confidence="已确认", status="published")
    return await KbSegment.create(document=document, position=1, heading="报名时间", text="每年3月报名（测试数据）。")


async def test_ids_come_from_the_tables_own_sequence_and_never_collide_with_ordinary_inserts(db):
    before = await QuestionLog.create(**ROW)
    block = await allocate_ids(5)
    assert block == list(range(block[0], block[0] + 5)) and block[0] > before.id
    assert await highest_allocated() >= block[-1]
    after = await QuestionLog.create(**ROW)  # another process writing as before
    assert after.id > block[-1]
    writer = QuestionLogWriter(flush_seconds=60)
    writer._ids.extend(block)
    ids = [await writer.add(**ROW) for _ in range(5)]
    assert ids == block
    await writer.close()
    assert sorted(await QuestionLog.all().values_list("id", flat=True)) == sorted([before.id, after.id, *block])


async def test_a_batch_waits_then_is_written_with_the_segments_use_counts(db):
    segment = await _segment()
    writer = QuestionLogWriter(flush_seconds=0.2)
    ids = [await writer.add(**{**ROW, "confident": True, "segment_id": segment.id}) for _ in range(3)]
    assert await QuestionLog.filter(id__in=ids).count() == 0 and writer.pending == 3  # not written yet
    await asyncio.sleep(0.6)
    rows = await QuestionLog.filter(id__in=ids).order_by("id")
    assert [r.id for r in rows] == ids and all(r.confident and r.segment_id == segment.id for r in rows)
    assert (await KbSegment.get(id=segment.id)).used_count == 3 and writer.pending == 0
    other = await KbSegment.create(document_id=segment.document_id, position=2, heading="评审", text="四月评审（测试数据）。")
    for segment_id in (segment.id, other.id, other.id, None):  # several segments in one batch, and an unsure answer
        await writer.add(**{**ROW, "confident": segment_id is not None, "segment_id": segment_id})
    await writer.flush()
    assert [(await KbSegment.get(id=s)).used_count for s in (segment.id, other.id)] == [4, 2]
    await writer.close()


async def test_what_waits_is_written_at_shutdown(db):
    writer = QuestionLogWriter(flush_seconds=3600)
    ids = [await writer.add(**ROW) for _ in range(4)]
    assert await QuestionLog.filter(id__in=ids).count() == 0
    await writer.close()
    assert await QuestionLog.filter(id__in=ids).count() == 4


async def test_a_full_batch_is_written_without_waiting_for_the_timer(db):
    writer = QuestionLogWriter(flush_seconds=3600, batch_rows=3)
    ids = [await writer.add(**ROW) for _ in range(3)]
    for _ in range(50):
        if await QuestionLog.filter(id__in=ids).count() == 3:
            break
        await asyncio.sleep(0.02)
    assert await QuestionLog.filter(id__in=ids).count() == 3
    await writer.close()


async def test_rows_arriving_while_a_batch_is_written_wait_for_one_next_batch(db, monkeypatch):
    """Questions keep coming while a batch is being written: they go into one next batch, not into a
    flush (and a transaction) each, queued behind the first."""
    writer = QuestionLogWriter(flush_seconds=3600, batch_rows=3)
    real_insert, release, inserts = question_log._insert, asyncio.Event(), []

    async def slow_insert(conn, rows):
        inserts.append(len(rows))
        await release.wait()
        await real_insert(conn, rows)

    monkeypatch.setattr(question_log, "_insert", slow_insert)
    ids = [await writer.add(**ROW) for _ in range(3)]
    for _ in range(50):  # the first batch is being written
        if inserts:
            break
        await asyncio.sleep(0.01)
    ids += [await writer.add(**ROW) for _ in range(30)]
    await asyncio.sleep(0.05)
    assert len(writer._tasks) <= 3  # the first add's timer, the batch being written, one flush asked for the next
    release.set()
    await writer.close()
    assert inserts == [3, 30]
    assert await QuestionLog.filter(id__in=ids).count() == 33


async def test_a_batch_that_cannot_be_written_is_kept_and_written_later(db, monkeypatch):
    writer = QuestionLogWriter(flush_seconds=3600)
    first = await writer.add(**ROW)
    real = question_log._insert

    async def broken(*args, **kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(question_log, "_insert", broken)
    await writer.flush()
    assert writer.holds(first) and await QuestionLog.filter(id=first).count() == 0
    second = await writer.add(**ROW)
    monkeypatch.setattr(question_log, "_insert", real)
    await writer.close()
    assert await QuestionLog.filter(id__in=[first, second]).count() == 2


async def test_feedback_on_an_answer_still_waiting_here_writes_it_first(db):
    segment = await _segment()
    asking = Asking(QuestionLogWriter(flush_seconds=3600))
    row_id = await asking.log.add(**{**ROW, "confident": True, "segment_id": segment.id})
    assert asking.log.holds(row_id)
    recorded = await record_feedback(row_id, False, "没说地点", asking=asking)
    assert recorded.answer_id == row_id and not asking.log.holds(row_id)
    row = await QuestionLog.get(id=row_id)
    assert row.helpful is False and row.feedback_comment == "没说地点"
    assert (await KbSegment.get(id=segment.id)) .useless_count == 1
    await asking.close()


async def test_feedback_on_an_answer_waiting_in_another_process_waits_for_its_flush(db):
    other = QuestionLogWriter(flush_seconds=0.4)  # another process's writer: this one does not hold the row
    row_id = await other.add(**ROW)
    here = Asking(QuestionLogWriter())
    assert not here.log.holds(row_id)
    recorded = await record_feedback(row_id, True, asking=here)  # would be a 404 without the wait
    assert recorded.answer_id == row_id and (await QuestionLog.get(id=row_id)).helpful is True
    await other.close()
    await here.close()


async def test_an_unknown_id_is_still_not_found(db, monkeypatch):
    monkeypatch.setattr(question_log, "PENDING_WAIT_SECONDS", 0.3)
    asking = Asking(QuestionLogWriter())
    try:
        await record_feedback(await highest_allocated() + 1000, True, asking=asking)
        raise AssertionError("expected NotFound")
    except NotFound:
        pass
    lost = (await allocate_ids(1))[0]  # given out, never written (a crash lost it): not found after the wait
    assert await wait_written(lost, timeout=0.3) is False
    try:
        await record_feedback(lost, True, asking=asking)
        raise AssertionError("expected NotFound")
    except NotFound:
        pass
    await asking.close()


async def test_the_use_case_with_the_apps_asking_gives_the_id_at_once_and_the_same_answer(db):
    kb = await KnowledgeBase.load_async(db.knowledge.dir)
    asking = Asking(QuestionLogWriter(flush_seconds=3600))
    behind = await answer_policy_question(kb, "创业担保贷款能贷多少", channel="oa", openid="o-1", asking=asking)
    direct = await answer_policy_question(kb, "创业担保贷款能贷多少", channel="oa", openid="o-1")
    assert behind.recorded and asking.log.holds(behind.answer_id)
    assert (behind.text, behind.sources, behind.confident) == (direct.text, direct.sources, direct.confident)
    await asking.close()
    row = await QuestionLog.get(id=behind.answer_id)
    assert (row.channel, row.question, row.confident, row.top_passage) == (
        "oa", "创业担保贷款能贷多少", True, "guaranteed-loan#贷款额度")


async def test_rows_written_in_a_batch_read_back_like_rows_the_orm_creates(db):
    writer = QuestionLogWriter(flush_seconds=3600)
    row_id = await writer.add(**{**ROW, "confident": True, "top_passage": "loan#amount", "score": 1.25, "segment_id": 7})
    await writer.close()
    written = await QuestionLog.get(id=row_id)
    created = await QuestionLog.create(**{**ROW, "confident": True, "top_passage": "loan#amount", "score": 1.25,
                                          "segment_id": 7})
    fields = ("channel", "openid", "question", "confident", "top_passage", "score", "segment_id", "handled", "helpful",
              "feedback_comment", "feedback_at")
    assert {f: getattr(written, f) for f in fields} == {f: getattr(created, f) for f in fields}
    assert written.handled is False and written.helpful is None and written.feedback_comment == ""
    assert abs((created.created_at - written.created_at).total_seconds()) < 60  # a timezone-aware time, as created


async def test_the_next_block_of_ids_is_taken_before_this_one_runs_out(db):
    writer = QuestionLogWriter(flush_seconds=3600)
    await writer.add(**ROW)  # the first question waits for a block
    assert len(writer._ids) == question_log.BLOCK - 1
    while len(writer._ids) > question_log.REFILL_AT:
        await writer.add(**ROW)
    await writer.add(**ROW)  # this one asks for the next block and does not wait for it
    assert writer._refill is not None
    await writer._refill
    assert len(writer._ids) > question_log.BLOCK  # still ids in hand: no question waited
    await writer.close()
