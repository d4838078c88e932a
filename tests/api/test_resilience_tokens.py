"""Outbound WeChat calls while Redis (the shared access-token cache) is unreachable.

PostgreSQL + a Redis behind a link the test cuts (tests/support/resilience.py). The token cache
falls back to this process's memory, so notifications and late chat answers still go out, and
the shared cache is used again once Redis is back.
"""
from __future__ import annotations

import pytest
import pytest_asyncio

from bot.conversation import TASKS
from tests.support.chat import Chat
from chuangye import appkeys as K
from chuangye.store import RedisStore, keys
from tests.support.env import TEST_OA_APPID
from handlers.notifications.outbox import enqueue_event
from orm_models.notifications import Notification
from tests.support.outbox import TEMPLATE, bind_staff, drain, make_appointment, make_user, make_window, tomorrow_at, \
    touser, wechat_client
from tests.support.resilience import app_with_skill, counting, link_to_test_redis, wait_until

PG_ONLY = pytest.mark.parametrize("backend", ["pg"], indirect=True)
TOKEN = "/cgi-bin/stable_token"
CUSTOM = "/cgi-bin/message/custom/send"


@pytest_asyncio.fixture
async def link():
    async with link_to_test_redis() as relay:
        yield relay


async def booked(window, hour):
    appt = await make_appointment(window, await make_user(), tomorrow_at(hour))
    await enqueue_event("appointment_booked", {"appointment_id": appt.id, "window_id": window.id})


@PG_ONLY
async def test_notifications_go_out_while_redis_is_down_and_the_shared_token_cache_is_used_again_after(
        db, standin, link):
    store = RedisStore(link.url(), "cy-resilience-token:")
    try:
        window = await make_window()
        await bind_staff(window, "staff-a")
        await link.cut()
        await booked(window, 9)
        await booked(window, 10)
        async with wechat_client(db, store) as wechat:
            await drain(wechat, db)
            assert touser(standin.calls_to(TEMPLATE, ok_only=True)) == ["staff-a", "staff-a"]
            assert len(standin.calls_to(TOKEN)) == 1  # kept in this process between sends
            assert await Notification.filter(status="sent").count() == 4  # two events, two messages
            await link.restore()
            await booked(window, 11)
            await drain(wechat, db)
        assert len(standin.calls_to(TEMPLATE, ok_only=True)) == 3
        assert await store.get(keys.access_token(TEST_OA_APPID))  # shared again
    finally:
        await store.clear_namespace()
        await store.close()


@PG_ONLY
async def test_a_slow_answer_that_cannot_be_pushed_during_the_outage_comes_with_the_next_reply(
        aiohttp_client, make_config, config, link, monkeypatch, standin):
    calls = []
    client = await app_with_skill(aiohttp_client, make_config, link, monkeypatch, counting(calls, 0.5),
                                  bot={"reply_budget_seconds": 0.2})
    standin.fail(CUSTOM, 1, errcode=48001)  # an unverified account: no pushes
    chat = Chat(client, config, "o-outage-late")
    await link.cut()
    assert await chat.say("第一问") == ""  # over budget: answered "success", the answer comes later
    await wait_until(lambda: not client.server.app[K.EXTRA].get(TASKS))
    assert standin.calls_to(CUSTOM)  # the push was tried: a token was fetched without Redis
    monkeypatch.setattr(client.server.app[K.CONFIG].bot, "reply_budget_seconds", 3.0)
    second = await chat.say("第二问")
    assert "第 1 次处理：第一问" in second and second.endswith("第 2 次处理：第二问")


@PG_ONLY
async def test_chuangye_worker_started_while_redis_is_down_still_delivers(make_config, standin, link, tmp_path):
    import asyncio

    from chuangye.db import close_db, init_db
    from tests.support.outbox import start_worker, write_config

    await link.cut()
    config = make_config(redis={"url": link.url()})
    await init_db(config)
    try:
        window = await make_window()
        await bind_staff(window, "staff-on-duty")
        await booked(window, 9)
        proc = await start_worker(write_config(config, tmp_path), "--once")
        out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        assert proc.returncode == 0, err.decode()
        assert "已处理 2 条通知" in out.decode()
        assert touser(standin.calls_to(TEMPLATE, ok_only=True)) == ["staff-on-duty"]
    finally:
        await close_db()
