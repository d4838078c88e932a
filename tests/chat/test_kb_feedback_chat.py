"""In chat, a confident answer ends with a one-line 有用/没用 hint; a reply of 有用/没用 right after it
rates that answer (a 没用 reaches the staff backlog and the segment's count); without an answer to
rate, the words are just a question."""
from __future__ import annotations

from handlers import texts
from handlers.knowledge_ops import faq
from orm_models import KbSegment, QuestionLog
from tests.api.test_staff_kb import TOPIC_MD, uploaded
from tests.support.chat import Chat
from tests.support.kb_files import TOPIC_FACT, TOPIC_QUESTION
from tests.support.staff import make_staff, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

API = "/api/v1/staff/kb"


async def _published(client) -> dict:
    await make_staff("kb_pref", "prefecture")
    heads = await token(client, "kb_pref")
    doc = await uploaded(client, heads, "a.md", TOPIC_MD, title="彝绣创业大赛通知")
    await client.post(f"{API}/documents/{doc['id']}/publish", headers=heads)
    return doc


async def test_a_useless_reply_after_a_confident_answer_rates_it_and_reaches_the_backlog(client, config):
    doc = await _published(client)
    chat = Chat(client, config, "o-feedback")
    reply = await chat.say(TOPIC_QUESTION)
    assert TOPIC_FACT in reply and reply.endswith("\n" + texts.FEEDBACK_HINT)
    assert len(reply.encode("utf-8")) <= texts.WECHAT_TEXT_BYTES

    assert await chat.say("没用") == texts.FEEDBACK_SORRY
    row = await QuestionLog.get(openid="o-feedback", question=TOPIC_QUESTION)
    assert row.helpful is False
    segment = await KbSegment.get(document_id=doc["id"], position=1)
    assert (segment.used_count, segment.useless_count) == (1, 1)
    assert any(row.id in g.ids and g.useless == 1 for g in await faq.unconfident_questions())

    assert await chat.say("有用！") == texts.FEEDBACK_THANKS  # changed their mind: the last vote counts
    assert (await QuestionLog.get(id=row.id)).helpful is True
    assert (await KbSegment.get(id=segment.id)).useless_count == 0


async def test_without_a_confident_answer_just_before_the_words_are_not_a_vote(client, config):
    chat = Chat(client, config, "o-no-answer")
    reply = await chat.say("有用")
    assert reply not in (texts.FEEDBACK_THANKS, texts.FEEDBACK_SORRY)
    unsure = await chat.say("怎么办理护照")
    assert texts.FEEDBACK_HINT not in unsure
    assert await chat.say("没用") != texts.FEEDBACK_SORRY
    assert await QuestionLog.filter(helpful__not_isnull=True).count() == 0
