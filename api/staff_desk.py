"""The window desk: a day's appointments, check-in by id or by code, no-show (/staff/appointments...)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from handlers.staff import audit
from handlers.clock import clock
from handlers.appointments.desk import check_in, check_in_by_code, list_appointments, mark_no_show
from handlers.staff.scope import Scope
from orm_models.appointments import APPOINTMENT_STATUSES

from api.registry import Call, Routes
from api.schemas import DbId, Day, DayIn, In, Out, Timestamp
from api.staff import client_ip

routes = Routes("工作人员·窗口预约", "本窗口（县市管理员：本县市各窗口）的预约、签到和未到登记；手机号已脱敏")

Status = Literal[APPOINTMENT_STATUSES]  # type: ignore[valid-type]
STATE_ERRORS = {409: "当前状态不能进行此操作（not_allowed），例如已取消的预约不能签到"}


class AgendaQuery(In):
    date: DayIn | None = Field(None, title="日期", description="YYYY-MM-DD，默认今天")
    status: Status | None = Field(None, title="状态")
    window_id: DbId | None = Field(None, title="窗口编号", description="县市、州级管理员可按窗口筛选")


class AppointmentRow(Out):
    id: int
    window_id: int
    window_name: str
    county: str
    start: Timestamp
    end: Timestamp
    purpose: str
    name: str
    phone: str = Field(description="脱敏手机号，如 138****8000")
    status: Status
    status_label: str
    checked_in_at: Timestamp | None
    created_at: Timestamp


class AgendaOut(Out):
    date: Day
    appointments: list[AppointmentRow]


class AppointmentOut(Out):
    appointment: AppointmentRow


class CodeIn(In):
    code: str = Field(..., title="签到码", min_length=1, max_length=16, description="预约人出示的 6 位签到码（不区分大小写）")


@routes.get("/staff/appointments", summary="某日的预约（默认今天）", auth="staff", query=AgendaQuery, response=AgendaOut)
async def staff_appointments(call: Call) -> dict:
    day: date = call.query.date or clock.now().date()
    rows = await list_appointments(Scope.of(call.staff), day, status=call.query.status, window_id=call.query.window_id)
    await audit.record(call.staff, "view_list", "appointment", None, ip=client_ip(call),
                       detail={"date": day.isoformat(), "rows": len(rows)})
    return {"date": day, "appointments": rows}


@routes.post("/staff/appointments/{id}/check-in", summary="按预约编号签到", auth="staff", response=AppointmentOut,
             idempotent=False, errors=STATE_ERRORS)
async def staff_check_in(call: Call) -> dict:
    return {"appointment": await check_in(call.staff, call.path["id"], ip=client_ip(call))}


@routes.post("/staff/check-in", summary="按签到码签到", auth="staff", body=CodeIn, response=AppointmentOut,
             idempotent=False, errors={404: "本窗口没有这个签到码的预约（not_found）", **STATE_ERRORS})
async def staff_check_in_by_code(call: Call) -> dict:
    return {"appointment": await check_in_by_code(call.staff, call.body.code, ip=client_ip(call))}


@routes.post("/staff/appointments/{id}/no-show", summary="标记未到（预约时间开始后）", auth="staff",
             response=AppointmentOut, idempotent=False, errors=STATE_ERRORS)
async def staff_no_show(call: Call) -> dict:
    return {"appointment": await mark_no_show(call.staff, call.path["id"], ip=client_ip(call))}
