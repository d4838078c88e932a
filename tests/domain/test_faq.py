"""The unconfident-question backlog and staff FAQ entries on a real database (both backends)."""
from __future__ import annotations

import pytest

from handlers.knowledge_ops import faq
from handlers.errors import InvalidInput, NotFound
from knowledge import KnowledgeBase
from orm_models import FaqEntry, QuestionLog, StaffAccount

ODD_QUESTION = "申请表能不能用铅笔填"
STAFF_ANSWER = "申请表请用黑色签字笔填写，不要用铅笔（测试数据）。"


async def staff_member() -> StaffAccount:
    return await StaffAccount.create(username="pref", display_name="州级", password_hash="x", role="prefecture")


async def log_question(text: str, confident: bool = False, **extra) -> QuestionLog:
    return await QuestionLog.create(channel="oa", openid="o1", question=text, confident=confident, **extra)


async def test_the_backlog_groups_near_identical_wordings_and_counts_them(db):
    a = await log_question("贷款要啥子材料？")
    b = await log_question("贷款要啥子材料")
    c = await log_question("摆摊要不要办执照")
    await log_question("创业担保贷款能贷多少", confident=True)
    await log_question("已经处理过的问题", handled=True)
    groups = await faq.unconfident_questions()
    assert [(g.count, sorted(g.ids)) for g in groups] == [(2, sorted([a.id, b.id])), (1, [c.id])]


async def test_creating_an_entry_marks_its_questions_handled(db):
    staff = await staff_member()
    q1, q2 = await log_question(ODD_QUESTION), await log_question(ODD_QUESTION + "？")
    entry = await faq.create_entry(staff, ODD_QUESTION, STAFF_ANSWER, "元谋县人社局答复（测试）", [q1.id, q2.id])
    assert entry.active and entry.from_question_id == q1.id
    assert await QuestionLog.filter(handled=True).count() == 2
    assert await faq.unconfident_questions() == []
    assert entry.created_by_id == staff.id


@pytest.mark.parametrize(
    ("question", "answer", "source", "ids", "field", "message"),
    [
        ("", STAFF_ANSWER, "人社局", None, "question", "问题必填，最长 200 个字"),
        (ODD_QUESTION, "", "人社局", None, "answer", "答案必填，最长 500 个字（要能放进一条微信消息）"),
        (ODD_QUESTION, "答" * 501, "人社局", None, "answer", "答案必填，最长 500 个字（要能放进一条微信消息）"),
        (ODD_QUESTION, STAFF_ANSWER, " ", None, "source", "请注明答案的依据（文件名称或答复部门），最长 200 个字"),
        (ODD_QUESTION, STAFF_ANSWER, "人社局", ["1"], "question_ids", "问题编号应为整数列表"),
        (ODD_QUESTION, STAFF_ANSWER, "人社局", [999999], "question_ids", "部分问题记录不存在，请刷新列表后重试"),
    ],
)
async def test_a_bad_entry_is_refused_naming_the_field_and_stores_nothing(db, question, answer, source, ids, field, message):
    staff = await staff_member()
    with pytest.raises(InvalidInput) as err:
        await faq.create_entry(staff, question, answer, source, ids)
    assert err.value.fields == {field: message}
    assert await FaqEntry.all().count() == 0


async def test_dismissing_questions_takes_them_off_the_backlog(db):
    staff = await staff_member()
    q = await log_question("你好")
    assert await faq.dismiss_questions([q.id]) == 1
    assert await faq.unconfident_questions() == []
    with pytest.raises(InvalidInput) as err:
        await faq.dismiss_questions([])
    assert err.value.fields == {"question_ids": "请选择要忽略的问题"}


async def test_an_entry_reaches_every_processs_knowledge_base_without_a_restart(db, store):
    """Two processes, each with its own knowledge base, share the store: a change in one shows in both."""
    staff = await staff_member()
    kb_a = await KnowledgeBase.load_async(db.knowledge.dir)
    kb_b = await KnowledgeBase.load_async(db.knowledge.dir)
    sync_a, sync_b = faq.FaqSync(kb_a, store), faq.FaqSync(kb_b, store)
    await sync_a.refresh(), await sync_b.refresh()
    assert STAFF_ANSWER not in kb_b.answer(ODD_QUESTION).text

    await faq.create_entry(staff, ODD_QUESTION, STAFF_ANSWER, "元谋县人社局答复（测试）")
    await sync_a.changed()
    assert STAFF_ANSWER in kb_a.answer(ODD_QUESTION).text
    assert await sync_b.refresh() is True
    answer = kb_b.answer(ODD_QUESTION)
    assert answer.confident and STAFF_ANSWER in answer.text
    assert await sync_b.refresh() is False  # nothing changed since

    entry = await FaqEntry.get(question=ODD_QUESTION)
    assert (await faq.deactivate_entry(entry.id)).active is False
    with pytest.raises(NotFound):
        await faq.deactivate_entry(entry.id + 1000)
    await sync_a.changed()
    assert await sync_b.refresh() is True
    assert STAFF_ANSWER not in kb_b.answer(ODD_QUESTION).text
