"""Retries, the per-user lock, the reply budget and late delivery (customer-service or pending)."""
from __future__ import annotations

import asyncio
import time

import pytest

from handlers import texts
from bot.emulator import WeChatServer
from bot.skills import add_skill
from chuangye import appkeys as K
from chuangye import pii
from server.app import create_app
from chuangye.store import keys

PATH = "/wechat/official"
CUSTOM = "/cgi-bin/message/custom/send"


@pytest.fixture
def wx(config):
    return WeChatServer.from_config(config)


async def app_with(aiohttp_client, config, monkeypatch, *skills):
    """The real app whose chain starts with ``skills`` (features' plugins left out)."""
    app = create_app(config, chat_features=False)
    for n, skill in enumerate(skills):
        add_skill(app, skill, priority=-100 + n)
    return await aiohttp_client(app), app


def counting_skill(calls, delay=0.0):
    async def skill(ctx, inc):
        if not inc.text.startswith("计数"):
            return None
        calls.append(inc.text)
        await asyncio.sleep(delay)
        return [f"第 {len(calls)} 次处理：{inc.text}"]
    return skill


async def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


# ------------------------------------------------------------ retries


async def test_the_same_msgid_twice_is_processed_once_and_gets_the_same_reply(aiohttp_client, config, wx, monkeypatch):
    calls = []
    client, _ = await app_with(aiohttp_client, config, monkeypatch, counting_skill(calls))
    xml = wx.text("u-dup", "计数一")
    first = await wx.post(client, PATH, xml)
    second = await wx.post(client, PATH, xml)
    assert calls == ["计数一"]
    assert first[1]["Content"] == second[1]["Content"] == "第 1 次处理：计数一"


async def test_two_users_sending_the_same_msgid_each_get_their_own_reply_and_a_retry_still_gets_the_first(
        aiohttp_client, config, wx, monkeypatch):
    calls = []

    async def private_code(ctx, inc):  # a reply only its user may see, like a check-in code
        calls.append(inc.openid)
        return [f"{inc.openid} 的签到码 {len(calls)}"]

    client, _ = await app_with(aiohttp_client, config, monkeypatch, private_code)
    first = await wx.post(client, PATH, wx.text("u-alice", "我的预约", MsgId=424242))
    other = await wx.post(client, PATH, wx.text("u-bob", "我的预约", MsgId=424242))
    assert first[1]["Content"] == "u-alice 的签到码 1"
    assert other[1]["Content"] == "u-bob 的签到码 2"
    retry = await wx.post(client, PATH, wx.text("u-alice", "我的预约", MsgId=424242))
    assert retry[1]["Content"] == "u-alice 的签到码 1"
    assert calls == ["u-alice", "u-bob"]


async def test_two_users_reporting_the_same_event_in_the_same_second_are_each_processed(
        aiohttp_client, config, wx, monkeypatch):
    seen = []

    async def spy(ctx, inc):
        seen.append(inc.openid)
        return None

    client, _ = await app_with(aiohttp_client, config, monkeypatch, spy)
    now = int(time.time())
    for openid in ("u-ev-a", "u-ev-b", "u-ev-a"):
        assert (await wx.post(client, PATH, wx.event(openid, "subscribe", CreateTime=now)))[1]["Content"] == texts.WELCOME
    assert seen == ["u-ev-a", "u-ev-b"]


async def test_concurrent_retries_of_one_message_run_it_once(aiohttp_client, config, wx, monkeypatch):
    calls = []
    client, _ = await app_with(aiohttp_client, config, monkeypatch, counting_skill(calls, delay=0.2))
    xml = wx.text("u-dup2", "计数二")
    results = await asyncio.gather(*(wx.post(client, PATH, xml) for _ in range(4)))
    assert calls == ["计数二"]
    assert {r[1]["Content"] for r in results} == {"第 1 次处理：计数二"}


async def test_a_repeated_event_is_processed_once(aiohttp_client, config, wx, monkeypatch):
    seen = []

    async def spy(ctx, inc):
        seen.append(inc.event)
        return None

    client, _ = await app_with(aiohttp_client, config, monkeypatch, spy)
    xml = wx.event("u-ev", "subscribe")
    assert (await wx.post(client, PATH, xml))[1]["Content"] == texts.WELCOME
    assert (await wx.post(client, PATH, xml))[1]["Content"] == texts.WELCOME
    assert seen == ["subscribe"]


async def test_different_messages_from_one_user_are_each_processed(aiohttp_client, config, wx, monkeypatch):
    calls = []
    client, _ = await app_with(aiohttp_client, config, monkeypatch, counting_skill(calls))
    await wx.post(client, PATH, wx.text("u-two", "计数甲"))
    await wx.post(client, PATH, wx.text("u-two", "计数乙"))
    assert calls == ["计数甲", "计数乙"]


# ------------------------------------------------------------ per-user lock


async def test_one_users_messages_are_handled_one_at_a_time(aiohttp_client, config, wx, monkeypatch):
    events = []

    async def tracer(ctx, inc):
        events.append(("in", inc.openid, inc.text))
        await asyncio.sleep(0.1)
        events.append(("out", inc.openid, inc.text))
        return ["ok"]

    client, _ = await app_with(aiohttp_client, config, monkeypatch, tracer)
    await asyncio.gather(*(wx.post(client, PATH, wx.text("u-lock", f"消息{i}")) for i in range(3)),
                         wx.post(client, PATH, wx.text("u-other", "别人")))
    mine = [e for e in events if e[1] == "u-lock"]
    assert [e[0] for e in mine] == ["in", "out"] * 3
    assert all(mine[i][2] == mine[i + 1][2] for i in range(0, 6, 2))
    # Another user is not queued behind them.
    assert events.index(("in", "u-other", "别人")) < events.index(mine[-1])


# ------------------------------------------------------------ the budget


async def test_a_slow_answer_returns_success_and_arrives_as_a_customer_service_message(
        aiohttp_client, make_config, wx, monkeypatch, standin):
    config = make_config(bot={"reply_budget_seconds": 0.3})
    calls = []
    client, _ = await app_with(aiohttp_client, config, monkeypatch, counting_skill(calls, delay=0.8))
    xml = wx.text("u-slow", "计数慢")
    started = time.monotonic()
    status, fields, raw = await wx.post(client, PATH, xml)
    assert status == 200 and raw == "success" and time.monotonic() - started < 0.7
    await wait_for(lambda: standin.calls_to(CUSTOM, ok_only=True))
    sent = standin.calls_to(CUSTOM, ok_only=True)
    assert [c.body for c in sent] == [{"touser": "u-slow", "msgtype": "text", "text": {"content": "第 1 次处理：计数慢"}}]
    # WeChat's retry of that message gets success: the answer is not delivered twice.
    status, fields, raw = await wx.post(client, PATH, xml)
    assert raw == "success" and calls == ["计数慢"] and len(standin.calls_to(CUSTOM)) == 1


async def test_a_retry_while_the_first_attempt_is_still_working_gets_success(
        aiohttp_client, make_config, wx, monkeypatch, standin):
    config = make_config(bot={"reply_budget_seconds": 0.3})
    calls = []
    client, _ = await app_with(aiohttp_client, config, monkeypatch, counting_skill(calls, delay=0.8))
    xml = wx.text("u-slow2", "计数慢二")
    first, retry = await asyncio.gather(wx.post(client, PATH, xml), wx.post(client, PATH, xml))
    assert first[2] == retry[2] == "success"
    await wait_for(lambda: standin.calls_to(CUSTOM, ok_only=True))
    assert calls == ["计数慢二"]


async def test_an_unverified_accounts_late_answer_is_given_with_the_next_reply(
        aiohttp_client, make_config, wx, monkeypatch, standin):
    await late_answer_given_with_the_next_reply(aiohttp_client, make_config, wx, monkeypatch, standin,
                                                {"errcode": 48001})


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("failure", [{"errcode": 45015}, {"errcode": 45047}, {"status": 503}])
async def test_a_late_answer_that_cannot_be_sent_is_given_with_the_next_reply(
        aiohttp_client, make_config, wx, monkeypatch, standin, failure):
    await late_answer_given_with_the_next_reply(aiohttp_client, make_config, wx, monkeypatch, standin, failure)


async def pending(store, openid):
    """Undelivered answers as text (the store keeps them sealed: they may carry personal data)."""
    return [pii.unseal(item) for item in await store.get_json(keys.pending_reply(openid)) or []]


async def late_answer_given_with_the_next_reply(aiohttp_client, make_config, wx, monkeypatch, standin, failure):
    config = make_config(bot={"reply_budget_seconds": 0.3})
    calls = []
    client, app = await app_with(aiohttp_client, config, monkeypatch, counting_skill(calls, delay=0.6))
    standin.fail(CUSTOM, times=1, **failure)
    assert (await wx.post(client, PATH, wx.text("u-unverified", "计数慢三")))[2] == "success"
    store = app[K.STORE]
    await wait_for(lambda: standin.calls_to(CUSTOM))
    for _ in range(100):
        if await store.get_json(keys.pending_reply("u-unverified")):
            break
        await asyncio.sleep(0.02)
    assert await pending(store, "u-unverified") == ["第 1 次处理：计数慢三"]
    status, fields, _ = await wx.post(client, PATH, wx.text("u-unverified", "你好"))
    assert fields["Content"] == f"{texts.PENDING_HEADER}\n第 1 次处理：计数慢三\n\n{texts.HELP}"
    assert await store.get_json(keys.pending_reply("u-unverified")) is None
    status, fields, _ = await wx.post(client, PATH, wx.text("u-unverified", "你好"))
    assert fields["Content"] == texts.HELP


async def test_a_pending_answer_waits_for_a_visible_reply(aiohttp_client, config, wx, monkeypatch):
    client, app = await app_with(aiohttp_client, config, monkeypatch)
    await app[K.STORE].set_json(keys.pending_reply("u-wait"), ["早先的回复"])
    assert (await wx.post(client, PATH, wx.event("u-wait", "VIEW", "https://example.invalid/")))[2] == "success"
    status, fields, _ = await wx.post(client, PATH, wx.event("u-wait", "CLICK", "POLICY"))
    assert fields["Content"] == f"{texts.PENDING_HEADER}\n早先的回复\n\n{texts.POLICY_HINT}"


async def test_pending_answers_that_do_not_fit_one_text_wait_in_order_for_the_next_replies(
        aiohttp_client, config, wx, monkeypatch):
    client, app = await app_with(aiohttp_client, config, monkeypatch)
    store = app[K.STORE]
    long_one, long_two = "甲" * 500, "乙" * 500  # 1500 bytes each: never two in one text
    await store.set_json(keys.pending_reply("u-long"), [long_one, long_two])
    click = wx.event("u-long", "CLICK", "POLICY", CreateTime=1)
    first = (await wx.post(client, PATH, click))[1]["Content"]
    assert first == f"{texts.PENDING_HEADER}\n{long_one}"
    assert await pending(store, "u-long") == [long_two, texts.POLICY_HINT]
    second = (await wx.post(client, PATH, wx.event("u-long", "CLICK", "POLICY", CreateTime=2)))[1]["Content"]
    assert second == f"{texts.PENDING_HEADER}\n{long_two}\n\n{texts.PENDING_HEADER}\n{texts.POLICY_HINT}"
    assert len(second.encode()) <= 2000
    assert await pending(store, "u-long") == [texts.POLICY_HINT]
    third = (await wx.post(client, PATH, wx.text("u-long", "你好")))[1]["Content"]
    assert third == f"{texts.PENDING_HEADER}\n{texts.POLICY_HINT}\n\n{texts.HELP}"
    assert await store.get_json(keys.pending_reply("u-long")) is None
