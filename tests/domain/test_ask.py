"""The policy-question use case shared by both channels records every question."""
from handlers.knowledge_ops.ask import answer_policy_question
from knowledge import KnowledgeBase
from orm_models import QuestionLog


async def test_answering_records_the_question_with_its_confidence(db):
    kb = await KnowledgeBase.load_async(db.knowledge.dir)
    answer = await answer_policy_question(kb, "  创业担保贷款能贷多少  ", channel="oa", openid="o-1")
    assert answer.confident
    row = await QuestionLog.get(openid="o-1")
    assert (row.channel, row.question, row.confident, row.top_passage) == (
        "oa", "创业担保贷款能贷多少", True, "guaranteed-loan#贷款额度")


async def test_an_unconfident_question_is_logged_for_staff_follow_up(db):
    kb = await KnowledgeBase.load_async(db.knowledge.dir)
    answer = await answer_policy_question(kb, "今天天气怎么样", channel="api")
    assert not answer.confident
    assert await QuestionLog.filter(confident=False, channel="api").count() == 1


async def test_a_failed_log_write_still_returns_the_answer(db, monkeypatch):
    kb = await KnowledgeBase.load_async(db.knowledge.dir)

    async def broken(**kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(QuestionLog, "create", broken)
    answer = await answer_policy_question(kb, "创业担保贷款能贷多少", channel="oa", openid="o-2")
    assert answer.confident and "30万元" in answer.text
