"""The "open handoff session" marker (handlers/handoff/marker.py): cheap for the common case,
never the source of truth. Every test runs through the real callback on both backends."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from handlers import texts as T
from tests.support.chat import Chat
from chuangye.store import RedisStore, Store, keys
from handlers.knowledge_ops import ask
from handlers.handoff import sessions as handoff
from handlers.handoff import marker as handoff_marker
from handlers.handoff import streak
from orm_models import HandoffSession

POLICY = "创业担保贷款最多能贷多少"


@asynccontextmanager
async def other_process_store(chat: Chat, config: Any) -> AsyncIterator[Store]:
    """The store another app process would use: its own Redis client on the same namespace
    (the in-process store exists once per process, so there it is the app's own)."""
    if not config.redis.url:
        yield chat.store
        return
    store = RedisStore(config.redis.url, config.redis.namespace)
    try:
        yield store
    finally:
        await store.close()


def count_session_lookups(monkeypatch: Any) -> list[dict[str, Any]]:
    """Record each open-session query the bot makes (the real query still runs)."""
    calls: list[dict[str, Any]] = []
    real = HandoffSession.get_or_none

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(HandoffSession, "get_or_none", spy)
    return calls


async def test_a_user_with_no_handoff_is_answered_without_a_session_query_after_the_first_message(
        client, config, monkeypatch):
    chat = Chat(client, config, "o-plain")
    lookups = count_session_lookups(monkeypatch)
    assert "30万元" in await chat.say(POLICY)
    assert lookups == [{"open_openid": "o-plain"}]
    assert await chat.store.get(keys.handoff_open("o-plain")) == handoff_marker.NONE
    assert "30万元" in await chat.say(POLICY)
    assert "30万元" in await chat.say(POLICY)
    assert len(lookups) == 1


async def test_a_handoff_opened_by_another_process_is_seen_at_once(client, config):
    chat = Chat(client, config, "o-elsewhere")
    await chat.say(POLICY)  # this process now holds "no open session"
    async with other_process_store(chat, config) as other:
        await handoff.start_handoff("o-elsewhere", reason="asked", county="元谋县", store=other)
    assert await chat.say("你好，我想问贷款") == T.HANDOFF_QUIET


async def test_a_handoff_opened_elsewhere_is_seen_when_the_marker_was_lost(client, config):
    chat = Chat(client, config, "o-lost")
    await chat.say(POLICY)
    await handoff.start_handoff("o-lost", reason="asked", county="元谋县")  # a writer without the store
    await chat.store.delete(keys.handoff_open("o-lost"))  # evicted, flushed, or expired
    assert await chat.say("你好，我想问贷款") == T.HANDOFF_QUIET
    assert await chat.store.get(keys.handoff_open("o-lost")) == handoff_marker.OPEN


async def test_a_handoff_opened_without_the_store_is_seen_once_the_marker_expires(client, config, monkeypatch):
    monkeypatch.setattr(handoff_marker, "MARK_TTL_SECONDS", 0.3)
    chat = Chat(client, config, "o-ttl")
    await chat.say(POLICY)
    await handoff.start_handoff("o-ttl", reason="asked", county="元谋县")  # marker left at "none"
    await asyncio.sleep(0.4)
    assert await chat.say("你好，我想问贷款") == T.HANDOFF_QUIET


async def test_a_failing_store_falls_back_to_the_database(client, config, monkeypatch):
    chat = Chat(client, config, "o-down")
    await chat.say("人工 元谋")
    real_get = chat.store.get

    async def get(key: str) -> str | None:
        if key == keys.handoff_open("o-down"):
            raise ConnectionError("Redis went away")
        return await real_get(key)

    monkeypatch.setattr(chat.store, "get", get)
    assert await chat.say("你好，我想问贷款") == T.HANDOFF_QUIET
    assert await handoff.open_session("o-down") is not None


async def test_a_marker_written_after_an_open_never_replaces_it_with_none(db, store):
    await handoff.start_handoff("o-race", reason="asked", county="元谋县", store=store)
    await handoff_marker.learned(store, "o-race", is_open=False)  # a reader that looked just before
    assert await handoff.open_session("o-race", store) is not None


async def test_closing_clears_the_marker_and_the_bot_answers_again(client, config):
    chat = Chat(client, config, "o-back")
    await chat.say("人工")
    assert await chat.store.get(keys.handoff_open("o-back")) == handoff_marker.OPEN
    assert (await chat.say("结束人工")).startswith(T.HANDOFF_ENDED_BY_USER)
    assert await chat.store.get(keys.handoff_open("o-back")) is None
    assert "30万元" in await chat.say(POLICY)


async def test_the_run_of_unsure_answers_is_kept_only_after_an_unsure_one(client, config):
    chat = Chat(client, config, "o-sure")
    await chat.say(POLICY)
    await chat.say("你好")
    assert await chat.store.get(streak.key("o-sure")) is None  # nothing written for sure answers or chat
    await chat.say("打麻将有什么技巧")
    assert len(await chat.store.get_json(streak.key("o-sure"))) == 1
    await chat.say(POLICY)  # a confident answer ends the run
    assert await chat.store.get(streak.key("o-sure")) is None


async def test_only_recorded_questions_are_noted(db, monkeypatch):
    from knowledge import KnowledgeBase

    kb = await KnowledgeBase.load_async(db.knowledge.dir)
    noted = []

    async def ask_and_note(question: str) -> None:
        answer = await ask.answer_policy_question(kb, question, channel="oa", openid="o-note")
        if answer.recorded:
            noted.append(answer.confident)

    await ask_and_note(POLICY)
    await ask_and_note("打麻将有什么技巧")

    async def broken(**fields: Any) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr("handlers.knowledge_ops.ask.QuestionLog.create", broken)
    await ask_and_note("打麻将有什么技巧")
    assert noted == [True, False]
