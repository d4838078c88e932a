"""Feedback on answers (有用/没用) on a real database (both backends): one vote per answer, a 没用
joins the unanswered-question list with its segment and counts against that segment."""
from __future__ import annotations

import pytest

from handlers.errors import InvalidInput, NotFound
from handlers.knowledge_ops import faq
from handlers.knowledge_ops.ask import answer_policy_question
from handlers.knowledge_ops.feedback import record_feedback, verdict
from knowledge import KnowledgeBase
from orm_models import KbDocument, KbSegment, QuestionLog


async def _answered(question: str = "彝绣大赛几时报名") -> tuple[QuestionLog, KbSegment]:
    document = await KbDocument.create(title="彝绣创业大赛通知", confidence="已确认", status="published")
    segment = await KbSegment.create(document=document, position=1, heading="报名时间", text="每年3月报名（测试数据）。",
                                     used_count=1)
    row = await QuestionLog.create(channel="api", question=question, confident=True, top_passage=f"kb{document.id}#1",
                                   score=9.0, segment_id=segment.id)
    return row, segment


async def test_a_useless_answer_joins_the_backlog_with_its_segment_and_counts_against_it(db):
    row, segment = await _answered()
    await record_feedback(row.id, False, "没说在哪里报名")
    (group,) = await faq.unconfident_questions()
    assert (group.ids, group.useless, group.segment_id) == ([row.id], 1, segment.id)
    assert group.segment_label == "《彝绣创业大赛通知》报名时间"
    assert (await KbSegment.get(id=segment.id)).useless_count == 1
    stored = await QuestionLog.get(id=row.id)
    assert (stored.helpful, stored.feedback_comment) == (False, "没说在哪里报名") and stored.feedback_at is not None


async def test_a_second_vote_replaces_the_first_and_the_count_follows(db):
    row, segment = await _answered()
    await record_feedback(row.id, False)
    await record_feedback(row.id, False)  # the same vote again counts once
    assert (await KbSegment.get(id=segment.id)).useless_count == 1
    changed = await record_feedback(row.id, True)
    assert changed.changed and (await KbSegment.get(id=segment.id)).useless_count == 0
    assert (await QuestionLog.get(id=row.id)).helpful is True
    assert await faq.unconfident_questions() == []  # a helpful answer is not a question to work on


async def test_feedback_on_an_unknown_answer_is_not_found_and_a_long_comment_is_refused(db):
    with pytest.raises(NotFound):
        await record_feedback(987654, True)
    row, _ = await _answered()
    with pytest.raises(InvalidInput) as err:
        await record_feedback(row.id, False, "长" * 501)
    assert "comment" in err.value.fields
    assert (await QuestionLog.get(id=row.id)).helpful is None


async def test_the_answer_carries_the_id_of_its_log_row_and_the_segment_it_used(db):
    kb = await KnowledgeBase.load_async(db.knowledge.dir)
    answer = await answer_policy_question(kb, "创业担保贷款能贷多少", channel="api")
    row = await QuestionLog.get(id=answer.answer_id)
    assert row.confident and row.segment_id == answer.segment_id


async def test_a_failed_log_write_answers_without_an_id(db, monkeypatch):
    kb = await KnowledgeBase.load_async(db.knowledge.dir)

    async def broken(**kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(QuestionLog, "create", broken)
    answer = await answer_policy_question(kb, "创业担保贷款能贷多少", channel="api")
    assert answer.confident and answer.answer_id is None


@pytest.mark.parametrize("text,expected", [
    ("有用", True), ("有用！", True), (" 没用 ", False), ("没有用", False), ("没用。", False),
    ("有用吗这个贷款", None), ("贷款", None), ("", None),
])
def test_only_a_plain_useful_or_useless_is_a_vote(text, expected):
    assert verdict(text) is expected
