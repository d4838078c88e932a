"""Events for staff: publish, change, withdraw, list; sign-ups (masked, audited) and check-in.

County administrators publish their county's events, the prefecture administrator any county's;
window staff see their county's events and check people in, as at the windows.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from handlers.events import catalogue, desk
from orm_models.events import EVENT_KINDS, REGISTRATION_STATUSES

from api.registry import Call, Routes
from api.schemas import In, Out, Timestamp
from api.staff import ROLE_ERRORS, client_ip
from api.windows import County

routes = Routes("工作人员·创业活动", "发布创业活动（县市管理员：本县市；州级：全州）、查看报名（手机号脱敏）、按签到码签到")

Kind = Literal[EVENT_KINDS]  # type: ignore[valid-type]
Status = Literal[REGISTRATION_STATUSES]  # type: ignore[valid-type]
STATE_ERRORS = {409: "当前状态不能签到（not_allowed），例如已取消的报名"}


class EventIn(In):
    title: str = Field(..., title="活动名称", min_length=2, max_length=100)
    kind: Kind = Field(..., title="活动类型")
    description: str = Field("", title="活动介绍", max_length=2000)
    start: datetime = Field(..., title="开始时间", description="如 2026-12-20T14:00:00+08:00")
    end: datetime = Field(..., title="结束时间")
    county: County = Field(..., title="所在县市")
    place: str = Field("", title="活动地点", max_length=200, description="与直播链接至少填一项")
    online_url: str = Field("", title="直播链接", max_length=500)
    capacity: int = Field(..., title="人数上限", ge=1, le=catalogue.MAX_CAPACITY)
    signup_deadline: datetime | None = Field(None, title="报名截止时间", description="不填则开始前均可报名")
    demo: bool = Field(False, title="演示数据", description="true 表示为演示数据，页面上会标注「演示数据」")


class EventsQuery(In):
    include_past: bool = Field(False, title="含已结束的活动")


class RegistrationsQuery(In):
    status: Status | None = Field(None, title="状态")


class StaffEventOut(Out):
    id: int
    title: str
    kind: Kind
    description: str
    start: Timestamp
    end: Timestamp
    county: County
    place: str
    online_url: str | None
    capacity: int
    registered: int = Field(description="已占名额（含已签到）")
    remaining: int
    signup_deadline: Timestamp | None
    demo: bool
    active: bool = Field(description="false 表示已撤下")
    created_at: Timestamp


class EventOne(Out):
    event: StaffEventOut


class EventList(Out):
    events: list[StaffEventOut]


class RegistrationRow(Out):
    id: int
    event_id: int
    event_title: str
    county: str
    name: str
    phone: str = Field(description="手机号：列表中脱敏；详情中县市、州级管理员可见完整号码")
    pii_masked: bool
    status: Status
    status_label: str
    checked_in_at: Timestamp | None
    created_at: Timestamp


class RegistrationList(Out):
    registrations: list[RegistrationRow]


class RegistrationOut(Out):
    registration: RegistrationRow


class CodeIn(In):
    code: str = Field(..., title="签到码", min_length=1, max_length=16, description="报名人出示的 6 位签到码（不区分大小写）")


@routes.get("/staff/events", summary="本县市（州级：全州）的创业活动", auth="staff", query=EventsQuery, response=EventList)
async def staff_event_list(call: Call) -> dict:
    return {"events": await catalogue.staff_events(call.staff, include_past=call.query.include_past)}


@routes.post("/staff/events", summary="发布创业活动", auth="staff", body=EventIn, response=EventOne, status=201,
             errors={**ROLE_ERRORS, 422: "字段有误，例如开始时间已过、结束早于开始、地点和直播链接都没填"})
async def staff_event_create(call: Call) -> dict:
    event = await catalogue.publish_event(call.staff, call.body.model_dump(), ip=client_ip(call))
    return {"event": catalogue.staff_event_dict(event)}


@routes.put("/staff/events/{id}", summary="修改创业活动（含演示数据）", auth="staff", body=EventIn, response=EventOne,
            errors={**ROLE_ERRORS, 404: "没有找到该活动（not_found）", 422: "字段有误，或人数上限少于已报名人数"})
async def staff_event_update(call: Call) -> dict:
    event = await catalogue.update_event(call.staff, call.path["id"], call.body.model_dump(), ip=client_ip(call))
    return {"event": catalogue.staff_event_dict(event)}


@routes.post("/staff/events/{id}/withdraw", summary="撤下创业活动（已有报名保留）", auth="staff", response=EventOne,
             idempotent=False, errors={**ROLE_ERRORS, 404: "没有找到该活动（not_found）"})
async def staff_event_withdraw(call: Call) -> dict:
    return {"event": catalogue.staff_event_dict(await catalogue.withdraw_event(call.staff, call.path["id"],
                                                                               ip=client_ip(call)))}


@routes.get("/staff/events/{id}/registrations", summary="某活动的报名（脱敏，记入审计日志）", auth="staff",
            query=RegistrationsQuery, response=RegistrationList, errors={404: "没有找到该活动（not_found）"})
async def staff_event_registrations(call: Call) -> dict:
    rows = await desk.list_registrations(call.staff, call.path["id"], status=call.query.status, ip=client_ip(call))
    return {"registrations": rows}


@routes.get("/staff/event-registrations/{id}", summary="活动报名详情（查看记入审计日志）", auth="staff",
            response=RegistrationOut, errors={404: "没有找到该报名（not_found）"})
async def staff_event_registration(call: Call) -> dict:
    return {"registration": await desk.registration_detail(call.staff, call.path["id"], ip=client_ip(call))}


@routes.post("/staff/event-registrations/{id}/check-in", summary="按报名编号签到", auth="staff",
             response=RegistrationOut, idempotent=False, errors={404: "没有找到该报名（not_found）", **STATE_ERRORS})
async def staff_event_check_in(call: Call) -> dict:
    return {"registration": await desk.check_in(call.staff, call.path["id"], ip=client_ip(call))}


@routes.post("/staff/event-check-in", summary="按签到码签到（活动）", auth="staff", body=CodeIn, response=RegistrationOut,
             idempotent=False, errors={404: "本县市活动没有这个签到码（not_found）", **STATE_ERRORS})
async def staff_event_check_in_by_code(call: Call) -> dict:
    return {"registration": await desk.check_in_by_code(call.staff, call.body.code, ip=client_ip(call))}
