"""Appointments at a service window: book, list one's own, cancel."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from tortoise.models import Model

from handlers.appointments.booking import STATUS_ZH, book_appointment, cancel_appointment, my_appointments
from handlers.forms.definitions import APPOINTMENT_FORM, APPOINTMENT_PURPOSES
from orm_models.appointments import APPOINTMENT_STATUSES

from api.registry import Call, Routes
from api.schemas import Out, Timestamp

routes = Routes("预约", "预约到县市创业服务窗口办事")


class AppointmentOut(Out):
    id: int
    window_id: int
    window_name: str | None = Field(None, description="窗口名称")
    start: Timestamp
    end: Timestamp
    purpose: Literal[APPOINTMENT_PURPOSES]  # type: ignore[valid-type]
    name: str
    phone_masked: str = Field(description="手机号（打码）")
    status: Literal[APPOINTMENT_STATUSES] = Field(description="booked 已预约，checked_in 已签到，cancelled 已取消，no_show 未到场")  # type: ignore[valid-type]
    status_text: str
    code: str = Field(description="签到码，到窗口时出示")


class AppointmentOne(Out):
    appointment: AppointmentOut


class AppointmentList(Out):
    appointments: list[AppointmentOut] = Field(description="最近的预约在前")


def appointment_out(appt: Any) -> dict[str, Any]:
    window = getattr(appt, "window", None)
    return {"id": appt.id, "window_id": appt.window_id, "window_name": window.name if isinstance(window, Model) else None,
            "start": appt.start, "end": appt.end, "purpose": appt.purpose, "name": appt.name,
            "phone_masked": appt.phone_masked, "status": appt.status, "status_text": STATUS_ZH.get(appt.status, ""),
            "code": appt.code}


@routes.post("/appointments", summary="预约窗口", auth="user", body=APPOINTMENT_FORM, response=AppointmentOne,
             status=201, errors={409: "时段已满（slot_full）、已预约过同一时段（duplicate），或未到期的预约已达上限"
                                      "（booking.max_upcoming_per_user，默认 2 个）、同一窗口同一天已有预约（limit）",
                                 422: "时段已过去、不办公或不存在，或其他字段有误"})
async def book(call: Call) -> dict:
    appt = await book_appointment(call.user.user_id, **call.body,
                                  max_upcoming=call.config.booking.max_upcoming_per_user)
    await appt.fetch_related("window")
    return {"appointment": appointment_out(appt)}


@routes.get("/appointments/mine", summary="我的预约", auth="user", response=AppointmentList)
async def mine(call: Call) -> dict:
    return {"appointments": [appointment_out(a) for a in await my_appointments(call.user.user_id)]}


@routes.post("/appointments/{id}/cancel", summary="取消预约", auth="user", response=AppointmentOne,
             errors={404: "不是自己的预约或预约不存在（not_found）",
                     409: "已签到、已取消或已过时间的预约不能取消（not_allowed）"})
async def cancel(call: Call) -> dict:
    return {"appointment": appointment_out(await cancel_appointment(call.user.user_id, call.path["id"]))}
