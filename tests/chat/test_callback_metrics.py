"""The callback's counters: replies in time or late (customer-service push), retries answered from the first attempt."""
from __future__ import annotations

import asyncio

import pytest

from bot.emulator import WeChatServer
from bot.skills import add_skill
from server.app import create_app

from tests.support.metrics import scrape, value

PATH = "/wechat/official"
CUSTOM = "/cgi-bin/message/custom/send"


@pytest.fixture
def wx(config):
    return WeChatServer.from_config(config)


def slow_echo(delay: float):
    async def skill(ctx, inc):
        if not inc.text.startswith("计数"):
            return None
        await asyncio.sleep(delay)
        return [f"收到：{inc.text}"]
    return skill


async def app_with(aiohttp_client, config, skill):
    app = create_app(config, chat_features=False)
    add_skill(app, skill, priority=-100)
    return await aiohttp_client(app)


def moved(before, after, name, **labels):
    return value(after, name, **labels) - value(before, name, **labels)


async def test_a_retry_answered_from_the_first_attempt_is_counted_as_a_cached_duplicate(aiohttp_client, config, wx):
    client = await app_with(aiohttp_client, config, slow_echo(0))
    before = await scrape(client)
    xml = wx.text("u-metrics-dup", "计数一")
    first, retry = await wx.post(client, PATH, xml), await wx.post(client, PATH, xml)
    assert first[1]["Content"] == retry[1]["Content"] == "收到：计数一"
    after = await scrape(client)
    assert moved(before, after, "chuangye_callback_duplicates_total", outcome="cached") == 1
    assert moved(before, after, "chuangye_callback_duplicates_total", outcome="dropped") == 0
    assert moved(before, after, "chuangye_callback_replies_total", delivery="in_time") == 1
    assert moved(before, after, "chuangye_callback_replies_total", delivery="late") == 0


async def test_a_reply_over_budget_is_counted_late_and_its_retry_as_a_dropped_duplicate(
        aiohttp_client, make_config, wx, standin):
    config = make_config(bot={"reply_budget_seconds": 0.2})
    client = await app_with(aiohttp_client, config, slow_echo(0.6))
    before = await scrape(client)
    xml = wx.text("u-metrics-late", "计数慢")
    first, retry = await asyncio.gather(wx.post(client, PATH, xml), wx.post(client, PATH, xml))
    assert first[2] == retry[2] == "success"
    deadline = asyncio.get_running_loop().time() + 5
    while not standin.calls_to(CUSTOM, ok_only=True):
        assert asyncio.get_running_loop().time() < deadline, "the late reply was never pushed"
        await asyncio.sleep(0.02)
    after = await scrape(client)
    assert moved(before, after, "chuangye_callback_replies_total", delivery="late") == 1
    assert moved(before, after, "chuangye_callback_replies_total", delivery="in_time") == 0
    assert moved(before, after, "chuangye_callback_duplicates_total", outcome="dropped") == 1


async def test_a_booking_made_in_chat_carries_the_callbacks_request_id_into_its_outbox_row(client, config):
    from orm_models import Appointment
    from orm_models.notifications import Notification
    from tests.support.chat import Chat, book_until_the_summary, seed_windows_and_courses

    await seed_windows_and_courses()
    chat = Chat(client, config, "o-traced")
    await book_until_the_summary(chat)
    query, body = chat.server.request(chat.server.text("o-traced", "确认"), "o-traced")
    resp = await client.post(PATH, params=query, data=body.encode("utf-8"), headers={"X-Request-Id": "wx-trace-51"})
    assert resp.status == 200 and resp.headers["X-Request-Id"] == "wx-trace-51"
    appt = await Appointment.get(user__openid="o-traced")
    event = await Notification.get(kind="appointment_booked", channel="event")
    assert event.payload["appointment_id"] == appt.id and event.request_id == "wx-trace-51"
