"""The day before an event, each participant who signed up earlier is reminded once through the outbox."""
from __future__ import annotations

from datetime import datetime, timedelta

from handlers.events.signup import cancel_registration, register_for_event
from handlers.notifications.scheduler import run_schedules
from orm_models import Event, EventRegistration
from orm_models.notifications import Notification
from tests.support.outbox import TEMPLATE, TZ, drain, make_user, wechat_client


def today_at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    d = datetime.now(TZ).date() + timedelta(days=days)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=TZ)


async def _event(start: datetime) -> Event:
    return await Event.create(title="楚雄州创业项目路演", kind="项目路演·成果展示", start=start,
                              end=start + timedelta(hours=3), county="楚雄市", place="楚雄市创业孵化园", capacity=20)


async def test_participants_are_reminded_once_the_day_before_but_not_those_who_cancelled_or_signed_up_today(
        db, standin, store):
    event = await _event(today_at(14, days=1))
    early, late, gone = [await make_user("oa", f"oa-evt-{n}") for n in ("early", "late", "gone")]
    regs = {}
    for user, name in ((early, "赵一"), (late, "钱二"), (gone, "孙三")):
        regs[name] = await register_for_event(user.id, {"event_id": event.id, "name": name, "phone": "13812348000"})
    await EventRegistration.filter(id__in=[regs["赵一"].id, regs["孙三"].id]).update(created_at=today_at(9, days=-2))
    await cancel_registration(gone.id, regs["孙三"].id)

    assert await run_schedules(today_at(9, 59)) == 0
    assert await run_schedules(today_at(10, 0)) == 1
    assert await run_schedules(today_at(20, 0)) == 0
    assert await Notification.filter(kind="event_reminder").count() == 1
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
    (call,) = standin.calls_to(TEMPLATE, ok_only=True)
    assert call.body["touser"] == "oa-evt-early"
    data = {k: v["value"] for k, v in call.body["data"].items()}
    assert data["first"] == "明天的创业活动提醒" and data["keyword1"] == "楚雄州创业项目路演"
    assert regs["赵一"].code in data.values()


async def test_a_reminder_for_a_sign_up_cancelled_before_delivery_is_cancelled_not_sent(db, standin, store):
    event = await _event(today_at(9, days=1))
    user = await make_user("oa", "oa-evt-changed")
    reg = await register_for_event(user.id, {"event_id": event.id, "name": "李四", "phone": "13812348000"})
    await EventRegistration.filter(id=reg.id).update(created_at=today_at(9, days=-3))
    assert await run_schedules(today_at(18, 0)) == 1
    await cancel_registration(user.id, reg.id)
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
    row = await Notification.get(kind="event_reminder")
    assert (row.status, row.last_error) == ("cancelled", "活动报名已取消、已签到或活动已撤下，不再提醒")
    assert standin.calls == []
