"""The outbox's counters: sends by channel and result, and rows that gave up."""
from __future__ import annotations

from chuangye.metrics import PROCESS
from handlers.notifications.outbox import enqueue_event
from orm_models.notifications import Notification
from tests.support.outbox import CUSTOM, bind_staff, drain, make_appointment, make_user, make_window, tomorrow_at, \
    wechat_client


SERIES = [("chuangye_outbox_sends_total", {"channel": "custom", "result": "error"}),
          ("chuangye_outbox_sends_total", {"channel": "event", "result": "sent"}),
          ("chuangye_outbox_gave_up_total", {"channel": "custom"})]


def sample(name: str, **labels: str) -> float:
    return PROCESS.get_sample_value(name, labels) or 0.0


async def test_a_failed_send_is_counted_and_a_row_out_of_tries_is_counted_as_a_give_up(make_config, standin, store):
    from chuangye.db import close_db, init_db

    config = make_config(wechat={"staff_template_id": ""}, notify={"max_attempts": 2})
    await init_db(config)
    try:
        window = await make_window()
        await bind_staff(window, "staff-a")
        appt = await make_appointment(window, await make_user(), tomorrow_at(9))
        await enqueue_event("appointment_booked", {"appointment_id": appt.id, "window_id": window.id})
        standin.fail(CUSTOM, 2, errcode=-1)
        before = [sample(name, **labels) for name, labels in SERIES]
        async with wechat_client(config, store) as wechat:
            await drain(wechat, config)
        assert (await Notification.get(channel="custom")).status == "failed"
    finally:
        await close_db()
    # two failed tries on the custom channel, the event fanned out once, one row given up
    assert [sample(name, **labels) - was for (name, labels), was in zip(SERIES, before)] == [2, 1, 1]
