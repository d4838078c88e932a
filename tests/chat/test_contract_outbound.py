"""CONTRACT §6: outbound calls. The access token shared by separate processes through Redis, failed
notifications rescheduled with a growing backoff and never dropped, and no WeChat host written
anywhere but the configuration.
"""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from tests.support.env import REDIS_URL, ROOT, new_namespace
from handlers.notifications.outbox import deliver_due, enqueue_event, local_now
from orm_models.notifications import Notification
from tests.support.outbox import TEMPLATE, bind_staff, make_appointment, make_user, make_window, tomorrow_at, wechat_client

TOKEN = "/cgi-bin/stable_token"
CUSTOM = "/cgi-bin/message/custom/send"


@pytest.mark.parametrize("backend", ["pg"], indirect=True)
async def test_separate_processes_share_one_token_through_redis_and_refresh_it_once(config: Any, standin: Any) -> None:
    """Two clients with their own Redis connections and HTTP sessions, as two processes have."""
    from chuangye.store import RedisStore
    from chuangye.wechat_api import WeChatAPI

    namespace = new_namespace()
    stores = [RedisStore(REDIS_URL, namespace), RedisStore(REDIS_URL, namespace)]
    sessions = [aiohttp.ClientSession() for _ in stores]
    try:
        first, second = (WeChatAPI(config, http, s) for http, s in zip(sessions, stores))
        await first.send_custom_text("u1", "你好")
        await second.send_custom_text("u2", "你好")
        assert [c.body["force_refresh"] for c in standin.calls_to(TOKEN)] == [False]
        standin.expire_tokens()
        await asyncio.gather(first.send_custom_text("u3", "你好"), second.send_custom_text("u4", "你好"))
        assert [c.body["force_refresh"] for c in standin.calls_to(TOKEN)] == [False, True]
        assert len(standin.calls_to(CUSTOM, ok_only=True)) == 4
    finally:
        for http in sessions:
            await http.close()
        await stores[0].clear_namespace()
        for s in stores:
            await s.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_failed_notification_waits_a_growing_backoff_and_ends_failed_not_dropped(
        make_config: Any, standin: Any, store: Any) -> None:
    from chuangye.db import close_db, init_db

    config = make_config(notify={"backoff_base_seconds": 60, "max_attempts": 3})
    await init_db(config)
    try:
        window = await make_window()
        await bind_staff(window, "staff-a")
        appt = await make_appointment(window, await make_user(), tomorrow_at(9))
        await enqueue_event("appointment_booked", {"appointment_id": appt.id, "window_id": window.id})
        standin.fail(TEMPLATE, 10, status=503)
        now = local_now()
        async with wechat_client(config, store) as wechat:
            await deliver_due(wechat, config, "w1", now=now)  # the event becomes the staff member's message
            gaps = []
            for attempt in (1, 2):
                await deliver_due(wechat, config, "w1", now=now)
                row = await Notification.get(channel="template")
                assert (row.status, row.attempts) == ("pending", attempt)
                gaps.append((row.next_attempt_at - now).total_seconds())
                # Not due yet: nothing is sent before the backoff has passed.
                sent = len(standin.calls_to(TEMPLATE))
                assert await deliver_due(wechat, config, "w1", now=now + timedelta(seconds=gaps[-1] - 1)) == 0
                assert len(standin.calls_to(TEMPLATE)) == sent
                now = row.next_attempt_at
            await deliver_due(wechat, config, "w1", now=now)
        assert 48 <= gaps[0] <= 72 and 96 <= gaps[1] <= 144
        row = await Notification.get(channel="template")
        assert (row.status, row.attempts) == ("failed", 3) and "3 次" in row.last_error
        assert len(standin.calls_to(TEMPLATE)) == 3
    finally:
        await close_db()


def test_no_wechat_or_wecom_host_is_written_outside_the_configuration() -> None:
    """Every outbound call is relative to wechat.api_base_url (or is notify.wecom_webhook_url)."""
    hosts = re.compile(r"(api\.weixin\.qq\.com|qyapi\.weixin\.qq\.com|weixin\.qq\.com/cgi-bin)")
    offenders = []
    for package in ("chuangye", "api", "bot", "handlers", "knowledge", "orm_models"):
        for path in (ROOT / package).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if hosts.search(line) and path != ROOT / "chuangye" / "config.py":
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
    config_lines = [line for line in (ROOT / "chuangye" / "config.py").read_text(encoding="utf-8").splitlines()
                    if hosts.search(line)]
    assert config_lines == ['    api_base_url: str = "https://api.weixin.qq.com"']
