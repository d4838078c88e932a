"""The WeChat API down or hanging: what users and staff still get (both backends).

Send retries, backoff, fallbacks and manual retry are in tests/domain/test_outbox*.py and
tests/domain/test_notify_fallbacks.py; this adds WeChat down as a whole (tokens too) under a chat
booking with the in-process delivery loop, and a send that hangs past the HTTP timeout.
"""
from __future__ import annotations

import asyncio

import aiohttp

from tests.support.chat import Chat, seed_windows_and_courses
from handlers.notifications.outbox import deliver_due, retry_notification
from orm_models import Appointment, Window
from orm_models.notifications import Notification, NotificationAttempt
from tests.support.outbox import TEMPLATE, bind_staff, make_appointment, make_user, make_window, tomorrow_at, touser
from tests.support.resilience import wait_until
from tests.support.chat import book_until_the_summary

TOKEN = "/cgi-bin/stable_token"


async def test_with_wechat_down_a_chat_booking_is_confirmed_at_once_and_its_notice_ends_failed_with_the_reason(
        aiohttp_client, make_config, standin):
    from server.app import create_app

    config = make_config(notify={"max_attempts": 3})
    client = await aiohttp_client(create_app(config, with_worker=True))
    await seed_windows_and_courses()
    await bind_staff(await Window.get(county="元谋县"), "staff-yuanmou")
    standin.fail(TOKEN, 1000, status=503)  # not even an access token can be had
    chat = Chat(client, config, "o-wechat-down")
    await book_until_the_summary(chat)
    loop = asyncio.get_running_loop()
    started = loop.time()
    done = await chat.say("确认")
    assert "预约成功" in done and loop.time() - started < config.bot.reply_budget_seconds
    assert await Appointment.filter(user__openid=chat.openid, status="booked").count() == 1

    async def failed() -> Notification | None:
        return await Notification.filter(channel="template", status="failed").first()

    row = None
    while row is None:
        assert loop.time() - started < 10, "the notice neither failed nor was sent"
        row = await failed()
        await asyncio.sleep(0.05)
    assert row.recipient == "staff-yuanmou" and row.attempts == 3
    assert row.last_error.startswith("公众号模板消息已尝试 3 次仍失败") and "HTTP 503" in row.last_error
    tries = await NotificationAttempt.filter(notification_id=row.id).values_list("ok", flat=True)
    assert tries == [False, False, False]
    assert standin.calls_to(TEMPLATE) == []  # never reached without a token

    standin.failures.clear()  # WeChat is back: the staff console's 重试 delivers it
    assert await retry_notification(row.id)
    await wait_until(lambda: standin.calls_to(TEMPLATE, ok_only=True), timeout=5)
    assert touser(standin.calls_to(TEMPLATE, ok_only=True)) == ["staff-yuanmou"]


async def test_a_send_hanging_past_the_http_timeout_is_retried_and_delivered_never_marked_sent_early(
        db, standin, store):
    from chuangye.wechat_api import WeChatAPI
    from handlers.notifications.outbox import enqueue_event

    window = await make_window()
    await bind_staff(window, "staff-a")
    appt = await make_appointment(window, await make_user(), tomorrow_at(9))
    await enqueue_event("appointment_booked", {"appointment_id": appt.id, "window_id": window.id})
    standin.fail(TEMPLATE, 1, delay=1.0)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.3)) as http:
        wechat = WeChatAPI(db, http, store)
        assert await deliver_due(wechat, db, "w1") == 1  # the event becomes the staff member's message
        assert await deliver_due(wechat, db, "w1") == 1  # ...whose send hangs and times out
        row = await Notification.get(channel="template")
        assert (row.status, row.attempts) == ("pending", 1) and "TimeoutError" in row.last_error
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while (await Notification.get(id=row.id)).status != "sent":
            assert loop.time() < deadline
            await deliver_due(wechat, db, "w1")
            await asyncio.sleep(0.02)
    # At least once: WeChat may have delivered the send it did not answer in time (no idempotency
    # key exists for template messages), so the staff member can get it twice, never zero times.
    assert len(standin.calls_to(TEMPLATE)) >= 2
