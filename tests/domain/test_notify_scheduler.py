"""The 08:30 agenda for each window and the day-before reminder, each enqueued exactly once."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from handlers.notifications.scheduler import run_schedules
from orm_models import Appointment
from orm_models.notifications import Notification
from tests.support.outbox import (TEMPLATE, TZ, bind_staff, drain, make_appointment, make_user, make_window, wechat_client)


def today_at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    d = datetime.now(TZ).date() + timedelta(days=days)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=TZ)


async def test_each_window_with_visits_today_gets_one_agenda_at_0830_however_often_it_runs(db, standin, store):
    busy, quiet = await make_window(), await make_window("双柏县创业服务窗口", "双柏县")
    await bind_staff(busy, "staff-busy")
    await bind_staff(quiet, "staff-quiet")
    names = ["赵一", "钱二", "孙三", "李四", "周五", "吴六"]
    for i, name in enumerate(names):
        await make_appointment(busy, await make_user(), today_at(9 + i), name=name)
    await make_appointment(busy, await make_user(), today_at(8, 30), name="郑七", status="cancelled")
    await make_appointment(quiet, await make_user(), today_at(9, days=1))

    assert await run_schedules(today_at(8, 29)) == 0
    results = await asyncio.gather(*(run_schedules(today_at(8, 30)) for _ in range(3)))
    assert await run_schedules(today_at(9, 15)) == 0
    assert sum(results) >= 1
    assert await Notification.filter(kind="daily_agenda").count() == 1
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
    (call,) = standin.calls_to(TEMPLATE, ok_only=True)
    assert call.body["touser"] == "staff-busy"
    data = {k: v["value"] for k, v in call.body["data"].items()}
    assert data["first"] == "今日预约安排"
    assert data["keyword3"] == "6人"
    assert data["keyword4"] == "09:00 赵*，10:00 钱*，11:00 孙*，12:00 李*，13:00 周* 等6人"


async def test_the_applicant_is_reminded_once_the_day_before_but_not_of_a_visit_booked_today(db, standin, store):
    window = await make_window()
    early, late, gone = [await make_user("oa", f"oa-{n}") for n in ("early", "late", "gone")]
    yesterday = today_at(15, days=-1)
    kept = await make_appointment(window, early, today_at(10, days=1), created_at=yesterday)
    await make_appointment(window, late, today_at(11, days=1))  # booked today: just confirmed, no reminder
    await make_appointment(window, gone, today_at(14, days=1), status="cancelled", created_at=yesterday)

    assert await run_schedules(today_at(9, 59)) == 0
    assert await run_schedules(today_at(10, 0)) == 1
    assert await run_schedules(today_at(20, 0)) == 0
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
    (call,) = standin.calls_to(TEMPLATE, ok_only=True)
    assert call.body["touser"] == "oa-early" and call.body["template_id"] == "TPL_APPLICANT"
    data = {k: v["value"] for k, v in call.body["data"].items()}
    assert data["first"] == "明天的窗口预约提醒"
    assert kept.code in data.values()


async def test_a_reminder_for_a_visit_cancelled_before_delivery_is_cancelled_not_sent(db, standin, store):
    window = await make_window()
    appt = await make_appointment(window, await make_user("oa", "oa-changed-mind"), today_at(10, days=1),
                                  created_at=today_at(9, days=-2))
    assert await run_schedules(today_at(18, 0)) == 1
    await Appointment.filter(id=appt.id).update(status="cancelled")
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
    row = await Notification.get(kind="appointment_reminder")
    assert (row.status, row.last_error) == ("cancelled", "预约已取消或已办理，不再提醒")
    assert standin.calls == []
