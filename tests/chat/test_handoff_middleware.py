"""人工服务 as a middleware around the skill chain (bot/handoff.py): each message enters the chain
once, a user with staff never reaches it, and the middleware alone counts unsure answers."""
from __future__ import annotations

import time
from typing import Any

from bot.builtin import policy_skill
from bot.handoff import HandoffMiddleware
from bot.skills import Context, Incoming, add_skill
from chuangye import appkeys as K
from handlers import texts as T
from handlers.handoff import sessions as handoff
from handlers.handoff import streak
from orm_models import HandoffMessage, HandoffSession
from server.app import create_app
from tests.support.chat import Chat

ODD_QUESTIONS = ("打麻将有什么技巧", "火车票怎么买", "手机屏幕碎了去哪修")


def counting(calls: list[Incoming], answer: list[str] | None = None) -> Any:
    async def skill(ctx: Context, inc: Incoming) -> list[str] | None:
        calls.append(inc)
        return answer

    return skill


async def test_one_message_enters_the_skill_chain_once_a_menu_click_too(aiohttp_client, config):
    app = create_app(config)
    calls: list[Incoming] = []
    add_skill(app, counting(calls), priority=-100)  # first in the chain, passes everything on
    chat = Chat(await aiohttp_client(app), config, "o-once")
    assert "【预约窗口 1/7】" in await chat.click("BOOK")
    assert [(i.text, i.via_menu) for i in calls] == [("预约窗口", "BOOK")]
    await chat.say("你好")
    assert [i.text for i in calls] == ["预约窗口", "你好"]


async def test_a_menu_click_no_feature_takes_gets_its_fallback_after_one_pass(aiohttp_client, config):
    app = create_app(config, chat_features=False)
    calls: list[Incoming] = []
    add_skill(app, counting(calls), priority=-100)
    chat = Chat(await aiohttp_client(app), config, "o-fallback")
    assert await chat.click("BOOK") == T.MENU_FALLBACK["BOOK"]
    assert len(calls) == 1


async def test_while_a_user_is_with_staff_the_middleware_does_not_run_the_chain(client, config):
    await handoff.start_handoff("o-with-staff", reason="asked", county="元谋县")
    calls: list[Incoming] = []
    ctx = Context(client.server.app)
    said = Incoming(openid="o-with-staff", msg_type="text", text="我想问贷款")
    assert await HandoffMiddleware()(counting(calls, ["机器人不该回答"]), ctx, said) == [T.HANDOFF_QUIET]
    clicked = Incoming(openid="o-with-staff", msg_type="text", text="人工", via_menu="HUMAN")
    assert await HandoffMiddleware()(counting(calls, ["机器人不该回答"]), ctx, clicked) == []
    assert calls == []
    session = await HandoffSession.get(openid="o-with-staff")
    lines = await HandoffMessage.filter(session_id=session.id).order_by("id")
    assert [m.text for m in lines] == ["我想问贷款", "[点击菜单] HUMAN"]


async def test_without_a_handoff_the_middleware_runs_the_chain_once_and_keeps_its_answer(client, config):
    calls: list[Incoming] = []
    ctx = Context(client.server.app)
    said = Incoming(openid="o-plain", msg_type="text", text="你好")
    assert await HandoffMiddleware()(counting(calls, ["您好"]), ctx, said) == ["您好"]
    assert [i.text for i in calls] == ["你好"]


async def test_a_run_of_unsure_answers_queues_the_user_after_the_configured_number(aiohttp_client, make_config):
    app = create_app(make_config(bot={"handoff_unconfident_streak": 2}))
    client = await aiohttp_client(app)
    middleware = HandoffMiddleware()

    async def ask(question: str) -> list[str]:
        inc = Incoming(openid="o-streak", msg_type="text", text=question)
        return await middleware(policy_skill, Context(client.server.app), inc)

    first = await ask(ODD_QUESTIONS[0])
    assert len(first) == 1 and await HandoffSession.filter(openid="o-streak").count() == 0
    second = await ask(ODD_QUESTIONS[1])
    assert len(second) == 2 and second[1].startswith(T.HANDOFF_QUEUED_UNCONFIDENT + "已为您转接人工服务")
    session = await HandoffSession.get(openid="o-streak")
    assert session.reason == "unconfident"
    assert [m.text for m in await HandoffMessage.filter(session_id=session.id, sender="user")] == list(ODD_QUESTIONS[:2])


async def test_a_confident_answer_noted_by_the_skill_ends_the_run(client, config):
    async def sure_skill(ctx: Context, inc: Incoming) -> list[str]:
        ctx.policy_confident = True
        return ["答案"]

    store = client.server.app[K.STORE]
    await store.set_json(streak.key("o-sure"), [time.time() - 5, time.time() - 1], ttl=600)  # two unsure ones
    inc = Incoming(openid="o-sure", msg_type="text", text=ODD_QUESTIONS[0])
    assert await HandoffMiddleware()(sure_skill, Context(client.server.app), inc) == ["答案"]
    assert await store.get(streak.key("o-sure")) is None
    assert await HandoffSession.filter(openid="o-sure").count() == 0
    unsure = Incoming(openid="o-sure", msg_type="text", text=ODD_QUESTIONS[1])
    await HandoffMiddleware()(policy_skill, Context(client.server.app), unsure)
    assert len(await store.get_json(streak.key("o-sure"))) == 1  # a new run starts at one


async def test_a_handoff_starts_a_new_run(client, config):
    chat = Chat(client, config, "o-again")
    await chat.say(ODD_QUESTIONS[0])
    await chat.say(ODD_QUESTIONS[1])
    assert "已为您转接人工服务" in await chat.say("人工")
    assert (await chat.say("结束人工")).startswith(T.HANDOFF_ENDED_BY_USER)
    assert T.HANDOFF_QUEUED_UNCONFIDENT not in await chat.say(ODD_QUESTIONS[2])
    assert await HandoffSession.filter(openid="o-again").count() == 1
