"""Security review: outbound secrets (the WeCom robot's key, app secrets, access tokens) never
reach what staff can read (a notification's last error, its attempt log) or the logs."""
from __future__ import annotations

import logging

from tests.support.outbox import WECOM, drain, make_appointment, make_user, make_window, tomorrow_at, wechat_client

ROBOT_KEY = "robot-key-0123456789abcdef"


async def test_a_failing_wecom_robot_send_never_records_or_logs_the_robots_key(make_config, standin, store, caplog):
    from chuangye.db import close_db, init_db
    from handlers.notifications.outbox import enqueue_event
    from orm_models.notifications import Notification, NotificationAttempt

    config = make_config(wechat={"staff_template_id": ""},
                         notify={"wecom_webhook_url": f"{standin.url}/cgi-bin/webhook/send?key={ROBOT_KEY}",
                                 "max_attempts": 2})
    await init_db(config)
    try:
        window = await make_window()
        appt = await make_appointment(window, await make_user(), tomorrow_at(9))
        await enqueue_event("appointment_booked", {"appointment_id": appt.id, "window_id": window.id})
        standin.fail(WECOM, 5, status=503)
        with caplog.at_level(logging.DEBUG):
            async with wechat_client(config, store) as wechat:
                await drain(wechat, config)
        row = await Notification.get(channel="wecom")
        errors = [row.last_error or ""] + [a.errmsg or "" for a in await NotificationAttempt.all()]
    finally:
        await close_db()
    assert row.status == "failed" and any("503" in e for e in errors)
    assert not [e for e in errors if ROBOT_KEY in e]
    ours = [r.getMessage() for r in caplog.records if r.name != "aiohttp.access"]  # that one is the stand-in's
    assert ours and not [m for m in ours if ROBOT_KEY in m]
