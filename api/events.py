"""Entrepreneurship events: the upcoming list, sign-up, one's own sign-ups, cancelling."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from handlers.events.catalogue import event_dict, upcoming_events
from handlers.events.signup import EVENT_FORM, STATUS_ZH, cancel_registration, my_registrations, register_for_event
from orm_models.events import EVENT_KINDS, REGISTRATION_STATUSES

from api.registry import Call, Routes
from api.schemas import DayIn, In, Out, Timestamp
from api.windows import County

routes = Routes("创业活动", "创业大赛、沙龙·经验交流、项目路演·成果展示、直播、培训宣讲：浏览、报名、签到码、取消")

Kind = Literal[EVENT_KINDS]  # type: ignore[valid-type]
Status = Literal[REGISTRATION_STATUSES]  # type: ignore[valid-type]


class EventQuery(In):
    county: County | None = Field(None, title="县市", description="只看该县市的活动")
    from_: DayIn | None = Field(None, alias="from", title="起始日期", description="只看该日及以后开始的活动，YYYY-MM-DD")


class EventOut(Out):
    id: int
    title: str
    kind: Kind = Field(description="活动类型")
    description: str
    start: Timestamp
    end: Timestamp
    county: County
    place: str = Field(description="活动地点；线上活动可为空")
    online_url: str | None = Field(description="直播或线上活动链接")
    capacity: int
    remaining: int = Field(description="剩余名额")
    signup_deadline: Timestamp | None = Field(description="报名截止时间；null 表示开始前均可报名")
    demo: bool = Field(description="true 表示为演示数据（演示数据），未经运营方确认")


class EventList(Out):
    events: list[EventOut] = Field(description="尚未结束的活动，按开始时间排序")


class RegistrationOut(Out):
    id: int
    event_id: int
    event_title: str
    event_start: Timestamp
    county: County
    place: str
    online_url: str | None
    name: str
    phone_masked: str = Field(description="手机号（打码）")
    status: Status = Field(description="registered 已报名，checked_in 已签到，cancelled 已取消")
    status_text: str
    code: str = Field(description="签到码，到场时出示")
    created_at: Timestamp


class RegistrationOne(Out):
    registration: RegistrationOut


class RegistrationList(Out):
    registrations: list[RegistrationOut] = Field(description="最新的报名在前")


def registration_out(reg: Any) -> dict[str, Any]:
    e = reg.event
    return {"id": reg.id, "event_id": reg.event_id, "event_title": e.title, "event_start": e.start, "county": e.county,
            "place": e.place, "online_url": e.online_url or None, "name": reg.name, "phone_masked": reg.phone_masked,
            "status": reg.status, "status_text": STATUS_ZH.get(reg.status, ""), "code": reg.code,
            "created_at": reg.created_at}


@routes.get("/events", summary="近期创业活动", query=EventQuery, response=EventList)
async def events(call: Call) -> dict:
    found = await upcoming_events(call.query.county, call.query.from_)
    return {"events": [event_dict(e) for e in found]}


@routes.post("/event-registrations", summary="活动报名", auth="user", body=EVENT_FORM, response=RegistrationOne,
             status=201, errors={409: "名额已满（event_full）或已报名该活动（duplicate）",
                                 422: "活动不存在、已开始或报名已截止，或其他字段有误"})
async def register(call: Call) -> dict:
    reg = await register_for_event(call.user.user_id, call.body)
    await reg.fetch_related("event")
    return {"registration": registration_out(reg)}


@routes.get("/event-registrations/mine", summary="我的活动报名", auth="user", response=RegistrationList)
async def mine(call: Call) -> dict:
    return {"registrations": [registration_out(r) for r in await my_registrations(call.user.user_id)]}


@routes.post("/event-registrations/{id}/cancel", summary="取消活动报名", auth="user", response=RegistrationOne,
             errors={404: "不是自己的报名或报名不存在（not_found）",
                     409: "已签到、已取消或活动已开始的报名不能取消（not_allowed）"})
async def cancel(call: Call) -> dict:
    return {"registration": registration_out(await cancel_registration(call.user.user_id, call.path["id"]))}
