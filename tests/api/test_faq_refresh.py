"""FAQ entries written by another process reach this process's chat answers without a restart,
and a message does not read the shared FAQ version more than once per ``FAQ_CHECK_SECONDS``."""
from __future__ import annotations

from typing import Any

from bot import handoff as bot_handoff
from tests.support.chat import Chat
from chuangye.store import RedisStore
from handlers.knowledge_ops import faq
from knowledge import KnowledgeBase
from orm_models import FaqEntry

QUESTION = "申请表能不能用铅笔填"
ANSWER = "申请表请用黑色签字笔填写，不要用铅笔（测试数据）。"


async def test_an_entry_from_another_process_is_answered_from_once_the_check_is_due(client, config, monkeypatch):
    reads: list[str] = []
    real_version = faq.FaqSync._version

    async def version(self: Any) -> str:
        reads.append("read")
        return await real_version(self)

    monkeypatch.setattr(faq.FaqSync, "_version", version)
    monkeypatch.setattr(bot_handoff, "FAQ_CHECK_SECONDS", 60.0)
    chat = Chat(client, config, "o-faq-elsewhere")
    assert ANSWER not in await chat.say(QUESTION)
    assert ANSWER not in await chat.say(QUESTION)
    assert reads == ["read"]  # the second message trusted the check made by the first

    other_store = RedisStore(config.redis.url, config.redis.namespace) if config.redis.url else chat.store
    try:  # another process: its own knowledge base, the same database and store
        other = faq.FaqSync(await KnowledgeBase.load_async(config.knowledge.dir), other_store)
        await FaqEntry.create(question=QUESTION, answer=ANSWER, source="测试")
        await other.changed()
    finally:
        if other_store is not chat.store:
            await other_store.close()
    monkeypatch.setattr(bot_handoff, "FAQ_CHECK_SECONDS", 0.0)
    assert ANSWER in await chat.say(QUESTION)
